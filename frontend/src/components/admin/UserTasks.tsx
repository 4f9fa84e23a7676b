import { useCallback, useEffect, useRef } from "react";
import type { AdminUser } from "../../api/types";
import type { ApiClient } from "../../api/client";
import { usePaged } from "../../hooks/usePaged";
import { Spinner } from "../Spinner";
import { formatTime, userLabel } from "./format";
import { LoadError } from "./LoadError";
import { PagedFooter } from "./PagedFooter";

interface Props {
  api: ApiClient;
  user: AdminUser;
  onClose(): void;
  /** The first page was read: the API wrote an audit record for it. */
  onRead(): void;
}

/** One user's tasks, read-only: an admin looks, and can erase them all from the users table. */
export function UserTasks({ api, user, onClose, onRead }: Props) {
  const load = useCallback(
    (params: Parameters<ApiClient["listUserTasks"]>[1], signal?: AbortSignal) => api.listUserTasks(user.id, params, signal),
    [api, user.id],
  );
  const { state, loadMore, reload } = usePaged(load, 50);
  const heading = useRef<HTMLHeadingElement>(null);
  const name = userLabel(user);

  // Opening (or switching) moves focus to the heading, so keyboard and screen-reader users land on it.
  useEffect(() => heading.current?.focus(), [user.id]);
  const loaded = state.status === "ready";
  useEffect(() => {
    if (loaded) onRead();
  }, [loaded, onRead]);

  return (
    <section className="card admin-section" aria-labelledby="admin-user-tasks-title">
      <div className="admin-section__head">
        <h2 id="admin-user-tasks-title" ref={heading} tabIndex={-1}>
          Tasks of {name}
        </h2>
        <button type="button" className="btn btn--ghost btn--sm" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small">Read only. An admin can see a user’s tasks but not change them.</p>
      {state.status === "loading" && <Spinner label={`Loading tasks of ${name}`} />}
      {state.status === "error" && <LoadError what={`Tasks of ${name}`} error={state.error} onRetry={reload} />}
      {state.status === "ready" && state.items.length === 0 && <p className="tasks__state">{name} has no tasks.</p>}
      {state.status === "ready" && state.items.length > 0 && (
        <ul className="admin-tasks" aria-label={`Tasks of ${name}`}>
          {state.items.map((t) => (
            <li key={t.id} className={t.completed ? "admin-tasks__done" : undefined}>
              <span className="admin-tasks__state">{t.completed ? "Done" : "Open"}</span>
              <span className="admin-tasks__title">{t.title}</span>
              <span className="muted small">
                added <time dateTime={t.createdAt}>{formatTime(t.createdAt)}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
      <PagedFooter state={state} onMore={loadMore} what="tasks" />
    </section>
  );
}
