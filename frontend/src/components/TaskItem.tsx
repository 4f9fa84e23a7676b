import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { TaskRow } from "../hooks/useTasks";
import { checkTitle, MAX_TITLE } from "../hooks/titles";

interface Props {
  task: TaskRow;
  onToggle: () => void;
  onRename: (title: string) => Promise<boolean>;
  onDelete: () => void;
  /** Shows the task without its controls (a Viewer). */
  readOnly?: boolean;
}

export function TaskItem({ task, onToggle, onRename, onDelete, readOnly = false }: Props) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(task.title);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const renameBtn = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);

  const startEdit = () => {
    setDraft(task.title);
    setError(null);
    setEditing(true);
  };
  const stopEdit = () => {
    setEditing(false);
    setError(null);
    // Return focus to the row's rename button once it is rendered again.
    requestAnimationFrame(() => renameBtn.current?.focus());
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const checked = checkTitle(draft);
    if (!checked.ok) {
      setError(checked.message);
      return;
    }
    if (checked.title === task.title) return stopEdit();
    stopEdit();
    await onRename(checked.title);
  };

  if (editing) {
    return (
      <li className="task task--editing">
        <form className="task__edit" onSubmit={save} noValidate>
          <label htmlFor={id} className="visually-hidden">
            New title for “{task.title}”
          </label>
          <input
            ref={input}
            id={id}
            className="input"
            value={draft}
            maxLength={MAX_TITLE + 50}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                stopEdit();
              }
            }}
          />
          <div className="task__actions">
            <button type="submit" className="btn btn--primary btn--sm">
              Save
            </button>
            <button type="button" className="btn btn--ghost btn--sm" onClick={stopEdit}>
              Cancel
            </button>
          </div>
          {error && (
            <p id={`${id}-error`} className="form-error" role="alert">
              {error}
            </p>
          )}
        </form>
      </li>
    );
  }

  return (
    <li className={`task${task.completed ? " task--done" : ""}${task.pending ? " task--pending" : ""}`} aria-busy={task.pending || undefined}>
      <input
        id={id}
        type="checkbox"
        className="task__check"
        checked={task.completed}
        disabled={readOnly}
        // aria-disabled, not disabled: a disabled control drops keyboard focus while the change is saved.
        aria-disabled={task.pending || undefined}
        onChange={() => !task.pending && onToggle()}
      />
      <label htmlFor={id} className="task__title">
        {task.title}
      </label>
      {!readOnly && (
        <div className="task__actions">
          <button
            ref={renameBtn}
            type="button"
            className="icon-btn"
            onClick={() => !task.pending && startEdit()}
            aria-disabled={task.pending || undefined}
            aria-label={`Rename “${task.title}”`}
            title="Rename"
          >
            <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
              <path d="M13.6 3.6l2.8 2.8L7 15.8 3.5 16.5l.7-3.5z" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
            </svg>
          </button>
          <button
            type="button"
            className="icon-btn icon-btn--danger"
            onClick={(e) => {
              if (task.pending) return;
              // Keep keyboard users in the list: focus the next task (or the previous, or the add box).
              const row = e.currentTarget.closest("li");
              const next = row?.nextElementSibling ?? row?.previousElementSibling;
              onDelete();
              requestAnimationFrame(() => {
                const target =
                  next?.querySelector<HTMLElement>("input, button") ??
                  document.querySelector<HTMLElement>(".add-task input");
                target?.focus();
              });
            }}
            aria-disabled={task.pending || undefined}
            aria-label={`Delete “${task.title}”`}
            title="Delete"
          >
            <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
              <path d="M4 6h12M8 6V4h4v2M6 6l.8 10h6.4L14 6" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
          </button>
        </div>
      )}
    </li>
  );
}
