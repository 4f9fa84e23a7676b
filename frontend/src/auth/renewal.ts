/**
 * A token renewal only the user can complete. Browsers block a popup that is not opened from a click, and a
 * silent renewal fails long after the click that started the API call: so instead of opening a popup then, the
 * token getter parks its callers here and the app shows a notice with a button (RenewalNotice). The click opens
 * the popup; its token is handed to every parked caller, whose API calls then go on as if nothing happened (the
 * page, the list and a half-typed task are never left).
 */
export interface RenewalView {
  /** A claims challenge (Conditional Access step-up) the renewal must satisfy, else undefined. */
  claims: string | undefined;
  /** Why the last attempt failed, for the notice; null before any attempt. */
  error: string | null;
  /** An attempt (popup) is under way. */
  busy: boolean;
}

interface Waiter {
  resolve(token: string): void;
  reject(err: unknown): void;
}

export class Renewal {
  private waiters: Waiter[] = [];
  private view: RenewalView | null = null;
  private listeners = new Set<() => void>();

  /** The notice's state, or null when no renewal is needed (a stable object between changes, for useSyncExternalStore). */
  current = (): RenewalView | null => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Parks a caller until the user renews; a claims challenge is kept for the renewal (the first one wins). */
  wait(claims: string | undefined): Promise<string> {
    this.set({ claims: this.view?.claims ?? claims, error: this.view?.error ?? null, busy: this.view?.busy ?? false });
    return new Promise<string>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** True while callers are parked. */
  get pending(): boolean {
    return this.view !== null;
  }

  started(): void {
    if (this.view) this.set({ ...this.view, busy: true, error: null });
  }

  failed(message: string): void {
    if (this.view) this.set({ ...this.view, busy: false, error: message });
  }

  /**
   * A renewal that left the page (a redirect, popups being blocked) came back failed: the notice shows why and
   * offers it again, though no call is parked any more (they ended with the page).
   */
  report(message: string): void {
    this.set({ claims: this.view?.claims, error: message, busy: false });
  }

  /** The user renewed: every parked caller gets the token. */
  complete(token: string): void {
    this.settle((w) => w.resolve(token));
  }

  /** Sign-in ended (signed out, another account): parked callers fail with `err`. */
  abandon(err: unknown): void {
    this.settle((w) => w.reject(err));
  }

  private settle(each: (w: Waiter) => void): void {
    const ws = this.waiters;
    this.waiters = [];
    this.set(null);
    ws.forEach(each);
  }

  private set(view: RenewalView | null): void {
    this.view = view;
    this.listeners.forEach((l) => l());
  }
}
