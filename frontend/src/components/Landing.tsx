import { useAuth } from "../auth/auth";
import { Link } from "../router";

export function Landing() {
  const { account, providerName, SignInPanel } = useAuth();
  const signedIn = account !== null;
  const firstName = account?.name.split(" ")[0];

  return (
    <section className="hero" aria-labelledby="hero-title">
      <div className="hero__text">
        <p className="eyebrow">Azure Functions · Go · Microsoft Entra ID</p>
        <h1 id="hero-title">{signedIn && firstName ? `Welcome back, ${firstName}` : `Your tasks, signed in with ${providerName}`}</h1>
        <p className="lead">
          A small, production-shaped template: this app signs you in with Microsoft Entra ID and calls a Go API on Azure
          Functions that checks every token and keeps your tasks in Azure Table Storage — yours only.
        </p>
        <div className="hero__cta">
          {signedIn ? (
            <Link href="/dashboard" className="btn btn--primary btn--lg">
              Go to dashboard <span aria-hidden="true">→</span>
            </Link>
          ) : (
            <SignInPanel />
          )}
        </div>
      </div>
      <ul className="features" aria-label="What this template shows">
        <li className="card feature">
          <h2>Real tokens</h2>
          <p>MSAL gets an access token for the API; the API verifies its signature, issuer, audience and scope.</p>
        </li>
        <li className="card feature">
          <h2>Private by design</h2>
          <p>Your tasks are stored apart from everyone else’s, under your own account: other users cannot see or change them (an admin can, and that is recorded).</p>
        </li>
        <li className="card feature">
          <h2>Safe edits</h2>
          <p>Changes use ETags, so an edit made in another tab is never silently overwritten.</p>
        </li>
      </ul>
    </section>
  );
}
