import { useIsAuthenticated, useMsal } from "@azure/msal-react";
import { Link, usePathname } from "../router";
import { UserMenu } from "./UserMenu";
import { useSignIn } from "./useSignIn";

export function Navbar() {
  const signedIn = useIsAuthenticated();
  const { instance, accounts } = useMsal();
  const account = instance.getActiveAccount() ?? accounts[0] ?? null;
  const path = usePathname();
  const { start, busy } = useSignIn();

  return (
    <header className="navbar">
      <nav className="navbar__inner" aria-label="Main">
        <Link href="/" className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>Tasks</span>
        </Link>
        {signedIn && (
          <Link href="/dashboard" className="nav-link" aria-current={path === "/dashboard" ? "page" : undefined}>
            Dashboard
          </Link>
        )}
        <Link href="/docs" className="nav-link" aria-current={path === "/docs" ? "page" : undefined}>
          API docs
        </Link>
        <div className="navbar__spacer" />
        {signedIn && account ? (
          <UserMenu account={account} />
        ) : (
          <button type="button" className="btn btn--ghost" onClick={start} disabled={busy}>
            Sign in
          </button>
        )}
      </nav>
    </header>
  );
}
