/**
 * How qemu-server talks to the agent (qemu-server `PVE/QMPClient.pm`): a new
 * connection to the VM's agent socket for every command (the connect retried every 100 ms),
 * `guest-sync-delimited` and the command written together without a leading 0xFF, the
 * reply read from the last 0xFF on, two lines, a lower sync id skipped as stale, and the
 * connection closed. EOF right after the sync reply is success for the commands the agent
 * answers only on failure (shutdown, suspend-*).
 * @module
 */
import net from 'node:net';
import { decodeJson, encodeJson } from '../../protocol/json-codec.js';

/** The agent's answer to one command. */
export type AgentAnswer = { ok: true; value: unknown } | { ok: false; errorClass: string; desc: string };

/** Why the command got no answer, in qemu-server's words (the caller adds the prefix). */
export class AgentLinkError extends Error {
  constructor(
    readonly kind: 'connect' | 'timeout' | 'closed' | 'protocol',
    message: string,
  ) {
    super(message);
    this.name = 'AgentLinkError';
  }
}

/** Commands the agent answers only when they fail. */
const NO_SUCCESS_REPLY = new Set(['guest-shutdown', 'guest-suspend-disk', 'guest-suspend-ram', 'guest-suspend-hybrid']);
/**
 * qemu-server waits for the EOF of a guest going down; a simulated guest stays up, so a
 * command the agent answers only on failure counts as taken when no error followed the
 * sync reply this soon (an agent refuses at once). What a real PVE returns here is one of
 * the things only a real PVE can tell.
 */
const NO_REPLY_GRACE_MS = 50;
const CONNECT_RETRY_MS = 100;

/** One command on a fresh connection. `syncId` must grow with every call (qemu-server: "<pid>0<counter>"). */
export async function agentCommand(socketPath: string, execute: string, args: Record<string, unknown> | undefined, timeout: number, syncId: number): Promise<AgentAnswer> {
  const deadline = performance.now() + timeout;
  const socket = await connect(socketPath, deadline);
  try {
    return await exchange(socket, execute, args, deadline, syncId);
  } finally {
    socket.destroy();
  }
}

async function connect(socketPath: string, deadline: number): Promise<net.Socket> {
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(socketPath);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (error) {
      if (performance.now() + CONNECT_RETRY_MS >= deadline) throw new AgentLinkError('connect', `unable to open monitor socket (${(error as Error).message})`);
      await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
    }
  }
}

function exchange(socket: net.Socket, execute: string, args: Record<string, unknown> | undefined, deadline: number, syncId: number): Promise<AgentAnswer> {
  return new Promise<AgentAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: Error | undefined, answer?: AgentAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      if (answer) resolve(answer);
      else reject(error);
    };
    const timer = setTimeout(() => finish(new AgentLinkError('timeout', 'got timeout')), Math.max(0, deadline - performance.now()));
    const lines = (): string[] | undefined => {
      const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      const start = all.lastIndexOf(0xff) + 1;
      const text = all.subarray(start).toString('utf8');
      const parts = text.split('\n');
      parts.pop(); // the unfinished rest
      return parts.filter((l) => l.trim() !== '');
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      // Only the newest lines matter; look when a line ended.
      if (chunk.indexOf(0x0a) === -1) return;
      const found = lines();
      if (!found) return;
      const settledAnswer = answerFrom(found, execute, syncId);
      if (settledAnswer instanceof Error) finish(settledAnswer);
      else if (settledAnswer) finish(undefined, settledAnswer);
      else if (NO_SUCCESS_REPLY.has(execute) && found.some((l) => syncReplyId(l) === syncId)) {
        clearTimeout(grace);
        grace = setTimeout(() => finish(undefined, { ok: true, value: undefined }), NO_REPLY_GRACE_MS);
      }
    };
    socket.on('data', onData);
    socket.once('error', (error) => finish(new AgentLinkError('closed', `client closed connection (${error.message})`)));
    socket.once('end', () => {
      const found = lines() ?? [];
      const synced = found.some((l) => syncReplyId(l) === syncId);
      if (synced && NO_SUCCESS_REPLY.has(execute)) finish(undefined, { ok: true, value: undefined });
      else finish(new AgentLinkError('closed', 'client closed connection'));
    });
    socket.write(`${encodeJson({ execute: 'guest-sync-delimited', arguments: { id: syncId } })}\n${encodeJson(args === undefined ? { execute } : { execute, arguments: args })}\n`);
  });
}

function syncReplyId(line: string): number | undefined {
  // A sync reply is short; the command's reply may be megabytes of file data.
  if (line.length > 64) return undefined;
  try {
    const value = decodeJson(line) as { return?: unknown };
    return typeof value.return === 'number' ? value.return : undefined;
  } catch {
    return undefined;
  }
}

/** Looks at the lines after the last 0xFF: the sync reply, then the command's. */
function answerFrom(found: string[], execute: string, syncId: number): AgentAnswer | Error | undefined {
  let index = found.findIndex((l) => syncReplyId(l) === syncId);
  if (index === -1) {
    const stale = found.map(syncReplyId).some((id) => id !== undefined && id > syncId);
    return stale ? new AgentLinkError('protocol', 'got wrong command id') : undefined;
  }
  index += 1;
  const line = found[index];
  if (line === undefined) return undefined;
  let reply: { return?: unknown; error?: { class?: unknown; desc?: unknown } };
  try {
    reply = decodeJson(line) as typeof reply;
  } catch {
    return new AgentLinkError('protocol', `unable to parse the reply to ${execute}`);
  }
  if (reply.error) return { ok: false, errorClass: String(reply.error.class ?? 'GenericError'), desc: String(reply.error.desc ?? '') };
  return { ok: true, value: reply.return };
}
