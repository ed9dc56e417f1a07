/**
 * `guest-fsfreeze-freeze` past pveproxy's 30 s limit (pve-manager `PVE/HTTPServer.pm`: AnyEvent::HTTP with `timeout => 30`).
 *
 * pveproxy forwards the call to pvedaemon with a 30 s inactivity timeout and answers 596
 * when it passes, while pvedaemon goes on freezing (qemu-server allows the freeze an hour).
 * So a 596 here does not mean the freeze failed: the channel asks fsfreeze-status until
 * the freeze is over. While it runs, the agent's chardev is busy and qemu-server's
 * pre-check ping fails ("QEMU guest agent is not running"), which is waited out too.
 * @module
 */
import { pause } from '../../abortable.js';
import { QgaConnectionError, QgaTimeoutError } from '../../errors.js';
import { PROXMOX_ENDPOINTS } from './endpoints.js';
import type { CallContext, ProxmoxRequester } from './requester.js';
import { mapReply } from './translate.js';

/** Pause between fsfreeze-status polls after a 596 (each one may itself wait 3 s for the ping). */
const STATUS_POLL_MS = 500;

/**
 * Freezes; after a 596 resolves once fsfreeze-status says `frozen`. The agent's count is
 * lost with the 596, so it resolves to 1: a frozen agent has frozen at least one
 * filesystem (a freeze of none leaves it thawed).
 */
export async function freeze(requester: ProxmoxRequester, ctx: CallContext): Promise<unknown> {
  const endpoint = PROXMOX_ENDPOINTS['guest-fsfreeze-freeze']!;
  const response = await requester.agentResponse(ctx, { method: endpoint.method, path: endpoint.path, params: {}, idempotent: false });
  if (response.status !== 596) return mapReply(ctx.command, 'result', requester.data(ctx, response));
  const status = PROXMOX_ENDPOINTS['guest-fsfreeze-status']!;
  const statusCtx: CallContext = { ...ctx, command: 'guest-fsfreeze-status' };
  for (;;) {
    if (performance.now() + STATUS_POLL_MS >= ctx.deadline) {
      throw new QgaTimeoutError(
        ctx.command,
        ctx.timeout,
        `${ctx.command}: Proxmox's proxy gave up after 30 s (596) and the guest did not report frozen within ${ctx.timeout} ms; the outcome is unknown`,
      );
    }
    await pause(STATUS_POLL_MS, ctx.signal);
    let state: unknown;
    try {
      state = mapReply(statusCtx.command, 'result', await requester.agent(statusCtx, { method: status.method, path: status.path, params: {}, idempotent: true }));
    } catch (error) {
      // The freeze still holds the agent (the pre-check ping fails), or the proxy hop failed.
      if (error instanceof QgaConnectionError || error instanceof QgaTimeoutError) continue;
      throw error;
    }
    if (state === 'frozen') return 1;
    throw new QgaTimeoutError(
      ctx.command,
      ctx.timeout,
      `${ctx.command}: Proxmox's proxy gave up after 30 s (596), and afterwards the guest reports '${String(state)}': the freeze failed or froze nothing; the outcome is unknown`,
    );
  }
}
