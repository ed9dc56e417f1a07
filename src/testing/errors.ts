/**
 * An error a simulated command answers with. Throw it from a handler registered with
 * `agent.handle()` to make the agent reply `{"error": {"class": errorClass, "desc": desc}}`.
 *
 * @example
 * ```ts
 * agent.handle('guest-get-fsinfo', () => {
 *   throw new SimulatedAgentError('GenericError', 'failed to open /proc/self/mountinfo');
 * });
 * ```
 */
export class SimulatedAgentError extends Error {
  /** Always `SimulatedAgentError`. */
  override readonly name = 'SimulatedAgentError';
  /** The QAPI error class, e.g. `GenericError` or `CommandNotFound`. */
  readonly errorClass: string;
  /** The text of the error reply. */
  readonly desc: string;

  constructor(errorClass: string, desc: string) {
    super(`${errorClass}: ${desc}`);
    this.errorClass = errorClass;
    this.desc = desc;
  }
}

/** A `GenericError`, the class of nearly every failure the agent reports. */
export function genericError(desc: string): SimulatedAgentError {
  return new SimulatedAgentError('GenericError', desc);
}
