// A small typed client for the Tasks API. It knows nothing about MSAL: it asks `getToken` for a
// token on every call (one token per call, never cached here) and, when the API answers 401,
// asks once more with `forceRefresh: true` (and the API's claims challenge, if it sent one) and
// retries the request once.

import { SatisfiedChallenges, sendWithStepUp } from "../auth/stepUp";
import type { TokenGetter, TokenRequest } from "../auth/token";
import { requiredRoleIn, roleNeededMessage } from "./roles";
import type { paths } from "./schema";
import type { AdminUser, AuditRecord, Erased, Me, Page, Problem, Task, TaskPage, TaskPatch } from "./types";


export interface ApiClientOptions {
  /** API origin (and optional path prefix); "" for same origin. */
  baseUrl: string;
  getToken: TokenGetter;
  fetch?: typeof fetch;
}

/** Any failure of an API call. `status` is 0 when the API could not be reached at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  /** Seconds from a `Retry-After` header, when the API sent one (503). */
  readonly retryAfter: number | undefined;
  /** The API still asked for claims after a token acquired with them: a step-up that did not happen. */
  readonly claimsUnsatisfied: boolean;
  /** No answer within REQUEST_TIMEOUT_MS (status 0): the API, or the way to it, hangs. */
  readonly timedOut: boolean;

  constructor(message: string, status: number, problem?: Problem, retryAfter?: number, claimsUnsatisfied = false, timedOut = false) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
    this.claimsUnsatisfied = claimsUnsatisfied;
    this.timedOut = timedOut;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }
}

/**
 * How long one request may take to answer before it is given up (issue 30, finding 7: a hanging API spun
 * forever). The API's own calls to storage give up well before this; a slow phone network answers within it.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Paging of every list route: `limit` 1..200, `next` from the previous page. */
export interface PageParams {
  next?: string | undefined;
  limit?: number | undefined;
}

/** `GET /api/tasks` also takes a search (`q`, titles containing it) and `done` (false: hide done tasks). */
export interface TaskListParams extends PageParams {
  q?: string | undefined;
  done?: boolean | undefined;
}

export interface ApiClient {
  me(signal?: AbortSignal): Promise<Me>;
  listTasks(params?: TaskListParams, signal?: AbortSignal): Promise<TaskPage>;
  getTask(id: string, signal?: AbortSignal): Promise<Task>;
  /**
   * Creates a task. `idempotencyKey`, sent as Idempotency-Key, makes a retry safe: sent again with the same key
   * and title, the create answers with the task the first attempt made, never a second one.
   */
  createTask(title: string, idempotencyKey?: string): Promise<Task>;
  updateTask(id: string, patch: TaskPatch, etag?: string): Promise<Task>;
  deleteTask(id: string, etag?: string): Promise<void>;
  /** Admin only: the users who have tasks. */
  listUsers(params?: PageParams, signal?: AbortSignal): Promise<Page<AdminUser>>;
  /** Admin only: one user's tasks, read-only. */
  listUserTasks(userId: string, params?: PageParams, signal?: AbortSignal): Promise<TaskPage>;
  /**
   * Admin only: erases one user's tasks. The API erases in batches and stops a long erase before its time is up,
   * answering what remains; this calls again until nothing does (or `maxRounds` calls), and answers the total.
   */
  eraseUserTasks(userId: string): Promise<Erased>;
  /** Admin only: the audit log, newest first. */
  listAudit(params?: PageParams, signal?: AbortSignal): Promise<Page<AuditRecord>>;
}

interface RequestOptions {
  body?: unknown;
  ifMatch?: string | undefined;
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}

