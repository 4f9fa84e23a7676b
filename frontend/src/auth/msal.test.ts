import { describe, expect, it, vi } from "vitest";
import { BrowserAuthError, EventType, InteractionRequiredAuthError, type IPublicClientApplication } from "@azure/msal-browser";
import { AccountChangedError, createTokenGetter, renewInteractively, SignedOutError } from "./msal";
import { activate, ActiveAccountStore } from "./activeAccount";
import { InteractionGate } from "./gate";
import { Renewal } from "./renewal";

const account = { homeAccountId: "h", localAccountId: "l", environment: "e", tenantId: "t", username: "a@x" };

/** MSAL's active-account entry as MSAL writes it (clientId "c"), which the token getter reads without MSAL. */
const ACTIVE_KEY = "msal.c.active-account-filters";
const writeActive = (a: { homeAccountId: string } | null) =>
  a ? localStorage.setItem(ACTIVE_KEY, JSON.stringify({ homeAccountId: a.homeAccountId })) : localStorage.removeItem(ACTIVE_KEY);

/** `pca`'s active account is now `a`, in MSAL's memory and in localStorage. */
function setActive(pca: { getActiveAccount: ReturnType<typeof vi.fn> }, a: typeof account | null) {
  pca.getActiveAccount.mockReturnValue(a);
  writeActive(a);
}

function fakePca(silent: () => Promise<unknown>, popup: () => Promise<unknown> = async () => ({ accessToken: "popup-token", account })) {
  writeActive(account);
  return {
    getConfiguration: () => ({ auth: { clientId: "c" } }),
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
    setActive(pca, null);
    await expect(createTokenGetter(pca, ["s"], idle(), new Renewal())({ forceRefresh: false })).rejects.toBeInstanceOf(SignedOutError);
    expect(pca.acquireTokenSilent).not.toHaveBeenCalled();
  });
});

describe("one account", () => {
  const bob = { ...account, homeAccountId: "b", localAccountId: "b", username: "bob@x", name: "Bob Stone" };
  const alice = { ...account, name: "Alice Martin" };

  it("sends nothing when the active account is no longer the one on screen (switched in another tab)", async () => {
    const pca = fakePca(async () => ({ accessToken: "silent" }));
    setActive(pca, bob);
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
    setActive(pca, alice);
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
  function setup() {
    let active: typeof account | null = account;
    writeActive(account);
    sessionStorage.clear();
    const callbacks: Array<(ev: { eventType: string }) => void> = [];
    const pca = {
      getConfiguration: () => ({ auth: { clientId: "c" } }),
      getActiveAccount: vi.fn(() => active),
      setActiveAccount: vi.fn((a: typeof account | null) => {
        active = a;
        writeActive(a);
        callbacks.forEach((cb) => cb({ eventType: EventType.ACTIVE_ACCOUNT_CHANGED }));
      }),
      addEventCallback: (cb: (ev: { eventType: string }) => void) => (callbacks.push(cb), "id"),
      removeEventCallback: vi.fn(),
    } as unknown as IPublicClientApplication & Record<"getActiveAccount" | "removeEventCallback", ReturnType<typeof vi.fn>>;
    const reload = vi.fn();
    const store = new ActiveAccountStore(pca, reload);
    const heard = vi.fn();
    const stop = store.subscribe(heard);
    const reads = () => pca.getActiveAccount.mock.calls.length;
    /** Another tab's change: localStorage changes under MSAL, then the storage event and MSAL's broadcast come. */
    const otherTab = (a: typeof account | null, order: "storage first" | "broadcast first" = "storage first") => {
      writeActive(a);
      const storage = () => window.dispatchEvent(new StorageEvent("storage", { key: ACTIVE_KEY, newValue: localStorage.getItem(ACTIVE_KEY), storageArea: localStorage }));
      const broadcast = () => callbacks.forEach((cb) => cb({ eventType: EventType.ACTIVE_ACCOUNT_CHANGED }));
      if (order === "storage first") (storage(), broadcast());
      else (broadcast(), storage());
    };
    return { pca, store, heard, stop, reads, reload, otherTab };
  }
  const carol = { ...account, homeAccountId: "c", username: "carol@x" };

  it("follows a switch made in this tab, reading MSAL (which has the account in memory)", () => {
    const { pca, store, reload, stop } = setup();
    activate(pca, carol);
    expect(store.current()?.homeAccountId).toBe("c");
    expect(reload).not.toHaveBeenCalled();
    stop();
    expect(pca.removeEventCallback).toHaveBeenCalled();
  });

  it("another tab's switch reloads this tab and never reads MSAL first, whichever of its signals comes first", () => {
    for (const order of ["storage first", "broadcast first"] as const) {
      const { store, reads, reload, otherTab, stop } = setup();
      const before = reads();
      otherTab(carol, order);
      expect(reads(), order).toBe(before); // a read now could drop carol from MSAL's shared account list
      expect(reload, order).toHaveBeenCalled();
      expect(store.current()?.homeAccountId).toBe("h");
      stop();
    }
  });

  it("another tab's sign-out signs this tab out at once, without a reload", () => {
    const { store, heard, reload, otherTab, stop } = setup();
    otherTab(null);
    expect(store.current()).toBeNull();
    expect(heard).toHaveBeenCalledTimes(1);
    expect(reload).not.toHaveBeenCalled();
    stop();
  });

  it("other MSAL entries changing in another tab are no reason to read", () => {
    const { reads, reload, stop } = setup();
    const before = reads();
    window.dispatchEvent(new StorageEvent("storage", { key: "msal.2|new-account", newValue: "x", storageArea: localStorage }));
    expect(reads()).toBe(before);
    expect(reload).not.toHaveBeenCalled();
    stop();
  });
});
