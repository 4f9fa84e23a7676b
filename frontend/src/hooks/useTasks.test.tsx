import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, type ApiClient } from "../api/client";
import type { Failure } from "../api/reference";
import type { Problem, Task } from "../api/types";
import { queryWrapper } from "../test/queryWrapper";
import { UNDO_DELETE_MS, useTasks, type Message } from "./useTasks";
import { useMe } from "./useMe";

const t = (id: string, title: string, etag = `W/"${id}-1"`): Task => ({
  id,
  title,
  completed: false,
  createdAt: "2026-11-26T10:00:00Z",
  updatedAt: "2026-11-26T10:00:00Z",
  etag,
});

function fakeApi(overrides: Partial<ApiClient> = {}): ApiClient {
  return {
    me: vi.fn<ApiClient["me"]>(async () => ({ id: "u", kind: "user", appId: "c", name: "Alice", email: "a@x", tenantId: "t", scopes: ["access_as_user"], roles: [], permissions: ["tasks.read", "tasks.write"] })),
    listTasks: vi.fn(async () => ({ items: [t("a", "First"), t("b", "Second"), t("c", "Third")] })),
    getTask: vi.fn(async (id: string) => t(id, "fresh")),
    createTask: vi.fn(async (title: string) => t("new", title)),
    updateTask: vi.fn(async (id: string, patch) => ({ ...t(id, "x", `W/"${id}-2"`), ...patch })),
    deleteTask: vi.fn(async () => undefined),
    listUsers: vi.fn(async () => ({ items: [] })),
    listUserTasks: vi.fn(async () => ({ items: [] })),
    eraseUserTasks: vi.fn(async () => ({ erased: 0, remaining: 0 })),
    listAudit: vi.fn(async () => ({ items: [] })),
    ...overrides,
  };
}

async function loaded(api: ApiClient) {
  const hook = renderHook(() => useTasks(api), { wrapper: queryWrapper() });
  await waitFor(() => expect(hook.result.current.state.status).toBe("ready"));
  return hook;
}

const titles = (r: { current: ReturnType<typeof useTasks> }) => r.current.state.items.map((i) => i.title);
/** A message as a screen reader reads it, each quoted title in “…”. */
const text = (m: Message | undefined) => (m ?? []).map((p) => (typeof p === "string" ? p : `“${p.title}”`)).join("");

/** Lets the promises under way settle (TanStack Query runs a mutation's function a few microtasks after it is asked). */
async function settle() {
  await act(async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  });
}

/** Runs out the undo window of a delete (fake timers), then lets its request settle. */
async function undoWindowPasses() {
  await act(async () => {
    vi.advanceTimersByTime(UNDO_DELETE_MS);
  });
  vi.useRealTimers();
  await settle();
}

afterEach(() => vi.useRealTimers());

