import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useAuth } from "./auth";
import { startAuth } from "./start";
import { createMsal } from "./msal";

vi.mock("./msal", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./msal")>()),
  createMsal: vi.fn(async () => ({})),
}));

/** What a page sees through the seam: who is signed in, the sign-in offer, a token. */
function Probe() {
  const { account, SignInPanel, getToken, identityNote } = useAuth();
  return account ? (
    <div>
      <p>signed in as {account.name}</p>
      <p>{identityNote}</p>
      <button type="button" onClick={() => void getToken({ forceRefresh: false }).then((t) => (document.title = t))}>
        token
      </button>
    </div>
  ) : (
    <SignInPanel />
  );
}

beforeEach(() => sessionStorage.clear());
afterEach(cleanup);

describe("startAuth", () => {
  it("uses the development identity, not MSAL, in local-identity mode", async () => {
    const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(async () =>
      new Response(JSON.stringify({ access_token: "bob-token", token_type: "Bearer", expires_in: 3600, name: "bob", username: "bob@example.com" }), {
        status: 200,
      }),
    );
    const Auth = await startAuth({ mode: "local", tokenPath: "/local-identity/token", apiBaseUrl: "" });
    expect(createMsal).not.toHaveBeenCalled();
    render(
      <Auth>
        <Probe />
      </Auth>,
    );
    expect(screen.getByRole("note").textContent).toContain("Local development mode");
    fireEvent.click(screen.getByRole("radio", { name: "bob" }));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Sign in for local development" }));
    });
    expect(await screen.findByText("signed in as bob")).toBeTruthy();
    expect(screen.getByText("Local development identity from tools/localidentity, not Microsoft Entra ID.")).toBeTruthy();
    expect(fetch).toHaveBeenCalledWith("/local-identity/token", expect.objectContaining({ body: JSON.stringify({ user: "bob" }) }));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "token" }));
    });
    expect(document.title).toBe("bob-token");
  });

  it("offers the partner tenant's users, and its tokens are asked for that tenant, renewals included", async () => {
    const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(async () =>
      new Response(JSON.stringify({ access_token: "carol-token", token_type: "Bearer", expires_in: 3600, name: "carol", username: "carol@example.com" }), {
        status: 200,
      }),
    );
    const Auth = await startAuth({ mode: "local", tokenPath: "/local-identity/token", apiBaseUrl: "" });
    render(
      <Auth>
        <Probe />
      </Auth>,
    );
    // The home tenant's users only, until Partner is chosen.
    expect(screen.queryByRole("radio", { name: "carol" })).toBeNull();
    fireEvent.click(screen.getByRole("radio", { name: /^Partner/ }));
    expect(screen.queryByRole("radio", { name: "bob" })).toBeNull();
    expect((screen.getByRole("radio", { name: "alice, as a guest" }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole("radio", { name: "carol" }));
    expect(screen.getByText("make token USER=carol TENANT=partner", { exact: false })).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Sign in for local development" }));
    });
    expect(await screen.findByText("signed in as carol")).toBeTruthy();
    expect(fetch).toHaveBeenLastCalledWith("/local-identity/token", expect.objectContaining({ body: JSON.stringify({ user: "carol", tenant: "partner" }) }));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "token" }));
    });
    expect(document.title).toBe("carol-token");
  });

  it("a typed name is used as it is typed, trimmed", async () => {
    const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("{}", { status: 404 }));
    const Auth = await startAuth({ mode: "local", tokenPath: "/local-identity/token", apiBaseUrl: "" });
    render(
      <Auth>
        <Probe />
      </Auth>,
    );
    fireEvent.change(screen.getByLabelText("Another development user's name"), { target: { value: "  Carol Diaz " } });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Sign in for local development" }));
    });
    expect(fetch).toHaveBeenCalledWith("/local-identity/token", expect.objectContaining({ body: JSON.stringify({ user: "Carol Diaz" }) }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/not running/);
  });

  it("starts MSAL for a configured tenant", async () => {
    const config = { mode: "entra", clientId: "c", tenantId: "t", apiScope: "api://a/access_as_user", apiBaseUrl: "" } as const;
    await startAuth(config);
    expect(createMsal).toHaveBeenCalledWith(config);
  });
});
