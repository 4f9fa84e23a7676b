import { useCallback, useState } from "react";
import { InteractionStatus } from "@azure/msal-browser";
import { useMsal } from "@azure/msal-react";
import { describeError } from "../api/client";
import { signIn } from "../auth/msal";
import { useServices } from "../services";

/** Popup sign-in (redirect when popups are blocked), with a user-readable error. */
export function useSignIn() {
  const { instance, inProgress } = useMsal();
  const { config } = useServices();
  const [error, setError] = useState<string | null>(null);
  const start = useCallback(async () => {
    setError(null);
    try {
      await signIn(instance, config);
    } catch (err) {
      setError(describeError(err));
    }
  }, [instance, config]);
  return { start, error, busy: inProgress !== InteractionStatus.None };
}
