import type { AdminUser } from "../../api/types";

/** A user as a person reads them: their name, else their email, else their object id. */
export const userLabel = (u: Pick<AdminUser, "id" | "name" | "email">) => u.name || u.email || u.id;

/** "1 task", "3 tasks". */
export const tasksCount = (n: number) => `${n} ${n === 1 ? "task" : "tasks"}`;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** An RFC 3339 time in the reader's locale and time zone; the text itself when it is not a date. */
export function formatTime(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  return Number.isNaN(t) ? rfc3339 : dateTime.format(t);
}
