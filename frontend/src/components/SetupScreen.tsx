const EXAMPLE = `{
  "clientId": "<SPA app registration client id>",
  "tenantId": "<directory (tenant) id>",
  "apiScope": "api://<API client id>/access_as_user",
  "apiBaseUrl": "http://localhost:7071"
}`;

/** Shown instead of the app when /config.json is missing or still holds placeholders. */
export function SetupScreen({ problems, reason }: { problems: string[]; reason: "missing" | "invalid" }) {
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
        <h2>How to fix it</h2>
        <ul>
          <li>
            <strong>Locally:</strong> <code>azd provision</code> writes <code>frontend/public/config.json</code> for you.
            Without azd, add <code>AZURE_SPA_CLIENT_ID</code> beside <code>AZURE_TENANT_ID</code> and{" "}
            <code>AZURE_API_CLIENT_ID</code> in <code>build/local.settings.json</code> and run <code>make start</code>{" "}
            again (it fills in the placeholders) — or copy{" "}
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
