// Mints Entra-v2-shaped tokens with the committed TEST-ONLY key (see README.md next to it).
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { exportJWK, SignJWT, type JWK } from "jose";

export const TEST_KID = "e2e-test-only-key";
export const TENANT_ID = "7b1c3d5e-0f2a-4b6c-8d9e-a1b2c3d4e5f6";
export const API_CLIENT_ID = "3f9a2c41-8b7d-4e15-9c60-2d8e7f1a4b93";
export const SPA_CLIENT_ID = "c5e8d2b0-6a4f-4c37-b1d9-8e0f2a7c6b45";
export const API_SCOPE = `api://${API_CLIENT_ID}/access_as_user`;
export const GRAPH_AUDIENCE = "00000003-0000-0000-c000-000000000000";
export const ISSUER = `https://login.microsoftonline.com/${TENANT_ID}/v2.0`;

const pem = readFileSync(fileURLToPath(new URL("./test-only-signing-key.pem", import.meta.url)), "utf8");
const privateKey: KeyObject = createPrivateKey(pem.slice(pem.indexOf("-----BEGIN")));

export async function jwks(): Promise<{ keys: JWK[] }> {
  const jwk = await exportJWK(createPublicKey(privateKey));
  return { keys: [{ ...jwk, kid: TEST_KID, use: "sig", alg: "RS256" }] };
}

export interface FakeUser {
  oid: string;
  name: string;
  email: string;
  /** App roles for the API's access tokens (`roles` claim); undefined: no claim, like an unassigned user. */
  roles?: string[];
}

export function makeUser(name: string, roles?: string[]): FakeUser {
  const slug = name.toLowerCase().replace(/[^a-z]+/g, ".");
  return { oid: randomUUID(), name, email: `${slug}@contoso.example`, ...(roles ? { roles } : {}) };
}

const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, lifetime: number, issuedAt = now()): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: TEST_KID })
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + lifetime)
    .sign(privateKey);
}

export interface AccessTokenOptions {
  audience?: string;
  /** Space-separated delegated scopes; null leaves `scp` out (the API must answer 403). */
  scp?: string | null;
  lifetime?: number;
  /** Mint a token whose `exp` is already in the past (the API must answer 401). */
  expired?: boolean;
  /** More claims (e.g. `acrs` after a step-up, `roles`); they win over the defaults. */
  extra?: Record<string, unknown>;
}

export function accessToken(user: FakeUser, opts: AccessTokenOptions = {}): Promise<string> {
  const lifetime = opts.lifetime ?? 3600;
  const issuedAt = opts.expired ? now() - lifetime - 600 : now();
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    aud: opts.audience ?? API_CLIENT_ID,
    tid: TENANT_ID,
    oid: user.oid,
    sub: `sub-${user.oid}`,
    azp: SPA_CLIENT_ID,
    azpacr: "0",
    name: user.name,
    preferred_username: user.email,
    ver: "2.0",
    uti: randomUUID(),
  };
  const scp = opts.scp === undefined ? "access_as_user" : opts.scp;
  if (scp !== null) claims.scp = scp;
  // Entra puts app roles only in tokens for the app that defines them (the API), never in Graph's.
  if (user.roles && claims.aud === API_CLIENT_ID) claims.roles = user.roles;
  return sign({ ...claims, ...opts.extra }, lifetime, issuedAt);
}

/**
 * The ID token's opaque `login_hint` (Entra's optional claim, on by default for v2): MSAL v5 sends it back as
 * login_hint on silent sign-in and as logout_hint on sign-out (msal-common src/protocol/Authorize.ts,
 * msal-browser src/interaction_client/StandardInteractionClient.ts).
 */
export const loginHintOf = (user: FakeUser) => `fake-hint.${Buffer.from(user.oid).toString("base64url")}`;

/** `sid`: the Entra session the sign-in belongs to (MSAL sends it as `sid` on prompt=none when there is no login_hint). */
export function idToken(user: FakeUser, nonce: string | undefined, sid?: string): Promise<string> {
  const claims: Record<string, unknown> = {
    login_hint: loginHintOf(user),
    ...(sid ? { sid } : {}),
    iss: ISSUER,
    aud: SPA_CLIENT_ID,
    tid: TENANT_ID,
    oid: user.oid,
    sub: `sub-${user.oid}`,
    name: user.name,
    preferred_username: user.email,
    ver: "2.0",
  };
  if (nonce) claims.nonce = nonce;
  return sign(claims, 3600);
}

export const clientInfo = (user: FakeUser) =>
  Buffer.from(JSON.stringify({ uid: user.oid, utid: TENANT_ID })).toString("base64url");
