import { lazy, Suspense } from "react";
import { useAccess } from "../../access";
import { useAuth } from "../../auth/auth";
import { SignInPrompt } from "../SignInPrompt";
import { Spinner } from "../Spinner";
import { AdminsOnly } from "./AdminsOnly";

// The panel is for a few users only: it loads when an admin opens /admin, so that it stays out of
// everyone's first download (the initial JavaScript has a budget, e2e/js-budget.spec.ts).
const AdminPanel = lazy(() => import("./AdminPanel").then((m) => ({ default: m.AdminPanel })));

/** `/admin`: sign-in first, then the panel for admins and a plain explanation for everyone else. */
export function AdminRoute() {
  const { account, busy } = useAuth();
  const { access, me } = useAccess();
  if (!account) {
    return busy ? (
      <div className="center-pad">
        <Spinner label="Signing you in" />
      </div>
    ) : (
      <SignInPrompt />
    );
  }
  if (me.status === "loading") {
    return (
      <div className="center-pad">
        <Spinner label="Checking your roles" />
      </div>
    );
  }
  // When /api/me failed the roles are unknown: the panel asks the API, whose 403 names the role.
  if (access && !access.permissions.includes("admin")) return <AdminsOnly roles={access.roles} requiredRole="Admin" />;
  return (
    <Suspense
      fallback={
        <div className="center-pad">
          <Spinner label="Loading the admin panel" />
        </div>
      }
    >
      <AdminPanel />
    </Suspense>
  );
}
