/**
 * A scripted fake agent for tests: a node:net server on a temp unix socket. Each request
 * line goes to `onRequest`, which answers through the connection however the test wants
 * (well-formed, late, twice, garbled, or by hanging up).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { QgaClient } from '../../src/index.js';

export interface FakeRequest {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: unknown;
}

export interface FakeConnection {
  socket: Socket;
  /** Answer like qemu-ga: `{"return": value, "id": …}`. */
  reply(request: FakeRequest, value: unknown): void;
  error(request: FakeRequest, errorClass: string, desc: string): void;
  raw(bytes: string | Buffer): void;
}

export type RequestHandler = (request: FakeRequest, connection: FakeConnection) => void;

export interface FakeAgent {
  path: string;
  requests: FakeRequest[];
  connections: number;
  onRequest: RequestHandler;
  /** Server-side sockets of the open connections (destroy one to drop the channel). */
  sockets: Set<Socket>;
  close(): Promise<void>;
}

/** Answers sync/sync-delimited like the real agent, and `guest-ping`. */
export const answerSync: RequestHandler = (request, connection) => {
  if (request.execute === 'guest-sync-delimited') connection.raw(Buffer.concat([Buffer.of(0xff), Buffer.from(`{"return": ${String(request.arguments?.['id'])}}\n`)]));
  else if (request.execute === 'guest-sync') connection.reply(request, request.arguments?.['id']);
  else if (request.execute === 'guest-ping') connection.reply(request, {});
  else connection.error(request, 'CommandNotFound', `The command ${request.execute} has not been found`);
};

export async function startFakeAgent(onRequest: RequestHandler = answerSync): Promise<FakeAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'qga-fake-'));
  const path = join(dir, 's');
  const sockets = new Set<Socket>();
  const agent: FakeAgent = {
    path,
    requests: [],
    connections: 0,
    onRequest,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const server: Server = createServer((socket) => {
    agent.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const connection: FakeConnection = {
      socket,
      reply: (request, value) => {
        const id = request.id === undefined ? '' : `, "id": ${JSON.stringify(request.id)}`;
        if (!socket.destroyed) socket.write(`{"return": ${JSON.stringify(value)}${id}}\n`);
      },
      error: (request, errorClass, desc) => {
        const id = request.id === undefined ? '' : `, "id": ${JSON.stringify(request.id)}`;
        if (!socket.destroyed) socket.write(`{"error": {"class": ${JSON.stringify(errorClass)}, "desc": ${JSON.stringify(desc)}}${id}}\n`);
      },
      raw: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
    };
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      let text = pending + chunk.toString('latin1');
      // Like qemu-ga: a 0xFF byte gets one parse-error reply and resets the parser.
      while (text.includes('\xff')) {
        const at = text.indexOf('\xff');
        text = text.slice(at + 1);
        connection.raw('{"error": {"class": "GenericError", "desc": "JSON parse error, stray \'\\ufffd\'"}}\n');
      }
      const lines = text.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const request = JSON.parse(line) as FakeRequest;
        agent.requests.push(request);
        agent.onRequest(request, connection);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return agent;
}

/** What a test opened against a fake agent; the test assigns each as it opens it. */
export interface OpenedAgentAndClient {
  agent: FakeAgent | undefined;
  client: QgaClient | undefined;
}

/**
 * Closes, after every test of the file, the agent and client the test put on the returned
 * object. The client goes first, so it ends by its own close rather than by losing its
 * channel; both are then forgotten so a test that opens neither closes nothing twice.
 */
export function useFakeAgentAndClient(): OpenedAgentAndClient {
  const opened: OpenedAgentAndClient = { agent: undefined, client: undefined };
  afterEach(async () => {
    await opened.client?.close();
    await opened.agent?.close();
    opened.client = undefined;
    opened.agent = undefined;
  });
  return opened;
}
