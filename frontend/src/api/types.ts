// Wire types of the Tasks API (see DESIGN.md "API contract").
// Kept in one file on purpose: a later change replaces it with types generated from the
// API's OpenAPI document, and nothing else in the SPA should need to change.

/** A task as the API returns it. Times are RFC 3339 UTC strings. */
export interface Task {
  id: string;
  title: string;
  completed: boolean;
  createdAt: string;
  updatedAt: string;
  /** Table Storage's ETag, passed back as `If-Match` for optimistic concurrency. */
  etag: string;
}

/** One page of `GET /api/tasks`. `next` is absent on the last page. */
export interface TaskPage {
  items: Task[];
  next?: string;
}

/** `GET /api/me`: who the API thinks the caller is, from the token's claims. */
export interface Me {
  id: string;
  name: string;
  email: string;
  tenantId: string;
  scopes: string[];
}

/** `POST /api/tasks` body. */
export interface NewTask {
  title: string;
}

/** `PATCH /api/tasks/{id}` body: at least one field. */
export interface TaskPatch {
  title?: string;
  completed?: boolean;
}

/** RFC 9457 problem details (`application/problem+json`). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
}
