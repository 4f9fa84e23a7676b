import type { ApiClient } from "../api/client";
import { useTasks } from "../hooks/useTasks";
import { useWarnBeforeLeaving } from "../hooks/useWarnBeforeLeaving";
import { AddTaskForm } from "./AddTaskForm";
import { NoticeBar } from "./NoticeBar";
import { Spinner } from "./Spinner";
import { TaskItem } from "./TaskItem";

export function TaskPanel({ api, readOnly = false }: { api: ApiClient; readOnly?: boolean }) {
  const { state, add, update, remove, loadMore, retry, dismissNotice } = useTasks(api);
  const done = state.items.filter((t) => t.completed).length;
  useWarnBeforeLeaving(state.saving > 0);

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
              {done} of {state.items.length} done{state.next ? " (more to load)" : ""}
            </span>
          )}
        </span>
      </div>
      {readOnly ? (
        <p className="muted small" role="note">
          Read only: your role is Viewer, which can see tasks but not add, change or delete them.
        </p>
      ) : (
        <AddTaskForm onAdd={add} disabled={state.status !== "ready"} />
      )}
      <NoticeBar notice={state.notice} onDismiss={dismissNotice} />

      {state.status === "loading" && (
        <div className="tasks__state">
          <Spinner label="Loading tasks" />
        </div>
      )}
      {state.status === "error" && (
        <div className="tasks__state tasks__state--error" role="alert">
          <p className="tasks__state-title">Your tasks could not be loaded</p>
          <p>{state.loadError}</p>
          <button type="button" className="btn btn--secondary" onClick={retry}>
            Try again
          </button>
        </div>
      )}
      {state.status === "ready" && state.items.length === 0 && (
        <div className="tasks__state tasks__empty">
          <p className="tasks__state-title">No tasks yet</p>
          <p className="muted">Add your first one above — it is stored in your own partition of Azure Table Storage.</p>
        </div>
      )}
      {state.status === "ready" && state.items.length > 0 && (
        <ul className="task-list" aria-label="Tasks">
          {state.items.map((t) => (
            <TaskItem
              key={t.id}
              task={t}
              readOnly={readOnly}
              onToggle={() => update(t.id, { completed: !t.completed })}
              onRename={(title) => update(t.id, { title })}
              onDelete={() => remove(t.id)}
            />
          ))}
        </ul>
      )}
      {state.status === "ready" && state.next && (
        <button type="button" className="btn btn--secondary btn--block" onClick={loadMore} disabled={state.loadingMore}>
          {state.loadingMore ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
