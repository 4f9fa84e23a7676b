import { useAccess } from "../access";
import { ErrorReference } from "./ErrorReference";
import { Spinner } from "./Spinner";

/** What the API sees: GET /api/me, built from the verified token's claims. */
export function ProfileCard() {
  const { me: state, access, retry } = useAccess();
  return (
    <section className="card profile" aria-labelledby="profile-title">
      <h2 id="profile-title">Your profile</h2>
      <p className="muted small">As the API sees you, from your access token.</p>
      {state.status === "loading" && <Spinner label="Loading profile" />}
      {/* A 403 is explained once, with what to do, by the task panel; retrying here cannot help. */}
      {state.status === "error" && state.httpStatus === 403 && <p className="muted">Not available until the Tasks API permission is granted.</p>}
      {state.status === "error" && state.httpStatus !== 403 && (
        <div className="inline-error" role="alert">
          <p>{state.error}</p>
          <ErrorReference traceId={state.traceId} />
          <button type="button" className="btn btn--secondary btn--sm" onClick={retry}>
            Try again
          </button>
        </div>
      )}
      {state.status === "ready" && (
        <dl className="profile__list">
          <dt>Name</dt>
          <dd dir="auto">{state.me.name || "—"}</dd>
          <dt>Email</dt>
          <dd className="break">{state.me.email || "—"}</dd>
          <dt>Tenant</dt>
          <dd className="mono break">{state.me.tenantId}</dd>
          <dt>Scopes</dt>
          <dd>
            <ul className="chips" aria-label="Scopes">
              {state.me.scopes.map((s) => (
                <li key={s} className="chip">
                  {s}
                </li>
              ))}
            </ul>
          </dd>
          <dt>Roles</dt>
          <dd>
            {access && access.roles.length > 0 ? (
              <ul className="chips" aria-label="Roles">
                {access.roles.map((r) => (
                  <li key={r} className="chip">
                    {r}
                  </li>
                ))}
              </ul>
            ) : (
              "None (counts as Editor)"
            )}
          </dd>
        </dl>
      )}
    </section>
  );
}
