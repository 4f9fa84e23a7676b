import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApiClient } from "../api/client";
import type { Task } from "../api/types";
import { fakeApi } from "../test/fakeApi";
import { TaskPanel } from "./TaskPanel";

const task = (id: string, title: string, completed: boolean): Task => ({
  id,
  title,
  completed,
  createdAt: "2026-11-26T10:00:00Z",
  updatedAt: "2026-11-26T10:00:00Z",
  etag: `W/"${id}"`,
});

function api(): ApiClient {
  return fakeApi({ listTasks: vi.fn(async () => ({ items: [task("a", "Pay the rent", true), task("b", "Call the plumber", false)] })) });
}

describe("TaskPanel", () => {
  afterEach(cleanup);

  it("read-only (the Viewer role): shows the tasks and their state, offers no way to change them", async () => {
    const client = api();
    render(<TaskPanel api={client} readOnly />);
    const list = await screen.findByRole("list", { name: "Tasks" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    expect(screen.getByText("You can view your tasks but not change them (Viewer role).")).toBeTruthy();

    const paid = within(list).getByRole("checkbox", { name: "Pay the rent" }) as HTMLInputElement;
    expect(paid.checked).toBe(true);
    expect(paid.disabled).toBe(true);
    expect((within(list).getByRole("checkbox", { name: "Call the plumber" }) as HTMLInputElement).disabled).toBe(true);
    paid.click();
    expect(paid.checked).toBe(true);

    expect(screen.queryByRole("textbox")).toBeNull();
    expect(screen.queryByRole("button", { name: /Add task|Rename|Delete/ })).toBeNull();
    expect(client.updateTask).not.toHaveBeenCalled();
  });

  it("by default: the add box and each row's rename and delete are there, and no Viewer line", async () => {
    render(<TaskPanel api={api()} />);
    const list = await screen.findByRole("list", { name: "Tasks" });
    await waitFor(() => expect(screen.getByRole("textbox", { name: "New task" })).toBeTruthy());
    expect(within(list).getByRole("button", { name: "Rename “Call the plumber”" })).toBeTruthy();
    expect(within(list).getByRole("button", { name: "Delete “Pay the rent”" })).toBeTruthy();
    expect((within(list).getByRole("checkbox", { name: "Pay the rent" }) as HTMLInputElement).disabled).toBe(false);
    expect(screen.queryByText(/Viewer role/)).toBeNull();
  });

  it("keeps one cache per signed-in user: after a switch, not one render shows the previous user's tasks", async () => {
    const client = fakeApi({
      listTasks: vi
        .fn<ApiClient["listTasks"]>()
        .mockResolvedValueOnce({ items: [task("a", "Alice's plan", false)] })
        .mockResolvedValueOnce({ items: [task("b", "Bob's list", false)] }),
    });
    const view = render(<TaskPanel api={client} who="alice" />);
    await screen.findByText("Alice's plan");
    view.rerender(<TaskPanel api={client} who="bob" />);
    expect(screen.queryByText("Alice's plan")).toBeNull();
    await screen.findByText("Bob's list");
    expect(screen.queryByText("Alice's plan")).toBeNull();
  });
});
