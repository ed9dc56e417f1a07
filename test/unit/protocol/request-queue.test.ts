import { describe, expect, it } from 'vitest';
import { QgaCommandError, QgaConnectionError, QgaProtocolError, QgaTimeoutError } from '../../../src/errors.js';
import { agentLikeResponder, callOptions, NO_REPLY, scriptedQueue, type SeenRequest } from '../../support/scripted-queue.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RequestQueue', () => {
  it('resynchronises before the first call: 0xFF then guest-sync-delimited', async () => {
    const { queue, written, requests, resyncs } = scriptedQueue(agentLikeResponder({ 'guest-ping': () => ({}) }));
    await expect(queue.send({ execute: 'guest-ping' }, callOptions())).resolves.toEqual({});
    expect(written[0]![0]).toBe(0xff);
    expect(requests.map((r) => r.execute)).toEqual(['guest-sync-delimited', 'guest-ping']);
    // The parse error the agent sends for our own 0xFF is expected, not counted as stale.
    expect(resyncs).toEqual([expect.objectContaining({ reason: 'connect', bytes: 0, messages: 0 })]);
  });

  it('writes short request lines as text when it can, and the 0xFF resync and long lines as bytes', async () => {
    const { queue, written, texts, requests } = scriptedQueue(agentLikeResponder({ 'guest-ping': () => ({}), 'guest-file-write': () => ({ count: 1, eof: false }) }), { text: true });
    const bytes = { requestBytes: undefined as number | undefined };
    await queue.send({ execute: 'guest-ping' }, { ...callOptions(), bytes });
    const chunk = 'A'.repeat(8 * 1024);
    await queue.send({ execute: 'guest-file-write', arguments: { handle: 1, 'buf-b64': chunk } }, callOptions());
    await queue.send({ execute: 'guest-file-write', arguments: { handle: 1, 'buf-b64': 'é' } }, { ...callOptions(), bytes });
    expect(requests.map((r) => r.execute)).toEqual(['guest-sync-delimited', 'guest-ping', 'guest-file-write', 'guest-file-write']);
    // The resync's 0xFF cannot be text; the long line goes through the bytes path.
    expect(written[0]![0]).toBe(0xff);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^\{"execute":"guest-ping","id":"[^"]+"\}\n$/);
    expect(written[2]!.length).toBeGreaterThan(chunk.length);
    expect(texts.some((text) => text.includes(chunk))).toBe(false);
    // Byte counts are UTF-8 bytes, not characters.
    expect(bytes.requestBytes).toBe(Buffer.byteLength(texts[1]!));
    expect(bytes.requestBytes).toBe(texts[1]!.length + 1);
  });

  it('keeps one request on the wire at a time, in call order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { queue, requests } = scriptedQueue((request, reply) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        agentLikeResponder({ echo: (a) => a?.['n'] })(request, reply);
      }, 1);
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => queue.send({ execute: 'echo', arguments: { n } }, callOptions())));
    expect(results).toEqual([1, 2, 3, 4, 5]);
    expect(maxInFlight).toBe(1);
    expect(requests.filter((r) => r.execute === 'echo').map((r) => r.arguments?.['n'])).toEqual([1, 2, 3, 4, 5]);
  });

  it('turns an error reply into QgaCommandError with class and desc', async () => {
    const { queue } = scriptedQueue(agentLikeResponder());
    const error = await queue.send({ execute: 'guest-nope' }, callOptions()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect(error).toMatchObject({ command: 'guest-nope', errorClass: 'CommandNotFound', desc: 'The command guest-nope has not been found' });
  });

  it('late reply after a timeout is discarded, next call gets its own answer', async () => {
    let slowReply: (() => void) | undefined;
    const responder = agentLikeResponder({ fast: () => 'fast-answer', slow: () => 'slow-answer' });
    const { queue, resyncs } = scriptedQueue((request, reply) => {
      if (request.execute === 'slow') slowReply = () => responder(request, reply);
      else responder(request, reply);
    });
    const slow = queue.send({ execute: 'slow' }, callOptions(20)).catch((e: unknown) => e);
    expect(await slow).toBeInstanceOf(QgaTimeoutError);
    slowReply!(); // arrives late, while nothing is waiting
    await expect(queue.send({ execute: 'fast' }, callOptions())).resolves.toBe('fast-answer');
    expect(resyncs.at(-1)).toMatchObject({ reason: 'timeout', messages: 1 });
  });

  it('a late reply that arrives while the next call waits is not taken for its answer', async () => {
    let slowReply: (() => void) | undefined;
    const responder = agentLikeResponder({ a: () => 'A', b: () => 'B' });
    const { queue } = scriptedQueue((request, reply) => {
      if (request.execute === 'a') {
        slowReply = () => responder(request, reply);
        return;
      }
      if (request.execute === 'b') {
        slowReply!(); // the stale answer to "a" comes first
        setTimeout(() => responder(request, reply), 5);
        return;
      }
      responder(request, reply);
    });
    await expect(queue.send({ execute: 'a' }, callOptions(10))).rejects.toBeInstanceOf(QgaTimeoutError);
    await expect(queue.send({ execute: 'b' }, callOptions())).resolves.toBe('B');
  });

  it('an abort while queued removes the call without touching the wire', async () => {
    const { queue, requests } = scriptedQueue(agentLikeResponder({ x: () => 1 }));
    const controller = new AbortController();
    const first = queue.send({ execute: 'x' }, callOptions());
    const second = queue.send({ execute: 'x', arguments: { which: 2 } }, callOptions(1000, controller.signal));
    const reason = new Error('changed my mind');
    controller.abort(reason);
    await expect(second).rejects.toBe(reason);
    await expect(first).resolves.toBe(1);
    await pause(5);
    expect(requests.filter((r) => r.execute === 'x')).toHaveLength(1);
  });

  it('an already-aborted signal rejects at once with its reason', async () => {
    const { queue, requests } = scriptedQueue(agentLikeResponder());
    const signal = AbortSignal.abort();
    const error = await queue.send({ execute: 'x' }, callOptions(1000, signal)).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(requests).toHaveLength(0);
  });

  it('an abort on the wire resyncs before the next call', async () => {
    const { queue, resyncs } = scriptedQueue((request, reply) => {
      if (request.execute === 'hang') return;
      agentLikeResponder({ ok: () => true })(request, reply);
    });
    const controller = new AbortController();
    const hung = queue.send({ execute: 'hang' }, callOptions(1000, controller.signal));
    await pause(5);
    controller.abort();
    await expect(hung).rejects.toMatchObject({ name: 'AbortError' });
    await expect(queue.send({ execute: 'ok' }, callOptions())).resolves.toBe(true);
    expect(resyncs.map((r) => r.reason)).toEqual(['connect', 'abort']);
  });

  it('a reply larger than maxReplyBytes fails the call with QgaProtocolError and the queue recovers', async () => {
    const { queue } = scriptedQueue(agentLikeResponder({ big: () => 'x'.repeat(5000), small: () => 'ok' }), { maxReplyBytes: 1000 });
    const error = await queue.send({ execute: 'big' }, callOptions()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaProtocolError);
    expect((error as Error).message).toMatch(/maxReplyBytes/);
    await expect(queue.send({ execute: 'small' }, callOptions())).resolves.toBe('ok');
  });

  it('a line that never ends is cut at maxReplyBytes: memory stays bounded', async () => {
    let feed: ((text: string) => void) | undefined;
    const { queue } = scriptedQueue((request, reply) => {
      if (request.execute === 'endless') {
        feed = (text) => reply(text);
        return;
      }
      agentLikeResponder()(request, reply);
    }, { maxReplyBytes: 10_000 });
    const call = queue.send({ execute: 'endless' }, callOptions(2000)).catch((e: unknown) => e);
    await pause(2);
    for (let i = 0; i < 100; i++) feed!('a'.repeat(1000));
    expect(await call).toBeInstanceOf(QgaProtocolError);
  });

  it('unparseable reply fails the call with QgaProtocolError', async () => {
    const { queue } = scriptedQueue((request, reply) => {
      if (request.execute === 'garbled') reply('{"return": oops}\n');
      else agentLikeResponder({ fine: () => 1 })(request, reply);
    });
    await expect(queue.send({ execute: 'garbled' }, callOptions())).rejects.toBeInstanceOf(QgaProtocolError);
    await expect(queue.send({ execute: 'fine' }, callOptions())).resolves.toBe(1);
  });

  it('an id-less error while a request is on the wire is that request\'s failure', async () => {
    const { queue } = scriptedQueue((request, reply) => {
      if (request.execute === 'huge') reply('{"error": {"class": "GenericError", "desc": "JSON token size limit exceeded"}}\n');
      else agentLikeResponder({ fine: () => 1 })(request, reply);
    });
    const error = await queue.send({ execute: 'huge' }, callOptions()).then(() => 'resolved', (e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).desc).toBe('JSON token size limit exceeded');
    await expect(queue.send({ execute: 'fine' }, callOptions())).resolves.toBe(1);
  });

  it('a reply with someone else\'s id is discarded and triggers a resync', async () => {
    const { queue, resyncs } = scriptedQueue((request, reply) => {
      if (request.execute === 'mine') {
        reply('{"return": "not yours", "id": "someone-else"}\n');
        setTimeout(() => agentLikeResponder({ mine: () => 'yours' })(request, reply), 2);
        return;
      }
      agentLikeResponder({ next: () => 'n' })(request, reply);
    });
    await expect(queue.send({ execute: 'mine' }, callOptions())).resolves.toBe('yours');
    await expect(queue.send({ execute: 'next' }, callOptions())).resolves.toBe('n');
    expect(resyncs.at(-1)).toMatchObject({ reason: 'unmatched', messages: 1 });
  });

  it('stale bytes before the sync reply are discarded and reported', async () => {
    const { queue, resyncs } = scriptedQueue((request, reply) => {
      if (request.execute === 'guest-sync-delimited') {
        reply('{"return": 111}\n{"return": {"leftover": 1}, "id": 9}\n partial garbage');
      }
      agentLikeResponder({ ok: () => 'ok' })(request, reply);
    });
    await expect(queue.send({ execute: 'ok' }, callOptions())).resolves.toBe('ok');
    expect(resyncs[0]).toMatchObject({ reason: 'connect', messages: 2 });
    expect(resyncs[0]!.bytes).toBeGreaterThan(40);
  });

  it('an oversize stale line before the sync reply counts its bytes once', async () => {
    const { queue, resyncs } = scriptedQueue(
      (request, reply) => {
        if (request.execute === 'guest-sync-delimited') reply(`"${'x'.repeat(2998)}"\n`);
        agentLikeResponder({ ok: () => 'ok' })(request, reply);
      },
      { maxReplyBytes: 1000 },
    );
    await expect(queue.send({ execute: 'ok' }, callOptions())).resolves.toBe('ok');
    expect(resyncs[0]).toMatchObject({ reason: 'connect', bytes: 3001, messages: 0 });
  });

  it('commands that reply only on failure resolve once the following sync answers', async () => {
    const { queue, written } = scriptedQueue(agentLikeResponder({ 'guest-shutdown': () => NO_REPLY }));
    await expect(queue.send({ execute: 'guest-shutdown' }, { timeout: 1000, expectReply: false })).resolves.toBeUndefined();
    // The command and its probe went out in one write.
    const last = written.at(-1)!.toString();
    expect(last).toMatch(/"guest-shutdown".*\n.*"guest-sync"/s);
  });

  it('a failure reply to a no-reply command still rejects', async () => {
    const { queue } = scriptedQueue((request: SeenRequest, reply) => {
      if (request.execute === 'guest-suspend-ram') {
        reply(`{"error": {"class": "GenericError", "desc": "the requested suspend mode is not supported by the guest"}, "id": ${JSON.stringify(request.id)}}\n`);
        return;
      }
      agentLikeResponder()(request, reply);
    });
    await expect(queue.send({ execute: 'guest-suspend-ram' }, { timeout: 1000, expectReply: false })).rejects.toMatchObject({
      errorClass: 'GenericError',
    });
  });

  it('a no-reply command resolves when the channel closes after it (shutdown took effect)', async () => {
    const { queue } = scriptedQueue((request, reply) => {
      if (request.execute === 'guest-shutdown' || request.execute === 'guest-sync') return;
      agentLikeResponder()(request, reply);
    });
    const pending = queue.send({ execute: 'guest-shutdown' }, { timeout: 1000, expectReply: false });
    await pause(5);
    queue.close(new QgaConnectionError('gone'));
    await expect(pending).resolves.toBeUndefined();
  });

  it('closing rejects the call in flight and every queued call with QgaConnectionError', async () => {
    const { queue } = scriptedQueue((request, reply) => {
      if (request.execute === 'hang') return;
      agentLikeResponder()(request, reply);
    });
    const calls = [queue.send({ execute: 'hang' }, callOptions()), queue.send({ execute: 'x' }, callOptions()), queue.send({ execute: 'y' }, callOptions())];
    await pause(5);
    queue.close(new QgaConnectionError('channel closed'));
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(QgaConnectionError);
    await expect(queue.send({ execute: 'z' }, callOptions())).rejects.toBeInstanceOf(QgaConnectionError);
  });

  it('a call that times out while queued never reaches the wire', async () => {
    const { queue, requests } = scriptedQueue((request, reply) => {
      if (request.execute === 'slow') {
        setTimeout(() => agentLikeResponder({ slow: () => 1 })(request, reply), 50);
        return;
      }
      agentLikeResponder({ quick: () => 2 })(request, reply);
    });
    const slow = queue.send({ execute: 'slow' }, callOptions());
    const quick = queue.send({ execute: 'quick' }, callOptions(10));
    await expect(quick).rejects.toBeInstanceOf(QgaTimeoutError);
    await expect(slow).resolves.toBe(1);
    expect(requests.some((r) => r.execute === 'quick')).toBe(false);
  });
});

