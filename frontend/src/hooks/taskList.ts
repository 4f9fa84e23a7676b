// What the dashboard's task list asks for, without the code that asks (TanStack Query, in the task panel's own
// chunk): the dashboard starts the first page with this while /api/me is on its way.
import type { PageParams } from "../api/client";

/** Options of the task list; more list parameters (order, search, filters) join these and so the query's key. */
export type TaskListParams = Omit<PageParams, "next">;

export const DEFAULT_TASK_LIST: TaskListParams = { limit: 50 };

/** The list the address asks for (`?q=&done=false`, see useListParams): the default page with the search and filter. */
export function taskListFor(list: { q: string; hideDone: boolean }): TaskListParams {
  return { ...DEFAULT_TASK_LIST, ...(list.q ? { q: list.q } : {}), ...(list.hideDone ? { done: false } : {}) };
}
