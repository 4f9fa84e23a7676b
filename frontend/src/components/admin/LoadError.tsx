import { describeError } from "../../api/client";
import { traceIdOf } from "../../api/reference";
import { ErrorReference } from "../ErrorReference";

/** A list that could not be loaded: what happened and a way to try again. */
export function LoadError({ what, error, onRetry }: { what: string; error: unknown; onRetry(): void }) {
  return (
    <div className="tasks__state tasks__state--error" role="alert">
      <p className="tasks__state-title">{what} could not be loaded</p>
      <p>{describeError(error)}</p>
      <ErrorReference traceId={traceIdOf(error)} />
      <button type="button" className="btn btn--secondary" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
