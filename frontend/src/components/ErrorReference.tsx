import { useEffect, useRef, useState } from "react";
import { isTraceId } from "../api/reference";

/** How long "Copied" stays after a copy: long enough to read, gone before the next error could need it. */
const STATUS_MS = 5000;

type CopyStatus = "" | "copied" | "selected";

const STATUS_TEXT: Record<CopyStatus, string> = {
  "": "",
  copied: "Copied",
  selected: "Selected: copy it with Ctrl+C (⌘C), or from the menu.",
};

/**
 * "Reference: <trace id>" under an error, with a Copy button, so a user can quote it to support and the person on
 * call finds the request (issue 28). Renders nothing unless `traceId` is a valid W3C trace id: whatever else an
 * error body carries is never shown here.
 *
 * Copy uses the Clipboard API; where that is missing or refused (an insecure origin, a denied permission) the id is
 * selected instead, for the user to copy. Either outcome is said in a polite status, which exists before it
 * changes so screen readers announce it.
 */
export function ErrorReference({ traceId }: { traceId: string | undefined }) {
  const idRef = useRef<HTMLElement>(null);
  const [status, setStatus] = useState<CopyStatus>("");

  useEffect(() => {
    if (!status) return;
    const timer = setTimeout(() => setStatus(""), STATUS_MS);
    return () => clearTimeout(timer);
  }, [status]);

  if (!isTraceId(traceId)) return null;

  const copy = async () => {
    setStatus("");
    try {
      // navigator.clipboard is undefined outside a secure context (https, localhost).
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(traceId);
      setStatus("copied");
    } catch {
      const el = idRef.current;
      if (el) window.getSelection()?.selectAllChildren(el);
      setStatus("selected");
    }
  };

  return (
    <div className="error-ref">
      <span className="error-ref__text">
        Reference:{" "}
        <code ref={idRef} className="error-ref__id">
          {traceId}
        </code>
      </span>
      <button type="button" className="btn btn--secondary btn--sm error-ref__copy" aria-label="Copy reference" onClick={() => void copy()}>
        Copy
      </button>
      <span role="status" className="error-ref__status">
        {STATUS_TEXT[status]}
      </span>
    </div>
  );
}