/** A trace id as the API puts it in a problem body (issue 28); `Problem` gains the member with the OpenAPI schema. */
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("useTasks", () => {
  it("shows a load error with a readable message, and recovers on retry", async () => {
    const listTasks = vi
      .fn<ApiClient["listTasks"]>()
      .mockRejectedValueOnce(new ApiError("storage unavailable", 503, { status: 503, traceId: TRACE } as Problem, 30))
      .mockResolvedValueOnce({ items: [] });
    const api = fakeApi({ listTasks });
    const { result } = renderHook(() => useTasks(api), { wrapper: queryWrapper() });
    await waitFor(() => expect(result.current.state.status).toBe("error"));
    expect(result.current.state.loadError).toEqual({ message: "The task store is temporarily unavailable. Try again in 30 s.", status: 503, traceId: TRACE });
    act(() => result.current.retry());
    await waitFor(() => expect(result.current.state.status).toBe("ready"));
    expect(result.current.state.items).toEqual([]);
  });

  it("sends an Idempotency-Key with every create, and the same one again when adding the same title after an unknown outcome", async () => {
    const createTask = vi
      .fn<ApiClient["createTask"]>()
      .mockRejectedValueOnce(new ApiError("Could not reach the API.", 0))
      .mockRejectedValueOnce(new ApiError("storage unavailable", 503))
      .mockResolvedValueOnce(t("d", "Pay rent"))
      .mockResolvedValueOnce(t("e", "Pay rent"))
      .mockRejectedValueOnce(new ApiError("title: must not be empty", 400))
      .mockResolvedValueOnce(t("f", "Other"));
    const { result } = await loaded(fakeApi({ createTask }));
    for (const title of ["Pay rent", "Pay rent", "Pay rent", "Pay rent", "Other", "Other"]) {
      await act(async () => {
        await result.current.add(title);
      });
    }
    const keys = createTask.mock.calls.map((c) => c[1]);
    expect(keys.every((k) => typeof k === "string" && /^[0-9a-f-]{36}$/.test(k))).toBe(true);
    // No answer, then a 503: the outcome is unknown, so the retries may not make a second task.
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).toBe(keys[0]);
    // After a success, adding the same title again is a new task; after a 400 nothing was stored.
    expect(keys[3]).not.toBe(keys[0]);
    expect(keys[5]).not.toBe(keys[4]);
  });

  it("adds optimistically at the top (under the add box), swaps in the server's task and says so", async () => {
    let resolve!: (task: Task) => void;
    const createTask = vi.fn(() => new Promise<Task>((r) => (resolve = r)));
    const { result } = await loaded(fakeApi({ createTask }));
    let done!: Promise<Failure | null>;
    act(() => {
      done = result.current.add("Fourth");
    });
    expect(result.current.state.items[0]).toMatchObject({ title: "Fourth", pending: true });
    await settle();
    await act(async () => {
      resolve(t("d", "Fourth"));
      await done;
    });
    expect(result.current.state.items[0]).toEqual(t("d", "Fourth"));
    expect(titles(result)).toEqual(["Fourth", "First", "Second", "Third"]);
    expect(text(result.current.state.notice?.message)).toBe("Added “Fourth”.");
  });

  it("removes the optimistic task and explains when adding fails", async () => {
    const createTask = vi.fn(async () => {
      throw new ApiError("title must be 1 to 200 characters", 400, { detail: "title must be 1 to 200 characters", traceId: TRACE } as Problem);
    });
    const { result } = await loaded(fakeApi({ createTask }));
    let refused: Failure | null | undefined;
    await act(async () => {
      refused = await result.current.add("Bad");
    });
    expect(refused).toEqual({ message: "Could not add this task. title must be 1 to 200 characters", traceId: TRACE });
    expect(titles(result)).toEqual(["First", "Second", "Third"]);
    expect(result.current.state.notice).toBeUndefined();
  });

  it("sends the task's etag, rolls a failed update back with the reason on its row, and 'Try again' resends it", async () => {
    const updateTask = vi.fn<ApiClient["updateTask"]>(async () => {
      throw new ApiError("boom", 500, { title: "Internal Server Error", traceId: TRACE } as Problem);
    });
    const { result } = await loaded(fakeApi({ updateTask }));
    await act(async () => {
      await result.current.update("b", { completed: true });
    });
    expect(updateTask).toHaveBeenCalledWith("b", { completed: true }, 'W/"b-1"');
    expect(result.current.state.items[1]).toMatchObject({ ...t("b", "Second"), problem: { kind: "error", retry: { patch: { completed: true } }, traceId: TRACE } });
    expect(text(result.current.state.items[1]?.problem?.message)).toBe("Your change was not saved. Internal Server Error");
    expect(result.current.state.notice).toBeUndefined();

    updateTask.mockImplementationOnce(async () => ({ ...t("b", "Second", 'W/"b-2"'), completed: true }));
    await act(async () => {
      result.current.retryRow("b");
    });
    expect(updateTask).toHaveBeenLastCalledWith("b", { completed: true }, 'W/"b-1"');
    expect(result.current.state.items[1]).toEqual({ ...t("b", "Second", 'W/"b-2"'), completed: true });
  });

  it("on 412 for a rename the server's title differs from: shows the latest version, quotes what the user typed, offers it again", async () => {
    const updateTask = vi.fn<ApiClient["updateTask"]>(async () => {
      throw new ApiError("Precondition Failed", 412);
    });
    const getTask = vi.fn(async () => ({ ...t("b", "Second (edited elsewhere)", 'W/"b-9"') }));
    const { result } = await loaded(fakeApi({ updateTask, getTask }));
    await act(async () => {
      await result.current.update("b", { title: "Mine" });
    });
    expect(getTask).toHaveBeenCalledWith("b");
    expect(updateTask).toHaveBeenCalledTimes(1);
    expect(titles(result)).toEqual(["First", "Second (edited elsewhere)", "Third"]);
    expect(result.current.state.items[1]?.etag).toBe('W/"b-9"');
    const problem = result.current.state.items[1]?.problem;
    expect(problem).toMatchObject({ kind: "info", retry: { patch: { title: "Mine" } }, retryLabel: "Use my title" });
    expect(text(problem?.message)).toBe("This task was renamed somewhere else to “Second (edited elsewhere)”, so your title “Mine” was not applied.");

    // "Use my title" sends it over the latest version (its ETag).
    updateTask.mockImplementationOnce(async (id, patch) => ({ ...t(id, "x", 'W/"b-10"'), ...patch }));
    await act(async () => {
      result.current.retryRow("b");
    });
    await settle();
    expect(updateTask).toHaveBeenLastCalledWith("b", { title: "Mine" }, 'W/"b-9"');
    expect(titles(result)).toEqual(["First", "Mine", "Third"]);
    expect(result.current.state.items[1]?.problem).toBeUndefined();
  });

  it("on 412 caused by a change to other fields (renamed elsewhere, ticked here): merges, and sends the tick again over it", async () => {
    const updateTask = vi
      .fn<ApiClient["updateTask"]>()
      .mockRejectedValueOnce(new ApiError("Precondition Failed", 412))
      .mockImplementationOnce(async (id, patch) => ({ ...t(id, "Second (renamed)", 'W/"b-3"'), ...patch }));
    const getTask = vi.fn(async () => t("b", "Second (renamed)", 'W/"b-2"'));
    const { result } = await loaded(fakeApi({ updateTask, getTask }));
    let ok: boolean | undefined;
    await act(async () => {
      ok = await result.current.update("b", { completed: true });
    });
    expect(ok).toBe(true);
    expect(updateTask.mock.calls.map((c) => c[2])).toEqual(['W/"b-1"', 'W/"b-2"']);
    expect(result.current.state.items[1]).toEqual({ ...t("b", "Second (renamed)", 'W/"b-3"'), completed: true });
  });

  it("on 412 for a tick the server's state differs from: shows the latest version, says the change was not applied", async () => {
    const updateTask = vi.fn(async () => {
      throw new ApiError("Precondition Failed", 412);
    });
    const getTask = vi.fn(async () => ({ ...t("b", "Second", 'W/"b-9"'), completed: true }));
    const { result } = await loaded(fakeApi({ updateTask, getTask }));
    await act(async () => {
      await result.current.update("b", { completed: true });
    });
    expect(updateTask).toHaveBeenCalledTimes(1);
    const problem = result.current.state.items[1]?.problem;
    expect(problem).toMatchObject({ kind: "info" });
    expect(problem?.retry).toBeUndefined();
    expect(text(problem?.message)).toBe("Changed somewhere else, so your change was not applied. This is the latest version.");
  });

  it("on 412 for a task deleted elsewhere, drops it and says so", async () => {
    const updateTask = vi.fn(async () => {
      throw new ApiError("Precondition Failed", 412);
    });
    const getTask = vi.fn(async () => {
      throw new ApiError("Not Found", 404);
    });
    const { result } = await loaded(fakeApi({ updateTask, getTask }));
    await act(async () => {
      await result.current.update("a", { completed: true });
    });
    expect(titles(result)).toEqual(["Second", "Third"]);
    expect(text(result.current.state.notice?.message)).toBe("“First” was deleted somewhere else.");
  });

  it("a delete waits for its undo window: Undo brings the task back and nothing is sent", async () => {
    const deleteTask = vi.fn<ApiClient["deleteTask"]>(async () => undefined);
    const { result } = await loaded(fakeApi({ deleteTask }));
    vi.useFakeTimers();
    act(() => result.current.remove("b"));
    expect(titles(result)).toEqual(["First", "Third"]);
    expect(result.current.state.notice).toMatchObject({ kind: "info", undoDelete: "b" });
    expect(text(result.current.state.notice?.message)).toBe("Deleted “Second”.");
    act(() => void result.current.undoDelete("b"));
    expect(titles(result)).toEqual(["First", "Second", "Third"]);
    expect(result.current.state.notice).toBeUndefined();
    await undoWindowPasses();
    expect(deleteTask).not.toHaveBeenCalled();
  });

  it("sends the delete when the undo window ends, or at once when another delete starts", async () => {
    const deleteTask = vi.fn<ApiClient["deleteTask"]>(async () => undefined);
    const { result } = await loaded(fakeApi({ deleteTask }));
    vi.useFakeTimers();
    act(() => result.current.remove("a"));
    act(() => result.current.remove("b"));
    await settle();
    expect(deleteTask).toHaveBeenCalledTimes(1);
    expect(deleteTask).toHaveBeenLastCalledWith("a", 'W/"a-1"');
    expect(result.current.state.notice?.undoDelete).toBe("b");
    await act(async () => {
      vi.advanceTimersByTime(UNDO_DELETE_MS - 1);
    });
    expect(deleteTask).toHaveBeenCalledTimes(1);
    await undoWindowPasses();
    expect(deleteTask).toHaveBeenCalledTimes(2);
    expect(deleteTask).toHaveBeenLastCalledWith("b", 'W/"b-1"');
    expect(titles(result)).toEqual(["Third"]);
    expect(result.current.state.notice).toBeUndefined();
  });

  it("puts a task back where it was, with the reason on its row, when deleting fails; treats 404 as already deleted", async () => {
    const deleteTask = vi
      .fn<ApiClient["deleteTask"]>()
      .mockRejectedValueOnce(new ApiError("down", 503, { traceId: TRACE } as Problem))
      .mockRejectedValueOnce(new ApiError("Not Found", 404));
    const { result } = await loaded(fakeApi({ deleteTask }));
    vi.useFakeTimers();
    act(() => result.current.remove("b"));
    await undoWindowPasses();
    expect(titles(result)).toEqual(["First", "Second", "Third"]);
    expect(result.current.state.items[1]?.problem).toMatchObject({ kind: "error", retry: { delete: true }, traceId: TRACE });
    expect(text(result.current.state.items[1]?.problem?.message)).toMatch(/^Not deleted\. The task store is temporarily unavailable/);

    // "Try again" sends the delete now (the user already chose it once).
    await act(async () => {
      result.current.retryRow("b");
    });
    await settle();
    expect(deleteTask).toHaveBeenCalledTimes(2);
    expect(titles(result)).toEqual(["First", "Third"]);
    expect(result.current.state.notice).toBeUndefined();
  });

  it("loads more pages, skipping duplicates, and reports a failed page without losing the list", async () => {
    const listTasks = vi
      .fn<ApiClient["listTasks"]>()
      .mockResolvedValueOnce({ items: [t("a", "First")], next: "p2" })
      .mockRejectedValueOnce(new ApiError("down", 503, { traceId: TRACE } as Problem))
      .mockResolvedValueOnce({ items: [t("a", "First"), t("b", "Second")] });
    const { result } = await loaded(fakeApi({ listTasks }));
    await act(async () => {
      await result.current.loadMore();
    });
    expect(titles(result)).toEqual(["First"]);
    expect(result.current.state.next).toBe("p2");
    expect(text(result.current.state.notice?.message)).toMatch(/^Could not load more tasks/);
    expect(result.current.state.notice?.traceId).toBe(TRACE);
    await act(async () => {
      await result.current.loadMore();
    });
    expect(listTasks).toHaveBeenLastCalledWith({ limit: 50, next: "p2" }, expect.any(AbortSignal));
    expect(titles(result)).toEqual(["First", "Second"]);
    expect(result.current.state.next).toBeUndefined();
  });
});

