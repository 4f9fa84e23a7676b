import type { AdminUser } from "../../api/types";

/** A user as a person reads them: their name, else their email, else their object id. */
export const userLabel = (u: Pick<AdminUser, "id" | "name" | "email">) => u.name || u.email || u.id;

/** "1 task", "3 tasks". */
export const tasksCount = (n: number) => `${n} ${n === 1 ? "task" : "tasks"}`;

// To the second: two admin actions a few seconds apart (a failed erase and its retry) must not
// read as one moment. The title gives the full date, time and zone.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });

/** An RFC 3339 time in the reader's locale and time zone, to the second; the text itself when it is not a date. */
export function formatTime(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  return Number.isNaN(t) ? rfc3339 : dateTime.format(t);
}

/** The same time in full (weekday, date, time with seconds, time zone), for a title. */
export function formatExactTime(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  return Number.isNaN(t) ? rfc3339 : exact.format(t);
}

/** Users sorted by how a person reads them (name, else email, else id), in the reader's language. */
export function byName(users: readonly AdminUser[]): AdminUser[] {
  const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
  return [...users].sort((a, b) => collator.compare(userLabel(a), userLabel(b)) || a.id.localeCompare(b.id));
}

/** Whether `u` matches what was typed: every word typed is in the name, email or id, ignoring case and accents. */
export function matches(u: AdminUser, query: string): boolean {
  const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
  const words = fold(query).split(/\s+/).filter(Boolean);
  const hay = fold(`${u.name} ${u.email} ${u.id}`);
  return words.every((w) => hay.includes(w));
}
