import { useCallback, useEffect, useState } from "react";
import { describeError, type ApiClient } from "../api/client";
import type { Me } from "../api/types";

export type MeState =
  | { status: "signed-out" }
  | { status: "loading" }
  | { status: "ready"; me: Me }
  | { status: "error"; error: string };

/**
 * `GET /api/me` for the signed-in user `who` (null: nobody, nothing is asked), asked again when
 * `who` changes and on retry.
 */
export function useMe(api: ApiClient, who: string | null) {
  // Each answer remembers whom it is about: in the render where `who` has just changed, before the
  // effect below runs, the previous user's answer (or "signed out") must not be shown as current.
  const [answer, setAnswer] = useState<{ who: string | null; state: MeState }>({ who: null, state: { status: "signed-out" } });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (who === null) {
      setAnswer({ who, state: { status: "signed-out" } });
      return;
    }
    const ac = new AbortController();
    setAnswer({ who, state: { status: "loading" } });
    api.me(ac.signal).then(
      (me) => setAnswer({ who, state: { status: "ready", me } }),
      (err: unknown) => {
        if (!ac.signal.aborted) setAnswer({ who, state: { status: "error", error: describeError(err) } });
      },
    );
    return () => ac.abort();
  }, [api, who, attempt]);

  const state: MeState =
    answer.who === who ? answer.state : who === null ? { status: "signed-out" } : { status: "loading" };
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, retry };
}
