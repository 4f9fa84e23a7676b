import type { AuditAction, AuditRecord } from "../../api/types";
import type { PagedState } from "../../hooks/usePaged";
import { Spinner } from "../Spinner";
import { Time } from "./Time";
import { LoadError } from "./LoadError";
import { PagedFooter } from "./PagedFooter";

const ACTIONS: Record<AuditAction, string> = {
  // No longer recorded (the panel listed users on every opening); older records still say so.
  "list-users": "Listed users",
  "read-user-tasks": "Read a user’s tasks",
  "erase-user-tasks": "Erased a user’s tasks",
  // An app's writes (application permission Tasks.ReadWrite.All).
  "create-user-task": "Created a task for a user",
  "update-user-task": "Changed a user’s task",
  "delete-user-task": "Deleted a user’s task",
};

interface Props {
  state: PagedState<AuditRecord>;
  /** Users the panel knows, by id (from the users list and from erase records), to say who a record is about. */
  names: ReadonlyMap<string, KnownUser>;
  onMore(): void;
  onRetry(): void;
}

/**
 * Every admin action, and everything an app (a daemon or managed identity, calling with its own
 * application permissions) read or changed in users' tasks, newest first. Nothing in the API
 * changes or deletes these records.
 */
export function AuditLog({ state, names, onMore, onRetry }: Props) {
  return (
    <section className="card admin-section" aria-labelledby="admin-audit-title">
      <div className="admin-section__head">
        <h2 id="admin-audit-title">Audit log</h2>
        <button type="button" className="btn btn--ghost btn--sm" onClick={onRetry}>
          Refresh
        </button>
      </div>
      <p className="muted small">
        Every admin action, and everything an app read or changed in users’ tasks, newest first. Nobody can change or delete these records.
      </p>
      {state.status === "loading" && <Spinner label="Loading the audit log" />}
      {state.status === "error" && <LoadError what="The audit log" error={state.error} onRetry={onRetry} />}
      {state.status === "ready" && state.items.length === 0 && <p className="tasks__state">No admin actions yet.</p>}
      {state.status === "ready" && state.items.length > 0 && (
        <table className="admin-table admin-table--audit">
          <caption className="visually-hidden">Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">By</th>
              <th scope="col">Action</th>
              <th scope="col">User</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {state.items.map((r) => (
              <tr key={r.id}>
                <td data-label="When">
                  <Time at={r.at} />
                </td>
                <td data-label="By">
                  <Actor actor={r.actor} />
                </td>
                <td data-label="Action">
                  {ACTIONS[r.action] ?? r.action}
                  <Outcome record={r} />
                </td>
                <td data-label="User">{r.subject === null ? "—" : <Subject id={r.subject} names={names} />}</td>
                <td data-label="Count">{r.count ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagedFooter state={state} onMore={onMore} what="records" />
    </section>
  );
}

/**
 * Who acted: an admin by name, or an app by its client (application) id, which is how an
 * administrator finds it in Entra (Enterprise applications) to see or revoke what it was granted.
 */
function Actor({ actor }: { actor: AuditRecord["actor"] }) {
  if (actor.kind === "app") {
    return (
      <span title={`An app calling with its own permissions, client id ${actor.id}`}>
        App <span className="mono break">{actor.id}</span>
      </span>
    );
  }
  return <>{actor.name || <span className="mono">{actor.id}</span>}</>;
}

/** An app's write to one task: recorded before it, completed (or failed) after. */
const WRITES: ReadonlySet<AuditRecord["action"]> = new Set(["create-user-task", "update-user-task", "delete-user-task"]);

/** How an action ended, when it did not simply complete: an erase can stop half way, an app's write can be refused. */
function Outcome({ record }: { record: AuditRecord }) {
  const left = record.remaining ?? 0;
  const write = WRITES.has(record.action);
  switch (record.state) {
    case "started":
      return <span className="audit-outcome">{write ? " (no outcome was recorded: it may or may not have happened)" : " (did not finish: no count was recorded)"}</span>;
    case "partial":
      return <span className="audit-outcome"> (stopped with {left === 1 ? "1 task" : `${left} tasks`} left)</span>;
    case "failed":
      return <span className="audit-outcome">{write ? " (refused: nothing was changed)" : " (failed part way; erasing again finishes it)"}</span>;
    default:
      return null;
  }
}

/** Who a user was, as the panel last saw them (the users list, or the record of their erase). */
export interface KnownUser {
  name: string;
  email: string;
}

/**
 * The user a record is about: their name and email. An erased user is no longer in the users
 * list; their erase record names them (the API stores who they were when it erased), and so
 * names them on every other record too. Only a user the panel has never seen named shows as an id.
 */
function Subject({ id, names }: { id: string; names: ReadonlyMap<string, KnownUser> }) {
  const known = names.get(id);
  if (!known || (!known.name && !known.email)) return <span className="mono break">{id}</span>;
  return (
    <span title={id}>
      {known.name || known.email}
      {known.name && known.email && <span className="muted small break audit-subject__email">{known.email}</span>}
    </span>
  );
}

/** Every user named in `records` (erase records carry the subject's name and email), by id. */
export function namesIn(records: readonly AuditRecord[]): Map<string, KnownUser> {
  const out = new Map<string, KnownUser>();
  for (const r of records) {
    if (r.subject && (r.subjectName || r.subjectEmail) && !out.has(r.subject)) {
      out.set(r.subject, { name: r.subjectName ?? "", email: r.subjectEmail ?? "" });
    }
  }
  return out;
}
