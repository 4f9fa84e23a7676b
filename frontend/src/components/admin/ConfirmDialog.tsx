import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from "react";
import type { Failure } from "../../api/reference";
import { ErrorReference } from "../ErrorReference";

interface Props {
  title: string;
  children: ReactNode;
  /** The destructive action's button text, e.g. "Erase 3 tasks". */
  confirmLabel: string;
  /** The action is under way: both buttons wait, Escape does nothing. */
  busy: boolean;
  /** The confirm button's text while busy, e.g. "Erasing…". */
  busyLabel: string;
  /** Why the last attempt failed (and its reference); the dialog stays open to try again. */
  error: Failure | null;
  onConfirm(): void;
  onCancel(): void;
  /**
   * Where focus goes on close, read at close: null gives it back to the control that opened the
   * dialog (or, when that is gone, the element this returns for `gone`).
   */
  focusAfter(outcome: "opener-gone" | "closed"): HTMLElement | null;
}

const FOCUSABLE = "button:not([disabled]), [href], input:not([disabled]), [tabindex]:not([tabindex='-1'])";

/**
 * A modal confirmation for something that cannot be undone. Rendered only while open: it opens
 * with focus on Cancel (the safe choice), keeps Tab inside, closes on Escape, and gives focus back
 * to the control that opened it.
 */
export function ConfirmDialog({ title, children, confirmLabel, busy, busyLabel, error, onConfirm, onCancel, focusAfter }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const busyRef = useRef(busy);
  busyRef.current = busy;
  const focusAfterRef = useRef(focusAfter);
  focusAfterRef.current = focusAfter;
  const id = useId();
  const errorRef = useRef<HTMLDivElement>(null);

  // A failure whose focus was lost anyway (the user clicked elsewhere meanwhile) takes focus to its
  // message, so a screen reader user hears it and Tab goes on from inside the dialog.
  useEffect(() => {
    if (error && !dialog.current?.contains(document.activeElement)) errorRef.current?.focus();
  }, [error]);

  useEffect(() => {
    const d = dialog.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // showModal makes the rest of the page inert; without it (older engines) the dialog is still shown.
    if (d && !d.open) {
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
    }
    cancel.current?.focus();
    return () => {
      if (d?.open) d.close();
      const chosen = focusAfterRef.current(opener?.isConnected ? "closed" : "opener-gone");
      (chosen ?? (opener?.isConnected ? opener : null))?.focus();
    };
  }, []);

  const requestCancel = () => {
    if (!busyRef.current) onCancel();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      requestCancel();
      return;
    }
    if (e.key !== "Tab" || !dialog.current) return;
    const items = [...dialog.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const firstItem = items[0];
    const lastItem = items[items.length - 1];
    if (!firstItem || !lastItem) return;
    if (e.shiftKey && document.activeElement === firstItem) {
      e.preventDefault();
      lastItem.focus();
    } else if (!e.shiftKey && document.activeElement === lastItem) {
      e.preventDefault();
      firstItem.focus();
    }
  };

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onKeyDown={onKeyDown}
      onCancel={(e) => {
        // The browser's own Escape: the parent decides whether the dialog closes.
        e.preventDefault();
        requestCancel();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <div id={`${id}-body`}>{children}</div>
      {error && (
        <div ref={errorRef} className="form-error" role="alert" tabIndex={-1}>
          <p>{error.message}</p>
          <ErrorReference traceId={error.traceId} />
        </div>
      )}
      <div className="confirm-dialog__actions">
        <button ref={cancel} type="button" className="btn btn--secondary" onClick={requestCancel} disabled={busy}>
          Cancel
        </button>
        {/* aria-disabled, not disabled, while busy: a disabled button drops the focus it has, and after a
            failure the user was left nowhere (issue 30, finding 9); here Enter again retries. */}
        <button
          type="button"
          className="btn btn--danger"
          onClick={() => {
            if (!busyRef.current) onConfirm();
          }}
          aria-disabled={busy || undefined}
        >
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
