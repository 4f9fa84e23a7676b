import { describe, expect, it } from "vitest";
import { validateConfig, type EntraConfig } from "../config";
import { authorityOf, msalConfiguration } from "./msal";

// The authority MSAL signs in with follows config.json (issue 27, multi-tenant mode): the deployment writes
// `authority` (AZURE_SPA_AUTHORITY, infra/main.bicep), the tenant or `organizations` on the cloud's own login host.
const base = {
  clientId: "c5e8d2b0-6a4f-4c37-b1d9-8e0f2a7c6b45",
  tenantId: "7b1c3d5e-0f2a-4b6c-8d9e-a1b2c3d4e5f6",
  apiScope: "api://3f9a2c41-8b7d-4e15-9c60-2d8e7f1a4b93/access_as_user",
  apiBaseUrl: "https://func-tasks.azurewebsites.net",
};

/** The authority MSAL would be configured with for this config.json, after the SPA's own validation. */
function authorityFor(raw: Record<string, unknown>): string | undefined {
  const r = validateConfig(raw, "tasks.example.net");
  if (!r.ok || r.config.mode !== "entra") throw new Error(`config refused: ${JSON.stringify(r)}`);
  return msalConfiguration(r.config, "https://tasks.example.net").auth.authority;
}

describe("the authority MSAL signs in with", () => {
  it("is the tenant on the public cloud when config.json names no authority (a single-tenant deployment)", () => {
    expect(authorityFor(base)).toBe(`https://login.microsoftonline.com/${base.tenantId}`);
  });

  it("is organizations in multi-tenant mode, so a user of any organization can pick their account", () => {
    expect(authorityFor({ ...base, authority: "https://login.microsoftonline.com/organizations" })).toBe(
      "https://login.microsoftonline.com/organizations",
    );
  });

  it("keeps the cloud's login host the deployment wrote", () => {
    expect(authorityFor({ ...base, authority: `https://login.microsoftonline.us/${base.tenantId}` })).toBe(
      `https://login.microsoftonline.us/${base.tenantId}`,
    );
    expect(authorityFor({ ...base, authority: "https://login.chinacloudapi.cn/organizations" })).toBe(
      "https://login.chinacloudapi.cn/organizations",
    );
  });

  it("is never common, consumers, plain http or a path: the setup screen names the field instead", () => {
    for (const authority of [
      "https://login.microsoftonline.com/common",
      "https://login.microsoftonline.com/consumers",
      "http://login.microsoftonline.com/organizations",
      "https://login.microsoftonline.com/organizations/v2.0",
      "https://login.microsoftonline.com/",
      42,
    ]) {
      const r = validateConfig({ ...base, authority }, "tasks.example.net");
      expect(r.ok, JSON.stringify(authority)).toBe(false);
      if (!r.ok) expect(r.problems.join(" ")).toMatch(/authority must be/);
    }
  });

  it("authorityOf reads only the config", () => {
    const cfg: EntraConfig = { mode: "entra", ...base };
    expect(authorityOf(cfg)).toBe(`https://login.microsoftonline.com/${base.tenantId}`);
    expect(authorityOf({ ...cfg, authority: "https://login.microsoftonline.com/organizations" })).toBe(
      "https://login.microsoftonline.com/organizations",
    );
  });
});
