import { describe, expect, it, vi } from "vitest";
import { LocalIdentity } from "./localIdentity";

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

/** A stand-in for tools/localidentity's endpoint: a new token per request, for the user asked. */
function endpoint() {
  let n = 0;
  return vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    const { user } = JSON.parse(String(init?.body)) as { user: string };
    n++;
    return new Response(JSON.stringify({ access_token: `${user}-token-${n}`, token_type: "Bearer", expires_in: 3600, name: user, username: `${user}@example.com` }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  });
}

describe("LocalIdentity", () => {
  it("signs in by POSTing the chosen name to its same-origin path, and keeps the session for the tab", async () => {
    const fetch = endpoint();
    const storage = memoryStorage();
    const id = new LocalIdentity({ tokenPath: "/local-identity/token", fetch, storage });
    expect(id.account()).toBeNull();
    await expect(id.signIn("  bob ")).resolves.toEqual({ name: "bob", username: "bob@example.com" });
    expect(fetch).toHaveBeenCalledWith("/local-identity/token", expect.objectContaining({ method: "POST", body: JSON.stringify({ user: "bob" }) }));
    // A reload (a new instance over the same sessionStorage) is still signed in.
    expect(new LocalIdentity({ tokenPath: "/local-identity/token", fetch, storage }).account()).toEqual({ name: "bob", username: "bob@example.com" });
  });

  it("reuses its token, renews it near expiry and when the API refused it (forceRefresh)", async () => {
    const fetch = endpoint();
    let now = 1_000_000;
    const id = new LocalIdentity({ tokenPath: "/t", fetch, storage: memoryStorage(), now: () => now });
    await id.signIn("alice");
    expect(await id.getToken({ forceRefresh: false })).toBe("alice-token-1");
    expect(await id.getToken({ forceRefresh: false })).toBe("alice-token-1");
    expect(await id.getToken({ forceRefresh: true })).toBe("alice-token-2");
    now += 56 * 60_000; // within five minutes of the hour's expiry
    expect(await id.getToken({ forceRefresh: false })).toBe("alice-token-3");
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it("asks for the chosen tenant's token at sign-in and at every renewal, the home tenant without a tenant field", async () => {
    const fetch = endpoint();
    const storage = memoryStorage();
    let now = 0;
    const id = new LocalIdentity({ tokenPath: "/local-identity/token", fetch, storage, now: () => now });
    await id.signIn("alice", [], "partner");
    expect(fetch).toHaveBeenLastCalledWith("/local-identity/token", expect.objectContaining({ body: JSON.stringify({ user: "alice", tenant: "partner" }) }));
    now = 3600_000; // expired: renewed after a reload, for the same tenant
    await new LocalIdentity({ tokenPath: "/local-identity/token", fetch, storage, now: () => now }).getToken({ forceRefresh: false });
    expect(fetch).toHaveBeenLastCalledWith("/local-identity/token", expect.objectContaining({ body: JSON.stringify({ user: "alice", tenant: "partner" }) }));
    await id.signIn("alice", ["Admin"], "home");
    expect(fetch).toHaveBeenLastCalledWith("/local-identity/token", expect.objectContaining({ body: JSON.stringify({ user: "alice", roles: "Admin" }) }));
  });

  it("signs out by forgetting the session", async () => {
    const id = new LocalIdentity({ tokenPath: "/t", fetch: endpoint(), storage: memoryStorage() });
    await id.signIn("alice");
    id.signOut();
    expect(id.account()).toBeNull();
    await expect(id.getToken({ forceRefresh: false })).rejects.toThrow("Not signed in.");
  });

  it("says plainly when localidentity is not serving (a real tenant, or make start stopped)", async () => {
    const gone = vi.fn(async () => new Response("not found", { status: 404 }));
    const id = new LocalIdentity({ tokenPath: "/t", fetch: gone, storage: memoryStorage() });
    await expect(id.signIn("alice")).rejects.toThrow(/not running/);
    expect(id.account()).toBeNull();
    const offline = new LocalIdentity({ tokenPath: "/t", fetch: vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))), storage: memoryStorage() });
    await expect(offline.signIn("alice")).rejects.toThrow(/could not be reached/);
  });

  it("passes on why a name was refused", async () => {
    const refuse = vi.fn(async () => new Response(JSON.stringify({ error: "a development user's name must be 1 to 64 characters" }), { status: 400 }));
    const id = new LocalIdentity({ tokenPath: "/t", fetch: refuse, storage: memoryStorage() });
    await expect(id.signIn("x".repeat(80))).rejects.toThrow("Local sign-in refused: a development user's name must be 1 to 64 characters.");
  });
});
