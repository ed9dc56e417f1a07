/**
 * A RequestQueue wired to a scripted agent in memory: every write is parsed the way the
 * agent would read it, and the test decides what (and when) the agent answers.
 */
import { RequestQueue, type ResyncInfo } from '../../src/protocol/request-queue.js';

export interface SeenRequest {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: unknown;
}

export type Responder = (request: SeenRequest, reply: (text: string | Buffer) => void) => void;

/** Replies like qemu-ga: sync-delimited gets 0xFF before `{`, a 0xFF byte gets a parse error. */
export function agentLikeResponder(handlers: Record<string, (args: Record<string, unknown> | undefined) => unknown> = {}): Responder {
  return (request, reply) => {
    const id = request.id === undefined ? '' : `, "id": ${JSON.stringify(request.id)}`;
    if (request.execute === 'guest-sync-delimited') {
      reply(Buffer.concat([Buffer.of(0xff), Buffer.from(`{"return": ${String(request.arguments?.['id'])}${id}}\n`)]));
      return;
    }
    if (request.execute === 'guest-sync') {
      reply(`{"return": ${String(request.arguments?.['id'])}${id}}\n`);
      return;
    }
    const handler = handlers[request.execute];
    if (!handler) {
      reply(`{"error": {"class": "CommandNotFound", "desc": "The command ${request.execute} has not been found"}${id}}\n`);
      return;
    }
    const value = handler(request.arguments);
    if (value === NO_REPLY) return;
    reply(`{"return": ${JSON.stringify(value ?? {})}${id}}\n`);
  };
}

export const NO_REPLY = Symbol('no reply');

/**
 * `text`: the queue may also write text (as a socket transport can); every write is
 * recorded in `written` as bytes either way, and text writes also in `texts`.
 */
export function scriptedQueue(responder: Responder, options: { maxReplyBytes?: number; text?: boolean } = {}) {
  const written: Buffer[] = [];
  const texts: string[] = [];
  const requests: SeenRequest[] = [];
  const resyncs: ResyncInfo[] = [];
  const queue: RequestQueue = new RequestQueue({
    maxReplyBytes: options.maxReplyBytes ?? 1024 * 1024,
    onResync: (info) => resyncs.push(info),
    write: (bytes) => agentReads(Buffer.from(bytes)),
    writeText: options.text
      ? (text) => {
          texts.push(text);
          return agentReads(Buffer.from(text));
        }
      : undefined,
  });
  function agentReads(buffer: Buffer): Promise<void> {
    written.push(buffer);
    let stray = 0;
    for (const byte of buffer) if (byte === 0xff) stray++;
    for (let i = 0; i < stray; i++) {
      queueMicrotask(() => queue.receive(Buffer.from('{"error": {"class": "GenericError", "desc": "JSON parse error, stray \'\\ufffd\'"}}\n')));
    }
    const text = buffer.toString('latin1').replace(/\xff/g, '');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const request = JSON.parse(line) as SeenRequest;
      requests.push(request);
      queueMicrotask(() => responder(request, (reply) => queue.receive(Buffer.isBuffer(reply) ? reply : Buffer.from(reply))));
    }
    return Promise.resolve();
  }
  return { queue, written, texts, requests, resyncs };
}

export function callOptions(timeout = 1000, signal?: AbortSignal) {
  return { timeout, signal, expectReply: true };
}
