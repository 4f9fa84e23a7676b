import { useCallback, useEffect, useState } from "react";
import { ApiError, describeError, type ApiClient } from "../api/client";
import type { Me } from "../api/types";

export type MeState =
  | { status: "loading" }
  | { status: "ready"; me: Me }
  | { status: "error"; error: string; httpStatus: number };

/** `GET /api/me`, with a retry for the error state. */
export function useMe(api: ApiClient) {
  const [state, setState] = useState<MeState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    setState({ status: "loading" });
    api.me(ac.signal).then(
      (me) => setState({ status: "ready", me }),
      (err: unknown) => {
        if (!ac.signal.aborted) setState({ status: "error", error: describeError(err), httpStatus: err instanceof ApiError ? err.status : 0 });
      },
    );
    return () => ac.abort();
  }, [api, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, retry };
}
