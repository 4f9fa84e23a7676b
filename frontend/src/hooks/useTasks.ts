import { useCallback, useEffect, useReducer, useRef } from "react";
import { ApiError, describeError, type ApiClient } from "../api/client";
import type { Task, TaskPage, TaskPatch } from "../api/types";

/** A task as shown: `pending` while a change to it is on its way to the API. */
export interface TaskRow extends Task {
  pending?: boolean;
}

export interface Notice {
  id: number;
  kind: "info" | "error";
  text: string;
}

export interface TasksState {
  status: "loading" | "ready" | "error";
  items: TaskRow[];
  next: string | undefined;
  loadError: string | undefined;
  loadingMore: boolean;
  notice: Notice | undefined;
  /**
   * Changes sent and not yet answered. Until it is 0 the screen is ahead of the server: a
   * reload or a closed tab now could drop a change the screen already shows.
   */
  saving: number;
}

type Action =
  | { type: "load-start" }
  | { type: "load-ok"; page: TaskPage }
  | { type: "load-fail"; error: string }
  | { type: "more-start" }
  | { type: "more-ok"; page: TaskPage }
  | { type: "more-fail" }
  | { type: "insert"; task: TaskRow; index?: number }
  | { type: "replace"; id: string; task: TaskRow }
  | { type: "remove"; id: string }
  | { type: "saving"; delta: 1 | -1 }
  | { type: "notice"; kind: Notice["kind"]; text: string }
  | { type: "dismiss" };

export const initialTasksState: TasksState = {
  status: "loading",
  items: [],
  next: undefined,
  loadError: undefined,
  loadingMore: false,
  notice: undefined,
  saving: 0,
};

let noticeSeq = 0;

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
      const at = action.index === undefined ? items.length : Math.min(action.index, items.length);
      items.splice(at, 0, action.task);
      return { ...state, items };
    }
    case "replace":
      return { ...state, items: state.items.map((t) => (t.id === action.id ? action.task : t)) };
    case "remove":
      return { ...state, items: state.items.filter((t) => t.id !== action.id) };
    case "saving":
      return { ...state, saving: state.saving + action.delta };
    case "notice":
      return { ...state, notice: { id: ++noticeSeq, kind: action.kind, text: action.text } };
    case "dismiss":
      return { ...state, notice: undefined };
  }
}

const quote = (title: string) => `“${title.length > 60 ? `${title.slice(0, 57)}…` : title}”`;

/**
 * The task list: load, load more, and optimistic add / update / delete, each rolled back when the
 * API refuses. A 412 (someone changed the task since we loaded it) reloads that task and tells
 * the user their change was not applied.
 */
export function useTasks(api: ApiClient, pageSize = 50) {
  const [state, dispatch] = useReducer(tasksReducer, initialTasksState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const tempSeq = useRef(0);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      dispatch({ type: "load-start" });
      try {
        const page = await api.listTasks({ limit: pageSize }, signal);
        dispatch({ type: "load-ok", page });
      } catch (err) {
        if (signal?.aborted) return;
        dispatch({ type: "load-fail", error: describeError(err) });
      }
    },
    [api, pageSize],
  );

  useEffect(() => {
    const ac = new AbortController();
    void load(ac.signal);
    return () => ac.abort();
  }, [load]);

  const loadMore = useCallback(async () => {
    const { next, loadingMore } = stateRef.current;
    if (!next || loadingMore) return;
    dispatch({ type: "more-start" });
    try {
      dispatch({ type: "more-ok", page: await api.listTasks({ limit: pageSize, next }) });
    } catch (err) {
      dispatch({ type: "more-fail" });
      dispatch({ type: "notice", kind: "error", text: `Could not load more tasks. ${describeError(err)}` });
    }
  }, [api, pageSize]);

  /** Runs one change to the server, counted in `saving` until it is answered. */
  const saving = useCallback(async <T,>(change: () => Promise<T>): Promise<T> => {
    dispatch({ type: "saving", delta: 1 });
    try {
      return await change();
    } finally {
      dispatch({ type: "saving", delta: -1 });
    }
  }, []);

  /** Adds a task; resolves false (and tells the user) when the API refused it. */
  const add = useCallback(
    async (title: string): Promise<boolean> => {
      const tempId = `pending-${++tempSeq.current}`;
      const now = new Date().toISOString();
      dispatch({
        type: "insert",
        task: { id: tempId, title, completed: false, createdAt: now, updatedAt: now, etag: "", pending: true },
      });
      try {
        const created = await saving(() => api.createTask(title));
        dispatch({ type: "replace", id: tempId, task: created });
        return true;
      } catch (err) {
        dispatch({ type: "remove", id: tempId });
        dispatch({ type: "notice", kind: "error", text: `Could not add ${quote(title)}. ${describeError(err)}` });
        return false;
      }
    },
    [api, saving],
  );

  /** After a 412: show the server's current version and say the change was not applied. */
  const reloadAfterConflict = useCallback(
    async (before: Task, index: number, what: string) => {
      try {
        const fresh = await api.getTask(before.id);
        dispatch({ type: "insert", task: fresh, index });
        dispatch({
          type: "notice",
          kind: "info",
          text: `${quote(before.title)} was changed somewhere else, so your ${what} was not applied. The latest version is shown now.`,
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          dispatch({ type: "remove", id: before.id });
          dispatch({ type: "notice", kind: "info", text: `${quote(before.title)} was deleted somewhere else.` });
        } else {
          dispatch({ type: "insert", task: before, index });
          dispatch({ type: "notice", kind: "error", text: `Could not reload ${quote(before.title)}. ${describeError(err)}` });
        }
      }
    },
    [api],
  );

  const update = useCallback(
    async (id: string, patch: TaskPatch): Promise<boolean> => {
      const items = stateRef.current.items;
      const index = items.findIndex((t) => t.id === id);
      const before = items[index];
      if (!before || before.pending) return false;
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
          dispatch({ type: "notice", kind: "info", text: `${quote(before.title)} no longer exists.` });
        } else {
          dispatch({ type: "replace", id, task: before });
          dispatch({ type: "notice", kind: "error", text: `Could not save ${quote(before.title)}. ${describeError(err)}` });
        }
        return false;
      }
    },
    [api, saving, reloadAfterConflict],
  );

  const remove = useCallback(
    async (id: string): Promise<boolean> => {
      const items = stateRef.current.items;
      const index = items.findIndex((t) => t.id === id);
      const before = items[index];
      if (!before || before.pending) return false;
      dispatch({ type: "remove", id });
      try {
        await saving(() => api.deleteTask(id, before.etag));
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return true; // already gone: the goal is met
        if (err instanceof ApiError && err.status === 412) {
          await reloadAfterConflict(before, index, "delete");
        } else {
          dispatch({ type: "insert", task: before, index });
          dispatch({ type: "notice", kind: "error", text: `Could not delete ${quote(before.title)}. ${describeError(err)}` });
        }
        return false;
      }
    },
    [api, saving, reloadAfterConflict],
  );

  const dismissNotice = useCallback(() => dispatch({ type: "dismiss" }), []);
  const retry = useCallback(() => void load(), [load]);

  return { state, add, update, remove, loadMore, retry, dismissNotice };
}
