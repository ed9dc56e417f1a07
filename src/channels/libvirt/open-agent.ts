/**
 * Reaching the agent when a libvirt channel opens: one guest-ping; and, with
 * `waitForAgent`, waiting for libvirt's word that the agent connected.
 *
 * libvirt answers "QEMU guest agent is not connected" while the guest boots (until qemu-ga
 * opens its port: ~6 s under TCG) and after the agent went away. Rather than polling, the
 * channel subscribes to the domain's AGENT_LIFECYCLE events *before* the first ping (so a
 * CONNECTED between the ping and the wait is not missed) and pings again when CONNECTED
 * arrives. libvirt syncs with the fresh agent by itself before passing the ping on.
 * @module
 */
import { abortable } from '../../abortable.js';
import { QgaConnectionError, QgaTimeoutError } from '../../errors.js';
import { deferred } from '../../protocol/deferred.js';
import { carry, type AgentTarget } from './agent-call.js';
import { agentNotConnected } from './errors.js';
import type { InFlight } from '../../protocol/in-flight.js';
import type { Flight } from './in-flight.js';
import type { LibvirtConnection } from './libvirt-connection.js';
import { AgentLifecycleState, type RemoteDomain } from './procedures.js';

export interface OpenAgentSteps {
  connection: LibvirtConnection;
  dom: RemoteDomain;
  target: AgentTarget;
  /** The channel's call in flight (one at a time) and its timer. */
  inFlight: InFlight<Flight>;
  description: string;
  /** Wait for the agent to connect (the client's `waitForAgent`). */
  wait: boolean;
  /** `performance.now()` by which the agent must have answered. */
  deadline: number;
  /** Longest single ping while waiting (the client's `connectTimeout`). */
  attemptTimeout: number;
  /** Aborts on the caller's signal and at the deadline. */
  signal: AbortSignal;
}

/** Resolves with the number of pings it took; rejects with the mapped error or `signal.reason`. */
export async function openAgent(steps: OpenAgentSteps): Promise<number> {
  const { connection, dom, signal } = steps;
  let connected = deferred<void>();
  const unsubscribe = steps.wait
    ? await connection.subscribeAgentEvents(
        dom,
        (state) => {
          if (state === AgentLifecycleState.CONNECTED) connected.resolve();
        },
        signal,
      )
    : undefined;
  try {
    for (let attempts = 1; ; attempts++) {
      const remaining = steps.deadline - performance.now();
      // While waiting, `waitForAgent` is the whole budget and `connectTimeout` bounds each
      // ping, as on the direct channel: an agent that is up but stuck gets asked again.
      const timeout = steps.wait ? Math.min(steps.attemptTimeout, remaining) : remaining;
      try {
        await carry(steps.target, { execute: 'guest-ping' }, { timeout, signal, expectReply: true }, performance.now() + timeout, steps.inFlight);
        return attempts;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (steps.wait && error instanceof QgaTimeoutError && steps.deadline - performance.now() > 0) continue;
        const notConnected = error instanceof QgaConnectionError && agentNotConnected(error.cause);
        if (!(steps.wait && notConnected)) throw error;
      }
      await abortable(connected.promise, signal);
      connected = deferred<void>();
    }
  } finally {
    unsubscribe?.();
  }
}
