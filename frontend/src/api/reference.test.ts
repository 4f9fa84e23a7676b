import { describe, expect, it } from "vitest";
import { ApiError, createApiClient } from "./client";
import { failure, isTraceId, traceIdOf } from "./reference";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

/** The error a real client throws when the API answers `status` with `body` as a problem. */
async function errorFor(status: number, body: unknown, type = "application/problem+json"): Promise<unknown> {
  const fetch = async () => new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
  const api = createApiClient({ baseUrl: "", getToken: async () => "t", fetch });
  return api.listTasks().catch((e: unknown) => e);
}

describe("traceIdOf", () => {
  it("reads the traceId of the API's problem body", async () => {
    const err = await errorFor(503, { title: "Service Unavailable", status: 503, traceId: TRACE });
    expect(traceIdOf(err)).toBe(TRACE);
    expect(failure(err, "Not deleted. ")).toEqual({ message: "Not deleted. The task store is temporarily unavailable. Try again shortly.", traceId: TRACE });
  });

  it.each([
    ["upper case", TRACE.toUpperCase()],
    ["31 digits", TRACE.slice(1)],
    ["33 digits", `${TRACE}0`],
    ["not hex", "4bf92f3577b34da6a3ce929d0e0e473g"],
    ["all zero (invalid in W3C trace context)", "0".repeat(32)],
    ["a whole traceparent", `00-${TRACE}-00f067aa0ba902b7-01`],
    ["text around an id", `${TRACE} <b>call us</b>`],
    ["a number", 42],
    ["missing", undefined],
  ])("shows nothing for a traceId that is %s", async (_, traceId) => {
    const err = await errorFor(500, { title: "Internal Server Error", traceId });
    expect(traceIdOf(err)).toBeUndefined();
  });

  it("has none for a body that is not a problem, a network failure, or an error that is not the API's", async () => {
    expect(traceIdOf(await errorFor(502, `traceId ${TRACE}`, "text/plain"))).toBeUndefined();
    expect(traceIdOf(new ApiError("Could not reach the API.", 0))).toBeUndefined();
    expect(traceIdOf(Object.assign(new Error("x"), { problem: { traceId: TRACE } }))).toBeUndefined();
    expect(isTraceId(TRACE)).toBe(true);
  });
});
