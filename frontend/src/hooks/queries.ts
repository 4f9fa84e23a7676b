// Server state through TanStack Query (issue 30): retries, pausing while offline and replaying on
// reconnect, refetching when the tab is shown again. What each query is, and the client's policy.
//
// It lives in the task panel's chunk, not in the first download: query-core is about 9 KB gzip, and the initial
// JavaScript has a budget (e2e/js-budget.spec.ts) it would break. /api/me stays with useMe for that reason.
import { infiniteQueryOptions, QueryClient } from "@tanstack/react-query";
import { ApiError, type ApiClient } from "../api/client";
import type { TaskPage } from "../api/types";
import type { TaskListParams } from "./taskList";

/** A failure that may pass by itself: no connection, throttling, a 5xx. A time-out is not retried: the user is told. */
export function transient(err: unknown): boolean {
  if (!(err instanceof ApiError) || err.timedOut) return false;
  return err.status === 0 || err.status === 429 || err.status >= 500;
}

/** Retry-After when the API sent one (up to 30 s), else 1 s, 2 s, 4 s. */
function retryDelay(failures: number, err: unknown): number {
  const after = err instanceof ApiError ? err.retryAfter : undefined;
  return after !== undefined ? Math.min(after, 30) * 1000 : Math.min(1000 * 2 ** failures, 8000);
}

export function createQueryClient(): QueryClient {
  // A list fetched while a change is on its way (or waiting for the connection) would show the server's state
  // from before it: refetches on focus and reconnect wait until no change is left (TanStack Query resumes paused
  // changes before it refetches on reconnect: QueryClient.mount in @tanstack/query-core).
  const idle = () => client.isMutating() === 0;
  const client: QueryClient = new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, err) => failures < 2 && transient(err),
        retryDelay,
        // staleTime 0 (the default): coming back to the tab asks again however soon, so a change made in another
        // tab a moment ago shows (issue 30, finding 6).
        refetchOnWindowFocus: idle,
        refetchOnReconnect: idle,
      },
      mutations: {
        // A change that did not reach the API (the connection dropped) is sent again; while the browser is offline
        // the retry waits, and TanStack Query resumes it when the connection returns (networkMode "online"). A
        // change the API answered (any status) is not resent: the UI says what happened.
        retry: (failures, err) => failures < 3 && err instanceof ApiError && err.status === 0 && !err.timedOut,
        retryDelay,
      },
    },
  });
  return client;
}

const clients = new WeakMap<ApiClient, Map<string, QueryClient>>();

/**
 * The query cache of one API client and one signed-in user (`who`): one user's tasks are never shown, even for a
 * moment, to the next, whether or not a switch of account makes a new API client. It outlives the dashboard, so
 * changes waiting for the connection are still sent after the user moved to another page: mounted here once, never
 * unmounted (QueryClient.mount counts its mounts).
 */
export function clientFor(api: ApiClient, who = ""): QueryClient {
  let byUser = clients.get(api);
  if (!byUser) clients.set(api, (byUser = new Map()));
  let client = byUser.get(who);
  if (!client) {
    client = createQueryClient();
    client.mount();
    byUser.set(who, client);
  }
  return client;
}

export const TASKS_KEY = ["tasks"] as const;

/** One page of the list: the first when `pageParam` is undefined. */
const listPage =
  (api: ApiClient, params: TaskListParams) =>
  ({ pageParam, signal }: { pageParam: string | undefined; signal: AbortSignal }) =>
    api.listTasks({ ...params, next: pageParam }, signal);

export function taskListQuery(api: ApiClient, params: TaskListParams) {
  return infiniteQueryOptions({
    queryKey: [...TASKS_KEY, "list", params] as const,
    queryFn: listPage(api, params),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: TaskPage) => last.next ?? undefined,
  });
}

/**
 * Fills the cache with the list's first page: from `early`, the request the dashboard started before this code had
 * loaded (used once; a retry asks again), or by asking now if what is cached is missing or stale.
 */
export function prefetchTasks(api: ApiClient, who: string, params: TaskListParams, early?: Promise<TaskPage>): Promise<void> {
  const ask = listPage(api, params);
  let first = early;
  return clientFor(api, who).prefetchInfiniteQuery({
    ...taskListQuery(api, params),
    queryFn: (ctx) => {
      const taken = ctx.pageParam === undefined ? first : undefined;
      first = undefined;
      return taken ?? ask(ctx);
    },
  });
}