async function readProblem(res: Response): Promise<Problem | undefined> {
  const type = res.headers.get("Content-Type") ?? "";
  if (!/json/i.test(type)) return undefined;
  try {
    const body: unknown = await res.json();
    return typeof body === "object" && body !== null ? (body as Problem) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The claims challenge of a 401, decoded to the JSON MSAL takes, or undefined. RFC 6750 auth-params; the claims
 * value is base64 (learn.microsoft.com/entra/identity-platform/claims-challenge). Cross-origin, the browser shows
 * this header only when the API lists it in Access-Control-Expose-Headers.
 */
export function claimsChallenge(res: Response): string | undefined {
  const header = res.headers.get("WWW-Authenticate") ?? "";
  if (!/^Bearer\b/i.test(header)) return undefined;
  const params = new Map<string, string>();
  for (const m of header.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params.set(m[1]!.toLowerCase(), m[2]!);
  const encoded = params.get("claims");
  if (params.get("error") !== "insufficient_claims" || !encoded) return undefined;
  try {
    const json = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
    JSON.parse(json);
    return json;
  } catch {
    return undefined;
  }
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const stepUp = new SatisfiedChallenges(); // step-up hook (auth/stepUp.ts): challenges this API's calls satisfied

  async function send(method: string, path: string, ro: RequestOptions, token: TokenRequest): Promise<Response> {
    const bearer = await opts.getToken(token);
    const headers: Record<string, string> = {
      Accept: "application/json, application/problem+json",
      Authorization: `Bearer ${bearer}`,
    };
    if (ro.body !== undefined) headers["Content-Type"] = "application/json";
    if (ro.ifMatch) headers["If-Match"] = ro.ifMatch;
    if (ro.idempotencyKey) headers["Idempotency-Key"] = ro.idempotencyKey;
    // The caller's signal (a query cancelled) and a time-out, with setTimeout rather than AbortSignal.timeout so a
    // test's fake clock (Playwright's page.clock) can run it out.
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, REQUEST_TIMEOUT_MS);
    const cancel = () => ac.abort();
    ro.signal?.addEventListener("abort", cancel);
    try {
      return await doFetch(`${base}/api${path}`, {
        method,
        headers,
        body: ro.body === undefined ? null : JSON.stringify(ro.body),
        signal: ac.signal,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (err) {
      if (timedOut) throw new ApiError(`The API did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.`, 0, undefined, undefined, false, true);
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw new ApiError(`Could not reach the API${base ? ` at ${base}` : ""}.`, 0);
    } finally {
      clearTimeout(timer);
      ro.signal?.removeEventListener("abort", cancel);
    }
  }

  async function request<T>(method: string, path: string, ro: RequestOptions = {}): Promise<T> {
    // The token may have expired or been revoked since MSAL cached it, or the API wants more claims (step-up): renew
    // once (with the claims), retry once. A second challenge is not chased: that would loop.
    const { res, unsatisfied } = await sendWithStepUp(stepUp, base, (token) => send(method, path, ro, token)); // step-up hook
    if (!res.ok) {
      const problem = await readProblem(res);
      const message = problem?.detail || problem?.title || `${method} ${path} failed with HTTP ${res.status}.`;
      // Cross-origin, the Functions host hides Retry-After; the API repeats it in the problem.
      const retryAfter = parseRetryAfter(res.headers.get("Retry-After")) ?? positiveInt(problem?.retryAfter);
      throw new ApiError(message, res.status, problem, retryAfter, unsatisfied);
    }
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(`${method} ${path} returned a response that is not JSON.`, res.status);
    }
  }

  const taskPath = (id: string) => documented("/tasks/{id}", { id });
  const userTasksPath = (userId: string) => documented("/users/{userId}/tasks", { userId });

  return {
    me: (signal) => request<Me>("GET", documented("/me"), { signal }),
    listTasks: (params, signal) => request<TaskPage>("GET", paged(documented("/tasks"), params), { signal }),
    getTask: (id, signal) => request<Task>("GET", taskPath(id), { signal }),
    createTask: (title, idempotencyKey) => request<Task>("POST", documented("/tasks"), { body: { title }, idempotencyKey }),
    updateTask: (id, patch, etag) => request<Task>("PATCH", taskPath(id), { body: patch, ifMatch: etag }),
    deleteTask: (id, etag) => request<void>("DELETE", taskPath(id), { ifMatch: etag }),
    listUsers: (params, signal) => request<Page<AdminUser>>("GET", paged(documented("/users"), params), { signal }),
    listUserTasks: (userId, params, signal) => request<TaskPage>("GET", paged(userTasksPath(userId), params), { signal }),
    eraseUserTasks: async (userId) => {
      let total = 0;
      for (let round = 1; ; round++) {
        const { erased, remaining } = await request<Erased>("DELETE", userTasksPath(userId));
        total += erased;
        // Anything but a positive count of what remains (an older API answered none) ends the erase.
        if (!(remaining > 0) || round === maxEraseRounds) return { erased: total, remaining: remaining > 0 ? remaining : 0 };
      }
    },
    listAudit: (params, signal) => request<Page<AuditRecord>>("GET", paged(documented("/audit"), params), { signal }),
  };
}

/** Calls of one erase at most: each erases thousands of tasks, and a user holds at most 10,000 by default. */
const maxEraseRounds = 20;

/** `path?limit=&next=`, leaving out what is not given. */
/** A path of the OpenAPI document without the `/api` prefix `send` adds: a path the document lacks fails typecheck. */
type DocumentedPath = keyof paths extends infer P ? (P extends `/api${infer Rest}` ? Rest : never) : never;

/** `template`, a documented path, with each `{name}` replaced by `values[name]`, escaped. */
function documented(template: DocumentedPath, values: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ""));
}

function paged(path: string, params: TaskListParams = {}): string {
  const q = new URLSearchParams();
  if (params.limit !== undefined) q.set("limit", String(params.limit));
  if (params.next) q.set("next", params.next);
  if (params.q) q.set("q", params.q);
  if (params.done !== undefined) q.set("done", String(params.done));
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

/** A sentence a user can act on, for any error thrown by the client or the token getter. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    // A missing app role: its own 403, told apart from the missing scope by `requiredRole`.
    const role = err.status === 403 ? requiredRoleIn(err.problem) : undefined;
    if (role) return roleNeededMessage(role);
    if (err.timedOut) return `${err.message} Check your connection and try again.`;
    if (err.isNetwork) return `${err.message} Check your connection, or that the API is running.`;
    switch (err.status) {
      case 401:
        return err.claimsUnsatisfied
          ? "The API asks for a stronger sign-in (for example multi-factor authentication) than the one just made. Sign out and sign in again; if this message comes back, ask your administrator about the Conditional Access policy."
          : "The API did not accept your sign-in. Sign out and sign in again.";
      case 403:
        return "You are signed in, but this app was not given permission to use the Tasks API. Sign in again and accept the permission request.";
      case 404:
        return "That task no longer exists.";
      case 412:
        return "This task was changed somewhere else.";
      case 503:
        return `The task store is temporarily unavailable.${
          err.retryAfter !== undefined ? ` Try again in ${err.retryAfter} s.` : " Try again shortly."
        }`;
      default:
        return err.problem?.detail || err.problem?.title || err.message;
    }
  }
  if (err instanceof Error && "errorCode" in err) {
    // MSAL v5 error messages are only links; the code is what tells what happened.
    const code = String((err as { errorCode: unknown }).errorCode);
    if (code === "user_cancelled") return "Sign-in was cancelled.";
    // MSAL v5 cannot see a sign-in window close (Entra's pages send COOP); it gives up after a minute.
    if (code === "timed_out") {
      return "Sign-in did not finish. If Microsoft's window showed an error such as AADSTS50011 (redirect URI mismatch), this address is not registered for sign-in; otherwise try again.";
    }
    // Entra's answers the user can act on (AADSTS65001, AADSTS65004).
    if (code === "consent_required") return "This app needs permissions nobody has consented to yet. Ask an administrator to grant consent for it.";
    if (code === "access_denied") return "Sign-in stopped: the permissions were declined.";
    return `Sign-in failed (${code}).`;
  }
  return err instanceof Error ? err.message : "Something went wrong.";
}
