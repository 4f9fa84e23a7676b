import { onlineManager, QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { ApiClient } from "../api/client";
import { useAuth } from "../auth/auth";
import { clientFor } from "../hooks/queries";
import { taskListFor } from "../hooks/taskList";
import { useListParams } from "../hooks/useListParams";
import { useTasks, type TasksState } from "../hooks/useTasks";
import { useWarnBeforeLeaving } from "../hooks/useWarnBeforeLeaving";
import { AddTaskForm } from "./AddTaskForm";
import { ErrorReference } from "./ErrorReference";
import { NoticeBar } from "./NoticeBar";
import { Spinner } from "./Spinner";
import { TaskFilters } from "./TaskFilters";
import { TaskItem } from "./TaskItem";

interface Props {
  api: ApiClient;
  /** The signed-in user: each has a query cache of their own. */
  who?: string;
  /** The Viewer role: the tasks are shown, nothing offers to change them. */
  readOnly?: boolean;
}

export { prefetchTasks } from "../hooks/queries";

const cacheIds = new WeakMap<QueryClient, number>();
let lastCacheId = 0;
function cacheId(c: QueryClient): number {
  let id = cacheIds.get(c);
  if (id === undefined) cacheIds.set(c, (id = ++lastCacheId));
  return id;
}

/** The user's tasks, read and changed through the query cache of `api` (one per signed-in user). */
export function TaskPanel(props: Props) {
  const client = clientFor(props.api, props.who);
  return (
    <QueryClientProvider client={client}>
      {/* A query hook keeps the cache it was first rendered with: another cache (user, sign-in) is another panel. */}
      <Panel key={cacheId(client)} {...props} />
    </QueryClientProvider>
  );
}

function Panel({ api, readOnly = false }: Props) {
  const [params, setParams] = useListParams();
  const list = useMemo(() => taskListFor(params), [params]);
  const filtered = params.q !== "" || params.hideDone;
  const tasks = useTasks(api, list);
  const { state } = tasks;
  const undoable = state.notice?.undoDelete !== undefined;
  useWarnBeforeLeaving(state.saving > 0 || undoable);
  const online = useSyncExternalStore(onlineManager.subscribe.bind(onlineManager), () => onlineManager.isOnline());

  // The task to focus, set after the state change that adds its row. The effect runs once React
  // has committed that row; a requestAnimationFrame after the await could run before the commit,
  // find nothing, and leave focus on the body (the "Load more" button is gone on the last page).
  const [focusId, focusTask] = useState<string | undefined>();
  useEffect(() => {
    if (!focusId) return;
    document.querySelector<HTMLElement>(`[data-task-id="${CSS.escape(focusId)}"] input`)?.focus();
    focusTask(undefined);
  }, [focusId]);

  return (
    <section className="card tasks" aria-labelledby="tasks-title">
      <div className="tasks__head">
        <h2 id="tasks-title">Tasks</h2>
        <span className="tasks__meta">
          {state.saving > 0 && (
            <span className="muted small" role="status">
              Saving…
            </span>
          )}
          {state.status === "ready" && state.items.length > 0 && (
            <span className="muted small" aria-live="polite">
              {countText(state, filtered)}
            </span>
          )}
        </span>
      </div>
      {readOnly ? (
        <p className="tasks__read-only">You can view your tasks but not change them (Viewer role).</p>
      ) : (
        <AddTaskForm onAdd={tasks.add} disabled={state.status !== "ready"} />
      )}
      <TaskFilters params={params} onChange={setParams} />
      {!online && (
        // One message for every change made meanwhile (issue 30, finding 7), not an error on each row.
        <div className="notice notice--info" role="status">
          <p>You are offline. Your changes are kept and will be sent when the connection returns.</p>
        </div>
      )}
      <NoticeBar
        notice={state.notice}
        onDismiss={tasks.dismissNotice}
        onUndo={(id) => tasks.undoDelete(id) && focusTask(id)}
        onHold={tasks.holdUndo}
      />

      {state.status === "loading" && (
        <div className="tasks__state">
          <Spinner label="Loading tasks" />
        </div>
      )}
      {state.status === "error" && state.loadError?.status === 403 && <NoPermission />}
      {state.status === "error" && state.loadError?.status !== 403 && (
        <div className="tasks__state tasks__state--error" role="alert">
          <p className="tasks__state-title">Your tasks could not be loaded</p>
          <p>{state.loadError?.message}</p>
          <ErrorReference traceId={state.loadError?.traceId} />
          <button type="button" className="btn btn--secondary" onClick={tasks.retry}>
            Try again
          </button>
        </div>
      )}
      {state.status === "ready" && state.items.length === 0 && filtered && (
        <div className="tasks__state tasks__empty" role="status">
          <p className="tasks__state-title">{state.next ? "No tasks match yet" : "No tasks match"}</p>
          <p className="muted">
            {state.next
              ? `None of the tasks read so far match; ${params.q ? "search older tasks" : "load more"} below.`
              : params.q
                ? "Try other words, or empty the search box to see every task."
                : "Every task is done."}
          </p>
        </div>
      )}
      {state.status === "ready" && state.items.length === 0 && !filtered && (
        <div className="tasks__state tasks__empty">
          <p className="tasks__state-title">No tasks yet</p>
          <p className="muted">
            {readOnly ? "There is nothing to show." : "Add your first one above. Only you can see your tasks."}
          </p>
        </div>
      )}
      {state.status === "ready" && state.items.length > 0 && (
        <ul className="task-list" aria-label="Tasks">
          {state.items.map((t) => (
            <TaskItem
              key={t.id}
              task={t}
              readOnly={readOnly}
              onToggle={() => void tasks.update(t.id, { completed: !t.completed })}
              onRename={(title) => tasks.update(t.id, { title })}
              onDelete={() => tasks.remove(t.id)}
              onRetry={() => tasks.retryRow(t.id)}
              onDismissProblem={() => tasks.dismissProblem(t.id)}
            />
          ))}
        </ul>
      )}
      {state.status === "ready" && state.next && (
        <button
          type="button"
          className="btn btn--secondary btn--block"
          onClick={async () => focusTask(await tasks.loadMore())}
          disabled={state.loadingMore}
        >
          {state.loadingMore ? "Loading…" : params.q ? "Search older tasks" : "Load more"}
        </button>
      )}
    </section>
  );
}

/** "2 of 5 done", or, while more pages exist, what the numbers cover; with a search or filter, how many match. */
function countText(state: TasksState, filtered: boolean): string {
  const done = state.items.filter((t) => t.completed).length;
  const shown = state.items.length;
  if (filtered) return `${shown} ${shown === 1 ? "task matches" : "tasks match"}${state.next ? " so far; more below" : ""}`;
  return state.next ? `${done} of the ${shown} tasks shown are done; more below` : `${done} of ${shown} done`;
}

/**
 * A 403: the sign-in is valid but does not carry the API's permission (scope). Retrying cannot
 * help; signing in again can, because sign-in asks for that permission (and Entra shows the
 * consent prompt when it was never granted).
 */
function NoPermission() {
  const { SignInButton, signOut } = useAuth();
  return (
    <div className="tasks__state tasks__state--error" role="alert">
      <p className="tasks__state-title">Your sign-in does not allow this app to use the Tasks API</p>
      <p>
        You are signed in, but the permission to use the Tasks API was not granted. Sign in again and accept the
        permission request. If you are not asked, or it still fails, your organisation&apos;s administrator has to grant
        it for this app.
      </p>
      <p className="tasks__state-actions">
        <SignInButton small />
        <button type="button" className="btn btn--ghost btn--sm" onClick={() => void signOut()}>
          Sign out
        </button>
      </p>
    </div>
  );
}
