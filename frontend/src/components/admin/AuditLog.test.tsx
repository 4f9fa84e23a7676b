import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../api/types";
import type { PagedState } from "../../hooks/usePaged";
import { AuditLog, type KnownUser } from "./AuditLog";

afterEach(cleanup);

const grace = "0b1c2d3e-0000-4000-8000-0000000000a2";
const daemon = "5a5a5a5a-0000-4000-8000-0000000000a1";

function record(over: Partial<AuditRecord>): AuditRecord {
  return {
    id: Math.random().toString(36).slice(2),
    at: "2026-12-06T10:00:00Z",
    actor: { id: daemon, kind: "app", name: "" },
    action: "create-user-task",
    subject: grace,
    subjectName: null,
    subjectEmail: null,
    state: "completed",
    count: 1,
    remaining: null,
    ...over,
  };
}

function renderLog(items: AuditRecord[]) {
  const state: PagedState<AuditRecord> = { status: "ready", items, next: undefined, loadingMore: false, error: undefined, moreError: undefined };
  const names = new Map<string, KnownUser>([[grace, { name: "Grace Hopper", email: "grace@contoso.example" }]]);
  render(<AuditLog state={state} names={names} onMore={() => {}} onRetry={() => {}} />);
  const table = screen.getByRole("table", { name: "Audit log, newest first" });
  return within(table).getAllByRole("row").slice(1).map((row) => within(row).getAllByRole("cell").map((cell) => cell.textContent));
}

describe("the audit log names apps and their actions in plain words", () => {
  it("shows an app as an app, by its client id, and each of its writes", () => {
    const rows = renderLog([
      record({ action: "delete-user-task" }),
      record({ action: "update-user-task" }),
      record({ action: "read-user-tasks", count: 2 }),
      record({ action: "create-user-task" }),
    ]);
    expect(rows.map((r) => r[1])).toEqual(Array(4).fill(`App ${daemon}`));
    expect(rows.map((r) => r[2])).toEqual(["Deleted a user’s task", "Changed a user’s task", "Read a user’s tasks", "Created a task for a user"]);
    expect(rows.map((r) => r[3])).toEqual(Array(4).fill("Grace Hoppergrace@contoso.example"));
    expect(screen.getAllByTitle(`An app calling with its own permissions, client id ${daemon}`)).toHaveLength(4);
  });

  it("says what became of an app's write that was refused or never completed", () => {
    const rows = renderLog([record({ action: "delete-user-task", state: "failed", count: 0 }), record({ action: "update-user-task", state: "started", count: null })]);
    expect(rows[0]![2]).toBe("Deleted a user’s task (refused: nothing was changed)");
    expect(rows[1]![2]).toBe("Changed a user’s task (no outcome was recorded: it may or may not have happened)");
  });

  it("still shows an admin by name, and an erase that failed as before", () => {
    const rows = renderLog([record({ actor: { id: "0b1c2d3e-0000-4000-8000-0000000000ad", kind: "user", name: "Alice Martin" }, action: "erase-user-tasks", state: "failed", count: 3 })]);
    expect(rows[0]![1]).toBe("Alice Martin");
    expect(rows[0]![2]).toBe("Erased a user’s tasks (failed part way; erasing again finishes it)");
  });
});