describe('RequestQueue: late replies of abandoned calls', () => {
  /**
   * A queue whose `slow` command answers only when the test says so (`guest-slow-error`
   * with an error). `serial`: like the real agent, nothing after a held request is answered
   * before it; otherwise the held request behaves as if the agent never got it.
   */
  function withHeldReplies({ serial = false } = {}) {
    const held: (() => void)[] = [];
    const responder = agentLikeResponder({ slow: (a) => a?.['n'] ?? 'slow-answer', fast: () => 'fast-answer' });
    const scripted = scriptedQueue((request, reply) => {
      const holds = request.execute === 'slow' || request.execute === 'guest-slow-error' || (serial && held.length > 0);
      if (holds) held.push(() => responder(request, reply));
      else responder(request, reply);
    });
    return { ...scripted, releaseHeld: () => held.splice(0).forEach((release) => release()) };
  }

  it('hands the late result of a timed-out call to its onLateReply, never to the next call', async () => {
    const { queue, releaseHeld } = withHeldReplies();
    const late: unknown[] = [];
    const slow = queue.send({ execute: 'slow', arguments: { n: 42 } }, { ...callOptions(20), onLateReply: (v) => late.push(v) });
    await expect(slow).rejects.toBeInstanceOf(QgaTimeoutError);
    expect(late).toEqual([]);
    releaseHeld();
    await expect(queue.send({ execute: 'fast' }, callOptions())).resolves.toBe('fast-answer');
    expect(late).toEqual([42]);
  });

  it('hands it over also after an abort, when the reply comes during the next call’s resync', async () => {
    const { queue, releaseHeld } = withHeldReplies({ serial: true });
    const late: unknown[] = [];
    const controller = new AbortController();
    const slow = queue.send({ execute: 'slow', arguments: { n: 7 } }, { ...callOptions(), signal: controller.signal, onLateReply: (v) => late.push(v) });
    await pause(5);
    controller.abort();
    await expect(slow).rejects.toMatchObject({ name: 'AbortError' });
    const next = queue.send({ execute: 'fast' }, callOptions());
    await pause(5);
    releaseHeld();
    await expect(next).resolves.toBe('fast-answer');
    expect(late).toEqual([7]);
  });

  it('does not call it for an error reply, nor for a call that ended normally', async () => {
    const { queue, releaseHeld } = withHeldReplies();
    const late: unknown[] = [];
    const failing = queue.send({ execute: 'guest-slow-error' }, { ...callOptions(20), onLateReply: (v) => late.push(v) });
    await expect(failing).rejects.toBeInstanceOf(QgaTimeoutError);
    releaseHeld();
    await expect(queue.send({ execute: 'fast' }, { ...callOptions(), onLateReply: (v) => late.push(v) })).resolves.toBe('fast-answer');
    await pause(5);
    expect(late).toEqual([]);
  });

  it('forgets it once a resync passed without the reply: a reply after that is dropped', async () => {
    const { queue, releaseHeld } = withHeldReplies();
    const late: unknown[] = [];
    await expect(queue.send({ execute: 'slow' }, { ...callOptions(20), onLateReply: (v) => late.push(v) })).rejects.toBeInstanceOf(QgaTimeoutError);
    await expect(queue.send({ execute: 'fast' }, callOptions())).resolves.toBe('fast-answer');
    releaseHeld();
    await expect(queue.send({ execute: 'fast' }, callOptions())).resolves.toBe('fast-answer');
    expect(late).toEqual([]);
  });

  it('a throwing onLateReply harms neither the reader nor the next call', async () => {
    const { queue, releaseHeld } = withHeldReplies();
    await expect(
      queue.send({ execute: 'slow' }, { ...callOptions(20), onLateReply: () => {
        throw new Error('cleanup failed');
      } }),
    ).rejects.toBeInstanceOf(QgaTimeoutError);
    releaseHeld();
    await expect(queue.send({ execute: 'fast' }, callOptions())).resolves.toBe('fast-answer');
  });
});

