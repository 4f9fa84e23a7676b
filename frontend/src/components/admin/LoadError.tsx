import { describeError } from "../../api/client";

/** A list that could not be loaded: what happened and a way to try again. */
export function LoadError({ what, error, onRetry }: { what: string; error: unknown; onRetry(): void }) {
  return (
    <div className="tasks__state tasks__state--error" role="alert">
      <p className="tasks__state-title">{what} could not be loaded</p>
      <p>{describeError(error)}</p>
      <button type="button" className="btn btn--secondary" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
