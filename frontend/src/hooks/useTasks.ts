import { useInfiniteQuery, useIsMutating, useMutation, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, describeError, type ApiClient } from "../api/client";
import { failure, traceIdOf, type Failure } from "../api/reference";
import type { Task, TaskPage, TaskPatch } from "../api/types";
import { TASKS_KEY, taskListQuery } from "./queries";
import { DEFAULT_TASK_LIST, type TaskListParams } from "./taskList";

/**
 * Text that may quote task titles. Titles are kept apart from the words around them so the page
 * can isolate each one (`<bdi>`): a right-to-left title must not reorder the sentence it sits in.
 */
export type Message = readonly (string | { title: string })[];

/** Something that went wrong with one task, shown on its row: what happened, and what the retry button resends. */
export interface RowProblem {
  kind: "error" | "info";
  message: Message;
  retry?: { patch: TaskPatch } | { delete: true };
  /** The retry button's words; "Try again" when not given. */
  retryLabel?: string;
  /** The API's trace id of the failed call, for the user to quote (shown as "Reference: …"). */
  traceId?: string | undefined;
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
  /** The API's trace id of the failed call, for the user to quote. */
  traceId?: string | undefined;
}

export interface LoadError extends Failure {
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
  /**
   * Changes sent (or waiting for the connection) and not yet answered. Until it is 0 the screen is ahead of the
   * server: a reload or a closed tab now could drop a change the screen already shows.
   */
  saving: number;
}

/** How long a deleted task can be brought back before the DELETE is sent (the clock stops while the offer is held). */
export const UNDO_DELETE_MS = 5000;

type ListData = InfiniteData<TaskPage, string | undefined>;

/** `data` with `edit` applied to each page's tasks. */
function editPages(data: ListData | undefined, edit: (items: Task[]) => Task[]): ListData | undefined {
  return data && { ...data, pages: data.pages.map((p) => ({ ...p, items: edit(p.items) })) };
}

/** `data` with `task` at position `index` of the whole list (and nowhere else). */
function insertAt(data: ListData | undefined, task: Task, index: number): ListData | undefined {
  const without = editPages(data, (items) => items.filter((t) => t.id !== task.id));
  if (!without) return without;
  let rest = index;
  const pages = without.pages.map((p, i, all) => {
    if (rest < 0) return p;
    if (rest > p.items.length && i < all.length - 1) {
      rest -= p.items.length;
      return p;
    }
    const items = [...p.items];
    items.splice(Math.min(rest, items.length), 0, task);
    rest = -1;
    return { ...p, items };
  });
  return { ...without, pages };
}

/** The one change to a task that failed because it was changed elsewhere in the same fields: `fresh` is the server's. */
class Conflict extends Error {
  constructor(readonly fresh: Task) {
    super("conflict");
  }
}

const is = (err: unknown, status: number) => err instanceof ApiError && err.status === status;

