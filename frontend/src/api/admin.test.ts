import { describe, expect, it, vi } from "vitest";
import { createApiClient } from "./client";

function client(body: unknown) {
  const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) =>
    new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } }),
  );
  const api = createApiClient({ baseUrl: "https://api.example", getToken: async () => "t", fetch: fetch as typeof globalThis.fetch });
  const sent = (i: number) => ({ url: String(fetch.mock.calls[i]![0]), method: fetch.mock.calls[i]![1]!.method });
  return { api, sent };
}

describe("the admin routes of the client", () => {
  it("pages users, a user's tasks and the audit log like GET /api/tasks", async () => {
    const { api, sent } = client({ items: [] });
    await api.listUsers({ limit: 50, next: "c/1" });
    await api.listUsers();
    await api.listUserTasks("0b1c2d3e-0000-4000-8000-000000000001", { limit: 20 });
    await api.listAudit({ next: "x" });
    expect(sent(0)).toEqual({ url: "https://api.example/api/users?limit=50&next=c%2F1", method: "GET" });
    expect(sent(1)).toEqual({ url: "https://api.example/api/users", method: "GET" });
    expect(sent(2)).toEqual({ url: "https://api.example/api/users/0b1c2d3e-0000-4000-8000-000000000001/tasks?limit=20", method: "GET" });
    expect(sent(3)).toEqual({ url: "https://api.example/api/audit?next=x", method: "GET" });
  });

  it("erases with DELETE on the user's tasks, escaping the id, and returns the count", async () => {
    const { api, sent } = client({ erased: 3, remaining: 0 });
    await expect(api.eraseUserTasks("a/b?c")).resolves.toEqual({ erased: 3, remaining: 0 });
    expect(sent(0)).toEqual({ url: "https://api.example/api/users/a%2Fb%3Fc/tasks", method: "DELETE" });
  });

  it("calls the erase again while the API says tasks remain, and answers the total", async () => {
    const answers = [{ erased: 4000, remaining: 6000 }, { erased: 4000, remaining: 2001 }, { erased: 2001, remaining: 0 }];
    const fetch = vi.fn(async () => new Response(JSON.stringify(answers.shift()), { status: 200, headers: { "Content-Type": "application/json" } }));
    const api = createApiClient({ baseUrl: "", getToken: async () => "t", fetch: fetch as typeof globalThis.fetch });
    await expect(api.eraseUserTasks("u")).resolves.toEqual({ erased: 10001, remaining: 0 });
    expect(fetch).toHaveBeenCalledTimes(3);
  });
});
