import { createContext, useCallback, useContext, useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { describeError } from "../api/client";
import { ROLES, type Role } from "../api/roles";
import type { LocalConfig } from "../config";
import { Link, navigate } from "../router";
import { AuthContext, type Account, type Auth } from "./auth";
import { LocalIdentity, type DevTenant } from "./localIdentity";

/** tools/localidentity's two development tenants, as the sign-in offers them (docs/multi-tenant.md). */
export const DEV_TENANTS: readonly { id: DevTenant; label: string; note: string }[] = [
  { id: "home", label: "Home", note: "the organization the API is registered in" },
  { id: "partner", label: "Partner", note: "another organization the API allows" },
];

/**
 * The development users offered by name in each tenant; any other name can be typed. alice of the partner tenant is
 * the same person as a guest there: the same oid, another tid, so the API keeps her data apart.
 */
export const DEV_USERS: Record<DevTenant, readonly { name: string; label: string }[]> = {
  home: [
    { name: "alice", label: "alice" },
    { name: "bob", label: "bob" },
  ],
  partner: [
    { name: "alice", label: "alice, as a guest" },
    { name: "carol", label: "carol" },
  ],
};

interface LocalSignInState {
  signIn(user: string, roles: readonly Role[], tenant: DevTenant): Promise<void>;
  busy: boolean;
  error: string | null;
}

const LocalSignInContext = createContext<LocalSignInState | null>(null);

/** Auth for local-identity mode: development users from tools/localidentity, never MSAL. */
export function LocalAuthProvider({ config, children }: { config: LocalConfig; children: ReactNode }) {
  const identity = useMemo(() => new LocalIdentity({ tokenPath: config.tokenPath }), [config.tokenPath]);
  const [account, setAccount] = useState<Account | null>(() => identity.account());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const signIn = useCallback(
    async (user: string, roles: readonly Role[], tenant: DevTenant) => {
      setError(null);
      setBusy(true);
      try {
        setAccount(await identity.signIn(user, roles, tenant));
      } catch (err) {
        setError(describeError(err));
      } finally {
        setBusy(false);
      }
    },
    [identity],
  );
  const getToken = useMemo(() => identity.getToken.bind(identity), [identity]);
  const auth = useMemo<Auth>(
    () => ({
      account,
      busy,
      photoUrl: null,
      getToken,
      signOut: async () => {
        identity.signOut();
        setAccount(null);
        navigate("/");
      },
      // Development identities are picked on the landing page; their tokens never need renewing by the user.
      switchAccount: null,
      renewal: null,
      providerName: "a development identity",
      identityNote: "Local development identity from tools/localidentity, not Microsoft Entra ID.",
      SignInPanel: LocalSignInPanel,
      SignInButton: LocalSignInButton,
    }),
    [account, busy, getToken, identity],
  );
  const signInState = useMemo(() => ({ signIn, busy, error }), [signIn, busy, error]);

  return (
    <AuthContext.Provider value={auth}>
      <LocalSignInContext.Provider value={signInState}>
        <p className="dev-banner" role="note">
          <strong>Local development mode.</strong> You are using a development identity from tools/localidentity, not
          Microsoft Entra ID.
        </p>
        {children}
      </LocalSignInContext.Provider>
    </AuthContext.Provider>
  );
}

function useLocalSignIn(): LocalSignInState {
  const s = useContext(LocalSignInContext);
  if (!s) throw new Error("local sign-in outside LocalAuthProvider");
  return s;
}

/**
 * Pick a tenant, then alice, bob (home), alice as a guest, carol (partner) or a typed name; the same name and tenant
 * are the same user as `make token USER=<name> TENANT=<tenant>`.
 */
function LocalSignInPanel() {
  const { signIn, busy, error } = useLocalSignIn();
  const [tenant, setTenant] = useState<DevTenant>("home");
  const [choice, setChoice] = useState(DEV_USERS.home[0]!.name);
  const [other, setOther] = useState("");
  const [roles, setRoles] = useState<Role[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();
  const user = choice === "other" ? other.trim() : choice;
  const toggleRole = (role: Role, on: boolean) =>
    setRoles((rs) => ROLES.filter((r) => (r === role ? on : rs.includes(r))));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (user === "") {
      setProblem("Type a name for the development user.");
      return;
    }
    setProblem(null);
    void signIn(user, roles, tenant);
  };
  const chooseTenant = (t: DevTenant) => {
    setTenant(t);
    // The other tenant's first user, unless a typed name is chosen (it is kept).
    if (choice !== "other") setChoice(DEV_USERS[t][0]!.name);
  };

  return (
    <form className="local-sign-in card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Sign in for local development</h2>
      <p>
        No Microsoft Entra tenant is configured, so this is local development mode: you sign in as a development user whose
        tokens come from tools/localidentity and pass the API's full token check.
      </p>
      <fieldset className="local-sign-in__users">
        <legend>Organization (tenant)</legend>
        {DEV_TENANTS.map((t) => (
          <label key={t.id} className="local-sign-in__choice">
            <input type="radio" name={`${id}-tenant`} value={t.id} checked={tenant === t.id} onChange={() => chooseTenant(t.id)} />
            {t.label} <span className="muted small">({t.note})</span>
          </label>
        ))}
      </fieldset>
      <fieldset className="local-sign-in__users">
        <legend>Development user</legend>
        {DEV_USERS[tenant].map(({ name, label }) => (
          <label key={name} className="local-sign-in__choice">
            <input type="radio" name={`${id}-user`} value={name} checked={choice === name} onChange={() => setChoice(name)} />
            {label}
          </label>
        ))}
        <label className="local-sign-in__choice">
          <input type="radio" name={`${id}-user`} value="other" checked={choice === "other"} onChange={() => setChoice("other")} />
          Someone else
        </label>
        <label htmlFor={`${id}-other`} className="visually-hidden">
          Another development user's name
        </label>
        <input
          id={`${id}-other`}
          className="input"
          placeholder="Another name"
          value={other}
          maxLength={64}
          autoComplete="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
          // Typing a name chooses "Someone else"; focus alone does not: a keyboard user tabs through this box
          // on the way to the button, and focus used to switch alice to an empty "Someone else" (issue 30, finding 10).
          onChange={(e) => {
            setOther(e.target.value);
            if (e.target.value.trim() !== "") setChoice("other");
          }}
        />
      </fieldset>
      <fieldset className="local-sign-in__users" aria-describedby={`${id}-roles-hint`}>
        <legend>App roles</legend>
        {ROLES.map((role) => (
          <label key={role} className="local-sign-in__choice">
            <input type="checkbox" checked={roles.includes(role)} onChange={(e) => toggleRole(role, e.target.checked)} />
            {role}
          </label>
        ))}
        <p id={`${id}-roles-hint`} className="muted small">
          None ticked: the token has no roles claim, which the API treats as Editor.
        </p>
      </fieldset>
      <button type="submit" className="btn btn--primary btn--lg" disabled={busy}>
        Sign in for local development
      </button>
      {(problem ?? error) && (
        <p id={`${id}-problem`} className="form-error" role="alert">
          {problem ?? error}
        </p>
      )}
      <p className="muted small">
        The same name is the same user everywhere: {user || "a name"} here is{" "}
        <code>
          make token USER={user || "name"}
          {roles.length > 0 ? ` ROLES=${roles.join(",")}` : ""}
          {tenant !== "home" ? ` TENANT=${tenant}` : ""}
        </code>
        .
      </p>
    </form>
  );
}

/** The landing page holds the user picker; the compact control leads there. */
function LocalSignInButton({ small }: { small?: boolean }) {
  return (
    <Link href="/" className={`btn ${small ? "btn--sm btn--primary" : "btn--ghost"}`}>
      Sign in
    </Link>
  );
}
