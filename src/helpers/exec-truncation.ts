/**
 * Was a captured stream cut at the agent's 16 MiB cap? The agent's flag says so, but
 * releases before the fix (see protocol/exec-truncation-flags.ts) got it wrong in one way:
 * for a stream they cut, the flag is present and `false`. So:
 *
 * - `true`: cut;
 * - absent: not cut (fixed agents omit it only for an empty stream, older ones only for a
 *   stream they did not cut);
 * - `false` below the cap: not cut (no agent cuts below it);
 * - `false` at the cap: not cut on an agent that sets the flag right, cut on one that does
 *   not. Only this case needs the agent's version; exactly 16 MiB of output is not flagged
 *   unless the agent said so.
 * @module
 */
import type { GuestExecStatus } from '../generated/index.js';

/** The agent's per-stream capture cap (`GUEST_EXEC_MAX_OUTPUT`, 16 MiB). */
export const AGENT_CAPTURE_LIMIT = 16 * 1024 * 1024;

/**
 * Whether one stream was cut. `flagsReliable` says whether the agent sets the flag right;
 * `undefined` (not known) counts a `false` at the cap as cut, the safe reading.
 */
export function streamTruncated(flag: boolean | undefined, length: number, flagsReliable: boolean | undefined): boolean {
  if (flag === true) return true;
  if (flag === undefined || length < AGENT_CAPTURE_LIMIT) return false;
  return flagsReliable !== true;
}

/** True when the answer for some kept stream depends on the agent's version. */
export function truncationNeedsVersion(status: GuestExecStatus, keepStdout: boolean, keepStderr: boolean): boolean {
  const atCap = (data: string | undefined, flag: boolean | undefined): boolean =>
    flag === false && data !== undefined && base64Length(data) >= AGENT_CAPTURE_LIMIT;
  return (keepStdout && atCap(status['out-data'], status['out-truncated'])) || (keepStderr && atCap(status['err-data'], status['err-truncated']));
}

/** Decoded length of base64 text, without decoding it. */
function base64Length(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}
