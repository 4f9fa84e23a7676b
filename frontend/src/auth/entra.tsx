import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { InteractionStatus, type PublicClientApplication } from "@azure/msal-browser";
import { MsalProvider, useIsAuthenticated, useMsal } from "@azure/msal-react";
import { describeError } from "../api/client";
import type { EntraConfig } from "../config";
import { MicrosoftLogo } from "../components/MicrosoftLogo";
import { useGraphPhoto } from "../hooks/useGraphPhoto";
import { AuthContext, type Auth, type RenewalPrompt } from "./auth";
import { InteractionGate } from "./gate";
import { createTokenGetter, renewInteractively, SignedOutError, signIn, signOut, switchAccount, trySilentSignIn } from "./msal";
import { Renewal } from "./renewal";

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
  const { instance, inProgress } = useMsal();
  const signedIn = useIsAuthenticated();
  // The active account, never simply the first one cached: after a switch both are there.
  const msalAccount = signedIn ? instance.getActiveAccount() : null;
  const photoUrl = useGraphPhoto(msalAccount);
  // Silent token calls wait until MSAL has no interaction (login, redirect, popup) in progress.
  const gate = useMemo(() => new InteractionGate(), []);
  useEffect(() => gate.set(inProgress === InteractionStatus.None), [gate, inProgress]);
  const renewal = useMemo(() => new Renewal(), []);
  const getToken = useMemo(() => createTokenGetter(instance, [config.apiScope], gate, renewal), [instance, config.apiScope, gate, renewal]);
  const renewalPrompt = useRenewalPrompt(renewal, () => renewInteractively(instance, [config.apiScope], renewal, describeError));
  // A new tab or browser session with no cached account, while Entra may still have a session.
  useEffect(() => void trySilentSignIn(instance, config), [instance, config]);
  // Signed out (here or in another tab): calls waiting for a renewal fail instead of waiting forever.
  useEffect(() => {
    if (!signedIn) renewal.abandon(new SignedOutError());
  }, [signedIn, renewal]);

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
      switchAccount: () => void switchAccount(instance, config).catch(() => undefined),
      renewal: renewalPrompt,
      providerName: "Microsoft",
      identityNote: null,
      SignInPanel: MicrosoftSignInPanel,
      SignInButton: MicrosoftSignInButton,
    }),
    [account, busy, photoUrl, getToken, instance, config, renewalPrompt],
  );
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

/** The renewal notice's view of `renewal`, with the click handler that starts the interactive renewal. */
function useRenewalPrompt(renewal: Renewal, renew: () => Promise<void>): RenewalPrompt | null {
  const view = useSyncExternalStore(renewal.subscribe, renewal.current);
  return useMemo(
    () => (view ? { stepUp: view.claims !== undefined, error: view.error, busy: view.busy, renew: () => void renew() } : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- renew closes over stable values
    [view],
  );
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
