/**
 * The `guest-info` answer one client keeps for `info()` / `supports()`.
 *
 * Each client owns one: an answer belongs to one connection, so it must neither be shared
 * between clients nor outlive the connection. The client drops it itself on every
 * (re)connect and close, so listeners users add or remove cannot keep a stale answer.
 * @module
 */
import type { GuestAgentInfo } from '../generated/index.js';

/** Holds at most one answer; whether an answer is worth keeping is the caller's call. */
export class AgentInfoCache {
  #value: GuestAgentInfo | undefined;

  /** The kept answer, or `undefined` when there is none for this connection. */
  get(): GuestAgentInfo | undefined {
    return this.#value;
  }

  set(value: GuestAgentInfo): void {
    this.#value = value;
  }

  clear(): void {
    this.#value = undefined;
  }
}
