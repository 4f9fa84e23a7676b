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
    // After the new page has rendered; a lazy page (/docs) renders its heading a little later.
    const main = document.getElementById("main");
    if (!main) return;
    const focusHeading = () => {
      const heading = main.querySelector<HTMLElement>("h1");
      if (!heading) return false;
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus();
      return true;
    };
    const frame = requestAnimationFrame(() => {
      if (focusHeading()) return;
      main.focus(); // meanwhile, at least not <body>
      observer.observe(main, { childList: true, subtree: true });
    });
    const observer = new MutationObserver(() => focusHeading() && observer.disconnect());
    const giveUp = setTimeout(() => observer.disconnect(), 10_000);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      clearTimeout(giveUp);
    };
  }, [path, signedIn]);
}
