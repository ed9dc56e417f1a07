/**
 * Version-dependent agent behaviour. The simulated agent answers like the release it
 * claims to be (`guest-info.version`), where the real agent's texts changed between
 * releases. A virtio-win build (`108.0.2`) behaves like the
 * upstream release it was built from, not like a "version 108" (see
 * `guest-os/agent-release.ts`).
 * @module
 */
import { agentRelease, releaseAtLeast } from '../guest-os/agent-release.js';

import { truncationFlagsReliable } from '../protocol/exec-truncation-flags.js';

/** True when `version` (e.g. `10.2.0`, `7.2.22`, `108.0.2`) behaves like at least `major.minor`. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  return releaseAtLeast(agentRelease(version), `${major}.${minor}`);
}

/** The behaviours that differ between agent releases. */
export interface VersionTraits {
  /** Suffix of "Command X has been disabled" for a blocked command (9.1+). */
  readonly blockedSuffix: string;
  /** Suffix for a command refused while frozen (9.1+ "the command is not allowed"). */
  readonly frozenSuffix: string;
  /** Error text of `guest-exec-status` for an unknown pid (8.2+ prints a broken format). */
  readonly unknownPid: string;
  /** Spawn failures wrapped as "Guest agent command failed, error was '…'" (up to 9.0). */
  readonly wrapSpawnError: boolean;
  /** `capture-output` accepts mode strings (8.1+). */
  readonly captureModes: boolean;
  /** `out-truncated`/`err-truncated` carry their real value (10.2+, and the stable backports 10.1.1, 10.0.4, 7.2.20). */
  readonly truncatedFlagsFixed: boolean;
}

/**
 * Traits of a release. `windows`: the agent is a Windows build, whose broken pid format
 * goes through mingw's `PRId64` ("lld" with `__USE_MINGW_ANSI_STDIO`; not confirmed on a
 * real guest) instead of glibc's "ld".
 */
export function versionTraits(version: string, windows = false): VersionTraits {
  const newFilters = versionAtLeast(version, 9, 1);
  return {
    blockedSuffix: newFilters ? ': the command is not allowed' : '',
    frozenSuffix: newFilters ? ': the command is not allowed' : ': the agent is in frozen state',
    // The 8.2+ format string lacks its '%', so the pid is never printed (qga/commands.c).
    unknownPid: versionAtLeast(version, 8, 2) ? `PID ${windows ? 'lld' : 'ld'} does not exist` : "Invalid parameter 'pid'",
    wrapSpawnError: !newFilters,
    captureModes: versionAtLeast(version, 8, 1),
    truncatedFlagsFixed: truncationFlagsReliable(version),
  };
}