describe('a resynchronisation that takes long (the agent still busy with an abandoned command)', () => {
  /** An agent that is busy (answers nothing) until released, then answers everything in order. */
  function busyAgent() {
    let busy = true;
    const held: (() => void)[] = [];
    const responder = agentLikeResponder({ slow: () => 'slow-answer', next: () => 'next-answer' });
    const scripted = scriptedQueue((request, reply) => {
      const answer = (): void => responder(request, reply);
      if (busy) held.push(answer);
      else answer();
    });
    return {
      ...scripted,
      release(): void {
        busy = false;
        for (const answer of held.splice(0)) answer();
      },
      hold(): void {
        busy = true;
      },
    };
  }

  it('a call that timed out waiting behind it says it was never sent, and the resync event covers every attempt', async () => {
    const agent = busyAgent();
    agent.release();
    await agent.queue.resync({ timeout: 1000 }, 'connect');
    agent.hold();
    // The abandoned command: the agent works on it until released.
    await expect(agent.queue.send({ execute: 'slow' }, callOptions(30))).rejects.toBeInstanceOf(QgaTimeoutError);
    const started = performance.now();
    const behind = await agent.queue.send({ execute: 'next' }, callOptions(50)).catch((e: unknown) => e);
    expect(behind).toBeInstanceOf(QgaTimeoutError);
    expect((behind as Error).message).toBe(
      'next: not sent: the resynchronisation before it did not complete within 50 ms (the agent is still busy, e.g. with a command given up earlier, or does not answer)',
    );
    // Nothing is sent for a while; then the next call takes the resync up again.
    await pause(200);
    const last = agent.queue.send({ execute: 'next' }, callOptions(5_000));
    const queued = agent.queue.send({ execute: 'next' }, callOptions(50)).catch((e: unknown) => e);
    expect(await queued).toMatchObject({
      message: 'next: not sent within 50 ms: it was still waiting behind earlier calls (one call is on the wire at a time)',
    });
    setTimeout(() => agent.release(), 100);
    await expect(last).resolves.toBe('next-answer');
    const waited = performance.now() - started;
    // One resync, counted from its first attempt (given up with the call behind it) to the
    // end: 50 + 200 + 100 ms, not just the last attempt's 100 ms.
    const resync = agent.resyncs.at(-1)!;
    expect(resync.reason).toBe('timeout');
    expect(resync.duration).toBeGreaterThanOrEqual(330);
    expect(resync.duration).toBeLessThanOrEqual(waited + 1);
  });
});
