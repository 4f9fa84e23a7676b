import { useEffect, useRef, type RefObject } from "react";
import { useCan } from "../access";
import { useAuth } from "../auth/auth";
import { RenewalNotice } from "../auth/RenewalNotice";
import { Link, usePathname } from "../router";
import { UserMenu } from "./UserMenu";

export function Navbar() {
  const { account, SignInButton } = useAuth();
  const path = usePathname();
  const isAdmin = useCan("admin");
  const header = useRef<HTMLElement>(null);
  useNavbarHeight(header);

  return (
    <header className="navbar" ref={header}>
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

/**
 * Publishes the navbar's height as --navbar-height (styles.css pads scrolling by it, so a focused
 * control is never scrolled under the sticky navbar). Its height changes: links wrap on a phone,
 * the renewal notice comes and goes, text is zoomed.
 */
function useNavbarHeight(header: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const el = header.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const root = document.documentElement;
    const observer = new ResizeObserver(() => root.style.setProperty("--navbar-height", `${el.offsetHeight}px`));
    observer.observe(el);
    return () => {
      observer.disconnect();
      root.style.removeProperty("--navbar-height");
    };
  }, [header]);
}
