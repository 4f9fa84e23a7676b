// Wire types of the Tasks API, derived from the API's OpenAPI document
// (handler/api/openapi.json). schema.d.ts is generated from it by `npm run api:types` and
// committed; `make test` fails when it differs from what the document generates, and the Go
// contract tests fail when the handler's answers differ from the document. So these names
// are the API's real shapes; the rest of the SPA imports them from here only.

import type { components } from "./schema";

type Schemas = components["schemas"];

/** A task as the API returns it. Times are RFC 3339 UTC strings; `etag` goes back as `If-Match`. */
export type Task = Schemas["Task"];

/** One page of `GET /api/tasks`. `next` is absent on the last page. */
export type TaskPage = Schemas["TaskPage"];

/** `GET /api/me`: who the API thinks the caller is, from the token's claims. */
export type Me = Schemas["Me"];

/** `POST /api/tasks` body. */
export type NewTask = Schemas["NewTask"];

/** `PATCH /api/tasks/{id}` body: at least one field. */
export type TaskPatch = Schemas["TaskPatch"];

/**
 * RFC 9457 problem details (`application/problem+json`). Partial on purpose: an error body
 * may come from something in front of the handler (the Functions host, a proxy), which the
 * document does not describe, so a reader must not rely on every member being there.
 */
export type Problem = Partial<Schemas["Problem"]>;

/** One page of a list route (`GET /api/tasks`, the admin lists). `next` is absent on the last page, on every list. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** A user who has tasks, as `GET /api/users` lists them (Admin only). */
export type AdminUser = Schemas["User"];

/** One admin action, as `GET /api/audit` lists them, newest first (Admin only). */
export type AuditRecord = Schemas["AuditRecord"];
export type AuditAction = AuditRecord["action"];

/** `DELETE /api/users/{userId}/tasks`: how many tasks this call deleted (0 on a repeat). */
export type Erased = Schemas["Erased"];
