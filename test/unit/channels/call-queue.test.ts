import { describe, expect, it } from 'vitest';
import { CallQueue } from '../../../src/channels/call-queue.js';

const timedOut = () => new Error('timed out');

describe('CallQueue', () => {
  it('gives turns in call order, one at a time', async () => {
    const queue = new CallQueue();
    const order: number[] = [];
    const run = async (n: number) => {
      const release = await queue.turn(1000, undefined, timedOut);
      order.push(n);
      await new Promise((r) => setTimeout(r, 5));
      release();
    };
    await Promise.all([run(1), run(2), run(3)]);
    expect(order).toEqual([1, 2, 3]);
    expect(queue.length).toBe(0);
  });

  it('a waiting call times out and leaves the line; the next one still gets its turn', async () => {
    const queue = new CallQueue();
    const first = await queue.turn(1000, undefined, timedOut);
    const second = queue.turn(20, undefined, timedOut);
    const third = queue.turn(1000, undefined, timedOut);
    await expect(second).rejects.toThrow('timed out');
    first();
    const release = await third;
    release();
    expect(queue.length).toBe(0);
  });

  it('an abort while waiting rejects with signal.reason', async () => {
    const queue = new CallQueue();
    const first = await queue.turn(1000, undefined, timedOut);
    const controller = new AbortController();
    const second = queue.turn(1000, controller.signal, timedOut);
    const reason = new Error('mine');
    controller.abort(reason);
    await expect(second).rejects.toBe(reason);
    first();
  });

  it('clear() rejects everyone waiting; releasing twice is harmless', async () => {
    const queue = new CallQueue();
    const first = await queue.turn(1000, undefined, timedOut);
    const waiting = [queue.turn(1000, undefined, timedOut), queue.turn(1000, undefined, timedOut)];
    queue.clear(new Error('closed'));
    for (const w of waiting) await expect(w).rejects.toThrow('closed');
    first();
    first();
    expect(queue.length).toBe(0);
  });
});
