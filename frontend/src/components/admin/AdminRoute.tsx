import { useAccess } from "../../access";
import { useAuth } from "../../auth/auth";
import { SignInPrompt } from "../SignInPrompt";
import { Spinner } from "../Spinner";
import { AdminPanel } from "./AdminPanel";
import { AdminsOnly } from "./AdminsOnly";

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
  return <AdminPanel />;
}
