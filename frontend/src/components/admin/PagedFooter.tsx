import type { PagedState } from "../../hooks/usePaged";
import { ErrorReference } from "../ErrorReference";

/** "Load more" under a paged list, and why the last attempt failed. */
export function PagedFooter<T>({ state, onMore, what }: { state: PagedState<T>; onMore(): void; what: string }) {
  return (
    <>
      {state.moreError && (
        <div className="form-error" role="alert">
          <p>
            Could not load more {what}. {state.moreError.message}
          </p>
          <ErrorReference traceId={state.moreError.traceId} />
        </div>
      )}
      {state.status === "ready" && state.next && (
        <button type="button" className="btn btn--secondary btn--block" onClick={onMore} disabled={state.loadingMore}>
          {state.loadingMore ? "Loading…" : `Load more ${what}`}
        </button>
      )}
    </>
  );
}
