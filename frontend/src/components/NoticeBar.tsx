import { useEffect } from "react";
import type { Notice } from "../hooks/useTasks";
import { MessageText } from "./MessageText";

const CONFIRMATION_MS = 4000;

interface Props {
  notice: Notice | undefined;
  onDismiss: () => void;
  onUndo: (taskId: string) => void;
}

/**
 * The page-level message (the last add, a delete that can be undone, a page that failed to load),
 * in a fixed region at the bottom of the window: it never pushes the list around. Messages about
 * one task are shown on that task's row instead. Errors are announced assertively.
 */
export function NoticeBar({ notice, onDismiss, onUndo }: Props) {
  // A plain confirmation ("Added …") goes by itself; errors and undo offers stay until handled.
  const fleeting = notice?.kind === "info" && !notice.undoDelete;
  const id = notice?.id;
  useEffect(() => {
    if (!fleeting) return;
    const timer = setTimeout(onDismiss, CONFIRMATION_MS);
    return () => clearTimeout(timer);
  }, [fleeting, id, onDismiss]);

  return (
    <div aria-live="polite" className="notice-slot">
      {notice && (
        <div key={notice.id} className={`notice notice--toast notice--${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
          <p>
            <MessageText message={notice.message} />
          </p>
          {notice.undoDelete && (
            <button type="button" className="btn btn--ghost btn--sm notice__undo" onClick={() => onUndo(notice.undoDelete!)}>
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
