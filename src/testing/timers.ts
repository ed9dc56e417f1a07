/**
 * The agent's timers, kept in one place so `stop()` can end every pending wait at once
 * (a test must never hang on a simulated delay after the agent stopped).
 * @module
 */

/** Owns the agent's timeouts. */
export class Timers {
  readonly #pending = new Map<NodeJS.Timeout, () => void>();
  #stopped = false;

  /** Resolves after `ms`, or at once when the timers are stopped. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve, resolve));
  }

  /** Run `fn` after `ms`; `onCancel` runs instead when the timers are stopped first. */
  after(ms: number, fn: () => void, onCancel?: () => void): void {
    if (this.#stopped) {
      onCancel?.();
      return;
    }
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      fn();
    }, Math.max(0, ms));
    this.#pending.set(timer, onCancel ?? (() => {}));
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Cancel everything pending, and everything asked for later. */
  stop(): void {
    this.#stopped = true;
    for (const [timer, onCancel] of this.#pending) {
      clearTimeout(timer);
      onCancel();
    }
    this.#pending.clear();
  }
}
