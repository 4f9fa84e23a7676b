import { createContext, Fragment, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { InteractionStatus, type AccountInfo, type PublicClientApplication } from "@azure/msal-browser";
import { MsalStateProvider, useMsal } from "./msalState";
import { describeError } from "../api/client";
import type { EntraConfig } from "../config";
import { MicrosoftLogo } from "../components/MicrosoftLogo";
import { useGraphPhoto } from "../hooks/useGraphPhoto";
import { AuthContext, type Auth, type RenewalPrompt } from "./auth";
import { InteractionGate } from "./gate";
import { ActiveAccountStore } from "./activeAccount";
import { createTokenGetter, redirectError, renewInteractively, SignedOutError, signIn, signOut, switchAccount, trySilentSignIn } from "./msal";
import { Renewal } from "./renewal";

const EntraConfigContext = createContext<EntraConfig | null>(null);
/** Why the redirect sign-in this page came back from failed, for the sign-in panel (null when it did not), and how to forget it. */
const RedirectErrorContext = createContext<{ message: string | null; clear(): void }>({ message: null, clear: () => undefined });

/** Auth with Microsoft Entra ID through MSAL: the deployed app, and local runs with a tenant. */
export function EntraAuthProvider({ config, pca, children }: { config: EntraConfig; pca: PublicClientApplication; children: ReactNode }) {
  return (
    <MsalStateProvider instance={pca}>
      <EntraConfigContext.Provider value={config}>
        <EntraAuth config={config}>{children}</EntraAuth>
      </EntraConfigContext.Provider>
    </MsalStateProvider>
  );
}

function EntraAuth({ config, children }: { config: EntraConfig; children: ReactNode }) {
  const { instance, inProgress } = useMsal();
  // The active account, never simply the first one cached (after a switch both are there), followed through MSAL's
  // events and storage changes from every tab: what is on screen is what the token getter uses.
  const store = useMemo(() => new ActiveAccountStore(instance), [instance]);
  const active = useSyncExternalStore(store.subscribe, store.current);
  // Nothing is signed in until MSAL's start-up (redirect handling) has finished.
  const msalAccount = inProgress === InteractionStatus.Startup ? null : active;
  const signedIn = msalAccount !== null;
  const photoUrl = useGraphPhoto(msalAccount);
  // Silent token calls wait until MSAL has no interaction (login, redirect, popup) in progress.
  const gate = useMemo(() => new InteractionGate(), []);
  useEffect(() => gate.set(inProgress === InteractionStatus.None), [gate, inProgress]);
  const renewal = useMemo(() => new Renewal(), []);
  const getToken = useMemo(
    () => createTokenGetter(instance, [config.apiScope], gate, renewal, store.current),
    [instance, config.apiScope, gate, renewal, store],
  );
  const renewalPrompt = useRenewalPrompt(renewal, () => renewInteractively(instance, [config.apiScope], renewal, describeError));
  // A new tab or browser session with no cached account, while Entra may still have a session.
  useEffect(() => void trySilentSignIn(instance, config), [instance, config]);
  const [redirectFailure, setRedirectFailure] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void redirectError(instance).then((err) => live && err !== null && setRedirectFailure(describeError(err)));
    return () => {
      live = false;
    };
  }, [instance]);
  // Signed out, or another account now (here or in another tab): calls waiting for a renewal fail instead of
  // waiting forever, or running as someone else.
  const homeAccountId = msalAccount?.homeAccountId ?? null;
  useEffect(() => {
    renewal.abandon(new SignedOutError());
  }, [homeAccountId, renewal]);
  // A renewal by redirect that failed ends on a page that is still signed in: the notice says why.
  useEffect(() => {
    if (redirectFailure && signedIn) renewal.report(redirectFailure);
  }, [redirectFailure, signedIn, renewal]);
  const generation = useAccountGeneration(msalAccount);
  const redirectErrorView = useMemo(
    () => ({ message: signedIn ? null : redirectFailure, clear: () => setRedirectFailure(null) }),
    [signedIn, redirectFailure],
  );

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
  return (
    <AuthContext.Provider value={auth}>
      <RedirectErrorContext.Provider value={redirectErrorView}>
        {/* A new tree for another account: no list, form or cached answer of the previous one survives. */}
        <Fragment key={generation}>{children}</Fragment>
      </RedirectErrorContext.Provider>
    </AuthContext.Provider>
  );
}

/** Counts switches from one signed-in account to another (not sign-in or sign-out, which keep the page's state). */
function useAccountGeneration(account: AccountInfo | null): number {
  const last = useRef<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const id = account?.homeAccountId ?? null;
  useEffect(() => {
    if (id !== null && last.current !== null && id !== last.current) setGeneration((g) => g + 1);
    if (id !== null) last.current = id;
  }, [id]);
  return generation;
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
  const { start: startSignIn, error: clickError, busy } = useMicrosoftSignIn();
  // A redirect sign-in (popup blocked) ends on a new page load: its error is shown here, where sign-in is offered,
  // until the next attempt.
  const redirect = useContext(RedirectErrorContext);
  const error = clickError ?? redirect.message;
  const start = () => {
    redirect.clear();
    void startSignIn();
  };
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
