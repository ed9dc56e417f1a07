/**
 * Turns the requested capture mode into the `capture-output` value this agent accepts.
 *
 * `capture-output` was a plain bool up to qemu-ga 8.0; the mode strings (`none`, `stdout`,
 * `stderr`, `separated`, `merged`) arrived in 8.1 (`ga_parse_capture_output`; the schema's
 * "Since: 8.0" is wrong). A 7.2 agent answers a mode string with "Invalid parameter type
 * for 'capture-output', expected: boolean", so the helper asks
 * `guest-info` for the version first, and only when a mode other than the two booleans is
 * wanted.
 * @module
 */
import type { CallOptions } from '../call-options.js';
import type { QgaClient } from '../client/qga-client.js';
import { QgaCommandError } from '../errors.js';
import type { GuestExecCaptureOutput } from '../generated/index.js';
import { agentRelease, releaseAtLeast } from '../guest-os/agent-release.js';
import type { CaptureRequest } from './exec-options.js';
import { guestFamily } from './guest-os.js';

/** The wire value and which decoded streams to keep. */
export interface CapturePlan {
  wire: GuestExecCaptureOutput;
  keepStdout: boolean;
  keepStderr: boolean;
}

const SEPARATED: CapturePlan = Object.freeze({ wire: true, keepStdout: true, keepStderr: true });
const NONE: CapturePlan = Object.freeze({ wire: false, keepStdout: false, keepStderr: false });

/**
 * Settles `capture-output`. `separated` and `none` are sent as `true` / `false`, which every
 * agent takes. `stdout` / `stderr` are sent as modes to 8.1+, and emulated on older agents
 * (capture both, drop one). `merged` cannot be emulated: on an older agent it rejects with
 * `QgaCommandError` (`GenericError`, command `guest-exec`) before anything is started, the
 * same class the agent itself would answer with, but saying why.
 */
export async function resolveCapture(client: QgaClient, capture: CaptureRequest, callOptions: CallOptions): Promise<CapturePlan> {
  if (capture === true || capture === 'separated') return SEPARATED;
  if (capture === false || capture === 'none') return NONE;
  const version = await agentVersion(client, callOptions);
  if (capture === 'merged' && (await guestFamily(client, callOptions)) === 'windows') {
    // The enum value is not built on Windows (`'if': { 'not': 'CONFIG_WIN32' }`): stderr
    // cannot be joined into stdout there (no dup2 in the child).
    throw new QgaCommandError('guest-exec', 'GenericError', `capture mode 'merged' does not exist in qemu-ga for Windows (use 'separated', or run the program under 'cmd /d /c "… 2>&1"' with shell())`);
  }
  if (supportsCaptureModes(version)) {
    return { wire: capture, keepStdout: capture !== 'stderr', keepStderr: capture === 'stderr' };
  }
  if (capture === 'merged') {
    throw new QgaCommandError(
      'guest-exec',
      'GenericError',
      `capture mode 'merged' needs qemu-ga 8.1 or later; this agent is ${describeVersion(version)} (use 'separated', or run the program under 'sh -c "… 2>&1"')`,
    );
  }
  return { wire: true, keepStdout: capture === 'stdout', keepStderr: capture === 'stderr' };
}

/**
 * True from 8.1 on, a virtio-win build by the release it behaves like (`104.0.2` is
 * 7.0); an unparseable version is given the benefit of the doubt (the agent will say).
 */
export function supportsCaptureModes(version: string): boolean {
  return releaseAtLeast(agentRelease(version), '8.1');
}

async function agentVersion(client: QgaClient, callOptions: CallOptions): Promise<string> {
  // guest-info, cached per connection by the client.
  const { version } = await client.info(callOptions);
  return version;
}

/** `7.2.22`, or `104.0.2 (virtio-win, behaves like QEMU 7.0)`. */
function describeVersion(version: string): string {
  const release = agentRelease(version);
  return release.build === 'virtio-win' ? `${version} (virtio-win, behaves like QEMU ${release.qemu})` : version;
}
