import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AdminUser, AuditRecord, Problem } from "../../api/types";
import { ApiError, type ApiClient } from "../../api/client";
import { fakeApi, meWith } from "../../test/fakeApi";
import { renderApp } from "../../test/renderApp";
import { Dashboard } from "../Dashboard";
import { Navbar } from "../Navbar";
import { navigate } from "../../router";
import { AdminRoute } from "./AdminRoute";
// AdminRoute loads the panel lazily; loaded here first, its import() resolves at once instead of after a
// transform that, on a busy machine, outlasted findByRole's second (seen once in a full make test-frontend).
import "./AdminPanel";

vi.mock("../../services", async () => (await import("../../test/servicesMock")).servicesModule);

afterEach(cleanup);

const ADMIN = meWith(["Admin"], ["tasks.read", "tasks.write", "admin"]);
const VIEWER = meWith(["Viewer"], ["tasks.read"]);
const EDITOR = meWith(["Editor"], ["tasks.read", "tasks.write"]);
const NO_ROLE = meWith([], ["tasks.read", "tasks.write"]);

const bob: AdminUser = { id: "0b1c2d3e-0000-4000-8000-0000000000b0", name: "Bob Stone", email: "bob@contoso.example", taskCount: 3, lastActivity: "2026-11-29T10:00:00Z" };
const carol: AdminUser = { id: "0b1c2d3e-0000-4000-8000-0000000000c0", name: "", email: "carol@contoso.example", taskCount: 1, lastActivity: "2026-11-28T10:00:00Z" };
const task = (id: string, title: string, completed = false) => ({ id, title, completed, createdAt: "2026-11-29T09:00:00Z", updatedAt: "2026-11-29T09:00:00Z", etag: 'W/"1"' });
const forbidden = (role: string) => new ApiError("Forbidden", 403, { type: "about:blank", title: "Forbidden", status: 403, requiredRole: role } as never);

describe("roles in the navigation", () => {
  it.each([
    ["an Admin", ADMIN, 1],
    ["a Viewer", VIEWER, 0],
    ["an Editor", EDITOR, 0],
    ["a user with no role", NO_ROLE, 0],
  ])("%s sees the Admin link %i times", async (_who, me, links) => {
    renderApp(<Navbar />, fakeApi({ me: vi.fn(async () => me) }));
    await waitFor(() => expect(screen.getByRole("link", { name: "Dashboard" })).toBeTruthy());
    await act(async () => {});
    expect(screen.queryAllByRole("link", { name: "Admin" })).toHaveLength(links);
  });

  it("asks /api/me only once a page needs it (not on the landing page), then keeps the Admin link everywhere", async () => {
    const api = fakeApi({ me: vi.fn(async () => ADMIN) });
    renderApp(<Navbar />, api, true, "/");
    await act(async () => {});
    expect(api.me).not.toHaveBeenCalled();
    expect(screen.queryByRole("link", { name: "Admin" })).toBeNull();
    await act(async () => navigate("/dashboard"));
    expect(await screen.findByRole("link", { name: "Admin" })).toBeTruthy();
    await act(async () => navigate("/docs"));
    expect(screen.getByRole("link", { name: "Admin" })).toBeTruthy();
    expect(api.me).toHaveBeenCalledTimes(1);
  });
});

