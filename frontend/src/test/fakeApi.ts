// An ApiClient for component and hook tests: every method a vi.fn with a harmless answer.
import { vi } from "vitest";
import type { ApiClient } from "../api/client";
import type { Me } from "../api/types";

export function meWith(roles: string[] | undefined, permissions?: string[]): Me {
  const base = { id: "0b1c2d3e-0000-4000-8000-000000000001", kind: "user", appId: "0b1c2d3e-0000-4000-8000-0000000000a9", name: "Alice Martin", email: "alice@contoso.example", tenantId: "t", scopes: ["access_as_user"] };
  return (roles === undefined ? base : { ...base, roles, permissions: permissions ?? [] }) as Me;
}

export function fakeApi(overrides: Partial<ApiClient> = {}): ApiClient {
  return {
    me: vi.fn(async () => meWith(["Editor"], ["tasks.read", "tasks.write"])),
    listTasks: vi.fn(async () => ({ items: [] })),
    getTask: vi.fn(async () => {
      throw new Error("unexpected getTask");
    }),
    createTask: vi.fn(async () => {
      throw new Error("unexpected createTask");
    }),
    updateTask: vi.fn(async () => {
      throw new Error("unexpected updateTask");
    }),
    deleteTask: vi.fn(async () => undefined),
    listUsers: vi.fn(async () => ({ items: [] })),
    listUserTasks: vi.fn(async () => ({ items: [] })),
    eraseUserTasks: vi.fn(async () => ({ erased: 0, remaining: 0 })),
    listAudit: vi.fn(async () => ({ items: [] })),
    ...overrides,
  };
}
