import { useCan } from "../access";
import { useAuth } from "../auth/auth";
import { RenewalNotice } from "../auth/RenewalNotice";
import { Link, usePathname } from "../router";
import { UserMenu } from "./UserMenu";

export function Navbar() {
  const { account, SignInButton } = useAuth();
  const path = usePathname();
  const isAdmin = useCan("admin");

  return (
    <header className="navbar">
      <nav className="navbar__inner" aria-label="Main">
        <Link href="/" className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>Tasks</span>
        </Link>
        <div className="navbar__links">
          {account && (
            <Link href="/dashboard" className="nav-link" aria-current={path === "/dashboard" ? "page" : undefined}>
              Dashboard
            </Link>
          )}
          {account && isAdmin && (
            <Link href="/admin" className="nav-link" aria-current={path === "/admin" ? "page" : undefined}>
              Admin
            </Link>
          )}
          <Link href="/docs" className="nav-link" aria-current={path === "/docs" ? "page" : undefined}>
            API docs
          </Link>
        </div>
        <div className="navbar__spacer" />
        {account ? <UserMenu account={account} /> : <SignInButton />}
      </nav>
      <RenewalNotice />
    </header>
  );
}
