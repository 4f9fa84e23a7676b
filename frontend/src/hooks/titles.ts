/** Client-side mirror of the API's title rules: trimmed, 1..200 characters, no control characters. */
export const MAX_TITLE = 200;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function checkTitle(raw: string): { ok: true; title: string } | { ok: false; message: string } {
  const title = raw.trim();
  if (title === "") return { ok: false, message: "Enter a title." };
  if ([...title].length > MAX_TITLE) return { ok: false, message: `Keep it to ${MAX_TITLE} characters or fewer.` };
  if (CONTROL.test(title)) return { ok: false, message: "The title contains characters that are not allowed." };
  return { ok: true, title };
}
