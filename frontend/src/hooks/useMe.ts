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
  const [state, setState] = useState<MeState>(who === null ? { status: "signed-out" } : { status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (who === null) {
      setState({ status: "signed-out" });
      return;
    }
    const ac = new AbortController();
    setState({ status: "loading" });
    api.me(ac.signal).then(
      (me) => setState({ status: "ready", me }),
      (err: unknown) => {
        if (!ac.signal.aborted) setState({ status: "error", error: describeError(err) });
      },
    );
    return () => ac.abort();
  }, [api, who, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, retry };
}
