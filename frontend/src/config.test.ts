import { describe, expect, it, vi } from "vitest";
import { loadConfig, validateConfig } from "./config";

const good = {
  clientId: "c5e8d2b0-6a4f-4c37-b1d9-8e0f2a7c6b45",
  tenantId: "7b1c3d5e-0f2a-4b6c-8d9e-a1b2c3d4e5f6",
  apiScope: "api://3f9a2c41-8b7d-4e15-9c60-2d8e7f1a4b93/access_as_user",
  apiBaseUrl: "https://func-tasks.azurewebsites.net/",
};

describe("validateConfig", () => {
  it("accepts a complete config and trims the base URL", () => {
    const r = validateConfig(good);
    expect(r).toEqual({ ok: true, config: { mode: "entra", ...good, apiBaseUrl: "https://func-tasks.azurewebsites.net" } });
  });

  it("accepts an empty apiBaseUrl (same origin)", () => {
    expect(validateConfig({ ...good, apiBaseUrl: "" }).ok).toBe(true);
  });

  it("names every placeholder field", () => {
    const r = validateConfig({
      clientId: "<SPA app registration client id>",
      tenantId: "00000000-0000-0000-0000-000000000000",
      apiScope: "api://<API client id>/access_as_user",
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toEqual([
        "clientId is missing or still a placeholder.",
        "tenantId is missing or still a placeholder.",
        "apiScope is missing or still a placeholder.",
      ]);
    }
  });

  it("rejects non-GUID ids, odd scopes and plain-http remote APIs", () => {
    const r = validateConfig({ clientId: "abc", tenantId: good.tenantId, apiScope: "access_as_user", apiBaseUrl: "http://api.example" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toHaveLength(3);
    expect(validateConfig({ ...good, apiBaseUrl: "http://localhost:7071" }).ok).toBe(true);
    expect(validateConfig([]).ok).toBe(false);
  });
});

describe("validateConfig: local identity", () => {
  // What frontend/scripts/write-config.mjs writes when AZURE_TENANT_ID is still a placeholder.
  const local = {
    clientId: "<SPA app registration client id>",
    tenantId: "<directory (tenant) id>",
    apiScope: "api://<API app registration client id>/access_as_user",
    apiBaseUrl: "http://localhost:7071",
    localIdentity: { tokenPath: "/local-identity/token" },
  };

  it("is chosen with no tenant, on a page served from this machine", () => {
    for (const host of ["localhost", "127.0.0.1", "[::1]"]) {
      expect(validateConfig(local, host)).toEqual({
        ok: true,
        config: { mode: "local", tokenPath: "/local-identity/token", apiBaseUrl: "http://localhost:7071" },
      });
    }
  });

  it("is never chosen when a real tenant is configured: that is Entra, or its setup screen", () => {
    expect(validateConfig({ ...good, localIdentity: local.localIdentity }, "localhost")).toMatchObject({ ok: true, config: { mode: "entra" } });
    const half = validateConfig({ ...local, tenantId: good.tenantId }, "localhost");
    expect(half).toMatchObject({ ok: false, fields: ["clientId", "apiScope"] });
  });

  it("is never chosen on a page from another machine", () => {
    expect(validateConfig(local, "tasks.example.com")).toMatchObject({ ok: false });
  });

  it("only sends tokens to its own origin", () => {
    for (const tokenPath of ["https://attacker.example/token", "//attacker.example/token", "local-identity/token", 42]) {
      expect(validateConfig({ ...local, localIdentity: { tokenPath } }, "localhost")).toMatchObject({ ok: false });
    }
  });
});

describe("validateConfig: a half-configured tenant", () => {
  it("names exactly the missing field", () => {
    const r = validateConfig({ ...good, clientId: "<SPA app registration client id>" }, "localhost");
    expect(r).toEqual({ ok: false, reason: "invalid", problems: ["clientId is missing or still a placeholder."], fields: ["clientId"] });
  });
});

describe("loadConfig", () => {
  it("reports a missing file and an HTML fallback page as missing", async () => {
    const notFound = await loadConfig(async () => new Response("nope", { status: 404 }));
    expect(notFound).toMatchObject({ ok: false, reason: "missing" });
    const html = await loadConfig(async () => new Response("<!doctype html>", { status: 200 }));
    expect(html).toMatchObject({ ok: false, reason: "missing" });
    const offline = await loadConfig(async () => {
      throw new TypeError("Failed to fetch");
    });
    expect(offline).toMatchObject({ ok: false, reason: "missing" });
  });

  it("fetches without the HTTP cache", async () => {
    let init: RequestInit | undefined;
    const r = await loadConfig(async (_u, i) => {
      init = i;
      return new Response(JSON.stringify(good));
    });
    expect(r.ok).toBe(true);
    expect(init?.cache).toBe("no-store");
  });
});

describe("loadConfig with the request index.html started early", () => {
  it("uses that response and does not fetch again", async () => {
    const fetchImpl = vi.fn<typeof fetch>();
    const early = Promise.resolve(
      new Response(JSON.stringify({ clientId: "11111111-1111-1111-1111-111111111111", tenantId: "22222222-2222-2222-2222-222222222222", apiScope: "api://33333333-3333-3333-3333-333333333333/access_as_user", apiBaseUrl: "" }), {
        headers: { "Content-Type": "application/json" },
      }),
    );
    const result = await loadConfig(fetchImpl, early);
    expect(fetchImpl).not.toHaveBeenCalled();
    expect(result.ok).toBe(true);
  });

  it("reports the early request's network error like its own", async () => {
    const early = Promise.reject(new TypeError("Failed to fetch"));
    early.catch(() => {});
    const result = await loadConfig(vi.fn<typeof fetch>(), early);
    expect(result).toMatchObject({ ok: false, reason: "missing" });
  });
});
