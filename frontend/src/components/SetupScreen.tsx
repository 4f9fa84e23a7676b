import type { ReactNode } from "react";
import { isLoopbackHost, type EntraField } from "../config";

// The one settings file a developer edits, at the repository root (make start copies it into build/).
const SETTINGS = "local.settings.json";

/** Where each config.json field comes from, locally: the exact value to provide and where. */
const SOURCES: Record<EntraField, ReactNode> = {
  clientId: (
    <>
      the SPA's app registration (client) id. <code>azd provision</code> writes it; without azd, set{" "}
      <code>AZURE_SPA_CLIENT_ID</code> in the <code>Values</code> of <code>{SETTINGS}</code>.
    </>
  ),
  tenantId: (
    <>
      your directory (tenant) id. <code>azd provision</code> writes it; without azd, set <code>AZURE_TENANT_ID</code> in
      the <code>Values</code> of <code>{SETTINGS}</code>.
    </>
  ),
  apiScope: (
    <>
      <code>api://&lt;API client id&gt;/access_as_user</code>. <code>azd provision</code> writes it; without azd, set{" "}
      <code>AZURE_API_CLIENT_ID</code> in the <code>Values</code> of <code>{SETTINGS}</code>.
    </>
  ),
  apiBaseUrl: (
    <>
      the API's origin, e.g. <code>http://localhost:7071</code>: <code>make start</code> takes the port from{" "}
      <code>Host.LocalHttpPort</code> in <code>{SETTINGS}</code>, or from <code>API_BASE_URL</code>.
    </>
  ),
};

const EXAMPLE = `{
  "clientId": "<SPA app registration client id>",
  "tenantId": "<directory (tenant) id>",
  "apiScope": "api://<API client id>/access_as_user",
  "apiBaseUrl": "http://localhost:7071"
}`;

interface Props {
  problems: string[];
  /** The config.json fields at fault, each explained with where its value comes from. */
  fields: EntraField[];
  reason: "missing" | "invalid";
}

/** Shown instead of the app when /config.json is missing or still holds placeholders. */
export function SetupScreen({ problems, fields, reason }: Props) {
  return (
    <main className="setup" aria-labelledby="setup-title">
      <div className="card setup__card">
        <p className="eyebrow">Setup needed</p>
        <h1 id="setup-title">This app is not configured yet</h1>
        <p>
          {reason === "missing"
            ? "The app could not load its settings from /config.json."
            : "The settings in /config.json are not usable yet."}{" "}
          Sign-in cannot start until they are fixed.
        </p>
        <ul className="setup__problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        {fields.length > 0 && (
          <>
            <h2>Where each value comes from</h2>
            <dl className="setup__sources">
              {fields.map((f) => (
                <div key={f}>
                  <dt>
                    <code>{f}</code>
                  </dt>
                  <dd>{SOURCES[f]}</dd>
                </div>
              ))}
            </dl>
            <p>
              Then run <code>make start</code> again: it fills these into <code>frontend/public/config.json</code>. To run
              with no tenant at all (local development users), put <code>&lt;your-tenant-id&gt;</code> back as{" "}
              <code>AZURE_TENANT_ID</code>.
            </p>
          </>
        )}
        <h2>How to fix it</h2>
        <ul>
          <li>
            <strong>Locally:</strong> <code>azd provision</code> writes <code>frontend/public/config.json</code> for you.
            Without azd, <code>make start</code> writes it from <code>{SETTINGS}</code> — or copy{" "}
            <code>frontend/public/config.example.json</code> to <code>config.json</code> and fill it in.
          </li>
          <li>
            <strong>In Azure:</strong> <code>azd up</code> (or <code>azd deploy web</code>) writes{" "}
            <code>config.json</code> into the deployed site from the provisioned app registrations and API URL.
          </li>
        </ul>
        <p>The file looks like this:</p>
        <pre className="code">
          <code>{EXAMPLE}</code>
        </pre>
        <button type="button" className="btn btn--primary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    </main>
  );
}

/**
 * Shown instead of sign-in when this page's address is not a registered redirect URI of the SPA: Entra would
 * answer AADSTS50011 on its own page and never come back, so the user would be left with a hanging popup.
 */
export function RedirectMismatch({ redirectUri, registered }: { redirectUri: string; registered: string[] }) {
  const origins = [...new Set(registered.filter((u) => u.endsWith("/redirect.html")).map((u) => new URL(u).origin))];
  const here = new URL(redirectUri);
  const local = isLoopbackHost(here.hostname);
  return (
    <main className="setup" aria-labelledby="setup-title">
      <div className="card setup__card">
        <p className="eyebrow">Setup needed</p>
        <h1 id="setup-title">Sign-in is not set up for this address</h1>
        <p>
          Microsoft sign-in sends you back to <code>{redirectUri}</code>, which is not a redirect URI of this app's
          registration. Entra would stop the sign-in with <strong>AADSTS50011</strong> (the redirect URI does not match).
        </p>
        {origins.length > 0 && (
          <>
            <h2>Open the app at a registered address</h2>
            <ul aria-label="Registered addresses">
              {origins.map((o) => (
                <li key={o}>
                  <a href={o}>{o}</a>
                </li>
              ))}
            </ul>
          </>
        )}
        <h2>Or register this address</h2>
        {local ? (
          <p>
            Add <code>{here.origin}</code> to <code>localDevOrigins</code> in <code>infra/app/spa-urls.json</code>, then run{" "}
            <code>azd provision</code> (with <code>AZURE_ALLOW_LOCAL_DEV_ORIGINS</code> on).
          </p>
        ) : (
          <p>
            Run <code>azd env set AZURE_SPA_EXTRA_ORIGINS {here.origin}</code> (a comma-separated list, https only), then{" "}
            <code>azd provision</code>.
          </p>
        )}
      </div>
    </main>
  );
}
