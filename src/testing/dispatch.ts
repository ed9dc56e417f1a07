/**
 * Request dispatch as `qapi/qmp-dispatch.c:qmp_dispatch` does it for the agent: check the
 * request object, find the command, refuse disabled ones (blocked, or not on the frozen
 * allow-list), check arguments, run the handler, and shape the reply (`return` / `error`,
 * the request's `id` echoed, nothing for a successful no-reply command).
 * @module
 */
import { visitArgs, type ArgSpec } from './args.js';
import { SimulatedAgentError } from './errors.js';
import type { JValue, JsonValue } from './json-value.js';
import { toPlain } from './json-value.js';
import { qdictOrder, writeJson, writeJsonBytes } from './json-writer.js';
import type { VersionTraits } from './version.js';
import { FREEZE_ALLOWED_COMMANDS } from '../protocol/freeze-allowlist.js';

/**
 * What a command handler learns about the call besides its arguments.
 *
 * @example
 * ```ts
 * agent.handle('guest-whoami', (_args, ctx: CallContext) => ({ command: ctx.command, id: ctx.id ?? null }));
 * ```
 */
export interface CallContext {
  /** Wire name of the command. */
  readonly command: string;
  /** The request's `id` member, if any. */
  readonly id: JsonValue | undefined;
}

/** Internal call context: built-in handlers can ask for the 0xFF-delimited reply. */
export interface InternalCallContext extends CallContext {
  /** Put 0xFF before this call's reply (guest-sync-delimited). */
  delimit(): void;
}

/** One command the simulated agent knows. */
export interface CommandDefinition {
  readonly name: string;
  /** Checked arguments; without a spec the handler gets the arguments unchecked. */
  readonly args?: ArgSpec | undefined;
  /** False for commands that answer only on failure. */
  readonly successResponse: boolean;
  readonly run: (args: Record<string, unknown>, ctx: InternalCallContext) => unknown;
}


/** The commands of one agent, in registration order (the order `guest-info` lists). */
export class CommandRegistry {
  readonly #commands = new Map<string, CommandDefinition>();
  readonly #blocked = new Set<string>();
  readonly #isFrozen: () => boolean;

  constructor(isFrozen: () => boolean) {
    this.#isFrozen = isFrozen;
  }

  define(def: CommandDefinition): void {
    this.#commands.set(def.name, def);
  }

  get(name: string): CommandDefinition | undefined {
    return this.#commands.get(name);
  }

  setBlocked(name: string, blocked: boolean): void {
    if (blocked) this.#blocked.add(name);
    else this.#blocked.delete(name);
  }

  /** Why a command is refused: `'blocked'`, `'frozen'`, or undefined when it may run. */
  refusal(name: string): 'blocked' | 'frozen' | undefined {
    if (this.#isFrozen() && !FREEZE_ALLOWED_COMMANDS.has(name)) return 'frozen';
    return this.#blocked.has(name) ? 'blocked' : undefined;
  }

  list(): CommandDefinition[] {
    return [...this.#commands.values()];
  }
}

/** A dispatched request. */
export interface DispatchResult {
  /** The `execute` name, when the request had one. */
  readonly command: string | undefined;
  /** The reply line as sent (with its newline, and 0xFF first when delimited), or null. */
  readonly reply: Buffer | null;
  /** The request's `id`, already written as JSON, if it had one. */
  readonly idJson: string | undefined;
}

/** guest-sync-delimited's reply starts with this byte (qga/main.c:send_response). */
const DELIMITER = Buffer.from([0xff]);
const NEWLINE = Buffer.from('\n');

/** The `execute` member of a request, if it is an object with a string there. */
export function commandOf(value: JValue): string | undefined {
  if (value.t !== 'dict') return undefined;
  const execute = value.v.get('execute');
  return execute?.t === 'str' ? execute.v : undefined;
}

function checkRequest(dict: ReadonlyMap<string, JValue>): void {
  // QEMU walks the request QDict in its hash order, so that order decides which bad
  // member is reported first.
  for (const key of qdictOrder([...dict.keys()])) {
    const value = dict.get(key);
    if (key === 'execute') {
      if (value?.t !== 'str') throw new SimulatedAgentError('GenericError', "QMP input member 'execute' must be a string");
    } else if (key === 'arguments') {
      if (value?.t !== 'dict') throw new SimulatedAgentError('GenericError', "QMP input member 'arguments' must be an object");
    } else if (key !== 'id') {
      throw new SimulatedAgentError('GenericError', `QMP input member '${key}' is unexpected`);
    }
  }
  if (!dict.has('execute')) throw new SimulatedAgentError('GenericError', "QMP input lacks member 'execute'");
}

/** Runs requests against a {@link CommandRegistry}. */
export class Dispatcher {
  readonly #registry: CommandRegistry;
  readonly #traits: VersionTraits;
  /** Reports handler failures that are bugs in a test's handler, not agent errors. */
  readonly #onHandlerError: (command: string, err: unknown) => void;

  constructor(registry: CommandRegistry, traits: VersionTraits, onHandlerError: (command: string, err: unknown) => void) {
    this.#registry = registry;
    this.#traits = traits;
    this.#onHandlerError = onHandlerError;
  }

  /** Dispatch one parsed request. Never throws: every failure becomes an error reply. */
  async dispatch(request: JValue): Promise<DispatchResult> {
    const command = commandOf(request);
    const idValue = request.t === 'dict' ? request.v.get('id') : undefined;
    const id = idValue === undefined ? undefined : toPlain(idValue);
    const idJson = id === undefined ? undefined : writeJson(id);
    let delimited = false;
    let body: Record<string, unknown>;
    try {
      if (request.t !== 'dict') throw new SimulatedAgentError('GenericError', 'QMP input must be a JSON object');
      checkRequest(request.v);
      const name = command ?? '';
      const def = this.#registry.get(name);
      if (!def) throw new SimulatedAgentError('CommandNotFound', `The command ${name} has not been found`);
      const refusal = this.#registry.refusal(name);
      if (refusal) {
        const suffix = refusal === 'frozen' ? this.#traits.frozenSuffix : this.#traits.blockedSuffix;
        throw new SimulatedAgentError('CommandNotFound', `Command ${name} has been disabled${suffix}`);
      }
      const argsValue = request.v.get('arguments');
      const argsMap = argsValue?.t === 'dict' ? argsValue.v : new Map<string, JValue>();
      const args = def.args ? visitArgs(def.args, argsMap) : (toPlain({ t: 'dict', v: argsMap }) as Record<string, unknown>);
      const ctx: InternalCallContext = { command: name, id, delimit: () => (delimited = true) };
      const ret: unknown = await def.run(args, ctx);
      if (!def.successResponse) return { command, reply: null, idJson };
      body = { return: ret ?? {} };
      // Serialise here, so a handler result that cannot be JSON becomes an error reply.
      const reply = writeJsonBytes(id === undefined ? body : { ...body, id }, delimited ? DELIMITER : undefined, NEWLINE);
      return { command, reply, idJson };
    } catch (err) {
      let error: SimulatedAgentError;
      if (err instanceof SimulatedAgentError) error = err;
      else {
        this.#onHandlerError(command ?? '', err);
        error = new SimulatedAgentError('GenericError', err instanceof Error ? err.message : String(err));
      }
      body = { error: { class: error.errorClass, desc: error.desc } };
      return { command, reply: writeJsonBytes(id === undefined ? body : { ...body, id }, undefined, NEWLINE), idJson };
    }
  }
}
