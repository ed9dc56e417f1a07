/**
 * Service for the many-clients case: N agents for N clients, in a process of their own so
 * they do not weigh on the clients' heap. Uses the simulated agent (`qga-client/testing`,
 * one per client, like one agent per VM) when it exists, else a tiny fake agent that
 * answers sync, sync-delimited and ping on one socket for every connection at once.
 *
 * Usage: agents.ts COUNT DIR. Prints `{"kind": …, "paths": [...]}` when ready, runs until
 * stdin closes.
 */
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { loadSimulatedAgent, type SimulatedAgentLike } from '../lib/library.js';

const [countText, dir] = process.argv.slice(2);
if (!countText || !dir) throw new Error('usage: agents.ts COUNT DIR');
const count = Number(countText);
const repoRoot = resolve(import.meta.dirname, '..', '..');

/** qemu-ga's answers, minimally: a parse error for each 0xFF, sync ids echoed, ping. */
function serveFake(socket: Socket): void {
  let buffered = '';
  socket.setEncoding('latin1');
  socket.on('error', () => undefined);
  socket.on('data', (text: string) => {
    buffered += text;
    let out = '';
    for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
      let line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      while (line.startsWith('\xff')) {
        out += '{"error": {"class": "GenericError", "desc": "JSON parse error, stray \'\\uFFFD\'"}}\n';
        line = line.slice(1);
      }
      if (line.trim() === '') continue;
      const request = JSON.parse(line) as { execute: string; arguments?: { id?: number }; id?: unknown };
      const id = request.id === undefined ? '' : `, "id": ${JSON.stringify(request.id)}`;
      if (request.execute === 'guest-sync-delimited') out += `\xff{"return": ${request.arguments?.id}}\n`;
      else if (request.execute === 'guest-sync') out += `{"return": ${request.arguments?.id}${id}}\n`;
      else if (request.execute === 'guest-ping') out += `{"return": {}${id}}\n`;
      else out += `{"error": {"class": "CommandNotFound", "desc": "The command ${request.execute} has not been found"}${id}}\n`;
    }
    if (out) socket.write(out, 'latin1');
  });
}

const stops: (() => Promise<void>)[] = [];
let kind: string;
let paths: string[];
await mkdir(dir, { recursive: true });
const Simulated = await loadSimulatedAgent(repoRoot);
if (Simulated) {
  kind = 'simulated agent';
  const agents: SimulatedAgentLike[] = [];
  for (let i = 0; i < count; i++) agents.push(await Simulated.start());
  paths = agents.map((a) => a.path);
  stops.push(async () => {
    for (const agent of agents) await agent.stop();
  });
} else {
  kind = 'bench fake agent';
  const path = join(dir, 'fake.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveFake(socket);
  });
  await new Promise<void>((done) => server.listen({ path, backlog: 4096 }, done));
  paths = Array.from({ length: count }, () => path);
  stops.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((done) => server.close(() => done()));
  });
}
process.stdout.write(JSON.stringify({ kind, paths }) + '\n');
process.stdin.resume();
process.stdin.once('end', () => {
  void (async () => {
    for (const stop of stops) await stop();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  })();
});
