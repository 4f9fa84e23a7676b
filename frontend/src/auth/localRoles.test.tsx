import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useAuth } from "./auth";
import { LocalIdentity } from "./localIdentity";
import { startAuth } from "./start";

/** tools/localidentity's token endpoint: records each request body, answers a fresh token. */
function endpoint() {
  const bodies: unknown[] = [];
  let n = 0;
  const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)));
    n++;
    return new Response(JSON.stringify({ access_token: `t${n}`, token_type: "Bearer", expires_in: 3600, name: "alice", username: "alice@example.com" }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  });
  return { fetch, bodies };
}

function Probe() {
  const { account, SignInPanel } = useAuth();
  return account ? <p>signed in as {account.name}</p> : <SignInPanel />;
}

beforeEach(() => sessionStorage.clear());
afterEach(cleanup);

describe("local sign-in with roles", () => {
  it("sends the ticked roles comma-separated, in the API's order, and none when nothing is ticked", async () => {
    const { fetch, bodies } = endpoint();
    vi.spyOn(globalThis, "fetch").mockImplementation(fetch);
    const Auth = await startAuth({ mode: "local", tokenPath: "/local-identity/token", apiBaseUrl: "" });
    render(
      <Auth>
        <Probe />
      </Auth>,
    );
    const roles = screen.getByRole("group", { name: "App roles" });
    fireEvent.click(screen.getByRole("checkbox", { name: "Viewer" }));
    fireEvent.click(screen.getByRole("checkbox", { name: "Admin" }));
    expect(roles.textContent).toContain("None ticked: the token has no roles claim");
    expect(screen.getByText(/make token USER=alice ROLES=Admin,Viewer/)).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Sign in for local development" }));
    });
    expect(await screen.findByText("signed in as alice")).toBeTruthy();
    expect(bodies).toEqual([{ user: "alice", roles: "Admin,Viewer" }]);
  });

  it("leaves the roles field out when none is ticked (the token then has no roles claim)", async () => {
    const { fetch, bodies } = endpoint();
    const id = new LocalIdentity({ tokenPath: "/t", fetch, storage: sessionStorage });
    await id.signIn("alice");
    expect(bodies).toEqual([{ user: "alice" }]);
  });

  it("asks for the same roles when it renews the token", async () => {
    const { fetch, bodies } = endpoint();
    const id = new LocalIdentity({ tokenPath: "/t", fetch, storage: sessionStorage });
    await id.signIn("alice", ["Editor"]);
    // A reload: a new client over the same session storage, then a forced renewal after a 401.
    await new LocalIdentity({ tokenPath: "/t", fetch, storage: sessionStorage }).getToken({ forceRefresh: true });
    expect(bodies).toEqual([
      { user: "alice", roles: "Editor" },
      { user: "alice", roles: "Editor" },
    ]);
  });
});
