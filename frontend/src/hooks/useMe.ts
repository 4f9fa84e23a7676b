import { useCallback, useEffect, useState } from "react";
import { ApiError, describeError, type ApiClient } from "../api/client";
import { traceIdOf } from "../api/reference";
import type { Me } from "../api/types";

export type MeState =
  /** Nothing asked: nobody is signed in, or no page has needed it yet. */
  | { status: "idle" }
  | { status: "loading" }
  | { status: "ready"; me: Me }
  | { status: "error"; error: string; httpStatus: number; traceId?: string | undefined };

/**
 * `GET /api/me` for the signed-in user `who` (null: nothing is asked), asked again when `who`
 * changes and on retry.
 */
export function useMe(api: ApiClient, who: string | null) {
  // Each answer remembers whom it is about: in the render where `who` has just changed, before the
  // effect below runs, the previous user's answer (or "idle") must not be shown as current.
  const [answer, setAnswer] = useState<{ who: string | null; state: MeState }>({ who: null, state: { status: "idle" } });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (who === null) {
      setAnswer({ who, state: { status: "idle" } });
      return;
    }
    const ac = new AbortController();
    setAnswer({ who, state: { status: "loading" } });
    api.me(ac.signal).then(
      (me) => setAnswer({ who, state: { status: "ready", me } }),
      (err: unknown) => {
        if (!ac.signal.aborted)
          setAnswer({ who, state: { status: "error", error: describeError(err), httpStatus: err instanceof ApiError ? err.status : 0, traceId: traceIdOf(err) } });
      },
    );
    return () => ac.abort();
  }, [api, who, attempt]);

  const state: MeState =
    answer.who === who ? answer.state : who === null ? { status: "idle" } : { status: "loading" };
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, retry };
}
