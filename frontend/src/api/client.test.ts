import { describe, expect, it, vi } from "vitest";
import type { TokenGetter } from "../auth/token";
import { ApiError, createApiClient, describeError, REQUEST_TIMEOUT_MS } from "./client";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type, ...headers } });
}

function setup(responses: Array<Response | Error>) {
  const fetchMock = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => {
    const next = responses.shift();
    if (!next) throw new Error("unexpected fetch");
    if (next instanceof Error) throw next;
    return next;
  });
  let n = 0;
  const getToken = vi.fn<TokenGetter>(async ({ forceRefresh }) => `token-${++n}${forceRefresh ? "-fresh" : ""}`);
  const api = createApiClient({ baseUrl: "https://api.example/", getToken, fetch: fetchMock as typeof fetch });
  const call = (i: number) => {
    const [url, init] = fetchMock.mock.calls[i]!;
    return { url: String(url), init: init!, headers: init!.headers as Record<string, string> };
  };
  return { api, fetchMock, getToken, call };
}

const task = { id: "01J0000000000000000000000A", title: "A", completed: false, createdAt: "", updatedAt: "", etag: 'W/"1"' };

describe("createApiClient", () => {
  it("gives up on a request that gets no answer within REQUEST_TIMEOUT_MS, and says so", async () => {
    vi.useFakeTimers();
    try {
      // A fetch that answers only when aborted, as a hanging API does.
      const fetch = vi.fn(
        (_url: RequestInfo | URL, init?: RequestInit) =>
          new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))),
      );
      const api = createApiClient({ baseUrl: "", getToken: async () => "t", fetch: fetch as typeof globalThis.fetch });
      const call = api.listTasks().catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS - 1);
      expect(fetch).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      const err = (await call) as ApiError;
      expect(err).toBeInstanceOf(ApiError);
      expect({ status: err.status, timedOut: err.timedOut }).toEqual({ status: 0, timedOut: true });
      expect(describeError(err)).toBe("The API did not answer within 30 s. Check your connection and try again.");
    } finally {
      vi.useRealTimers();
    }
  });

  it("passes a caller's cancel on as an AbortError, not as an API failure", async () => {
    const fetch = vi.fn(
      (_url: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))),
    );
    const api = createApiClient({ baseUrl: "", getToken: async () => "t", fetch: fetch as typeof globalThis.fetch });
    const ac = new AbortController();
    const call = api.me(ac.signal).catch((e: unknown) => e);
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled());
    ac.abort();
    expect(((await call) as Error).name).toBe("AbortError");
  });

  it("sends one fresh bearer token per call and builds the URL", async () => {
    const { api, call, getToken } = setup([json(200, { items: [], next: "abc" }), json(200, { items: [] })]);
    await api.listTasks({ limit: 50, next: "a b/c" });
    await api.listTasks();
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(call(0).url).toBe("https://api.example/api/tasks?limit=50&next=a+b%2Fc");
    expect(call(0).headers.Authorization).toBe("Bearer token-1");
    expect(call(1).url).toBe("https://api.example/api/tasks");
    expect(call(1).headers.Authorization).toBe("Bearer token-2");
  });

  it("sends JSON bodies and If-Match for conditional writes", async () => {
    const { api, call } = setup([json(201, task), json(200, task), new Response(null, { status: 204 })]);
    await api.createTask("Buy milk");
    expect(call(0).init.method).toBe("POST");
    expect(call(0).init.body).toBe('{"title":"Buy milk"}');
    expect(call(0).headers["Content-Type"]).toBe("application/json");
    expect(call(0).headers["If-Match"]).toBeUndefined();

    await api.updateTask(task.id, { completed: true }, 'W/"1"');
    expect(call(1).url).toBe(`https://api.example/api/tasks/${task.id}`);
    expect(call(1).init.method).toBe("PATCH");
    expect(call(1).headers["If-Match"]).toBe('W/"1"');

    await expect(api.deleteTask(task.id, 'W/"1"')).resolves.toBeUndefined();
    expect(call(2).init.method).toBe("DELETE");
    expect(call(2).headers["If-Match"]).toBe('W/"1"');
  });

  it("on 401 re-acquires the token once (forceRefresh) and retries once", async () => {
    const { api, call, getToken } = setup([
      json(401, { title: "Unauthorized", status: 401 }, { "WWW-Authenticate": 'Bearer error="invalid_token"' }),
      json(200, { id: "u", name: "A", email: "a@x", tenantId: "t", scopes: ["access_as_user"] }),
    ]);
    const me = await api.me();
    expect(me.name).toBe("A");
    expect(getToken.mock.calls.map((c) => c[0].forceRefresh)).toEqual([false, true]);
    expect(call(1).headers.Authorization).toBe("Bearer token-2-fresh");
  });

  it("passes the API's claims challenge (insufficient_claims) to the renewal once, then stops with its own message", async () => {
    const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
    const challenge = { "WWW-Authenticate": `Bearer realm="", error="insufficient_claims", claims="${btoa(claims)}"` };
    const { api, fetchMock, getToken } = setup([json(401, {}, challenge), json(401, {}, challenge)]);
    const err = await api.listTasks().catch((e: unknown) => e);
    expect(getToken.mock.calls.map((c) => c[0])).toEqual([{ forceRefresh: false }, { forceRefresh: true, claims }]);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).claimsUnsatisfied).toBe(true);
    expect(describeError(err)).toMatch(/stronger sign-in/);
  });

  it("ignores a claims parameter that is not an insufficient_claims challenge or not base64 JSON", async () => {
    for (const header of ['Bearer error="invalid_token", claims="e30="', 'Bearer error="insufficient_claims", claims="%%%"']) {
      const { api, getToken } = setup([json(401, {}, { "WWW-Authenticate": header }), json(200, { items: [] })]);
      await api.listTasks();
      expect(getToken.mock.calls[1]![0]).toEqual({ forceRefresh: true });
    }
  });

  it("gives up after the second 401 (no loop)", async () => {
    const { api, fetchMock } = setup([json(401, {}), json(401, { title: "Unauthorized", detail: "token expired" })]);
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("turns problem details and Retry-After into an ApiError", async () => {
    const { api } = setup([
      json(503, { type: "about:blank", title: "Service Unavailable", status: 503, detail: "storage unavailable" }, { "Retry-After": "7" }),
    ]);
    const err = (await api.listTasks().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(503);
    expect(err.retryAfter).toBe(7);
    expect(err.problem?.detail).toBe("storage unavailable");
    expect(describeError(err)).toBe("The task store is temporarily unavailable. Try again in 7 s.");
  });

  it("reads retryAfter from the problem when the Retry-After header is hidden (cross-origin)", async () => {
    const { api } = setup([
      json(503, { type: "about:blank", title: "Service Unavailable", status: 503, detail: "storage unavailable", retryAfter: 5 }),
    ]);
    const err = (await api.listTasks().catch((e: unknown) => e)) as ApiError;
    expect(err.retryAfter).toBe(5);
    expect(describeError(err)).toBe("The task store is temporarily unavailable. Try again in 5 s.");
  });

  it("uses the problem's detail for validation errors", async () => {
    const { api } = setup([json(400, { title: "Bad Request", status: 400, detail: "title must be 1 to 200 characters" })]);
    const err = await api.createTask("x").catch((e: unknown) => e);
    expect(describeError(err)).toBe("title must be 1 to 200 characters");
  });

  it("reports an unreachable API as a network error (status 0)", async () => {
    const { api } = setup([new TypeError("Failed to fetch")]);
    const err = (await api.me().catch((e: unknown) => e)) as ApiError;
    expect(err.isNetwork).toBe(true);
    expect(describeError(err)).toMatch(/^Could not reach the API at https:\/\/api\.example\./);
  });

  it("does not call the API when no token can be had", async () => {
    const fetchMock = vi.fn();
    const api = createApiClient({
      baseUrl: "",
      getToken: () => Promise.reject(new Error("Not signed in.")),
      fetch: fetchMock as unknown as typeof fetch,
    });
    await expect(api.me()).rejects.toThrow("Not signed in.");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("explains 403 (missing scope) and MSAL errors by code", () => {
    expect(describeError(new ApiError("x", 403))).toMatch(/not given permission to use the Tasks API/);
    const msalError = Object.assign(new Error("See https://aka.ms/msal.js.errors#user_cancelled"), { errorCode: "user_cancelled" });
    expect(describeError(msalError)).toBe("Sign-in was cancelled.");
  });
});
