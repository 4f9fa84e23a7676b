import { describe, expect, it, vi } from "vitest";
import { BrowserAuthError, InteractionRequiredAuthError, type IPublicClientApplication } from "@azure/msal-browser";
import { createTokenGetter } from "./msal";
import { InteractionGate } from "./gate";

const account = { homeAccountId: "h", localAccountId: "l", environment: "e", tenantId: "t", username: "a@x" };

function fakePca(silent: () => Promise<unknown>, popup: () => Promise<unknown> = async () => ({ accessToken: "popup-token" })) {
  return {
    getActiveAccount: () => account,
    getAllAccounts: () => [account],
    acquireTokenSilent: vi.fn(silent),
    acquireTokenPopup: vi.fn(popup),
    acquireTokenRedirect: vi.fn(async () => undefined),
  } as unknown as IPublicClientApplication & Record<"acquireTokenSilent" | "acquireTokenPopup" | "acquireTokenRedirect", ReturnType<typeof vi.fn>>;
}

const idle = () => {
  const g = new InteractionGate();
  g.set(true);
  return g;
};

describe("createTokenGetter", () => {
  it("waits until MSAL is idle before acquiring silently", async () => {
    const pca = fakePca(async () => ({ accessToken: "silent" }));
    const gate = new InteractionGate();
    const get = createTokenGetter(pca, ["api://x/access_as_user"], gate);
    const p = get({ forceRefresh: false });
    await Promise.resolve();
    expect(pca.acquireTokenSilent).not.toHaveBeenCalled();
    gate.set(true);
    await expect(p).resolves.toBe("silent");
    expect(pca.acquireTokenSilent).toHaveBeenCalledWith({ scopes: ["api://x/access_as_user"], account, forceRefresh: false });
  });

  it("falls back to one shared popup when interaction is required", async () => {
    const pca = fakePca(async () => {
      throw new InteractionRequiredAuthError("login_required", "test-correlation-id");
    });
    const get = createTokenGetter(pca, ["s"], idle());
    const tokens = await Promise.all([get({ forceRefresh: false }), get({ forceRefresh: true })]);
    expect(tokens).toEqual(["popup-token", "popup-token"]);
    expect(pca.acquireTokenPopup).toHaveBeenCalledTimes(1);
  });

  it("treats a silent iframe timeout as needing interaction", async () => {
    const pca = fakePca(async () => {
      throw new BrowserAuthError("timed_out", "test-correlation-id");
    });
    await expect(createTokenGetter(pca, ["s"], idle())({ forceRefresh: false })).resolves.toBe("popup-token");
  });

  it("uses a redirect when the popup is blocked", async () => {
    const pca = fakePca(
      async () => {
        throw new InteractionRequiredAuthError("interaction_required", "test-correlation-id");
      },
      async () => {
        throw new BrowserAuthError("popup_window_error", "test-correlation-id");
      },
    );
    const get = createTokenGetter(pca, ["s"], idle());
    void get({ forceRefresh: false });
    await vi.waitFor(() => expect(pca.acquireTokenRedirect).toHaveBeenCalledTimes(1));
  });

  it("does not prompt for other failures", async () => {
    const pca = fakePca(async () => {
      throw new BrowserAuthError("no_network_connectivity", "test-correlation-id");
    });
    await expect(createTokenGetter(pca, ["s"], idle())({ forceRefresh: false })).rejects.toBeInstanceOf(BrowserAuthError);
    expect(pca.acquireTokenPopup).not.toHaveBeenCalled();
  });
});
