import { describeRoles, type Role } from "../../api/roles";
import { Link } from "../../router";

/** What a signed-in user without the Admin role sees at /admin: not an error, an explanation. */
export function AdminsOnly({ roles, requiredRole }: { roles: readonly Role[] | null; requiredRole: Role }) {
  return (
    <section className="center-pad narrow admins-only">
      <h1>Admins only</h1>
      <p>
        The admin panel needs the <strong>{requiredRole}</strong> role.
        {roles && <> Your account has {describeRoles(roles)}.</>}
      </p>
      <p className="muted">
        Roles are assigned in Microsoft Entra ID: an administrator of this app can give you the {requiredRole} role
        under <em>Enterprise applications</em>, the API’s app, <em>Users and groups</em>. Sign out and in again
        afterwards.
      </p>
      <p>
        <Link href="/dashboard">Go to your tasks</Link>
      </p>
    </section>
  );
}
