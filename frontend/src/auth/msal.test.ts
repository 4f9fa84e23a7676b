import { describe, expect, it, vi } from "vitest";
import { BrowserAuthError, EventType, InteractionRequiredAuthError, type IPublicClientApplication } from "@azure/msal-browser";
import { AccountChangedError, createTokenGetter, renewInteractively, SignedOutError } from "./msal";
import { ActiveAccountStore } from "./activeAccount";
import { InteractionGate } from "./gate";
import { Renewal } from "./renewal";

const account = { homeAccountId: "h", localAccountId: "l", environment: "e", tenantId: "t", username: "a@x" };

function fakePca(silent: () => Promise<unknown>, popup: () => Promise<unknown> = async () => ({ accessToken: "popup-token", account })) {
  return {
    getActiveAccount: vi.fn(() => account as typeof account | null),
    getAllAccounts: () => [account],
    setActiveAccount: vi.fn(),
    acquireTokenSilent: vi.fn(silent),
    acquireTokenPopup: vi.fn(popup),
    acquireTokenRedirect: vi.fn(async () => undefined),
  } as unknown as IPublicClientApplication &
    Record<"acquireTokenSilent" | "acquireTokenPopup" | "acquireTokenRedirect" | "getActiveAccount", ReturnType<typeof vi.fn>>;
}

const idle = () => {
  const g = new InteractionGate();
  g.set(true);
  return g;
};

const interactionRequired = (claims = "") =>
  new InteractionRequiredAuthError("interaction_required", "test-correlation-id", "AADSTS50076", "basic_action", "", "", claims);

describe("createTokenGetter", () => {
  it("waits until MSAL is idle before acquiring silently", async () => {
    const pca = fakePca(async () => ({ accessToken: "silent" }));
    const gate = new InteractionGate();
    const get = createTokenGetter(pca, ["api://x/access_as_user"], gate, new Renewal());
    const p = get({ forceRefresh: false });
    await Promise.resolve();
    expect(pca.acquireTokenSilent).not.toHaveBeenCalled();
    gate.set(true);
    await expect(p).resolves.toBe("silent");
    expect(pca.acquireTokenSilent).toHaveBeenCalledWith({ scopes: ["api://x/access_as_user"], account, forceRefresh: false });
  });

  it("never opens a popup itself: callers wait for the user's renewal, and one click serves them all", async () => {
    const pca = fakePca(async () => {
      throw interactionRequired();
    });
    const renewal = new Renewal();
    const get = createTokenGetter(pca, ["s"], idle(), renewal);
    const both = Promise.all([get({ forceRefresh: false }), get({ forceRefresh: true })]);
    await vi.waitFor(() => expect(renewal.current()).not.toBeNull());
    expect(pca.acquireTokenPopup).not.toHaveBeenCalled();
    await renewInteractively(pca, ["s"], renewal, String);
    await expect(both).resolves.toEqual(["popup-token", "popup-token"]);
    expect(pca.acquireTokenPopup).toHaveBeenCalledTimes(1);
    expect(renewal.current()).toBeNull();
  });

  it("passes a claims challenge from MSAL's error to the interactive renewal", async () => {
    const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
    const pca = fakePca(async () => {
      throw interactionRequired(claims);
    });
    const renewal = new Renewal();
    void createTokenGetter(pca, ["s"], idle(), renewal)({ forceRefresh: false });
    await vi.waitFor(() => expect(renewal.current()?.claims).toBe(claims));
    await renewInteractively(pca, ["s"], renewal, String);
    expect(pca.acquireTokenPopup).toHaveBeenCalledWith({ scopes: ["s"], account, claims });
  });

  it("asks silently with the API's claims challenge first", async () => {
    const pca = fakePca(async () => ({ accessToken: "stepped-up" }));
    await createTokenGetter(pca, ["s"], idle(), new Renewal())({ forceRefresh: true, claims: "{}" });
    expect(pca.acquireTokenSilent).toHaveBeenCalledWith({ scopes: ["s"], account, forceRefresh: true, claims: "{}" });
  });

  it("treats a silent iframe timeout as needing the user", async () => {
    const pca = fakePca(async () => {
      throw new BrowserAuthError("timed_out", "test-correlation-id");
    });
    const renewal = new Renewal();
    void createTokenGetter(pca, ["s"], idle(), renewal)({ forceRefresh: false });
    await vi.waitFor(() => expect(renewal.current()).not.toBeNull());
  });

  it("uses a redirect when even the clicked popup is blocked", async () => {
    const pca = fakePca(
      async () => {
        throw interactionRequired();
      },
      async () => {
        throw new BrowserAuthError("popup_window_error", "test-correlation-id");
      },
    );
    const renewal = new Renewal();
    void createTokenGetter(pca, ["s"], idle(), renewal)({ forceRefresh: false });
    await vi.waitFor(() => expect(renewal.current()).not.toBeNull());
    await renewInteractively(pca, ["s"], renewal, String);
    expect(pca.acquireTokenRedirect).toHaveBeenCalledTimes(1);
  });

  it("keeps the notice with the reason when the user closes the popup", async () => {
    const pca = fakePca(
      async () => {
        throw interactionRequired();
      },
      async () => {
        throw new BrowserAuthError("user_cancelled", "test-correlation-id");
      },
    );
    const renewal = new Renewal();
    void createTokenGetter(pca, ["s"], idle(), renewal)({ forceRefresh: false });
    await vi.waitFor(() => expect(renewal.current()).not.toBeNull());
    await renewInteractively(pca, ["s"], renewal, () => "cancelled");
    expect(renewal.current()).toMatchObject({ error: "cancelled", busy: false });
  });

  it("fails waiting callers when the user signs out", async () => {
    const pca = fakePca(async () => {
      throw interactionRequired();
    });
    const renewal = new Renewal();
    const p = createTokenGetter(pca, ["s"], idle(), renewal)({ forceRefresh: false });
    await vi.waitFor(() => expect(renewal.current()).not.toBeNull());
    renewal.abandon(new SignedOutError());
    await expect(p).rejects.toBeInstanceOf(SignedOutError);
  });

  it("does not ask the user for other failures", async () => {
    const pca = fakePca(async () => {
      throw new BrowserAuthError("no_network_connectivity", "test-correlation-id");
    });
    const renewal = new Renewal();
    await expect(createTokenGetter(pca, ["s"], idle(), renewal)({ forceRefresh: false })).rejects.toBeInstanceOf(BrowserAuthError);
    expect(renewal.current()).toBeNull();
  });

  it("refuses without an active account rather than using another cached one", async () => {
    const pca = fakePca(async () => ({ accessToken: "x" }));
    pca.getActiveAccount.mockReturnValue(null);
    await expect(createTokenGetter(pca, ["s"], idle(), new Renewal())({ forceRefresh: false })).rejects.toBeInstanceOf(SignedOutError);
    expect(pca.acquireTokenSilent).not.toHaveBeenCalled();
  });
});

