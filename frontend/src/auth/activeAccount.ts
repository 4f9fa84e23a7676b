import { EventType, type AccountInfo, type EventMessage, type IPublicClientApplication } from "@azure/msal-browser";

/**
 * MSAL events after which this tab's active account may differ. LOGIN_SUCCESS, LOGOUT_SUCCESS and
 * ACTIVE_ACCOUNT_CHANGED also come from the other tabs: MSAL posts them on a BroadcastChannel
 * ("msal.broadcast.event", msal-browser src/event/EventHandler.ts emitEvent/subscribeCrossTab), and a callback
 * cannot tell the two apart; `refresh` below decides from what it may safely read.
 */
const WATCHED: ReadonlySet<string> = new Set([
  EventType.ACTIVE_ACCOUNT_CHANGED,
  EventType.LOGIN_SUCCESS,
  EventType.LOGOUT_SUCCESS,
  EventType.ACQUIRE_TOKEN_SUCCESS,
  EventType.HANDLE_REDIRECT_END,
]);

/** sessionStorage (this tab only): the account this tab itself last made active, until the store has read it. */
const ACTIVATED_HERE = "tasks.activatedHere";

/**
 * Makes `account` active, marked as this tab's own change: the only kind of change it is safe to read from MSAL
 * at once (see ActiveAccountStore). Every setActiveAccount of the app goes through here.
 */
export function activate(pca: IPublicClientApplication, account: AccountInfo | null): void {
  sessionStorage.setItem(ACTIVATED_HERE, account?.homeAccountId ?? "");
  pca.setActiveAccount(account);
}

/** MSAL's active-account entry in localStorage (msal-browser src/cache/BrowserCacheManager.ts setActiveAccount). */
function activeKey(pca: IPublicClientApplication): string {
  return `msal.${pca.getConfiguration().auth.clientId}.active-account-filters`;
}

/**
 * The home account id MSAL has as active, read from localStorage without MSAL: MSAL's own read (getActiveAccount)
 * looks at every cached account and may drop one another tab has just added (see ActiveAccountStore).
 */
export function activeAccountId(pca: IPublicClientApplication, raw = localStorage.getItem(activeKey(pca))): string | null {
  if (!raw) return null;
  try {
    const id = (JSON.parse(raw) as { homeAccountId?: unknown }).homeAccountId;
    return typeof id === "string" && id !== "" ? id : null;
  } catch {
    return null;
  }
}

/** Same person, same name on screen. */
export function sameAccount(a: AccountInfo | null, b: AccountInfo | null): boolean {
  if (a === null || b === null) return a === b;
  return a.homeAccountId === b.homeAccountId && a.name === b.name && a.username === b.username;
}

/**
 * The active account as this tab shows it, for useSyncExternalStore, following MSAL's events and the other tabs.
 *
 * What it must never do: read MSAL's accounts while another tab's new account is in localStorage but not yet in
 * this tab's memory. MSAL copies another tab's entries into memory only after decrypting them, asynchronously
 * (src/cache/LocalStorage.ts: the "msal.broadcast.cache" channel and updateCache), and a read before that makes
 * it drop the account from the account list all tabs share (src/cache/BrowserCacheManager.ts getAccount ->
 * removeAccountKeyFromMap): after a switch in tab A, tab B's read signed both tabs back to the old account.
 *
 * So the active account's id is read from localStorage directly, and then:
 * - unchanged: nothing to do;
 * - none: signed out (no MSAL read is needed to show that);
 * - the account this tab itself just made active (`activate`): MSAL has it in memory, read it;
 * - any other account: another tab signed in or switched. This tab reloads: MSAL's start-up decrypts every entry
 *   before the first read, and nothing of the previous account's page (lists, forms, answers) survives.
 * The `storage` event fires only in the tabs that did not write, so another tab's change is seen even when MSAL's
 * broadcast is late or lost.
 */
export class ActiveAccountStore {
  private snapshot: AccountInfo | null;
  private listeners = new Set<() => void>();

  constructor(
    private readonly pca: IPublicClientApplication,
    private readonly reload: () => void = () => window.location.reload(),
  ) {
    this.snapshot = pca.getActiveAccount(); // at start-up MSAL has decrypted everything: safe
  }

  /** The account on screen (a stable object between changes). */
  current = (): AccountInfo | null => this.snapshot;

  /** Follows MSAL's active account, reading MSAL only when that is safe (see the class comment). */
  refresh = (raw?: string | null): void => {
    const id = activeAccountId(this.pca, raw);
    if (id === (this.snapshot?.homeAccountId ?? null)) return;
    let next: AccountInfo | null = null;
    if (id !== null) {
      if (sessionStorage.getItem(ACTIVATED_HERE) !== id) {
        this.reload();
        return;
      }
      sessionStorage.removeItem(ACTIVATED_HERE);
      next = this.pca.getActiveAccount();
    }
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
    const key = activeKey(this.pca);
    const onStorage = (e: StorageEvent) => {
      if (e.storageArea !== window.localStorage) return;
      if (e.key === key) this.refresh(e.newValue);
      else if (e.key === null) this.refresh(); // localStorage.clear()
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
