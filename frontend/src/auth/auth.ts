import { createContext, useContext, type ComponentType } from "react";
import type { TokenGetter } from "./token";

/** The signed-in user as the app shows them. */
export interface Account {
  name: string;
  username: string;
}

/**
 * The app's one view of sign-in. There are two implementations, and main.tsx picks one at
 * start-up from config.json (auth/start.tsx): Microsoft Entra ID through MSAL (auth/entra.tsx),
 * and development users from tools/localidentity when no tenant is configured (auth/local.tsx).
 * Nothing outside src/auth knows which one is in use.
 *
 * Roles are not part of sign-in: the API reads them from the token and reports them in
 * `GET /api/me` (src/access.tsx), whichever implementation signed the user in.
 */
export interface Auth {
  /** The signed-in user, or null. */
  account: Account | null;
  /** A sign-in, renewal or sign-out is under way: wait rather than offer sign-in again. */
  busy: boolean;
  /** The user's photo for the avatar, or null (initials are shown). */
  photoUrl: string | null;
  /** A token for the API; a fresh one when `forceRefresh` (after a 401). */
  getToken: TokenGetter;
  signOut(): Promise<void>;
  /** Sign in as another account (from a click), or null where there is none to switch to. */
  switchAccount: (() => void) | null;
  /** A renewal only the user can complete (RenewalNotice offers it), or null. */
  renewal: RenewalPrompt | null;
  /** Who signs the user in, for headings: "Microsoft", "a development identity". */
  providerName: string;
  /** Said beside the account in its menu when it is not a real identity, else null. */
  identityNote: string | null;
  /** The full sign-in offer (landing page, protected pages). */
  SignInPanel: ComponentType;
  /** The compact sign-in control (navbar, docs page). */
  SignInButton: ComponentType<{ small?: boolean }>;
}

/** API calls wait while the user's sign-in needs renewing; `renew` must be called from a click (it opens a popup). */
export interface RenewalPrompt {
  /** The renewal must satisfy a claims challenge (a stronger sign-in asked for by Entra or the API). */
  stepUp: boolean;
  /** Why the last attempt failed, or null. */
  error: string | null;
  busy: boolean;
  renew(): void;
}

export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside an auth provider");
  return auth;
}
