import { useEffect, useState } from "react";
import type { Notice } from "../hooks/useTasks";
import { ErrorReference } from "./ErrorReference";
import { MessageText } from "./MessageText";

const CONFIRMATION_MS = 4000;

/** The shortcut as the user's keyboard labels it. */
const UNDO_KEY = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘Z" : "Ctrl+Z";

interface Props {
  notice: Notice | undefined;
  onDismiss: () => void;
  onUndo: (taskId: string) => void;
  /** The message is focused or hovered (true), or no longer (false): its time stops meanwhile (WCAG 2.2.1). */
  onHold?: (held: boolean) => void;
}

/** A key press a text box would take for itself (its own undo): the shortcut leaves those alone. */
function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) && !(target instanceof HTMLInputElement && /^(checkbox|radio|button|submit)$/.test(target.type));
}

/**
 * The page-level message (the last add, a delete that can be undone, a page that failed to load),
 * in a fixed region at the bottom of the window: it never pushes the list around. Messages about
 * one task are shown on that task's row instead. Errors are announced assertively.
 *
 * A delete's Undo is one shortcut away wherever focus is (Ctrl+Z, or ⌘Z; not inside a text box, whose own undo it
 * is), said in the message so a screen reader announces it (issue 30, finding 5). While the message is focused or
 * hovered its time stands still.
 */
export function NoticeBar({ notice, onDismiss, onUndo, onHold }: Props) {
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const held = hovered || focused;
  // A plain confirmation ("Added …") goes by itself; errors and undo offers stay until handled.
  const fleeting = notice?.kind === "info" && !notice.undoDelete;
  const id = notice?.id;
  // A message that went while focused or hovered (Undo pressed, the row focused again) sends no blur or mouseleave.
  useEffect(() => {
    setHovered(false);
    setFocused(false);
  }, [id]);
  useEffect(() => {
    if (!fleeting || held) return;
    const timer = setTimeout(onDismiss, CONFIRMATION_MS);
    return () => clearTimeout(timer);
  }, [fleeting, id, onDismiss, held]);

  useEffect(() => onHold?.(held), [held, onHold, id]);

  const undo = notice?.undoDelete;
  useEffect(() => {
    if (!undo) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== "z" || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || typing(e.target)) return;
      e.preventDefault();
      onUndo(undo);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [undo, onUndo]);

  return (
    <div aria-live="polite" className="notice-slot">
      {notice && (
        <div
          key={notice.id}
          className={`notice notice--toast notice--${notice.kind}`}
          role={notice.kind === "error" ? "alert" : "status"}
          onMouseEnter={() => setHovered(true)}
          onMouseLeave={() => setHovered(false)}
          onFocus={() => setFocused(true)}
          onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && setFocused(false)}
        >
          <div className="notice__body">
            <p>
              <MessageText message={notice.message} />
              {notice.undoDelete && ` ${UNDO_KEY} undoes it.`}
            </p>
            <ErrorReference traceId={notice.traceId} />
          </div>
          {notice.undoDelete && (
            <button
              type="button"
              className="btn btn--ghost btn--sm notice__undo"
              aria-keyshortcuts="Control+Z Meta+Z"
              onClick={() => onUndo(notice.undoDelete!)}
            >
              Undo
            </button>
          )}
          <button type="button" className="notice__close" onClick={onDismiss} aria-label="Dismiss message">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
