import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent } from "react";
import type { TaskRow } from "../hooks/useTasks";
import { checkTitle, MAX_TITLE } from "../hooks/titles";
import { ErrorReference } from "./ErrorReference";
import { MessageText } from "./MessageText";

interface Props {
  task: TaskRow;
  /** Shows the task without any control that would change it (the Viewer role). */
  readOnly?: boolean;
  onToggle: () => void;
  onRename: (title: string) => Promise<boolean>;
  onDelete: () => void;
  onRetry: () => void;
  onDismissProblem: () => void;
}

/**
 * One task: its checkbox, its title (renamed in place, in an auto-growing box in the title's own
 * column so the row does not jump), rename and delete kept apart, and any problem with the last
 * change to it, with "Try again" when resending can help.
 */
export function TaskItem({ task, readOnly = false, onToggle, onRename, onDelete, onRetry, onDismissProblem }: Props) {
  const [editing, setEditing] = useState(false);
  const id = useId();
  const renameBtn = useRef<HTMLButtonElement>(null);
  const classes = ["task", task.completed && "task--done", task.pending && "task--pending", editing && "task--editing"];

  const stopEdit = () => {
    setEditing(false);
    // Return focus to the row's rename button once it is rendered again.
    requestAnimationFrame(() => renameBtn.current?.focus());
  };

  return (
    <li className={classes.filter(Boolean).join(" ")} aria-busy={task.pending || undefined} data-task-id={task.id}>
      <input
        id={id}
        type="checkbox"
        className="task__check"
        checked={task.completed}
        // While renaming, the title (its label) is replaced by the rename box.
        aria-label={editing ? task.title : undefined}
        disabled={readOnly}
        // aria-disabled, not disabled: a disabled control drops keyboard focus while the change is saved.
        aria-disabled={(!readOnly && (task.pending || editing)) || undefined}
        onChange={() => !task.pending && !editing && !readOnly && onToggle()}
      />
      <div className="task__body">
        {editing ? (
          <RenameForm task={task} onDone={stopEdit} onRename={onRename} />
        ) : (
          <ClampedTitle htmlFor={id} title={task.title} />
        )}
        {task.problem && (
          <div className={`task__problem task__problem--${task.problem.kind}`} role={task.problem.kind === "error" ? "alert" : "status"}>
            <p>
              <MessageText message={task.problem.message} />
            </p>
            <ErrorReference traceId={task.problem.traceId} />
            {task.problem.retry && !readOnly && (
              <button type="button" className="btn btn--secondary btn--sm" onClick={onRetry}>
                {task.problem.retryLabel ?? "Try again"}
              </button>
            )}
            <button type="button" className="btn btn--ghost btn--sm" onClick={onDismissProblem}>
              Dismiss
            </button>
          </div>
        )}
      </div>
      {!readOnly && !editing && (
        <div className="task__actions">
          <button
            ref={renameBtn}
            type="button"
            className="icon-btn"
            onClick={() => !task.pending && setEditing(true)}
            aria-disabled={task.pending || undefined}
            aria-label={`Rename “${shortTitle(task.title)}”`}
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
                const target = next?.querySelector<HTMLElement>("input, button") ?? document.querySelector<HTMLElement>(".add-task input");
                target?.focus();
              });
            }}
            aria-disabled={task.pending || undefined}
            aria-label={`Delete “${shortTitle(task.title)}”`}
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

/**
 * A title short enough for a button's name: a screen reader reads the name of every Rename and Delete button, and
 * a 200-character title twice per row buries the list (issue 30, finding 12). The name starts with the button's
 * tooltip ("Rename"), so speech input finds it (WCAG 2.5.3, label in name); the full title is the row's checkbox label.
 */
export function shortTitle(title: string, max = 40): string {
  const chars = [...title];
  return chars.length <= max ? title : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** The title as the checkbox's label; a very long one is clamped to a few lines with "Show more". */
function ClampedTitle({ htmlFor, title }: { htmlFor: string; title: string }) {
  const label = useRef<HTMLLabelElement>(null);
  const [expanded, setExpanded] = useState(false);
  const [overflows, setOverflows] = useState(false);

  useLayoutEffect(() => {
    const el = label.current;
    if (!el || expanded || typeof ResizeObserver === "undefined") return;
    const measure = () => setOverflows(el.scrollHeight > el.clientHeight + 1);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [title, expanded]);

  return (
    <>
      <label ref={label} htmlFor={htmlFor} className={`task__title${expanded ? "" : " task__title--clamped"}`} dir="auto">
        {title}
      </label>
      {(overflows || expanded) && (
        <button type="button" className="link-btn" aria-expanded={expanded} onClick={() => setExpanded((x) => !x)}>
          {expanded ? "Show less" : "Show more"}
        </button>
      )}
    </>
  );
}

/** Rename in place: a box that grows with the title; Enter saves, Escape cancels. */
function RenameForm({ task, onDone, onRename }: { task: TaskRow; onDone: () => void; onRename: (title: string) => Promise<boolean> }) {
  const [draft, setDraft] = useState(task.title);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  useEffect(() => box.current?.select(), []);
  // Fits the box to its text now, and again when the window's width changes (a phone turned).
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const fit = () => {
      el.style.height = "auto";
      // scrollHeight leaves out the borders, which a border-box height includes.
      el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
    };
    fit();
    window.addEventListener("resize", fit);
    return () => window.removeEventListener("resize", fit);
  }, [draft]);

  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    const checked = checkTitle(draft);
    if (!checked.ok) {
      setError(checked.message);
      return;
    }
    onDone();
    if (checked.title !== task.title) await onRename(checked.title);
  };

  return (
    <form className="task__edit" onSubmit={save} noValidate>
      <label htmlFor={id} className="visually-hidden">
        New title for “{task.title}”
      </label>
      <textarea
        ref={box}
        id={id}
        className="input task__edit-box"
        rows={1}
        dir="auto"
        value={draft}
        maxLength={MAX_TITLE + 50}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          if (error) setError(null);
        }}
        onKeyDown={(e) => {
          // A title is one line: Enter saves (as in the one-line box this replaces).
          if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void save();
          } else if (e.key === "Escape") {
            e.preventDefault();
            onDone();
          }
        }}
      />
      {error && (
        <p id={`${id}-error`} className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="task__edit-actions">
        <button type="submit" className="btn btn--primary btn--sm">
          Save
        </button>
        <button type="button" className="btn btn--ghost btn--sm" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
