import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { QGA_DIAGNOSTICS_CHANNELS, QgaClient, type QgaRequestEndMessage } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';

const subscriptions: [string, (message: unknown) => void][] = [];
function record(name: string): unknown[] {
  const messages: unknown[] = [];
  const listener = (message: unknown): void => void messages.push(message);
  diagnostics.subscribe(name, listener);
  subscriptions.push([name, listener]);
  return messages;
}

afterEach(() => {
  for (const [name, listener] of subscriptions.splice(0)) diagnostics.unsubscribe(name, listener);
});

describe('diagnostics channels', () => {
  it('publish connect, request start/end/error, resync and close, without arguments or results', async () => {
    await using agent = await SimulatedAgent.start({ hostName: 'secret-host-name' });
    const connects = record(QGA_DIAGNOSTICS_CHANNELS.connect);
    const starts = record(QGA_DIAGNOSTICS_CHANNELS.requestStart);
    const ends = record(QGA_DIAGNOSTICS_CHANNELS.requestEnd);
    const errors = record(QGA_DIAGNOSTICS_CHANNELS.requestError);
    const resyncs = record(QGA_DIAGNOSTICS_CHANNELS.resync);
    const closes = record(QGA_DIAGNOSTICS_CHANNELS.close);
    const client = await QgaClient.connect({ path: agent.path });
    const target = { channel: 'direct', target: `unix socket ${agent.path}` };
    expect(connects).toEqual([{ ...target, duration: expect.any(Number), attempts: 1, reconnected: false }]);
    expect(resyncs).toEqual([expect.objectContaining({ ...target, reason: 'connect', bytes: expect.any(Number), messages: expect.any(Number) })]);
    await client.guestGetHostName();
    expect(starts).toEqual([{ ...target, command: 'guest-get-host-name', duration: expect.any(Number), requestBytes: expect.any(Number), replyBytes: expect.any(Number) }]);
    await client.call('guest-file-open', { path: '/no/such/file' }).catch(() => undefined);
    expect(starts).toHaveLength(2);
    // The start message is the object later published on end or error: subscribers tie them together.
    expect(ends[0]).toBe(starts[0]);
    expect(errors[0]).toBe(starts[1]);
    const [end] = ends as QgaRequestEndMessage[];
    expect(end).toEqual({ ...target, command: 'guest-get-host-name', duration: expect.any(Number), requestBytes: expect.any(Number), replyBytes: expect.any(Number) });
    expect(end!.replyBytes).toBeGreaterThan('{"return": {"host-name": "secret-host-name"}}'.length);
    expect(errors).toEqual([{ ...target, command: 'guest-file-open', duration: expect.any(Number), error: expect.objectContaining({ code: 'QGA_COMMAND' }) }]);
    await client.close();
    expect(closes).toEqual([{ ...target, error: undefined }]);
    // Never arguments or results (an agent's error text is the caller's own error).
    expect(JSON.stringify(ends)).not.toContain('secret-host-name');
    expect(Object.keys(errors[0] as object).sort()).toEqual(['channel', 'command', 'duration', 'error', 'target']);
  });
});
