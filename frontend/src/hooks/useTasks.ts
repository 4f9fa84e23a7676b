import { useCallback, useEffect, useReducer, useRef } from "react";
import { ApiError, describeError, type ApiClient, type TaskListParams } from "../api/client";
import type { Task, TaskPage, TaskPatch } from "../api/types";

/**
 * Text that may quote task titles. Titles are kept apart from the words around them so the page
 * can isolate each one (`<bdi>`): a right-to-left title must not reorder the sentence it sits in.
 */
export type Message = readonly (string | { title: string })[];

/** Something that went wrong with one task, shown on its row: what happened, and what "Try again" resends. */
export interface RowProblem {
  kind: "error" | "info";
  message: Message;
  retry?: { patch: TaskPatch } | { delete: true };
}

/** A task as shown: `pending` while a change to it is on its way to the API. */
export interface TaskRow extends Task {
  pending?: boolean;
  problem?: RowProblem;
}

/** One page-level message (not about a row still on screen); `undoDelete` offers to bring a deleted task back. */
export interface Notice {
  id: number;
  kind: "info" | "error";
  message: Message;
  undoDelete?: string;
}

export interface LoadError {
  message: string;
  /** The API's HTTP status; 0 when it could not be reached. */
  status: number;
}

export interface TasksState {
  status: "loading" | "ready" | "error";
  items: TaskRow[];
  next: string | undefined;
  loadError: LoadError | undefined;
  loadingMore: boolean;
  notice: Notice | undefined;
  noticeSeq: number;
  /**
   * Changes sent and not yet answered. Until it is 0 the screen is ahead of the server: a
   * reload or a closed tab now could drop a change the screen already shows.
   */
  saving: number;
}

type Action =
  | { type: "load-start" }
  | { type: "load-ok"; page: TaskPage }
  | { type: "load-fail"; error: LoadError }
  | { type: "more-start" }
  | { type: "more-ok"; page: TaskPage }
  | { type: "more-fail" }
  | { type: "insert"; task: TaskRow; index: number }
  | { type: "replace"; id: string; task: TaskRow }
  | { type: "remove"; id: string }
  | { type: "saving"; delta: 1 | -1 }
  | { type: "notice"; kind: Notice["kind"]; message: Message; undoDelete?: string }
  | { type: "dismiss"; undoDelete?: string };

export const initialTasksState: TasksState = {
  status: "loading",
  items: [],
  next: undefined,
  loadError: undefined,
  loadingMore: false,
  notice: undefined,
  noticeSeq: 0,
  saving: 0,
};

export function tasksReducer(state: TasksState, action: Action): TasksState {
  switch (action.type) {
    case "load-start":
      return { ...state, status: "loading", loadError: undefined };
    case "load-ok":
      return { ...state, status: "ready", items: action.page.items, next: action.page.next, loadError: undefined };
    case "load-fail":
      return { ...state, status: "error", loadError: action.error };
    case "more-start":
      return { ...state, loadingMore: true };
    case "more-ok": {
      const seen = new Set(state.items.map((t) => t.id));
      const fresh = action.page.items.filter((t) => !seen.has(t.id));
      return { ...state, loadingMore: false, items: [...state.items, ...fresh], next: action.page.next };
    }
    case "more-fail":
      return { ...state, loadingMore: false };
    case "insert": {
      const items = state.items.filter((t) => t.id !== action.task.id);
      items.splice(Math.min(action.index, items.length), 0, action.task);
      return { ...state, items };
    }
    case "replace":
      return { ...state, items: state.items.map((t) => (t.id === action.id ? action.task : t)) };
    case "remove":
      return { ...state, items: state.items.filter((t) => t.id !== action.id) };
    case "saving":
      return { ...state, saving: state.saving + action.delta };
    case "notice": {
      const id = state.noticeSeq + 1;
      const notice: Notice = { id, kind: action.kind, message: action.message };
      if (action.undoDelete) notice.undoDelete = action.undoDelete;
      return { ...state, noticeSeq: id, notice };
    }
    case "dismiss":
      // With undoDelete: only the offer to undo that delete (a newer message stays).
      if (action.undoDelete !== undefined && state.notice?.undoDelete !== action.undoDelete) return state;
      return { ...state, notice: undefined };
  }
}

/** The list's search and filter (`GET /api/tasks?q=&done=`); pass one object per distinct value (it keys the load). */
export type TaskFilter = Pick<TaskListParams, "q" | "done">;
const noFilter: TaskFilter = {};

/** How long a deleted task can be brought back before the DELETE is sent. */
export const UNDO_DELETE_MS = 5000;

