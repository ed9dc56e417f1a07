import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QgaClient, QgaCommandError, QgaConnectionError, QgaProtocolError, QgaTimeoutError } from '../../../src/index.js';
import { answerSync, startFakeAgent, useFakeAgentAndClient } from '../../support/fake-agent.js';

const opened = useFakeAgentAndClient();

describe('QgaClient against a scripted agent', () => {
  it('emits connect with the time it took, then request/response per call', async () => {
    opened.agent = await startFakeAgent();
    const events: string[] = [];
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    opened.client.on('request', (e) => events.push(`request ${e.command}`));
    opened.client.on('response', (e) => events.push(`response ${e.command} ${typeof e.duration} ${e.error ? 'failed' : 'ok'}`));
    await opened.client.ping();
    await opened.client.call('guest-nope' as 'guest-ping').catch(() => undefined);
    expect(events).toEqual(['request guest-ping', 'response guest-ping number ok', 'request guest-nope', 'response guest-nope number failed']);
  });

  it('bad arguments reject with TypeError before anything is written', async () => {
    opened.agent = await startFakeAgent();
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    const before = opened.agent.requests.length;
    await expect(opened.client.call('' as 'guest-ping')).rejects.toBeInstanceOf(TypeError);
    await expect(opened.client.call('guest-file-open', 'path' as never)).rejects.toBeInstanceOf(TypeError);
    await expect(opened.client.call('guest-file-open', [] as never)).rejects.toBeInstanceOf(TypeError);
    await expect(opened.client.call('guest-ping', undefined, { timeout: -1 })).rejects.toBeInstanceOf(TypeError);
    await expect(opened.client.call('guest-ping', undefined, { signal: 'x' as never })).rejects.toBeInstanceOf(TypeError);
    expect(opened.agent.requests.length).toBe(before);
  });

  it('connect options are validated', async () => {
    await expect(QgaClient.connect({} as never)).rejects.toBeInstanceOf(TypeError);
    await expect(QgaClient.connect({ path: '/x', timeout: 0 })).rejects.toBeInstanceOf(TypeError);
    await expect(QgaClient.connect({ host: 'localhost', port: 70000 })).rejects.toBeInstanceOf(TypeError);
  });

  it('the channel closing rejects the call in flight and queued calls, and emits close with the error', async () => {
    opened.agent = await startFakeAgent((request, connection) => {
      if (request.execute === 'guest-hang') setTimeout(() => connection.socket.destroy(), 20);
      else answerSync(request, connection);
    });
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    const closed = new Promise<Error | undefined>((resolve) => opened.client!.once('close', resolve));
    const calls = [opened.client.call('guest-hang' as 'guest-ping'), opened.client.ping(), opened.client.ping()];
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(QgaConnectionError);
    expect(await closed).toBeInstanceOf(QgaConnectionError);
    expect(opened.client.closed).toBe(true);
    await expect(opened.client.ping()).rejects.toBeInstanceOf(QgaConnectionError);
  });

  it('connect fails with QgaConnectionError when the agent never answers the sync', async () => {
    opened.agent = await startFakeAgent(() => undefined);
    const error = await QgaClient.connect({ path: opened.agent.path, connectTimeout: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/did not answer within 200 ms.*one client at a time/s);
  });

  it('waitForAgent keeps syncing until the agent starts answering', async () => {
    let answering = false;
    opened.agent = await startFakeAgent((request, connection) => {
      if (answering) answerSync(request, connection);
    });
    setTimeout(() => (answering = true), 300);
    const started = performance.now();
    opened.client = await QgaClient.connect({ path: opened.agent.path, waitForAgent: 10_000, connectTimeout: 1000 });
    expect(performance.now() - started).toBeGreaterThan(250);
    await opened.client.ping();
  });

  it('waitForAgent also retries a socket that does not exist yet', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'qga-late-')), 's');
    const connecting = QgaClient.connect({ path, waitForAgent: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    const server = createServer((socket) => {
      socket.on('data', (chunk) => {
        const m = /"id":\s*(\d+)/.exec(chunk.toString('latin1'));
        if (m) socket.write(Buffer.concat([Buffer.of(0xff), Buffer.from(`{"return": ${m[1]}}\n`)]));
      });
    }).listen(path);
    opened.client = await connecting;
    await opened.client.close();
    server.close();
  });

  it('connect can be aborted', async () => {
    opened.agent = await startFakeAgent(() => undefined);
    const controller = new AbortController();
    const connecting = QgaClient.connect({ path: opened.agent.path, signal: controller.signal, connectTimeout: 5000 });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(connecting).rejects.toThrow('stop');
  });

  it('a reply over maxReplyBytes fails that call and the next call works', async () => {
    opened.agent = await startFakeAgent((request, connection) => {
      if (request.execute === 'guest-big') connection.reply(request, 'x'.repeat(10_000));
      else answerSync(request, connection);
    });
    opened.client = await QgaClient.connect({ path: opened.agent.path, maxReplyBytes: 1024 });
    await expect(opened.client.call('guest-big' as 'guest-ping')).rejects.toBeInstanceOf(QgaProtocolError);
    await expect(opened.client.call('guest-sync', { id: 3 })).resolves.toBe(3);
  });

  it('a reply sent twice is never delivered to the next call', async () => {
    opened.agent = await startFakeAgent((request, connection) => {
      if (request.execute === 'guest-sync' && request.arguments?.['id'] === 1) {
        connection.reply(request, 1);
        connection.reply(request, 1);
      } else answerSync(request, connection);
    });
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    await expect(opened.client.call('guest-sync', { id: 1 })).resolves.toBe(1);
    await expect(opened.client.call('guest-sync', { id: 2 })).resolves.toBe(2);
  });

  it('commands without a return value resolve to undefined; the generated methods route to call()', async () => {
    opened.agent = await startFakeAgent((request, connection) => {
      if (request.execute === 'guest-get-host-name') connection.reply(request, { 'host-name': 'fake' });
      else if (request.execute === 'guest-file-close') connection.reply(request, {});
      else answerSync(request, connection);
    });
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    await expect(opened.client.guestGetHostName()).resolves.toEqual({ 'host-name': 'fake' });
    await expect(opened.client.guestFileClose({ handle: 1000 })).resolves.toBeUndefined();
    expect(opened.agent.requests.at(-1)).toMatchObject({ execute: 'guest-file-close', arguments: { handle: 1000 } });
  });

  it('slow commands get their own longer default timeout', async () => {
    opened.agent = await startFakeAgent((request, connection) => {
      if (request.execute === 'guest-fsfreeze-thaw') setTimeout(() => connection.reply(request, 1), 300);
      else answerSync(request, connection);
    });
    opened.client = await QgaClient.connect({ path: opened.agent.path, timeout: 100 });
    await expect(opened.client.call('guest-fsfreeze-thaw')).resolves.toBe(1);
    await expect(opened.client.call('guest-fsfreeze-thaw', undefined, { timeout: 50 })).rejects.toBeInstanceOf(QgaTimeoutError);
  });

  it('guest-shutdown resolves once taken, and rejects when the agent reports a failure', async () => {
    let fail = false;
    opened.agent = await startFakeAgent((request, connection) => {
      if (request.execute === 'guest-shutdown') {
        if (fail) connection.error(request, 'GenericError', 'mode is invalid');
      } else answerSync(request, connection);
    });
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    await expect(opened.client.call('guest-shutdown', { mode: 'reboot' })).resolves.toBeUndefined();
    fail = true;
    await expect(opened.client.call('guest-shutdown', { mode: 'powerdown' })).rejects.toBeInstanceOf(QgaCommandError);
  });

  it('connectInfo tells what the first connect took and what its resync discarded', async () => {
    opened.agent = await startFakeAgent((request, connection) => {
      // Stale replies left for an earlier client arrive before the sync answer.
      if (request.execute === 'guest-sync-delimited') connection.raw('{"return": 111}\n{"return": {}, "id": "old"}\n');
      answerSync(request, connection);
    });
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    expect(opened.client.connectInfo).toMatchObject({ channel: 'direct', reconnected: false, attempts: 1, discardedMessages: 2, discardedBytes: 16 + 28 });
    expect(opened.client.connectInfo.duration).toBeGreaterThan(0);
  });

  it('a direct client carries every command and sizes file chunks from the agent limits', async () => {
    opened.agent = await startFakeAgent();
    opened.client = await QgaClient.connect({ path: opened.agent.path, maxReplyBytes: 4096 });
    const { kind, commands, fileHandles, noReply, limits } = opened.client.capabilities;
    expect({ kind, commands, fileHandles, noReply }).toEqual({ kind: 'direct', commands: undefined, fileHandles: true, noReply: 'probe' });
    expect(limits).toMatchObject({ maxReplyBytes: 4096, fileReadChunk: 1024 * 1024, maxFileReadChunk: 48 * 1024 * 1024 });
  });

  it('waitForAgent gives up with an error that says what was tried', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'qga-never-')), 's');
    const error = await QgaClient.connect({ path, waitForAgent: 300, connectTimeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/gave up \(waited 300 ms: \d+ channel openings, 0 sync attempts\); last error: .*no such socket/);
  });
});
