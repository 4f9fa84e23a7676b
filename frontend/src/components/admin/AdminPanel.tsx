import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import "./admin.css";
import type { AdminUser, AuditRecord } from "../../api/types";
import { ApiError } from "../../api/client";
import { failure, type Failure } from "../../api/reference";
import { requiredRoleIn } from "../../api/roles";
import { usePaged } from "../../hooks/usePaged";
import { useServices } from "../../services";
import { AdminsOnly } from "./AdminsOnly";
import { AuditLog, namesIn, type KnownUser } from "./AuditLog";
import { ConfirmDialog } from "./ConfirmDialog";
import { tasksCount, userLabel } from "./format";
import { UsersTable } from "./UsersTable";
import { UserTasks } from "./UserTasks";

const PAGE = 50;

/** The admin panel: users with tasks, one user's tasks, erasing them, and the audit log. */
export function AdminPanel() {
  const { api } = useServices();
  const [version, setVersion] = useState(0);
  const [auditVersion, setAuditVersion] = useState(0);
  const users = usePaged(api.listUsers, PAGE, version);
  const audit = usePaged(api.listAudit, PAGE, auditVersion);
  const [viewing, setViewing] = useState<AdminUser | null>(null);
  const [erasing, setErasing] = useState<AdminUser | null>(null);
  const [eraseBusy, setEraseBusy] = useState(false);
  const [eraseError, setEraseError] = useState<Failure | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  // After an erase the user's row goes away with its Erase button: focus then goes to the Users heading.
  const erased = useRef(false);
  const names = useKnownNames(users.state.items, audit.state.items);
  const refreshAudit = useCallback(() => setAuditVersion((n) => n + 1), []);

  const erase = async () => {
    if (!erasing) return;
    setEraseBusy(true);
    setEraseError(null);
    try {
      const result = await api.eraseUserTasks(erasing.id);
      erased.current = true;
      setOutcome(
        result.remaining === 0
          ? `Erased ${tasksCount(result.erased)} of ${userLabel(erasing)}.`
          : `Erased ${tasksCount(result.erased)} of ${userLabel(erasing)}; ${tasksCount(result.remaining)} remain (added meanwhile, or more than one erase could finish). Erase again to finish.`,
      );
      setErasing(null);
      // Their tasks are gone: close the view of them rather than read the empty list (and audit it) again.
      setViewing((v) => (v?.id === erasing.id ? null : v));
      setVersion((n) => n + 1);
      refreshAudit();
    } catch (err) {
      // Erasing is idempotent: trying again after a failure half way finishes the job.
      setEraseError(failure(err, "Nothing more was erased. ", " Trying again is safe."));
    } finally {
      setEraseBusy(false);
    }
  };

  // The API took the Admin role away since /api/me answered (or /api/me could not say).
  const refused = [users.state.error, audit.state.error]
    .map((e) => (e instanceof ApiError && e.status === 403 ? requiredRoleIn(e.problem) : undefined))
    .find((r) => r !== undefined);
  if (refused) return <AdminsOnly roles={null} requiredRole={refused} />;

  return (
    <div className="admin">
      <h1>Admin</h1>
      <p className="muted">
        Users’ tasks and the audit of what admins did. Every action on this page is recorded in the audit log.
      </p>
      <div role="status" className="admin__outcome">
        {outcome && <p className="notice notice--info">{outcome}</p>}
      </div>
      <UsersTable
        state={users.state}
        onMore={users.loadMore}
        onRetry={users.reload}
        onView={setViewing}
        onErase={(u) => {
          erased.current = false;
          setEraseError(null);
          setOutcome(null);
          setErasing(u);
        }}
      />
      {viewing && (
        <UserTasks key={viewing.id} api={api} user={viewing} onRead={refreshAudit} onClose={() => closeViewing(viewing, setViewing)} />
      )}
      <AuditLog state={audit.state} names={names} onMore={audit.loadMore} onRetry={refreshAudit} />
      {erasing && (
        <ConfirmDialog
          title={`Erase the tasks of ${userLabel(erasing)}?`}
          confirmLabel={`Erase ${tasksCount(erasing.taskCount)}`}
          busy={eraseBusy}
          busyLabel="Erasing…"
          error={eraseError}
          onConfirm={() => void erase()}
          onCancel={() => setErasing(null)}
          focusAfter={(why) => (erased.current || why === "opener-gone" ? document.getElementById("admin-users-title") : null)}
        >
          <p>
            This deletes all {tasksCount(erasing.taskCount)} of <strong>{userLabel(erasing)}</strong>
            {erasing.email && erasing.email !== userLabel(erasing) ? ` (${erasing.email})` : ""} for good. It cannot be
            undone, and it is recorded in the audit log.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** Closing a user's tasks gives focus back to that user's "View tasks" button. */
function closeViewing(user: AdminUser, setViewing: (u: AdminUser | null) => void) {
  setViewing(null);
  requestAnimationFrame(() => {
    const label = `View tasks of ${userLabel(user)}`;
    const button = [...document.querySelectorAll<HTMLButtonElement>(".admin-table button")].find((b) => b.getAttribute("aria-label") === label);
    (button ?? document.getElementById("admin-users-title"))?.focus();
  });
}

/**
 * Every user the panel has seen, by id: from the erase records (which the API writes with the
 * subject's name and email, so an erased user is named after a reload too) and from the users
 * list, which wins (it is their latest name). Users seen in this visit stay known after they leave the list.
 */
function useKnownNames(users: readonly AdminUser[], records: readonly AuditRecord[]): ReadonlyMap<string, KnownUser> {
  const [seen, setSeen] = useState<ReadonlyMap<string, KnownUser>>(() => new Map());
  useEffect(() => {
    if (users.length === 0) return;
    setSeen((old) => {
      const fresh = new Map(old);
      for (const u of users) fresh.set(u.id, { name: u.name || userLabel(u), email: u.email });
      return fresh;
    });
  }, [users]);
  return useMemo(() => new Map([...namesIn(records), ...seen]), [records, seen]);
}