interface StagedDelete {
  task: TaskRow;
  index: number;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The task list: load, load more, and optimistic add / update / delete. A delete waits
 * UNDO_DELETE_MS for an undo before it is sent. A refused change is rolled back and explained on
 * the task's own row, with "Try again" when resending can help; a 412 (someone changed the task
 * since we loaded it) shows the server's current version on that row and says the change was not
 * applied. New tasks are shown at the top of the list, under the box they were typed in.
 */
export function useTasks(api: ApiClient, pageSize = 50, filter: TaskFilter = noFilter) {
  const [state, dispatch] = useReducer(tasksReducer, initialTasksState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const tempSeq = useRef(0);
  /** Idempotency-Keys of creates whose outcome is unknown (no answer, or a 5xx), by title: a retry reuses them. */
  const unsureCreates = useRef(new Map<string, string>());
  const staged = useRef<StagedDelete | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const load = useCallback(
    async (signal?: AbortSignal) => {
      dispatch({ type: "load-start" });
      try {
        const page = await api.listTasks({ limit: pageSize, ...filter }, signal);
        dispatch({ type: "load-ok", page });
      } catch (err) {
        if (signal?.aborted) return;
        dispatch({ type: "load-fail", error: { message: describeError(err), status: err instanceof ApiError ? err.status : 0 } });
      }
    },
    [api, pageSize, filter],
  );

  useEffect(() => {
    const ac = new AbortController();
    void load(ac.signal);
    return () => ac.abort();
  }, [load]);

  /** Loads the next page; resolves the id of its first new task (to move focus there), if any. */
  const loadMore = useCallback(async (): Promise<string | undefined> => {
    const { next, loadingMore, items } = stateRef.current;
    if (!next || loadingMore) return undefined;
    dispatch({ type: "more-start" });
    try {
      const page = await api.listTasks({ limit: pageSize, next, ...filter });
      // The search or filter changed while this page was on its way: it belongs to the list before.
      if (filterRef.current !== filter) {
        dispatch({ type: "more-fail" }); // only ends "loading more"; nothing of this page is shown
        return undefined;
      }
      dispatch({ type: "more-ok", page });
      const seen = new Set(items.map((t) => t.id));
      return page.items.find((t) => !seen.has(t.id))?.id;
    } catch (err) {
      dispatch({ type: "more-fail" });
      dispatch({ type: "notice", kind: "error", message: [`Could not load more tasks. ${describeError(err)}`] });
      return undefined;
    }
  }, [api, pageSize, filter]);

  /** Runs one change to the server, counted in `saving` until it is answered. */
  const saving = useCallback(async <T,>(change: () => Promise<T>): Promise<T> => {
    dispatch({ type: "saving", delta: 1 });
    try {
      return await change();
    } finally {
      dispatch({ type: "saving", delta: -1 });
    }
  }, []);

  /** Adds a task at the top of the list; resolves null, or why the API refused it (shown by the add box). */
  const add = useCallback(
    async (title: string): Promise<string | null> => {
      const tempId = `pending-${++tempSeq.current}`;
      const now = new Date().toISOString();
      dispatch({
        type: "insert",
        index: 0,
        task: { id: tempId, title, completed: false, createdAt: now, updatedAt: now, etag: "", pending: true },
      });
      // One Idempotency-Key per task the user means to add: adding the same title again after a failure that may
      // have stored it (no answer, or a 5xx) resends the same key, so the API answers with that task, not a second.
      const key = unsureCreates.current.get(title) ?? crypto.randomUUID();
      try {
        const created = await saving(() => api.createTask(title, key));
        unsureCreates.current.delete(title);
        dispatch({ type: "replace", id: tempId, task: created });
        dispatch({ type: "notice", kind: "info", message: ["Added ", { title }, "."] });
        return null;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) unsureCreates.current.set(title, key);
        else unsureCreates.current.delete(title);
        dispatch({ type: "remove", id: tempId });
        return `Could not add this task. ${describeError(err)}`;
      }
    },
    [api, saving],
  );

  /** After a 412: show the server's current version on the row and say the change was not applied. */
  const reloadAfterConflict = useCallback(
    async (before: Task, index: number, what: string) => {
      try {
        const fresh = await api.getTask(before.id);
        const message = [`Changed somewhere else, so your ${what} was not applied. This is the latest version.`];
        dispatch({ type: "insert", task: { ...fresh, problem: { kind: "info", message } }, index });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          dispatch({ type: "remove", id: before.id });
          dispatch({ type: "notice", kind: "info", message: [{ title: before.title }, " was deleted somewhere else."] });
        } else {
          const message = [`Your ${what} was not applied: the task changed somewhere else, and reloading it failed. ${describeError(err)}`];
          dispatch({ type: "insert", task: { ...before, problem: { kind: "error", message } }, index });
        }
      }
    },
    [api],
  );

  const update = useCallback(
    async (id: string, patch: TaskPatch): Promise<boolean> => {
      const items = stateRef.current.items;
      const index = items.findIndex((t) => t.id === id);
      const found = items[index];
      if (!found || found.pending) return false;
      const { problem: _, ...before } = found;
      const what = patch.title !== undefined ? "rename" : "change";
      dispatch({ type: "replace", id, task: { ...before, ...patch, pending: true } });
      try {
        const saved = await saving(() => api.updateTask(id, patch, before.etag));
        dispatch({ type: "replace", id, task: saved });
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 412) {
          await reloadAfterConflict(before, index, what);
        } else if (err instanceof ApiError && err.status === 404) {
          dispatch({ type: "remove", id });
          dispatch({ type: "notice", kind: "info", message: [{ title: before.title }, " no longer exists."] });
        } else {
          const problem: RowProblem = { kind: "error", message: [`Your ${what} was not saved. ${describeError(err)}`], retry: { patch } };
          dispatch({ type: "replace", id, task: { ...before, problem } });
        }
        return false;
      }
    },
    [api, saving, reloadAfterConflict],
  );

  /** Sends a DELETE now; a refusal puts the task back where it was, with the reason on its row. */
  const sendDelete = useCallback(
    async (before: TaskRow, index: number): Promise<void> => {
      try {
        await saving(() => api.deleteTask(before.id, before.etag));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return; // already gone: the goal is met
        if (err instanceof ApiError && err.status === 412) {
          await reloadAfterConflict(before, index, "delete");
          return;
        }
        const problem: RowProblem = { kind: "error", message: [`Not deleted. ${describeError(err)}`], retry: { delete: true } };
        dispatch({ type: "insert", task: { ...before, problem }, index });
      }
    },
    [api, saving, reloadAfterConflict],
  );

  /** Sends the delete waiting for an undo, if any, at once. */
  const flushStagedDelete = useCallback(() => {
    const s = staged.current;
    if (!s) return;
    staged.current = null;
    clearTimeout(s.timer);
    dispatch({ type: "dismiss", undoDelete: s.task.id });
    void sendDelete(s.task, s.index);
  }, [sendDelete]);

  /** Takes the task off the list and offers to undo; the DELETE is sent UNDO_DELETE_MS later. */
  const remove = useCallback(
    (id: string): void => {
      const items = stateRef.current.items;
      const index = items.findIndex((t) => t.id === id);
      const found = items[index];
      if (!found || found.pending) return;
      flushStagedDelete(); // one undo at a time: an earlier delete goes now
      const { problem: _, ...task } = found;
      dispatch({ type: "remove", id });
      staged.current = { task, index, timer: setTimeout(flushStagedDelete, UNDO_DELETE_MS) };
      dispatch({ type: "notice", kind: "info", message: ["Deleted ", { title: task.title }, "."], undoDelete: id });
    },
    [flushStagedDelete],
  );

  /** Brings back the task whose delete has not been sent yet; resolves whether it could. */
  const undoDelete = useCallback((id: string): boolean => {
    const s = staged.current;
    if (!s || s.task.id !== id) return false;
    staged.current = null;
    clearTimeout(s.timer);
    dispatch({ type: "insert", task: s.task, index: s.index });
    dispatch({ type: "dismiss", undoDelete: id });
    return true;
  }, []);

  // Leaving the dashboard does not cancel a delete the user asked for: it is sent then.
  useEffect(() => flushStagedDelete, [flushStagedDelete]);

  /** "Try again" on a row: resends what failed. */
  const retryRow = useCallback(
    (id: string) => {
      const index = stateRef.current.items.findIndex((t) => t.id === id);
      const row = stateRef.current.items[index];
      const retry = row?.problem?.retry;
      if (!row || !retry) return;
      if ("patch" in retry) {
        void update(id, retry.patch);
      } else {
        const { problem: _, ...task } = row;
        dispatch({ type: "remove", id });
        void sendDelete(task, index);
      }
    },
    [update, sendDelete],
  );

  const dismissProblem = useCallback((id: string) => {
    const row = stateRef.current.items.find((t) => t.id === id);
    if (!row?.problem) return;
    const { problem: _, ...task } = row;
    dispatch({ type: "replace", id, task });
  }, []);

  /** Closing the page-level message; closing an undo offer sends that delete at once. */
  const dismissNotice = useCallback(() => {
    if (stateRef.current.notice?.undoDelete) flushStagedDelete();
    else dispatch({ type: "dismiss" });
  }, [flushStagedDelete]);
  const retry = useCallback(() => void load(), [load]);

  return { state, add, update, remove, undoDelete, retryRow, dismissProblem, loadMore, retry, dismissNotice };
}
