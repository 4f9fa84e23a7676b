import { describe, expect, it } from "vitest";
import { meWith } from "../test/fakeApi";
import { ApiError, createApiClient, describeError } from "./client";
import { accessOf, describeRoles, requiredRoleIn } from "./roles";

describe("accessOf", () => {
  it("takes roles and permissions from /api/me as the API lists them", () => {
    expect(accessOf(meWith(["Admin", "Viewer"], ["tasks.read", "tasks.write", "admin"]))).toEqual({
      roles: ["Admin", "Viewer"],
      permissions: ["tasks.read", "tasks.write", "admin"],
    });
    expect(accessOf(meWith(["Viewer"], ["tasks.read"])).permissions).toEqual(["tasks.read"]);
  });

  it("drops values it does not know (case-sensitive), granting nothing for them", () => {
    expect(accessOf(meWith(["admin", "Owner", "Viewer"], ["tasks.read", "ADMIN", "delete-all"]))).toEqual({
      roles: ["Viewer"],
      permissions: ["tasks.read"],
    });
  });

  it("treats an API that predates roles (no roles in /api/me) as letting the user edit, never administer", () => {
    expect(accessOf(meWith(undefined))).toEqual({ roles: [], permissions: ["tasks.read", "tasks.write"] });
  });
});

describe("the missing-role 403", () => {
  const roleProblem = { type: "about:blank" as const, title: "Forbidden", status: 403, detail: "Needs Editor.", requiredRole: "Editor" as const };
  const scopeProblem = { type: "about:blank" as const, title: "Forbidden", status: 403, detail: "The token lacks the scope." };

  it("is recognised by requiredRole, and only for a role the SPA knows", () => {
    expect(requiredRoleIn(roleProblem)).toBe("Editor");
    expect(requiredRoleIn(scopeProblem)).toBeUndefined();
    expect(requiredRoleIn({ ...roleProblem, requiredRole: "editor" } as never)).toBeUndefined();
    expect(requiredRoleIn(undefined)).toBeUndefined();
  });

  it("is explained by naming the role, distinct from the missing-scope 403", async () => {
    const answer = (body: object) =>
      createApiClient({
        baseUrl: "",
        getToken: async () => "t",
        fetch: async () => new Response(JSON.stringify(body), { status: 403, headers: { "Content-Type": "application/problem+json" } }),
      }).createTask("x");
    const role = await answer(roleProblem).catch((e: unknown) => e);
    const scope = await answer(scopeProblem).catch((e: unknown) => e);
    expect(role).toBeInstanceOf(ApiError);
    expect(describeError(role)).toMatch(/needs the Editor role/);
    expect(describeError(scope)).not.toMatch(/role/);
    expect(describeError(scope)).toMatch(/not given permission to use the Tasks API/);
  });
});

describe("describeRoles", () => {
  it("says the roles in words, and what none means", () => {
    expect(describeRoles([])).toBe("no app role, which counts as Editor");
    expect(describeRoles(["Viewer"])).toBe("the Viewer role");
    expect(describeRoles(["Admin", "Editor", "Viewer"])).toBe("the Admin, Editor and Viewer roles");
  });
});