describe("useTasks: quick changes and what the server holds", () => {
  // A flaky browser test once asked whether two quick toggles can leave the server
  // in a different state from the screen. They cannot: while a change is on its way the row
  // is pending and a second change to it is refused, and the next change carries the ETag the
  // server returned. What the test hit was a reload that cancelled a change still in flight;
  // `saving` is how the page (and the test) knows when the server has everything.
  it("a second toggle while the first is in flight is refused, and the next one sends the new ETag", async () => {
    const server = new Map<string, Task>([["a", t("a", "First")]]);
    let release!: () => void;
    const updateTask = vi.fn(async (id: string, patch: { completed?: boolean }, etag?: string) => {
      await new Promise<void>((r) => (release = r));
      const current = server.get(id)!;
      if (etag !== current.etag) throw new ApiError("changed", 412);
      const saved = { ...current, ...patch, etag: `${current.etag}+` };
      server.set(id, saved);
      return saved;
    });
    const { result } = await loaded(fakeApi({ listTasks: async () => ({ items: [server.get("a")!] }), updateTask }));

    let first!: Promise<boolean>;
    let second!: Promise<boolean>;
    act(() => {
      first = result.current.update("a", { completed: true });
    });
    await settle();
    expect(result.current.state.saving).toBe(1);
    act(() => {
      second = result.current.update("a", { completed: false });
    });
    await expect(second).resolves.toBe(false);
    await act(async () => {
      release();
      await first;
    });
    await settle();
    expect(updateTask).toHaveBeenCalledTimes(1);
    expect(result.current.state.saving).toBe(0);
    const shown = result.current.state.items[0]!;
    expect({ completed: shown.completed, etag: shown.etag }).toEqual({ completed: server.get("a")!.completed, etag: server.get("a")!.etag });

    let third!: Promise<boolean>;
    act(() => {
      third = result.current.update("a", { completed: false });
    });
    await settle();
    await act(async () => {
      release();
      await third;
    });
    expect(updateTask).toHaveBeenLastCalledWith("a", { completed: false }, 'W/"a-1"+');
    expect(result.current.state.items[0]).toMatchObject({ completed: false, etag: server.get("a")!.etag });
  });

  it("counts every change until the server has answered it, failed ones too", async () => {
    let fail!: (err: unknown) => void;
    let finish!: () => void;
    const deleteTask = vi.fn(() => new Promise<void>((r) => (finish = r)));
    const createTask = vi.fn(() => new Promise<Task>((_r, reject) => (fail = reject)));
    const { result } = await loaded(fakeApi({ deleteTask, createTask }));
    let added!: Promise<Failure | null>;
    act(() => result.current.remove("b"));
    act(() => result.current.dismissNotice()); // closing the undo offer sends the delete now
    act(() => {
      added = result.current.add("Fourth");
    });
    await settle();
    expect(deleteTask).toHaveBeenCalledTimes(1);
    expect(result.current.state.saving).toBe(2);
    await act(async () => {
      finish();
    });
    await settle();
    expect(result.current.state.saving).toBe(1);
    await act(async () => {
      fail(new ApiError("down", 503));
      await added;
    });
    await settle();
    expect(result.current.state.saving).toBe(0);
  });
});

describe("useMe", () => {
  it("surfaces a 403 as an explanation", async () => {
    const me = vi.fn(async () => {
      throw new ApiError("insufficient_scope", 403);
    });
    const api = fakeApi({ me });
    const { result } = renderHook(() => useMe(api, "alice"));
    await waitFor(() => expect(result.current.state.status).toBe("error"));
    expect(result.current.state).toMatchObject({ httpStatus: 403, error: expect.stringContaining("not given permission to use the Tasks API") });
  });
});
