import type { IdleGate } from "./msal";

/** An IdleGate fed from the interaction status (auth/msalState.tsx; see ServicesProvider). */
export class InteractionGate implements IdleGate {
  private idle = false;
  private waiters: Array<() => void> = [];

  set(idle: boolean): void {
    this.idle = idle;
    if (idle) {
      const ws = this.waiters;
      this.waiters = [];
      ws.forEach((w) => w());
    }
  }

  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
