import { useCallback, useEffect, useMemo, useState } from "react";
import { NAV_EVENT, navigate } from "../router";

/**
 * What the task list shows, kept in the address (`?q=milk&done=false`, the API's own parameter names), so that a
 * reload, a bookmark or Back shows the same list.
 */
export interface ListParams {
  /** Search text; "" for none. */
  q: string;
  /** Hide done tasks (`done=false`). */
  hideDone: boolean;
}

/** The list parameters in `search` (a location's `?...`). Unknown parameters are left alone. */
export function readListParams(search: string): ListParams {
  const p = new URLSearchParams(search);
  return { q: (p.get("q") ?? "").trim(), hideDone: p.get("done") === "false" };
}

/** `search` with the list parameters replaced by `params` (other parameters kept), as `?...` or "". */
export function writeListParams(search: string, params: ListParams): string {
  const p = new URLSearchParams(search);
  const q = params.q.trim();
  if (q) p.set("q", q);
  else p.delete("q");
  if (params.hideDone) p.set("done", "false");
  else p.delete("done");
  const s = p.toString();
  return s ? `?${s}` : "";
}

/**
 * The task list's parameters from the address, and a setter that writes them there. Each change is a history entry
 * (the user asked for a search or a filter, and Back undoes it); the router's `navigate` tells the rest of the app.
 */
export function useListParams(): [ListParams, (next: Partial<ListParams>) => void] {
  const [search, setSearch] = useState(() => window.location.search);
  useEffect(() => {
    const update = () => setSearch(window.location.search);
    window.addEventListener("popstate", update);
    window.addEventListener(NAV_EVENT, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAV_EVENT, update);
    };
  }, []);
  // Read in the render that follows the change, not in an effect after it: the "Hide done tasks" box is controlled by
  // params.hideDone, and React puts a controlled box back to its current value right after the click. Through an
  // effect the box showed the old value for a render after the click (a browser test's `check()` saw it unchanged).
  // One object per distinct value, so that a list keyed on it reloads only when the parameters change.
  const { q, hideDone } = readListParams(search);
  const params = useMemo(() => ({ q, hideDone }), [q, hideDone]);

  const set = useCallback((change: Partial<ListParams>) => {
    const current = readListParams(window.location.search);
    const to = window.location.pathname + writeListParams(window.location.search, { ...current, ...change });
    navigate(to);
  }, []);
  return [params, set];
}
