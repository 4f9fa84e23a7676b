import { useEffect, useRef } from "react";
import { createPortal } from "react-dom";
import { useAuth } from "./auth";
import "./RenewalNotice.css";

/**
 * Shown while API calls wait for the user to renew their sign-in (see auth/renewal.ts). Nothing on the page is
 * lost: the waiting calls go on with the new token. The button opens the sign-in popup from the click itself,
 * which is the only time a browser lets a page open one.
 */
export function RenewalNotice() {
  const { renewal } = useAuth();
  const button = useRef<HTMLButtonElement>(null);
  // A modal dialog (the admin erase's confirmation, still open while its call waits here for a step-up) makes the
  // rest of the page inert: the notice goes inside it, or its button could not be used at all; and there, with the
  // dialog's own buttons disabled while they wait, focus goes to the one thing left to do.
  const modal = renewal ? topModalDialog() : null;
  useEffect(() => {
    if (modal) button.current?.focus();
  }, [modal]);
  if (!renewal) return null;
  const notice = (
    <div className="renewal-notice" role="alert">
      <p>
        <strong>{renewal.stepUp ? "This needs a stronger sign-in." : "Your sign-in has expired."}</strong>{" "}
        {renewal.stepUp
          ? "Confirm it's you (for example with multi-factor authentication) to continue."
          : "Sign in again to continue."}{" "}
        Your changes and unsaved text stay on this page.
      </p>
      <button ref={button} type="button" className="btn btn--primary btn--sm" onClick={renewal.renew} disabled={renewal.busy}>
        {renewal.busy ? "Waiting for sign-in…" : "Sign in again"}
      </button>
      {renewal.error && <p className="form-error">{renewal.error}</p>}
    </div>
  );
  return modal ? createPortal(notice, modal) : notice;
}

/** The open modal dialog on top (showModal), if any. */
function topModalDialog(): HTMLDialogElement | null {
  try {
    const open = [...document.querySelectorAll<HTMLDialogElement>("dialog[open]")].filter((d) => d.matches(":modal"));
    return open.at(-1) ?? null;
  } catch {
    return null; // an engine without :modal (jsdom) has no inert page either
  }
}
