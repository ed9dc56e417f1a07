/**
 * Which upstream QEMU release an agent behaves like, from its `guest-info.version`.
 *
 * Red Hat's Windows builds (the qemu-ga MSI on the virtio-win ISO) patch `VERSION`, so
 * their agent reports `108.0.2`, not `9.0.x`: a plain "≥ 9.1" test takes it for a release
 * from the far future. Their major number starts at 100; each maps to the upstream base
 * it was built from (the qemu-ga-win spec changelog for 103 and 104; the ISO dates and the
 * texts seen in the field for the others; tp-qemu treats ≥ 109 as ≥ 9.1). Builds from
 * other sources (MSYS2, Cloudbase) report plain upstream numbers. For what an agent
 * *can* do, `guest-info`'s command list is the truth; the release decides texts and
 * argument forms (e.g. `capture-output` modes from 8.1).
 * @module
 */

/** What an agent's version says about the code it runs. */
export interface AgentRelease {
  /** The version as `guest-info` reports it, e.g. `108.0.2` or `7.2.22`. */
  readonly version: string;
  /** `virtio-win` for Red Hat's Windows builds (major ≥ 100), else `upstream`. */
  readonly build: 'virtio-win' | 'upstream';
  /** The upstream QEMU release (`major.minor`) this agent behaves like, e.g. `9.0`. */
  readonly qemu: string;
  /**
   * True when `qemu` is a conservative guess (the lowest release the build's date allows)
   * rather than read from the build's own changelog or seen in the field.
   */
  readonly inferred: boolean;
}

/**
 * virtio-win qemu-ga major → the upstream release it behaves like, and whether that is
 * inferred. Unknown majors between entries take the entry below them; majors past the
 * table take its last entry (a newer build behaves at least like the newest we know).
 */
const VIRTIO_WIN_BASES: readonly (readonly [major: number, qemu: string, inferred: boolean])[] = [
  [100, '6.0', true],
  // 0.1.217 (Apr 2022): spec changelog.
  [103, '6.2', false],
  // 0.1.221–0.1.225 (2022): spec changelog.
  [104, '7.0', false],
  // 0.1.229 (Jan 2023), 0.1.240 (Aug 2023), 0.1.248 (Feb 2024): dates only.
  [105, '7.1', true],
  [106, '8.0', true],
  [107, '8.1', true],
  // 0.1.262 / 0.1.266 (2024): start-up "disabling command" texts of ≤ 9.0 (virtio-win#1416).
  [108, '9.0', false],
  // 0.1.271 (Apr 2025): ≥ 9.1 texts.
  [109, '9.1', false],
  // 0.1.285 (Sep 2025): 10.x, with guest-get-load for Windows (10.1).
  [110, '10.1', true],
];

/** The first Red Hat Windows build number. */
export const VIRTIO_WIN_MIN_MAJOR = 100;

function parse(version: string): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * Map a `guest-info.version` to the release it behaves like.
 *
 * @example
 * ```ts
 * agentRelease('108.0.2'); // { version: '108.0.2', build: 'virtio-win', qemu: '9.0', inferred: false }
 * agentRelease('7.2.22');  // { version: '7.2.22', build: 'upstream', qemu: '7.2', inferred: false }
 * ```
 */
export function agentRelease(version: string): AgentRelease {
  const parsed = parse(version);
  if (!parsed) return { version, build: 'upstream', qemu: version, inferred: true };
  const [major, minor] = parsed;
  if (major < VIRTIO_WIN_MIN_MAJOR) return { version, build: 'upstream', qemu: `${major}.${minor}`, inferred: false };
  let base = VIRTIO_WIN_BASES[0] as (typeof VIRTIO_WIN_BASES)[number];
  for (const entry of VIRTIO_WIN_BASES) if (entry[0] <= major) base = entry;
  // A build between table entries, or past the table, is only known to be at least that base.
  return { version, build: 'virtio-win', qemu: base[1], inferred: base[2] || base[0] !== major };
}

/**
 * True when the agent behaves like QEMU `since` or later (`since` as the schema writes it:
 * `8.1`, `2.5`, `0.15.0`). An unparseable version gets the benefit of the doubt: the
 * agent will say if it cannot.
 *
 * @example
 * ```ts
 * releaseAtLeast('108.0.2', '9.1'); // false: a virtio-win 108 build behaves like 9.0
 * releaseAtLeast(agentRelease('10.2.0'), QGA_COMMANDS['guest-get-load'].since); // true
 * ```
 */
export function releaseAtLeast(release: AgentRelease | string, since: string): boolean {
  const behaves = parse(typeof release === 'string' ? agentRelease(release).qemu : release.qemu);
  const wanted = parse(since);
  if (!behaves || !wanted) return true;
  return behaves[0] > wanted[0] || (behaves[0] === wanted[0] && behaves[1] >= wanted[1]);
}
