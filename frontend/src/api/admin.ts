// Wire types of the admin API (`/api/admin/...`, Admin role only).

/** One page of a list route. `next` is null or absent on the last page. */
export interface Page<T> {
  items: T[];
  next?: string | null;
}

/** A user who has tasks, as `GET /api/admin/users` lists them. */
export interface AdminUser {
  /** The user's object id (`oid`). */
  id: string;
  /** Name and email as seen on the user's latest request; either may be empty. */
  name: string;
  email: string;
  taskCount: number;
  /** RFC 3339. */
  lastActivity: string;
}

export type AuditAction = "list-users" | "read-user-tasks" | "erase-user-tasks";

/** One admin action, as `GET /api/admin/audit` lists them (newest first). */
export interface AuditRecord {
  id: string;
  /** RFC 3339. */
  at: string;
  actor: { id: string; name: string };
  action: AuditAction;
  /** The user acted on, or null (listing users has none). */
  subject: string | null;
  /** Tasks read or erased, or null. */
  count: number | null;
}

/** `DELETE /api/admin/users/{id}/tasks`: tasks deleted by this call (0 on a repeat). */
export interface Erased {
  erased: number;
}
