import type { Notice } from "../hooks/useTasks";

/** One message about the last action; errors are announced assertively. */
export function NoticeBar({ notice, onDismiss }: { notice: Notice | undefined; onDismiss: () => void }) {
  return (
    <div aria-live="polite" className="notice-slot">
      {notice && (
        <div
          key={notice.id}
          className={`notice notice--${notice.kind}`}
          role={notice.kind === "error" ? "alert" : "status"}
        >
          <p>{notice.text}</p>
          <button type="button" className="notice__close" onClick={onDismiss} aria-label="Dismiss message">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
