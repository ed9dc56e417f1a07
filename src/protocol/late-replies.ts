/**
 * The `onLateReply` handlers of calls given up on the wire (timed out or aborted), kept
 * until their reply shows up among the discarded ones or a resync proves it never will.
 * @module
 */
import type { AgentReply } from './reply.js';

/** Abandoned calls remembered for their late replies at most. */
const MAX_LATE_HANDLERS = 64;

export class LateReplies {
  /**
   * Reply id → handler. Made on the first abandoned call that asks for its late reply:
   * most connections never have one, and a Map per connection is memory and work for
   * nothing.
   */
  #handlers: Map<string, (value: unknown) => void> | undefined;

  remember(replyId: string, handler: (value: unknown) => void): void {
    const handlers = (this.#handlers ??= new Map());
    // Bounded against a run of abandoned calls on an agent that never answers.
    if (handlers.size >= MAX_LATE_HANDLERS) handlers.delete(handlers.keys().next().value);
    handlers.set(replyId, handler);
  }

  /** A discarded reply that an abandoned call asked to see. Error replies undo nothing. */
  handOver(reply: AgentReply | undefined): void {
    const handlers = this.#handlers;
    if (handlers === undefined || handlers.size === 0 || !reply || typeof reply.id !== 'string' || reply.error) return;
    const handler = handlers.get(reply.id);
    if (!handler) return;
    handlers.delete(reply.id);
    try {
      handler(reply.return);
    } catch {
      // A cleanup hook's failure must not fail the call on the wire or the reader.
    }
  }

  /** Forget them all: the agent answers in order, so a reply not in before a resync's never comes. */
  clear(): void {
    this.#handlers?.clear();
  }
}
