import { useEffect } from "react";

/**
 * While `active`, asks the browser to confirm leaving the page (reload, close, navigate away).
 * Leaving cancels requests still in flight, so a change the screen already shows could never
 * reach the server; this gives the user the chance to wait for it.
 */
export function useWarnBeforeLeaving(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [active]);
}
