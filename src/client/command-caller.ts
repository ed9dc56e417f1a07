/**
 * One call, from the caller's arguments to the value it resolves to: checked before
 * anything is sent, refused when the channel cannot carry it or the agent listed it as
 * disabled, sent (again, for idempotent commands under the `retry` policy), its reply
 * checked against the schema when asked, and reported to events, the debug log and the
 * diagnostics channels. QgaClient delegates every call here.
 * @module
 */
import type { EventEmitter } from 'eventemitter3';
import type { ChannelCallOptions, QgaChannel } from '../channels/channel.js';
import { QgaCommandError, QgaConnectionError } from '../errors.js';
import { QGA_COMMANDS, type QgaCommandName } from '../generated/index.js';
import { CALL_OPTION_KEYS, type CallOptions } from '../call-options.js';
import { callBytesFor, callObserved, reportCallEnd, reportCallStart } from './call-report.js';
import { checkOptions, describeValue, positive } from '../check-options.js';
import { LONG_COMMAND_TIMEOUTS } from './command-timeouts.js';
import type { ResolvedConnectOptions } from './connect-options.js';
import type { QgaClientEvents } from './events.js';
import { withRetries } from './retry-policy.js';
import { invalidReplyError, validateReply } from './validate.js';

/** Problems collected per mismatching reply with `validate` on. */
const VALIDATION_LIMIT = 10;

type CommandInfo = (typeof QGA_COMMANDS)[QgaCommandName];
const COMMANDS = QGA_COMMANDS as Readonly<Record<string, CommandInfo | undefined>>;

export class CommandCaller {
  readonly #events: EventEmitter<QgaClientEvents>;
  readonly #channel: QgaChannel;
  readonly #options: ResolvedConnectOptions;
  /** With `checkEnabled`: the commands guest-info listed as disabled. */
  disabled: ReadonlySet<string> | undefined;

  constructor(events: EventEmitter<QgaClientEvents>, channel: QgaChannel, options: ResolvedConnectOptions) {
    this.#events = events;
    this.#channel = channel;
    this.#options = options;
  }

  /**
   * One call. Not an async function: when nothing watches the call (no retry for it, no
   * validation of its result, no event listener, debug log or diagnostics subscriber),
   * the channel's promise is handed back as it is, with no async step, timing or report
   * around it. Short-lived connections and short bursts of calls run this path before V8
   * has optimised it, where each such layer costs. Bad arguments still reject (never
   * throw), as from an async function.
   */
  call(name: string, args: Record<string, unknown> | undefined, options: CallOptions | undefined): Promise<unknown> {
    let channelOptions: ChannelCallOptions;
    let info: CommandInfo | undefined;
    try {
      if (typeof name !== 'string' || name === '') throw new TypeError('command name must be a non-empty string');
      if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
        throw new TypeError(`${name}: arguments must be an object, got ${describeValue(args)}`);
      }
      if (options !== undefined) checkOptions(name, options, CALL_OPTION_KEYS);
      const timeout = positive('timeout', options?.timeout, LONG_COMMAND_TIMEOUTS[name] ?? this.#options.timeout);
      const signal = options?.signal;
      if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`${name}: signal must be an AbortSignal`);
      const onLateReply = options?.onLateReply;
      if (onLateReply !== undefined && typeof onLateReply !== 'function') throw new TypeError(`${name}: onLateReply must be a function`);
      this.assertOpen();
      this.#refuseUncarried(name);
      info = COMMANDS[name];
      channelOptions = { timeout, signal, expectReply: info?.successResponse ?? true, discardResult: info !== undefined && !info.hasReturn, onLateReply, bytes: undefined };
      if (!this.#watched(info)) return this.#channel.send({ execute: name, arguments: args }, channelOptions);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#watchedCall(name, args, info, channelOptions);
  }

  /** Whether anything happens around the call besides sending it. */
  #watched(info: CommandInfo | undefined): boolean {
    if (this.#options.retry !== undefined && info?.idempotent === true) return true;
    if (this.#options.validate !== false && info?.hasReturn === true) return true;
    return callObserved(this.#events);
  }

  /** A call with retries, validation or someone listening: reported, as it goes, to all of them. */
  async #watchedCall(name: string, args: Record<string, unknown> | undefined, info: CommandInfo | undefined, channelOptions: ChannelCallOptions): Promise<unknown> {
    const started = performance.now();
    const trace = reportCallStart(this.#events, this.#channel, name);
    const bytes = callBytesFor(trace);
    if (bytes) channelOptions.bytes = bytes;
    const send = (): Promise<unknown> => this.#channel.send({ execute: name, arguments: args }, channelOptions);
    const retry = this.#options.retry;
    try {
      const value = await (retry && info?.idempotent
        ? withRetries(retry, send, {
            signal: channelOptions.signal,
            canRetry: () => !this.#channel.closed,
            onRetry: (attempt, error, delay) => {
              if (this.#events.listenerCount('retry') > 0) this.#events.emit('retry', { command: name, attempt, error, delay });
            },
          })
        : send());
      this.#validate(name, value, info?.hasReturn === true);
      reportCallEnd(this.#events, name, started, trace, undefined, bytes);
      return value;
    } catch (error) {
      reportCallEnd(this.#events, name, started, trace, { error });
      throw error;
    }
  }

  assertOpen(): void {
    if (this.#channel.closed) throw new QgaConnectionError(`${this.#channel.description}: the client is closed`);
  }

  #refuseUncarried(name: string): void {
    const { commands: carried, refused } = this.#channel.capabilities;
    if ((carried !== undefined && !carried.has(name)) || refused?.has(name) === true) {
      const { kind } = this.#channel.capabilities;
      throw new QgaCommandError(name, 'CommandNotFound', `the ${kind} channel cannot carry ${name} (${this.#channel.description}; not sent)`);
    }
    if (this.disabled?.has(name)) {
      // Same class and wording as the agent's own refusal.
      throw new QgaCommandError(name, 'CommandNotFound', `Command ${name} has been disabled (guest-info lists it as disabled; not sent)`);
    }
  }

  #validate(name: string, value: unknown, hasReturn: boolean): void {
    if (this.#options.validate === false || !hasReturn) return;
    const problems = validateReply(name, value, { limit: VALIDATION_LIMIT });
    if (problems.length === 0) return;
    if (this.#options.validate === true) throw invalidReplyError(name, problems, VALIDATION_LIMIT);
    this.#events.emit('validation', { command: name, problems });
  }
}
