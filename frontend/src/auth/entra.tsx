import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { InteractionStatus, type PublicClientApplication } from "@azure/msal-browser";
import { MsalProvider, useIsAuthenticated, useMsal } from "@azure/msal-react";
import { describeError } from "../api/client";
import type { EntraConfig } from "../config";
import { MicrosoftLogo } from "../components/MicrosoftLogo";
import { useGraphPhoto } from "../hooks/useGraphPhoto";
import { AuthContext, type Auth } from "./auth";
import { InteractionGate } from "./gate";
import { createTokenGetter, signIn, signOut } from "./msal";

const EntraConfigContext = createContext<EntraConfig | null>(null);

/** Auth with Microsoft Entra ID through MSAL: the deployed app, and local runs with a tenant. */
export function EntraAuthProvider({ config, pca, children }: { config: EntraConfig; pca: PublicClientApplication; children: ReactNode }) {
  return (
    <MsalProvider instance={pca}>
      <EntraConfigContext.Provider value={config}>
        <EntraAuth config={config}>{children}</EntraAuth>
      </EntraConfigContext.Provider>
    </MsalProvider>
  );
}

function EntraAuth({ config, children }: { config: EntraConfig; children: ReactNode }) {
  const { instance, inProgress, accounts } = useMsal();
  const signedIn = useIsAuthenticated();
  const msalAccount = signedIn ? (instance.getActiveAccount() ?? accounts[0] ?? null) : null;
  const photoUrl = useGraphPhoto(msalAccount);
  // Silent token calls wait until MSAL has no interaction (login, redirect, popup) in progress.
  const gate = useMemo(() => new InteractionGate(), []);
  useEffect(() => gate.set(inProgress === InteractionStatus.None), [gate, inProgress]);
  const getToken = useMemo(() => createTokenGetter(instance, [config.apiScope], gate), [instance, config.apiScope, gate]);

  // A new object only when who is signed in changes, so consumers do not re-render for nothing.
  const hasAccount = msalAccount !== null;
  const name = msalAccount?.name ?? "";
  const username = msalAccount?.username ?? "";
  const account = useMemo(() => (hasAccount ? { name, username } : null), [hasAccount, name, username]);
  const busy = inProgress !== InteractionStatus.None;
  const auth = useMemo<Auth>(
    () => ({
      account,
      busy,
      photoUrl,
      getToken,
      signOut: () => signOut(instance),
      providerName: "Microsoft",
      identityNote: null,
      SignInPanel: MicrosoftSignInPanel,
      SignInButton: MicrosoftSignInButton,
    }),
    [account, busy, photoUrl, getToken, instance],
  );
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

/** Popup sign-in (redirect when popups are blocked), with a user-readable error. */
function useMicrosoftSignIn() {
  const { instance, inProgress } = useMsal();
  const config = useContext(EntraConfigContext);
  const [error, setError] = useState<string | null>(null);
  const start = useCallback(async () => {
    if (!config) return;
    setError(null);
    try {
      await signIn(instance, config);
    } catch (err) {
      setError(describeError(err));
    }
  }, [instance, config]);
  return { start, error, busy: inProgress !== InteractionStatus.None };
}

function MicrosoftSignInPanel() {
  const { start, error, busy } = useMicrosoftSignIn();
  return (
    <>
      <button type="button" className="btn btn--primary btn--lg" onClick={start} disabled={busy}>
        <MicrosoftLogo /> Sign in with Microsoft
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function MicrosoftSignInButton({ small }: { small?: boolean }) {
  const { start, error, busy } = useMicrosoftSignIn();
  return (
    <>
      <button type="button" className={`btn ${small ? "btn--sm btn--primary" : "btn--ghost"}`} onClick={start} disabled={busy}>
        Sign in
      </button>
      {error && (
        <span className="form-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
