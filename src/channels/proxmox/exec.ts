/**
 * Proxmox's exec and exec-status endpoints (qemu-server `PVE/API2/Qemu/Agent.pm`), for the channel's
 * `guest-exec` / `guest-exec-status` and for the shell steps of large file writes.
 *
 * `command` is a JSON array since qemu-server 8.0.1 (PVE 8.0). Before, it was a
 * `string-alist` that a JSON array fails the type check of; repeated form keys work on
 * every version (pve-http-server joins them with NUL, which the old alist splits on). So
 * the first 400 about `command` switches this channel to form bodies for good.
 * @module
 */
import { pause as delay } from '../../abortable.js';
import { QgaCommandError } from '../../errors.js';
import { errorBody } from './errors.js';
import { PROXMOX_ENDPOINTS, PROXMOX_LIMITS } from './endpoints.js';
import { toByteString } from './encoding.js';
import type { CallContext, ProxmoxRequester } from './requester.js';
import { mapReply, type ProxmoxParams } from './translate.js';

/** A finished guest process, output as bytes. */
export interface ShellOutcome {
  exitcode: number | undefined;
  signal: number | undefined;
  stderr: Buffer;
}

/** First pause between exec-status polls, doubling up to the maximum (ms). */
const POLL_FIRST = 1;
const POLL_MAX = 100;

/** exec and exec-status for one channel. */
export class ProxmoxExec {
  readonly #requester: ProxmoxRequester;
  /** Pre-8.0 `command`: send form bodies. */
  #formBodies = false;

  constructor(requester: ProxmoxRequester) {
    this.#requester = requester;
  }

  /** Starts a process; resolves to the pid. */
  async start(ctx: CallContext, params: ProxmoxParams): Promise<number> {
    const request = { method: 'POST', path: 'exec', params, idempotent: false } as const;
    let response = await this.#requester.agentResponse(ctx, { ...request, form: this.#formBodies });
    if (response.status === 400 && !this.#formBodies && errorBody(response).errors?.['command'] !== undefined) {
      // Refused by validation, before anything ran: a pre-8.0 server.
      this.#formBodies = true;
      response = await this.#requester.agentResponse(ctx, { ...request, form: true });
    }
    const { pid } = mapReply(ctx.command, 'exec', this.#requester.data(ctx, response)) as { pid: number };
    return pid;
  }

  /** One exec-status, in the QGA shape. */
  async status(ctx: CallContext, pid: number): Promise<Record<string, unknown>> {
    const endpoint = PROXMOX_ENDPOINTS['guest-exec-status']!;
    const data = await this.#requester.agent(ctx, { method: endpoint.method, path: endpoint.path, params: { pid }, idempotent: endpoint.idempotent });
    return mapReply(ctx.command, 'exec-status', data) as Record<string, unknown>;
  }

  /**
   * Runs `argv` with `input` on stdin and waits for it to exit, polling at once and then
   * backing off. Asks for the status only until the first "exited" reply, which reaps the
   * process (a second ask is an error).
   */
  async run(ctx: CallContext, argv: readonly string[], input: Uint8Array | undefined): Promise<ShellOutcome> {
    if (input !== undefined && input.length > PROXMOX_LIMITS.execInput) throw new RangeError(`stdin of ${input.length} bytes is over exec's input-data limit`);
    const params: ProxmoxParams = { command: [...argv] };
    if (input !== undefined && input.length > 0) params['input-data'] = toByteString(input);
    const pid = await this.start(ctx, params);
    let pause = POLL_FIRST;
    for (;;) {
      const status = await this.status(ctx, pid);
      if (status['exited'] === true) {
        const stderr = typeof status['err-data'] === 'string' ? Buffer.from(status['err-data'], 'base64') : Buffer.alloc(0);
        return { exitcode: status['exitcode'] as number | undefined, signal: status['signal'] as number | undefined, stderr };
      }
      if (performance.now() + pause >= ctx.deadline) {
        throw new QgaCommandError(ctx.command, 'GenericError', `${argv.join(' ')} (pid ${pid}) was still running when ${ctx.command} ran out of time`);
      }
      await delay(pause, ctx.signal);
      pause = Math.min(pause * 2, POLL_MAX);
    }
  }
}
