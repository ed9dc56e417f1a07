import { QgaCommandError } from '../errors.js';
import { encodeJson } from './json-codec.js';

/** A reply object as the agent sends it: `{"return": …}` or `{"error": {…}}`, maybe with `id`. */
export interface AgentReply {
  return?: unknown;
  error?: { class?: unknown; desc?: unknown };
  id?: unknown;
}

export function asReply(value: unknown): AgentReply | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const reply = value as AgentReply;
  if (Object.hasOwn(reply, 'return')) return reply;
  if (Object.hasOwn(reply, 'error') && typeof reply.error === 'object' && reply.error !== null) return reply;
  return undefined;
}

export function errorClassOf(reply: AgentReply): string {
  return typeof reply.error?.class === 'string' ? reply.error.class : 'GenericError';
}

export function errorDescOf(reply: AgentReply): string {
  const desc = reply.error?.desc;
  if (typeof desc === 'string') return desc;
  // A broken agent's desc may be anything, bigints included.
  return encodeJson(desc ?? reply.error ?? null);
}

/** The agent's answer to a stray 0xFF (or other bad byte): a parse error without an id. */
export function isStrayByteError(reply: AgentReply): boolean {
  return reply.id === undefined && typeof reply.error?.desc === 'string' && reply.error.desc.startsWith('JSON parse error');
}

/** The agent's error reply to `command` as the error a caller gets. */
export function commandErrorOf(command: string, reply: AgentReply): QgaCommandError {
  return new QgaCommandError(command, errorClassOf(reply), errorDescOf(reply));
}