describe("one account", () => {
  const bob = { ...account, homeAccountId: "b", localAccountId: "b", username: "bob@x", name: "Bob Stone" };
  const alice = { ...account, name: "Alice Martin" };

  it("sends nothing when the active account is no longer the one on screen (switched in another tab)", async () => {
    const pca = fakePca(async () => ({ accessToken: "silent" }));
    pca.getActiveAccount.mockReturnValue(bob);
    const get = createTokenGetter(pca, ["s"], idle(), new Renewal(), () => alice);
    await expect(get({ forceRefresh: false })).rejects.toBeInstanceOf(AccountChangedError);
    expect(pca.acquireTokenSilent).not.toHaveBeenCalled();
  });

  it("a renewal popup that signs in another account is refused: parked calls stay parked, the account stays", async () => {
    const pca = fakePca(
      async () => {
        throw interactionRequired();
      },
      async () => ({ accessToken: "bobs-token", account: bob }),
    );
    pca.getActiveAccount.mockReturnValue(alice);
    (pca as unknown as { clearCache: unknown }).clearCache = vi.fn(async () => undefined);
    const renewal = new Renewal();
    let settled = false;
    void createTokenGetter(pca, ["s"], idle(), renewal)({ forceRefresh: false }).finally(() => (settled = true));
    await vi.waitFor(() => expect(renewal.current()).not.toBeNull());
    await renewInteractively(pca, ["s"], renewal, String);
    expect(renewal.current()?.error).toContain("You signed in as Bob Stone, but this page belongs to Alice Martin");
    expect(pca.setActiveAccount).not.toHaveBeenCalledWith(bob);
    expect((pca as unknown as { clearCache: ReturnType<typeof vi.fn> }).clearCache).toHaveBeenCalledWith({ account: bob });
    await Promise.resolve();
    expect(settled).toBe(false);
  });
});

describe("ActiveAccountStore", () => {
  it("re-reads on MSAL's account events and on another tab's removal of MSAL entries, never on a new entry", () => {
    let active: typeof account | null = account;
    const callbacks: Array<(ev: { eventType: string }) => void> = [];
    const pca = {
      getActiveAccount: vi.fn(() => active),
      addEventCallback: (cb: (ev: { eventType: string }) => void) => (callbacks.push(cb), "id"),
      removeEventCallback: vi.fn(),
    } as unknown as IPublicClientApplication;
    const store = new ActiveAccountStore(pca);
    const heard = vi.fn();
    const stop = store.subscribe(heard);
    const reads = () => (pca.getActiveAccount as ReturnType<typeof vi.fn>).mock.calls.length;

    const before = reads();
    window.dispatchEvent(new StorageEvent("storage", { key: "msal.2|new-account", newValue: "x", storageArea: localStorage }));
    expect(reads()).toBe(before); // a new entry: wait for the broadcast

    active = null;
    window.dispatchEvent(new StorageEvent("storage", { key: "msal.c.active-account-filters", newValue: null, storageArea: localStorage }));
    expect(store.current()).toBeNull();
    expect(heard).toHaveBeenCalledTimes(1);

    active = { ...account, homeAccountId: "b" };
    callbacks.forEach((cb) => cb({ eventType: EventType.ACTIVE_ACCOUNT_CHANGED }));
    expect(store.current()?.homeAccountId).toBe("b");
    stop();
    expect(pca.removeEventCallback).toHaveBeenCalled();
  });
});
