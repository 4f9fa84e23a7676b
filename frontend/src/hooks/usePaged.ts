import { useCallback, useEffect, useRef, useState } from "react";
import type { PageParams } from "../api/client";
import { failure, type Failure } from "../api/reference";
import type { Page } from "../api/types";

export interface PagedState<T> {
  status: "loading" | "ready" | "error";
  items: T[];
  /** The cursor for the next page; undefined on the last page. */
  next: string | undefined;
  loadingMore: boolean;
  /** The first page's failure, as thrown (a caller may look at its status or problem). */
  error: unknown;
  /** Why the last "load more" failed, in words (and its reference); the items already shown stay. */
  moreError: Failure | undefined;
}

export type PageLoader<T> = (params: PageParams, signal?: AbortSignal) => Promise<Page<T>>;

const first = <T,>(): PagedState<T> => ({
  status: "loading",
  items: [],
  next: undefined,
  loadingMore: false,
  error: undefined,
  moreError: undefined,
});

/**
 * A list read page by page (`{items, next}`): the first page when `load` or `version` changes,
 * the following ones on `loadMore`. `load` must be stable (useCallback).
 */
export function usePaged<T>(load: PageLoader<T>, pageSize: number, version = 0) {
  const [state, setState] = useState<PagedState<T>>(first);
  const stateRef = useRef(state);
  stateRef.current = state;
  const [attempt, setAttempt] = useState(0);
  // Which first page the shown items belong to: a later page asked for before a reload is dropped.
  const generation = useRef(0);

  useEffect(() => {
    const ac = new AbortController();
    generation.current++;
    setState(first());
    load({ limit: pageSize }, ac.signal).then(
      (page) => setState({ ...first<T>(), status: "ready", items: page.items, next: page.next }),
      (err: unknown) => {
        if (!ac.signal.aborted) setState({ ...first<T>(), status: "error", error: err });
      },
    );
    return () => ac.abort();
  }, [load, pageSize, version, attempt]);

  const loadMore = useCallback(async () => {
    const { next, loadingMore } = stateRef.current;
    if (!next || loadingMore) return;
    const gen = generation.current;
    setState((s) => ({ ...s, loadingMore: true, moreError: undefined }));
    try {
      const page = await load({ limit: pageSize, next });
      if (gen !== generation.current) return;
      setState((s) => ({ ...s, loadingMore: false, items: [...s.items, ...page.items], next: page.next }));
    } catch (err) {
      if (gen !== generation.current) return;
      setState((s) => ({ ...s, loadingMore: false, moreError: failure(err) }));
    }
  }, [load, pageSize]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, loadMore, reload };
}
