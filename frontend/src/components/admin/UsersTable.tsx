import { useId, useMemo, useState } from "react";
import type { AdminUser } from "../../api/types";
import type { PagedState } from "../../hooks/usePaged";
import { Spinner } from "../Spinner";
import { byName, matches, userLabel } from "./format";
import { LoadError } from "./LoadError";
import { PagedFooter } from "./PagedFooter";
import { Time } from "./Time";

interface Props {
  state: PagedState<AdminUser>;
  onMore(): void;
  onRetry(): void;
  onView(user: AdminUser): void;
  onErase(user: AdminUser): void;
}

/**
 * The users who have tasks, with what an admin can do to each: sorted by name and searchable. The
 * API lists users in its index's order (by object id), so both act on the users loaded so far, and
 * "Load more users" stays offered while searching; the status line says so.
 */
export function UsersTable({ state, onMore, onRetry, onView, onErase }: Props) {
  const [query, setQuery] = useState("");
  const id = useId();
  const sorted = useMemo(() => byName(state.items), [state.items]);
  const shown = useMemo(() => (query.trim() ? sorted.filter((u) => matches(u, query)) : sorted), [sorted, query]);
  const searching = query.trim() !== "";
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
        <div className="admin-search" role="search" aria-label="Users">
          <label htmlFor={`${id}-q`}>Search users</label>
          <input
            id={`${id}-q`}
            type="search"
            className="input"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Name or email"
            autoComplete="off"
            aria-describedby={`${id}-count`}
          />
          <p id={`${id}-count`} role="status" className="muted small">
            {searching
              ? `${shown.length} of ${state.items.length} loaded users match${state.next ? "; load more to search further" : ""}.`
              : `${state.items.length} users loaded${state.next ? " (more to load)" : ""}, sorted by name.`}
          </p>
        </div>
      )}
      {state.status === "ready" && state.items.length > 0 && shown.length > 0 && (
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
            {shown.map((u) => (
              <tr key={u.id}>
                <th scope="row" data-label="User">
                  <span className="admin-table__name">{userLabel(u)}</span>
                  {u.email && u.email !== userLabel(u) && <span className="muted small break">{u.email}</span>}
                </th>
                <td data-label="Tasks">{u.taskCount}</td>
                <td data-label="Last activity">
                  <Time at={u.lastActivity} />
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
