// App roles as the API reports them. The SPA never decodes a token: what a user may do comes
// from `GET /api/me` (`roles`, `permissions`), and a refused write says which role it needed
// (a 403 problem with `requiredRole`). The API enforces every rule; the SPA only hides controls
// that would be refused and explains refusals.

import type { Me, Problem } from "./types";

/** The recognised app roles, in the order the API lists them. */
export const ROLES = ["Admin", "Editor", "Viewer"] as const satisfies readonly Me["roles"][number][];
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = ["tasks.read", "tasks.write", "admin"] as const satisfies readonly Me["permissions"][number][];
export type Permission = (typeof PERMISSIONS)[number];

/** What the signed-in user may do, as `GET /api/me` says. */
export interface Access {
  roles: Role[];
  permissions: Permission[];
}

/**
 * An API that predates roles (an older deployment behind a newer SPA) answers /api/me without
 * them and lets every signed-in user do everything an Editor does: so does the SPA then.
 */
const BEFORE_ROLES: Access = { roles: [], permissions: ["tasks.read", "tasks.write"] };

const isRole = (v: unknown): v is Role => ROLES.includes(v as Role);
const isPermission = (v: unknown): v is Permission => PERMISSIONS.includes(v as Permission);

/** Reads `roles` and `permissions` from /api/me, keeping only values the SPA knows. */
export function accessOf(me: Me): Access {
  // Read as unknown: the document promises these members, but this is what arrived on the wire.
  const { roles, permissions } = me as { roles?: unknown; permissions?: unknown };
  if (!Array.isArray(roles) || !Array.isArray(permissions)) return BEFORE_ROLES;
  return { roles: roles.filter(isRole), permissions: permissions.filter(isPermission) };
}

/**
 * The role a 403 problem says is missing (`requiredRole`), or undefined. Only the missing-role
 * 403 has that member; the missing-scope 403 (`insufficient_scope`) does not.
 */
export function requiredRoleIn(problem: Problem | undefined): Role | undefined {
  const role = (problem as { requiredRole?: unknown } | undefined)?.requiredRole;
  return isRole(role) ? role : undefined;
}

/** What a user can do about a missing role: it is assigned in Entra, not in this app. */
export function roleNeededMessage(role: Role): string {
  return `This needs the ${role} role, which your account does not have. Ask an administrator of this app to assign it to you in Microsoft Entra ID.`;
}

/** "the Viewer role", "the Admin and Viewer roles", or what no role at all means. */
export function describeRoles(roles: readonly Role[]): string {
  if (roles.length === 0) return "no app role, which counts as Editor";
  if (roles.length === 1) return `the ${roles[0]!} role`;
  return `the ${roles.slice(0, -1).join(", ")} and ${roles[roles.length - 1]!} roles`;
}
