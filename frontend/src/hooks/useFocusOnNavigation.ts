import { useEffect, useRef } from "react";

/**
 * Moves keyboard and screen-reader focus to the page's heading when the page changes (a route
 * change, or a sign-in that swaps the sign-in button for the signed-in page), instead of leaving it
 * on an element that is gone (the browser then drops it to <body>). Not on the first render: a
 * fresh page load starts at the top, as the browser does.
 */
export function useFocusOnNavigation(path: string, signedIn: boolean): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // After the new page has rendered (a lazy page may render its heading a little later).
    const frame = requestAnimationFrame(() => {
      const main = document.getElementById("main");
      const heading = main?.querySelector<HTMLElement>("h1");
      const target = heading ?? main;
      if (!target) return;
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: false });
    });
    return () => cancelAnimationFrame(frame);
  }, [path, signedIn]);
}
