/**
 * What one client learnt about its guest beyond `guest-info`: the OS family, the code
 * pages, the agent's environment. Like the `guest-info` cache it belongs to one
 * connection: the client empties it on every (re)connect and close, since a new
 * connection may reach another guest.
 * @module
 */

/** Per-connection memo of asynchronous look-ups, one entry per key. */
export class SessionMemo {
  readonly #values = new Map<string, Promise<unknown>>();

  /**
   * The value under `key`, loading it once. Callers arriving while it loads share the
   * load. A failed load is forgotten, and so is a value `keep` refuses (e.g. one read
   * from a frozen agent, whose answers say little that lasts).
   */
  get<T>(key: string, load: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const hit = this.#values.get(key);
    if (hit) return hit as Promise<T>;
    const pending: Promise<T> = load().then(
      (value) => {
        if (!keep(value)) this.#forget(key, pending);
        return value;
      },
      (error: unknown) => {
        this.#forget(key, pending);
        throw error;
      },
    );
    this.#values.set(key, pending);
    return pending;
  }

  clear(): void {
    this.#values.clear();
  }

  #forget(key: string, pending: Promise<unknown>): void {
    if (this.#values.get(key) === pending) this.#values.delete(key);
  }
}
