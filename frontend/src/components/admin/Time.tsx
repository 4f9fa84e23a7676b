import { formatExactTime, formatTime } from "./format";

/** A time to the second, with the full date, time and zone in its title and machine-readable in `datetime`. */
export function Time({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatExactTime(at)}>
      {formatTime(at)}
    </time>
  );
}