interface StagedDelete {
  task: Task;
  index: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The task list, read and changed through TanStack Query: the list is a paged query (retried, refetched when the
 * tab is shown again, paused offline); each change is a mutation, shown at once (optimistic) and rolled back with
 * the reason on the task's own row if the API refuses it. A change that could not reach the API waits for the
 * connection and is sent when it returns. A 412 (the task changed elsewhere) is merged when the other change
 * touched other fields, and otherwise shows the server's version, offering a rename again over it. A delete waits
 * UNDO_DELETE_MS for an undo (longer while the offer is held) before it is sent.
 */
export function useTasks(api: ApiClient, params: TaskListParams = DEFAULT_TASK_LIST) {
  const qc = useQueryClient();
  const options = taskListQuery(api, params);
  const key = options.queryKey;
  // The dashboard already asked for the list (in parallel with /api/me); mounting here does not ask again.
  const query = useInfiniteQuery({ ...options, refetchOnMount: false, retryOnMount: false });

  const [problems, setProblems] = useState<Record<string, RowProblem>>({});
  const [pending, setPending] = useState<Record<string, number>>({});
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<Notice | undefined>();
  const noticeSeq = useRef(0);
  const tempSeq = useRef(0);
  /** Idempotency-Keys of creates whose outcome is unknown (no answer, or a 5xx), by title: a retry reuses them. */
  const unsureCreates = useRef(new Map<string, string>());
  const staged = useRef<StagedDelete | null>(null);
  const saving = useIsMutating({ mutationKey: TASKS_KEY });

  // mutateAsync is stable across renders (the observer's own method); each call is one mutation in the cache.
  const { mutateAsync: sendCreate } = useMutation({
    mutationKey: TASKS_KEY,
    mutationFn: (v: { title: string; key: string }) => api.createTask(v.title, v.key),
  });
  const { mutateAsync: sendUpdate } = useMutation({
    mutationKey: TASKS_KEY,
    mutationFn: (v: { id: string; patch: TaskPatch; etag: string }) => api.updateTask(v.id, v.patch, v.etag),
  });
  const { mutateAsync: sendRemove } = useMutation({
    mutationKey: TASKS_KEY,
    mutationFn: (v: { id: string; etag: string }) => api.deleteTask(v.id, v.etag),
  });

  const say = useCallback((kind: Notice["kind"], message: Message, extra?: Pick<Notice, "undoDelete" | "traceId">) => {
    setNotice({ id: ++noticeSeq.current, kind, message, ...extra });
  }, []);
  const setProblem = useCallback((id: string, problem: RowProblem | undefined) => {
    setProblems(({ [id]: _, ...rest }) => (problem ? { ...rest, [id]: problem } : rest));
  }, []);
  const busy = useCallback((id: string, delta: 1 | -1) => setPending((p) => ({ ...p, [id]: (p[id] ?? 0) + delta })), []);
  const hide = useCallback((id: string, on: boolean) => {
    setHidden((h) => {
      const next = new Set(h);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  // The cache, edited: stop any list fetch first, so an answer from before the change cannot overwrite it.
  const edit = useCallback(
    (change: (data: ListData | undefined) => ListData | undefined) => {
      void qc.cancelQueries({ queryKey: key, exact: true });
      qc.setQueryData<ListData>(key, change);
    },
    [qc, key],
  );
  const put = useCallback((id: string, task: Task) => edit((d) => editPages(d, (items) => items.map((t) => (t.id === id ? task : t)))), [edit]);
  const drop = useCallback((id: string) => edit((d) => editPages(d, (items) => items.filter((t) => t.id !== id))), [edit]);
  const insert = useCallback((task: Task, index: number) => edit((d) => insertAt(d, task, index)), [edit]);

  const items = useMemo<TaskRow[]>(() => {
    const seen = new Set<string>();
    const rows: TaskRow[] = [];
    for (const page of query.data?.pages ?? []) {
      for (const t of page.items) {
        if (seen.has(t.id) || hidden.has(t.id)) continue;
        seen.add(t.id);
        const row: TaskRow = { ...t };
        if (pending[t.id]) row.pending = true;
        const problem = problems[t.id];
        if (problem) row.problem = problem;
        rows.push(row);
      }
    }
    return rows;
  }, [query.data, hidden, pending, problems]);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const find = (id: string) => {
    const index = itemsRef.current.findIndex((t) => t.id === id);
    return { index, row: itemsRef.current[index] };
  };
  const plain = ({ pending: _p, problem: _q, ...task }: TaskRow): Task => task;

  /** Adds a task at the top of the list; resolves null, or why the API refused it (shown by the add box). */
  const add = useCallback(
    async (title: string): Promise<Failure | null> => {
      const tempId = `pending-${++tempSeq.current}`;
      const now = new Date().toISOString();
      insert({ id: tempId, title, completed: false, createdAt: now, updatedAt: now, etag: "" }, 0);
      busy(tempId, 1);
      // One Idempotency-Key per task the user means to add: adding the same title again after a failure that may
      // have stored it (no answer, or a 5xx) resends the same key, so the API answers with that task, not a second.
      const key = unsureCreates.current.get(title) ?? crypto.randomUUID();
      try {
        const created = await sendCreate({ title, key });
        unsureCreates.current.delete(title);
        put(tempId, created);
        say("info", ["Added ", { title }, "."]);
        return null;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) unsureCreates.current.set(title, key);
        else unsureCreates.current.delete(title);
        drop(tempId);
        return failure(err, "Could not add this task. ");
      } finally {
        busy(tempId, -1);
      }
    },
    [sendCreate, insert, put, drop, busy, say],
  );

  /** After a 412 nothing could merge: show the server's current version on the row, and what was not applied. */
  const showConflict = useCallback(
    async (before: Task, index: number, patch: TaskPatch | null, known?: Task) => {
      const what = patch === null ? "delete" : patch.title !== undefined ? "rename" : "change";
      try {
        const fresh = known ?? (await api.getTask(before.id));
        insert(fresh, index);
        if (patch?.title !== undefined) {
          setProblem(fresh.id, {
            kind: "info",
            message: ["This task was renamed somewhere else to ", { title: fresh.title }, ", so your title ", { title: patch.title }, " was not applied."],
            retry: { patch: { title: patch.title } },
            retryLabel: "Use my title",
          });
        } else {
          setProblem(fresh.id, { kind: "info", message: [`Changed somewhere else, so your ${what} was not applied. This is the latest version.`] });
        }
      } catch (err) {
        if (is(err, 404)) {
          drop(before.id);
          say("info", [{ title: before.title }, " was deleted somewhere else."]);
        } else {
          insert(before, index);
          setProblem(before.id, {
            kind: "error",
            message: [`Your ${what} was not applied: the task changed somewhere else, and reloading it failed. ${describeError(err)}`],
            traceId: traceIdOf(err),
          });
        }
      }
    },
    [api, insert, drop, say, setProblem],
  );

  /**
   * Sends `patch` with the ETag `before` was read with. A 412 whose cause changed none of the patched fields (another
   * tab renamed the task this one ticks) is merged: the patch is sent again over the server's version.
   */
  const sendPatch = useCallback(
    async (before: Task, patch: TaskPatch): Promise<Task> => {
      try {
        return await sendUpdate({ id: before.id, patch, etag: before.etag });
      } catch (err) {
        if (!is(err, 412)) throw err;
        const fresh = await api.getTask(before.id);
        const untouched = (Object.keys(patch) as (keyof TaskPatch)[]).every((f) => fresh[f] === before[f]);
        if (!untouched) throw new Conflict(fresh);
        return await sendUpdate({ id: before.id, patch, etag: fresh.etag });
      }
    },
    [api, sendUpdate],
  );

  const update = useCallback(
    async (id: string, patch: TaskPatch): Promise<boolean> => {
      const { index, row } = find(id);
      if (!row || row.pending) return false;
      const before = plain(row);
      setProblem(id, undefined);
      put(id, { ...before, ...patch });
      busy(id, 1);
      try {
        put(id, await sendPatch(before, patch));
        return true;
      } catch (err) {
        if (err instanceof Conflict) await showConflict(before, index, patch, err.fresh);
        else if (is(err, 412)) await showConflict(before, index, patch);
        else if (is(err, 404)) {
          drop(id);
          say("info", [{ title: before.title }, " was deleted somewhere else."]);
        } else {
          put(id, before);
          const what = patch.title !== undefined ? "rename" : "change";
          setProblem(id, { kind: "error", message: [`Your ${what} was not saved. ${describeError(err)}`], retry: { patch }, traceId: traceIdOf(err) });
        }
        return false;
      } finally {
        busy(id, -1);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- find reads the ref of the rows
    [sendPatch, put, drop, busy, say, setProblem, showConflict],
  );

  /** Sends a DELETE now (offline: when the connection returns); a refusal puts the task back, with the reason on its row. */
  const sendDelete = useCallback(
    async (task: Task, index: number): Promise<void> => {
      hide(task.id, true);
      try {
        await sendRemove({ id: task.id, etag: task.etag });
        drop(task.id);
      } catch (err) {
        if (is(err, 404)) drop(task.id); // already gone: the goal is met
        else if (is(err, 412)) await showConflict(task, index, null);
        else {
          insert(task, index);
          setProblem(task.id, { kind: "error", message: [`Not deleted. ${describeError(err)}`], retry: { delete: true }, traceId: traceIdOf(err) });
        }
      } finally {
        hide(task.id, false);
      }
    },
    [sendRemove, drop, insert, hide, setProblem, showConflict],
  );

  const dismissUndo = useCallback((id: string) => setNotice((n) => (n?.undoDelete === id ? undefined : n)), []);

  /** Sends the delete waiting for an undo, if any, at once. */
  const flushStagedDelete = useCallback(() => {
    const s = staged.current;
    if (!s) return;
    staged.current = null;
    clearTimeout(s.timer);
    dismissUndo(s.task.id);
    void sendDelete(s.task, s.index);
  }, [sendDelete, dismissUndo]);

  /** Takes the task off the list and offers to undo; the DELETE is sent UNDO_DELETE_MS later. */
  const remove = useCallback(
    (id: string): void => {
      const { index, row } = find(id);
      if (!row || row.pending) return;
      flushStagedDelete(); // one undo at a time: an earlier delete goes now
      const task = plain(row);
      setProblem(id, undefined);
      hide(id, true);
      staged.current = { task, index, timer: setTimeout(flushStagedDelete, UNDO_DELETE_MS) };
      say("info", ["Deleted ", { title: task.title }, "."], { undoDelete: id });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- find reads the ref of the rows
    [flushStagedDelete, hide, say, setProblem],
  );

  /** While the undo offer is focused or hovered its clock stops; let go, it starts again from the full time (WCAG 2.2.1). */
  const holdUndo = useCallback(
    (held: boolean) => {
      const s = staged.current;
      if (!s) return;
      clearTimeout(s.timer);
      s.timer = held ? undefined : setTimeout(flushStagedDelete, UNDO_DELETE_MS);
    },
    [flushStagedDelete],
  );

  /** Brings back the task whose delete has not been sent yet; resolves whether it could. */
  const undoDelete = useCallback(
    (id: string): boolean => {
      const s = staged.current;
      if (!s || s.task.id !== id) return false;
      staged.current = null;
      clearTimeout(s.timer);
      hide(id, false);
      insert(s.task, s.index);
      dismissUndo(id);
      return true;
    },
    [hide, insert, dismissUndo],
  );

  // Leaving the dashboard does not cancel a delete the user asked for: it is sent then.
  const flushRef = useRef(flushStagedDelete);
  flushRef.current = flushStagedDelete;
  useEffect(() => () => flushRef.current(), []);

  /** The row's retry button: resends what failed. */
  const retryRow = useCallback(
    (id: string) => {
      const { index, row } = find(id);
      const retry = row?.problem?.retry;
      if (!row || !retry) return;
      setProblem(id, undefined);
      if ("patch" in retry) void update(id, retry.patch);
      else void sendDelete(plain(row), index);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- find reads the ref of the rows
    [update, sendDelete, setProblem],
  );

  const dismissProblem = useCallback((id: string) => setProblem(id, undefined), [setProblem]);

  /** Closing the page-level message; closing an undo offer sends that delete at once. */
  const dismissNotice = useCallback(() => {
    if (staged.current) flushStagedDelete();
    else setNotice(undefined);
  }, [flushStagedDelete]);

  /** Loads the next page; resolves the id of its first new task (to move focus there), if any. */
  const { fetchNextPage, hasNextPage, isFetchingNextPage, refetch } = query;
  const loadMore = useCallback(async (): Promise<string | undefined> => {
    if (!hasNextPage || isFetchingNextPage) return undefined;
    const seen = new Set(itemsRef.current.map((t) => t.id));
    const r = await fetchNextPage();
    if (r.isError) {
      say("error", [`Could not load more tasks. ${describeError(r.error)}`], { traceId: traceIdOf(r.error) });
      return undefined;
    }
    return r.data?.pages.at(-1)?.items.find((t) => !seen.has(t.id))?.id;
  }, [fetchNextPage, hasNextPage, isFetchingNextPage, say]);

  const retry = useCallback(() => void refetch(), [refetch]);

  const { data, error, isFetching } = query;
  const state: TasksState = {
    status: data ? "ready" : error && !isFetching ? "error" : "loading",
    items,
    next: hasNextPage ? (data?.pages.at(-1)?.next ?? undefined) : undefined,
    loadError: !data && error ? { ...failure(error), status: error instanceof ApiError ? error.status : 0 } : undefined,
    loadingMore: isFetchingNextPage,
    notice,
    saving,
  };

  return { state, add, update, remove, undoDelete, holdUndo, retryRow, dismissProblem, loadMore, retry, dismissNotice };
}
