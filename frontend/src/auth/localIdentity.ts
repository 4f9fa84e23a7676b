// The local-identity client: development users' tokens from tools/localidentity's token
// endpoint, reached through the page's own origin (the dev server proxies it on loopback).
// Not MSAL: MSAL accepts only https authorities, and there is no authority here, only a
// development key that the local API is told to trust.

import type { TokenRequest } from "./token";
import type { Account } from "./auth";

interface Session extends Account {
  /** The name the user chose; new tokens are asked for it. */
  user: string;
  /** The app roles the user chose for their tokens; empty: no `roles` claim. */
  roles?: string[];
  /** The development tenant the user signed in to ("home" or "partner"); absent: home. */
  tenant?: DevTenant;
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * tools/localidentity's development tenants (multi-tenant mode, docs/multi-tenant.md): the home tenant the API is
 * registered in, and a partner organization. `make start` lets the API accept both.
 */
export type DevTenant = "home" | "partner";

interface TokenResponse {
  access_token: string;
  expires_in: number;
  name: string;
  username: string;
}

export interface LocalIdentityOptions {
  tokenPath: string;
  fetch?: typeof fetch;
  /** Where the session lives; sessionStorage, like MSAL's cache: closing the tab signs out. */
  storage?: Storage;
  now?: () => number;
}

const STORAGE_KEY = "tasks.localIdentity";
/** Renew this long before expiry, so a token never expires on its way to the API. */
const RENEW_MARGIN_MS = 5 * 60_000;

export class LocalIdentity {
  private readonly tokenPath: string;
  private readonly doFetch: typeof fetch;
  private readonly storage: Storage;
  private readonly now: () => number;

  constructor(opts: LocalIdentityOptions) {
    this.tokenPath = opts.tokenPath;
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.storage = opts.storage ?? window.sessionStorage;
    this.now = opts.now ?? Date.now;
  }

  /** The signed-in development user, if any. */
  account(): Account | null {
    const s = this.session();
    return s ? { name: s.name, username: s.username } : null;
  }

  /**
   * Signs in as `user` of `tenant`; `roles` (e.g. ["Admin"]) go into every token's `roles` claim, none: no claim.
   * The same name is the same oid in both tenants; only the token's tid tells them apart.
   */
  async signIn(user: string, roles: readonly string[] = [], tenant: DevTenant = "home"): Promise<Account> {
    const session = await this.request(user.trim(), [...roles], tenant);
    this.storage.setItem(STORAGE_KEY, JSON.stringify(session));
    return { name: session.name, username: session.username };
  }

  signOut(): void {
    this.storage.removeItem(STORAGE_KEY);
  }

  /** The session's token, renewed when it is near expiry or the API refused it. */
  async getToken({ forceRefresh }: TokenRequest): Promise<string> {
    const s = this.session();
    if (!s) throw new Error("Not signed in.");
    if (!forceRefresh && s.expiresAt - this.now() > RENEW_MARGIN_MS) return s.token;
    const fresh = await this.request(s.user, s.roles ?? [], s.tenant ?? "home");
    this.storage.setItem(STORAGE_KEY, JSON.stringify(fresh));
    return fresh.token;
  }

  private session(): Session | null {
    try {
      const raw: unknown = JSON.parse(this.storage.getItem(STORAGE_KEY) ?? "null");
      if (typeof raw !== "object" || raw === null) return null;
      const s = raw as Partial<Session>;
      if (typeof s.user !== "string" || typeof s.token !== "string" || typeof s.expiresAt !== "number") return null;
      const roles = Array.isArray(s.roles) ? s.roles.filter((r): r is string => typeof r === "string") : [];
      const tenant: DevTenant = s.tenant === "partner" ? "partner" : "home";
      return { ...(s as Session), roles, tenant };
    } catch {
      return null;
    }
  }

  private async request(user: string, roles: string[], tenant: DevTenant): Promise<Session> {
    let res: Response;
    try {
      res = await this.doFetch(this.tokenPath, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        // tools/localidentity takes the roles comma-separated; with none, the field is left out, and so is the
        // home tenant (its default).
        body: JSON.stringify({
          user,
          ...(roles.length > 0 ? { roles: roles.join(",") } : {}),
          ...(tenant !== "home" ? { tenant } : {}),
        }),
        cache: "no-store",
      });
    } catch {
      throw new Error("The local development identity could not be reached. Is `make start` still running?");
    }
    const body = (await res.json().catch(() => null)) as Partial<TokenResponse> & { error?: string } | null;
    if (res.status === 404 || res.status === 502 || res.status === 503) {
      throw new Error(
        "The local development identity is not running: tools/localidentity serves it only while `make start` runs with no tenant configured.",
      );
    }
    if (!res.ok || !body || typeof body.access_token !== "string" || typeof body.expires_in !== "number") {
      throw new Error(body?.error ? `Local sign-in refused: ${body.error}.` : `Local sign-in failed (HTTP ${res.status}).`);
    }
    return {
      user,
      roles,
      tenant,
      name: body.name ?? user,
      username: body.username ?? user,
      token: body.access_token,
      expiresAt: this.now() + body.expires_in * 1000,
    };
  }
}
