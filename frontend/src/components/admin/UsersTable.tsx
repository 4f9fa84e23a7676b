import type { AdminUser } from "../../api/types";
import type { PagedState } from "../../hooks/usePaged";
import { Spinner } from "../Spinner";
import { formatTime, userLabel } from "./format";
import { LoadError } from "./LoadError";
import { PagedFooter } from "./PagedFooter";

interface Props {
  state: PagedState<AdminUser>;
  onMore(): void;
  onRetry(): void;
  onView(user: AdminUser): void;
  onErase(user: AdminUser): void;
}

/** The users who have tasks, with what an admin can do to each. */
export function UsersTable({ state, onMore, onRetry, onView, onErase }: Props) {
  return (
    <section className="card admin-section" aria-labelledby="admin-users-title">
      <h2 id="admin-users-title" tabIndex={-1}>
        Users
      </h2>
      <p className="muted small">Everyone who has tasks, with their name and email as of their latest change.</p>
      {state.status === "loading" && <Spinner label="Loading users" />}
      {state.status === "error" && <LoadError what="Users" error={state.error} onRetry={onRetry} />}
      {state.status === "ready" && state.items.length === 0 && (
        <p className="tasks__state">Nobody has any tasks yet.</p>
      )}
      {state.status === "ready" && state.items.length > 0 && (
        <table className="admin-table">
          <caption className="visually-hidden">Users with tasks</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Tasks</th>
              <th scope="col">Last activity</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.items.map((u) => (
              <tr key={u.id}>
                <th scope="row" data-label="User">
                  <span className="admin-table__name">{userLabel(u)}</span>
                  {u.email && u.email !== userLabel(u) && <span className="muted small break">{u.email}</span>}
                </th>
                <td data-label="Tasks">{u.taskCount}</td>
                <td data-label="Last activity">
                  <time dateTime={u.lastActivity}>{formatTime(u.lastActivity)}</time>
                </td>
                <td className="admin-table__actions">
                  <button type="button" className="btn btn--secondary btn--sm" onClick={() => onView(u)} aria-label={`View tasks of ${userLabel(u)}`}>
                    View tasks
                  </button>
                  <button type="button" className="btn btn--danger-ghost btn--sm" onClick={() => onErase(u)} aria-label={`Erase tasks of ${userLabel(u)}`}>
                    Erase
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagedFooter state={state} onMore={onMore} what="users" />
    </section>
  );
}