describe("the dashboard by role", () => {
  it("shows a Viewer their tasks without add, edit or delete controls, and says why", async () => {
    const api = fakeApi({ me: vi.fn(async () => VIEWER), listTasks: vi.fn(async () => ({ items: [task("a", "Read me", true)] })) });
    renderApp(<Dashboard />, api);
    const list = await screen.findByRole("list", { name: "Tasks" });
    expect(within(list).getByText("Read me")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Add task" })).toBeNull();
    expect(screen.queryByLabelText("New task")).toBeNull();
    expect(within(list).queryAllByRole("button")).toHaveLength(0);
    expect((within(list).getByRole("checkbox") as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByText(/not change them \(Viewer role\)/)).toBeTruthy();
  });

  it.each([
    ["an Editor", EDITOR],
    ["a user with no role", NO_ROLE],
    ["an Admin", ADMIN],
  ])("gives %s the full controls", async (_who, me) => {
    const api = fakeApi({ me: vi.fn(async () => me), listTasks: vi.fn(async () => ({ items: [task("a", "Mine")] })) });
    renderApp(<Dashboard />, api);
    await screen.findByRole("list", { name: "Tasks" });
    expect(screen.getByRole("button", { name: "Add task" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete “Mine”" })).toBeTruthy();
    expect(screen.queryByText(/your role is Viewer/)).toBeNull();
  });

  it("shows the roles in the profile, and what no role means", async () => {
    renderApp(<Dashboard />, fakeApi({ me: vi.fn(async () => meWith(["Admin", "Viewer"], ["tasks.read", "tasks.write", "admin"])) }));
    const roles = await screen.findByRole("list", { name: "Roles" });
    expect(within(roles).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["Admin", "Viewer"]);
    cleanup();
    renderApp(<Dashboard />, fakeApi({ me: vi.fn(async () => NO_ROLE) }));
    expect(await screen.findByText("None (counts as Editor)")).toBeTruthy();
  });
});

describe("/admin for someone who is not an admin", () => {
  it("explains that the page is for admins and names the role needed, without asking the admin API", async () => {
    const api = fakeApi({ me: vi.fn(async () => VIEWER) });
    renderApp(<AdminRoute />, api);
    expect(await screen.findByRole("heading", { level: 1, name: "Admins only" })).toBeTruthy();
    expect(screen.getByText(/needs the/).textContent).toContain("Admin role");
    expect(screen.getByText(/Your account has the Viewer role/)).toBeTruthy();
    expect(api.listUsers).not.toHaveBeenCalled();
    expect(api.listAudit).not.toHaveBeenCalled();
  });

  it("shows the same page when the API refuses with requiredRole (roles could not be read first)", async () => {
    const api = fakeApi({
      me: vi.fn(async () => {
        throw new ApiError("down", 503);
      }),
      listUsers: vi.fn(async () => {
        throw forbidden("Admin");
      }),
    });
    renderApp(<AdminRoute />, api);
    expect(await screen.findByRole("heading", { level: 1, name: "Admins only" })).toBeTruthy();
    expect(screen.getByText(/needs the/).textContent).toContain("Admin role");
  });

  it("asks a signed-out visitor to sign in", async () => {
    renderApp(<AdminRoute />, fakeApi(), false);
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeTruthy();
  });
});

function adminApi(overrides: Partial<ApiClient> = {}) {
  let users = [bob, carol];
  const audit: AuditRecord[] = [];
  const api = fakeApi({
    me: vi.fn(async () => ADMIN),
    listUsers: vi.fn(async () => ({ items: users })),
    listUserTasks: vi.fn(async () => ({ items: [task("t1", "Bob's first", true), task("t2", "Bob's second")] })),
    eraseUserTasks: vi.fn(async (id: string) => {
      users = users.filter((u) => u.id !== id);
      audit.unshift({ id: "r1", at: "2026-11-29T11:00:00Z", actor: { id: "x", kind: "user", name: "Alice Martin" }, action: "erase-user-tasks", subject: id, subjectName: null, subjectEmail: null, state: "completed", count: 3, remaining: 0 });
      return { erased: 3, remaining: 0 };
    }),
    listAudit: vi.fn(async () => ({ items: [...audit] })),
    ...overrides,
  });
  return api;
}

async function openPanel(api: ApiClient) {
  renderApp(<AdminRoute />, api);
  await screen.findByRole("heading", { level: 1, name: "Admin" });
  return screen.findByRole("table", { name: "Users with tasks" });
}

describe("the admin panel", () => {
  it("lists the users with tasks, naming each by name, else email", async () => {
    const table = await openPanel(adminApi());
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["Bob Stonebob@contoso.example", "carol@contoso.example"]);
    expect(within(rows[0]!).getByRole("cell", { name: "3" })).toBeTruthy();
  });

  it("shows a user's tasks read-only", async () => {
    const api = adminApi();
    await openPanel(api);
    fireEvent.click(screen.getByRole("button", { name: "View tasks of Bob Stone" }));
    const list = await screen.findByRole("list", { name: "Tasks of Bob Stone" });
    expect(api.listUserTasks).toHaveBeenCalledWith(bob.id, { limit: 50 }, expect.anything());
    expect(within(list).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      expect.stringContaining("DoneBob's first"),
      expect.stringContaining("OpenBob's second"),
    ]);
    expect(within(list).queryAllByRole("button")).toHaveLength(0);
    expect(within(list).queryAllByRole("checkbox")).toHaveLength(0);
  });

  it("erases only after a confirmation that names the user and the count, then says how many were erased", async () => {
    const api = adminApi();
    await openPanel(api);
    const eraseButton = screen.getByRole("button", { name: "Erase tasks of Bob Stone" });
    eraseButton.focus();
    fireEvent.click(eraseButton);
    const dialog = await screen.findByRole("dialog", { name: "Erase the tasks of Bob Stone?" });
    expect(dialog.textContent).toContain("all 3 tasks of Bob Stone (bob@contoso.example)");
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.eraseUserTasks).not.toHaveBeenCalled();

    await act(async () => {
      fireEvent.click(within(dialog).getByRole("button", { name: "Erase 3 tasks" }));
    });
    expect(api.eraseUserTasks).toHaveBeenCalledWith(bob.id);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain("Erased 3 tasks of Bob Stone.");
    // The list and the audit log are read again: Bob is gone, the erasure is recorded under his name.
    await waitFor(() => expect(screen.queryByRole("button", { name: "Erase tasks of Bob Stone" })).toBeNull());
    const audit = await screen.findByRole("table", { name: "Audit log, newest first" });
    const row = within(audit).getAllByRole("row")[1]!;
    expect(row.textContent).toContain("Erased a user’s tasks");
    expect(row.textContent).toContain("Bob Stone");
    // Bob's Erase button is gone: focus goes to the users heading, not to nowhere.
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Users" }));
  });

  it("Escape cancels the confirmation, erases nothing and returns focus to the Erase button", async () => {
    const api = adminApi();
    await openPanel(api);
    const eraseButton = screen.getByRole("button", { name: "Erase tasks of Bob Stone" });
    eraseButton.focus();
    fireEvent.click(eraseButton);
    const dialog = await screen.findByRole("dialog");
    fireEvent.keyDown(dialog, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(api.eraseUserTasks).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(eraseButton);
  });

  it("keeps Tab inside the confirmation", async () => {
    await openPanel(adminApi());
    fireEvent.click(screen.getByRole("button", { name: "Erase tasks of Bob Stone" }));
    const dialog = await screen.findByRole("dialog");
    const cancel = within(dialog).getByRole("button", { name: "Cancel" });
    const confirm = within(dialog).getByRole("button", { name: "Erase 3 tasks" });
    confirm.focus();
    fireEvent.keyDown(confirm, { key: "Tab" });
    expect(document.activeElement).toBe(cancel);
    fireEvent.keyDown(cancel, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(confirm);
  });

  it("keeps the confirmation open after a failed erase, says retrying is safe, and retries", async () => {
    const eraseUserTasks = vi
      .fn<ApiClient["eraseUserTasks"]>()
      .mockRejectedValueOnce(new ApiError("down", 503, traced("e")))
      .mockResolvedValueOnce({ erased: 2, remaining: 0 });
    await openPanel(adminApi({ eraseUserTasks }));
    fireEvent.click(screen.getByRole("button", { name: "Erase tasks of Bob Stone" }));
    const dialog = await screen.findByRole("dialog");
    await act(async () => {
      fireEvent.click(within(dialog).getByRole("button", { name: "Erase 3 tasks" }));
    });
    expect(within(dialog).getByRole("alert").textContent).toMatch(/temporarily unavailable.*Trying again is safe/);
    expect(within(dialog).getByRole("alert").textContent).toContain(`Reference: ${"e".repeat(32)}`);
    expect(within(dialog).getByRole("button", { name: "Copy reference" })).toBeTruthy();
    await act(async () => {
      fireEvent.click(within(dialog).getByRole("button", { name: "Erase 3 tasks" }));
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.getByText("Erased 2 tasks of Bob Stone.")).toBeTruthy();
  });

  it("has clear empty states", async () => {
    renderApp(<AdminRoute />, fakeApi({ me: vi.fn(async () => ADMIN) }));
    expect(await screen.findByText("Nobody has any tasks yet.")).toBeTruthy();
    expect(await screen.findByText("No admin actions yet.")).toBeTruthy();
  });

  it("shows a load error with Try again, and recovers", async () => {
    const listUsers = vi
      .fn<ApiClient["listUsers"]>()
      .mockRejectedValueOnce(new ApiError("down", 500, traced("a")))
      .mockResolvedValueOnce({ items: [bob] });
    renderApp(<AdminRoute />, adminApi({ listUsers }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Users could not be loaded");
    expect(alert.textContent).toContain(`Reference: ${"a".repeat(32)}`);
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("button", { name: "Erase tasks of Bob Stone" })).toBeTruthy();
  });

  it("loads more users with the cursor, and says so when that fails", async () => {
    const listUsers = vi
      .fn<ApiClient["listUsers"]>()
      .mockResolvedValueOnce({ items: [bob], next: "page2" })
      .mockRejectedValueOnce(new ApiError("down", 503, traced("b")))
      .mockResolvedValueOnce({ items: [carol] });
    await openPanel(adminApi({ listUsers }));
    fireEvent.click(screen.getByRole("button", { name: "Load more users" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Could not load more users.");
    expect(screen.getByRole("alert").textContent).toContain(`Reference: ${"b".repeat(32)}`);
    fireEvent.click(screen.getByRole("button", { name: "Load more users" }));
    expect(await screen.findByRole("button", { name: "Erase tasks of carol@contoso.example" })).toBeTruthy();
    expect(listUsers).toHaveBeenLastCalledWith({ limit: 50, next: "page2" });
    expect(screen.queryByRole("button", { name: "Load more users" })).toBeNull();
  });
});

/** A problem body with a trace id of 32 `digit`s, as the API sends (issue 28). */
function traced(digit: string): Problem {
  return { title: "Service Unavailable", traceId: digit.repeat(32) } as Problem;
}
