import { EventType, type AccountInfo, type EventMessage, type IPublicClientApplication } from "@azure/msal-browser";

/**
 * MSAL events after which the active account may differ. LOGIN_SUCCESS, LOGOUT_SUCCESS and ACTIVE_ACCOUNT_CHANGED
 * also come from the other tabs: MSAL posts them on a BroadcastChannel ("msal.broadcast.event", msal-browser
 * src/event/EventHandler.ts emitEvent/subscribeCrossTab, subscribed when the cache is localStorage:
 * src/controllers/StandardController.ts initialize).
 */
const WATCHED: ReadonlySet<string> = new Set([
  EventType.ACTIVE_ACCOUNT_CHANGED,
  EventType.LOGIN_SUCCESS,
  EventType.LOGOUT_SUCCESS,
  EventType.ACQUIRE_TOKEN_SUCCESS,
  EventType.HANDLE_REDIRECT_END,
]);

/** Same person, same name on screen. */
export function sameAccount(a: AccountInfo | null, b: AccountInfo | null): boolean {
  if (a === null || b === null) return a === b;
  return a.homeAccountId === b.homeAccountId && a.name === b.name && a.username === b.username;
}

/**
 * The active account as this tab shows it, for useSyncExternalStore: re-read from MSAL after every event that may
 * change it, here or in another tab, and after every change another tab makes to MSAL's localStorage entries.
 *
 * Why storage events too: another tab's broadcast can arrive before this tab sees the storage it describes. The
 * broadcast and localStorage reach this tab by different paths, and MSAL copies the other tab's entries into its
 * in-memory cache only after decrypting them, asynchronously (src/cache/LocalStorage.ts: the
 * "msal.broadcast.cache" channel and updateCache). A tab that read MSAL only when the LOGOUT_SUCCESS broadcast came
 * could read the account that was being removed and never read again: the "sign-out in one tab" test of
 * e2e/accounts.spec.ts failed that way at random. The `storage` event fires once this tab's localStorage holds
 * the removal, so reading then is never too early.
 */
export class ActiveAccountStore {
  private snapshot: AccountInfo | null;
  private listeners = new Set<() => void>();

  constructor(private readonly pca: IPublicClientApplication) {
    this.snapshot = pca.getActiveAccount();
  }

  /** The account on screen (a stable object between changes). */
  current = (): AccountInfo | null => this.snapshot;

  /** Reads MSAL again; listeners hear of a change. */
  refresh = (): void => {
    const next = this.pca.getActiveAccount();
    if (sameAccount(next, this.snapshot)) return;
    this.snapshot = next;
    this.listeners.forEach((l) => l());
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size > 1) return () => this.listeners.delete(listener);
    const id = this.pca.addEventCallback((ev: EventMessage) => {
      if (WATCHED.has(ev.eventType)) this.refresh();
    });
    const onStorage = (e: StorageEvent) => {
      // Removals only (a sign-out; key null: localStorage.clear()). Reading MSAL while another tab's *new* entries
      // are in localStorage but not yet in this tab's decrypted copy makes MSAL drop them from the shared account
      // list (msal-browser src/cache/BrowserCacheManager.ts getAccount: an account missing from memory is
      // removeAccountKeyFromMap'ed), which signed the other tab out after a switch. New accounts are read on the
      // LOGIN_SUCCESS / ACTIVE_ACCOUNT_CHANGED broadcast, which the other tab sends after writing them. A removal
      // is safe to read at once: the active-account entry goes first (removeAccount calls setActiveAccount(null)),
      // and with it gone getActiveAccount reads nothing else.
      if (e.storageArea !== window.localStorage) return;
      if (e.key === null || (e.key.startsWith("msal.") && e.newValue === null)) this.refresh();
    };
    window.addEventListener("storage", onStorage);
    this.refresh(); // anything that changed before the first subscriber
    this.unsubscribeAll = () => {
      if (id) this.pca.removeEventCallback(id);
      window.removeEventListener("storage", onStorage);
    };
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.unsubscribeAll();
    };
  };

  private unsubscribeAll: () => void = () => undefined;
}
