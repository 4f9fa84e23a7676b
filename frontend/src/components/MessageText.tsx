import type { Message } from "../hooks/useTasks";

const shorten = (title: string) => (title.length > 60 ? `${title.slice(0, 57)}…` : title);

/** A message with each quoted title isolated (`<bdi>`), so a right-to-left title keeps the sentence in order. */
export function MessageText({ message }: { message: Message }) {
  return (
    <>
      {message.map((part, i) =>
        typeof part === "string" ? (
          part
        ) : (
          <span key={i} className="quoted">
            “<bdi>{shorten(part.title)}</bdi>”
          </span>
        ),
      )}
    </>
  );
}
