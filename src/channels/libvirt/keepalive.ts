/**
 * Client side of libvirt's keepalive protocol (`src/rpc/virkeepalive.c`).
 *
 * Once a client asked CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE), libvirtd PINGs it after
 * every `keepalive_interval` (5 s) of silence from the client and drops it after
 * `keepalive_count` (5) unanswered PINGs (observed on 9.0: EOF 30 s after the last reply).
 * The RPC connection answers every PING with a PONG; this class does the other half, as
 * libvirt's own client does: after `interval` ms without a byte from the peer it PINGs,
 * and after `count` PINGs without a byte back the peer is declared dead, so a call on a
 * silently broken link (a cut network, a frozen libvirtd) fails instead of hanging.
 * libvirtd answers PINGs from its event loop, also while its workers run agent commands.
 * @module
 */
import type { Timers } from '../../protocol/timers.js';

export interface KeepaliveOptions {
  /** ms of silence from the peer before a PING. libvirt's default: 5000. */
  interval: number;
  /** Unanswered PINGs before the peer is dead. libvirt's default: 5. */
  count: number;
}

export class Keepalive {
  readonly #options: KeepaliveOptions;
  readonly #timers: Timers;
  readonly #ping: () => void;
  readonly #dead: (silentMs: number) => void;
  #lastHeard: number;
  #unanswered = 0;
  #handle: unknown;

  constructor(options: KeepaliveOptions, timers: Timers, ping: () => void, dead: (silentMs: number) => void) {
    this.#options = options;
    this.#timers = timers;
    this.#ping = ping;
    this.#dead = dead;
    this.#lastHeard = timers.now();
    this.#arm(options.interval);
  }

  /** Any byte from the peer proves it alive. */
  heard(): void {
    this.#lastHeard = this.#timers.now();
    this.#unanswered = 0;
  }

  stop(): void {
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #arm(ms: number): void {
    const handle = this.#timers.setTimeout(() => this.#tick(), ms);
    // Keepalive alone must not keep the process running.
    (handle as { unref?: () => void } | undefined)?.unref?.();
    this.#handle = handle;
  }

  #tick(): void {
    this.#handle = undefined;
    const silent = this.#timers.now() - this.#lastHeard;
    const due = this.#options.interval * (this.#unanswered + 1);
    if (silent < due) {
      this.#arm(due - silent);
      return;
    }
    if (this.#unanswered >= this.#options.count) {
      this.#dead(silent);
      return;
    }
    this.#unanswered += 1;
    this.#ping();
    this.#arm(this.#options.interval);
  }
}
