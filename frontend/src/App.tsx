import { useEffect } from "react";
import { useAuth } from "./auth/auth";
import { AdminRoute } from "./components/admin/AdminRoute";
import { Navbar } from "./components/Navbar";
import { Landing } from "./components/Landing";
import { Dashboard } from "./components/Dashboard";
import { SignInPrompt } from "./components/SignInPrompt";
import { Spinner } from "./components/Spinner";
import { DocsRoute } from "./components/DocsRoute";
import { Link, usePathname } from "./router";
import { useFocusOnNavigation } from "./hooks/useFocusOnNavigation";

const TITLES: Record<string, string> = {
  "/dashboard": "Dashboard · Tasks",
  "/docs": "API docs · Tasks",
  "/admin": "Admin · Tasks",
};

export function App() {
  const path = usePathname();
  useFocusOnNavigation(path, useAuth().account !== null);
  useEffect(() => {
    document.title = TITLES[path] ?? "Tasks";
  }, [path]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Navbar />
      <main id="main" className="main" tabIndex={-1}>
        {path === "/" ? (
          <Landing />
        ) : path === "/dashboard" ? (
          <ProtectedDashboard />
        ) : path === "/docs" ? (
          <DocsRoute />
        ) : path === "/admin" ? (
          <AdminRoute />
        ) : (
          <NotFound />
        )}
      </main>
      <footer className="footer">
        Tasks API template · Azure Functions (Go) · Microsoft Entra ID · Azure Table Storage
      </footer>
    </div>
  );
}

function ProtectedDashboard() {
  const { account, busy } = useAuth();
  // Stay mounted while sign-in works (e.g. a re-authentication popup): API calls wait for it,
  // and the list, a half-typed task and any messages survive.
  if (account) return <Dashboard />;
  if (busy) {
    return (
      <div className="center-pad">
        <Spinner label="Signing you in" />
      </div>
    );
  }
  return <SignInPrompt />;
}

function NotFound() {
  return (
    <section className="center-pad narrow">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link href="/">Go to the home page</Link>.
      </p>
    </section>
  );
}
