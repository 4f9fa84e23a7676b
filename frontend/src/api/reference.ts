// The reference a user can quote when something fails: the trace id the API puts in every problem body
// (`traceId`, the 32 hex digits of the W3C trace context, which is Application Insights' operation_Id), so the
// person on call goes from the quoted id to the request, the handler's lines and its storage calls (issue 28).

import { ApiError, describeError } from "./client";
import type { Problem } from "./types";

/**
 * The problem body with `traceId` read as `unknown`: the OpenAPI Problem schema types it as a string, but an error
 * body may come from something in front of the handler (the Functions host, a proxy) and is checked before it is
 * shown.
 */
type ProblemWithTrace = Omit<Problem, "traceId"> & { traceId?: unknown };

/**
 * A W3C trace-id: 32 lower-case hex digits, not all zero ("All bytes as zero ... is considered an invalid value",
 * https://www.w3.org/TR/trace-context/#trace-id). Anything else is never shown: a body that is not the handler's
 * could put any text there.
 */
export function isTraceId(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{32}$/.test(value) && !/^0+$/.test(value);
}

/** The trace id of a failed API call, when its problem body carried a valid one. */
export function traceIdOf(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const id = (err.problem as ProblemWithTrace | undefined)?.traceId;
  return isTraceId(id) ? id : undefined;
}

/** A failure as the page shows it: the sentence, and the reference to quote when the API gave one. */
export interface Failure {
  message: string;
  traceId?: string | undefined;
}

/** `err` as a Failure, its message starting with `prefix` (e.g. "Not deleted. ") and ending with `suffix`. */
export function failure(err: unknown, prefix = "", suffix = ""): Failure {
  return { message: `${prefix}${describeError(err)}${suffix}`, traceId: traceIdOf(err) };
}
