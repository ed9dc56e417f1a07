/**
 * Public types of the simulated agent: options, handlers and what it records.
 * @module
 */
import type { CallContext } from './dispatch.js';
import type { Fault, RandomFaultOptions, FaultKind } from './faults.js';
import type { WindowsProfileOptions } from './windows/profile.js';

export type { CallContext } from './dispatch.js';
export type { JsonValue } from './json-value.js';

/**
 * `guest-get-osinfo` fields (wire names); every one is optional, as in the schema.
 *
 * @example
 * ```ts
 * await SimulatedAgent.start({ osInfo: { id: 'debian', 'pretty-name': 'Debian GNU/Linux 12 (bookworm)' } });
 * ```
 */
export interface GuestOsInfo {
  /** Kernel release, e.g. `6.1.0-27-amd64`. */
  'kernel-release'?: string | undefined;
  /** Kernel version string, e.g. `#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1`. */
  'kernel-version'?: string | undefined;
  /** Architecture, e.g. `x86_64`. */
  machine?: string | undefined;
  /** os-release `ID`, e.g. `debian`. */
  id?: string | undefined;
  /** os-release `NAME`, e.g. `Debian GNU/Linux`. */
  name?: string | undefined;
  /** os-release `PRETTY_NAME`, e.g. `Debian GNU/Linux 12 (bookworm)`. */
  'pretty-name'?: string | undefined;
  /** os-release `VERSION`, e.g. `12 (bookworm)`. */
  version?: string | undefined;
  /** os-release `VERSION_ID`, e.g. `12`. */
  'version-id'?: string | undefined;
  /** os-release `VARIANT`. */
  variant?: string | undefined;
  /** os-release `VARIANT_ID`. */
  'variant-id'?: string | undefined;
}

/**
 * `guest-get-timezone` result.
 *
 * @example
 * ```ts
 * await SimulatedAgent.start({ timezone: { zone: 'CET', offset: 3600 } });
 * ```
 */
export interface GuestTimezone {
  /** Time zone name, e.g. `CET`; left out when unknown. */
  zone?: string | undefined;
  /** Seconds east of UTC. */
  offset: number;
}

/**
 * One `guest-get-users` entry.
 *
 * @example
 * ```ts
 * await SimulatedAgent.start({ users: [{ user: 'root', 'login-time': 1700000000.25 }] });
 * ```
 */
export interface GuestUser {
  /** Account name. */
  user: string;
  /** Seconds since the epoch, with a fraction (a QAPI `number`). */
  'login-time': number;
  /** Logon domain (Windows guests). */
  domain?: string | undefined;
}

/**
 * One `guest-network-get-interfaces` entry (wire names).
 *
 * @example
 * ```ts
 * await SimulatedAgent.start({
 *   interfaces: [{ name: 'ens3', 'ip-addresses': [{ 'ip-address': '192.0.2.7', 'ip-address-type': 'ipv4', prefix: 24 }] }],
 * });
 * ```
 */
export interface GuestNetworkInterface {
  /** Interface name, e.g. `eth0`. */
  name: string;
  /** MAC address. */
  'hardware-address'?: string | undefined;
  /** Addresses of the interface. */
  'ip-addresses'?:
    | {
        /** The address, e.g. `192.0.2.7`. */
        'ip-address': string;
        /** IP version. */
        'ip-address-type': 'ipv4' | 'ipv6';
        /** Prefix length in bits. */
        prefix: number;
      }[]
    | undefined;
  /** Traffic counters by wire name (`rx-bytes`, `tx-packets`, …). */
  statistics?: Record<string, number | bigint> | undefined;
}

/**
 * A command implementation added with `agent.handle()`. Return the command's result
 * (`undefined` for commands without one); throw `SimulatedAgentError` for an error reply.
 * Arguments arrive as plain JSON (integers beyond 2^53 as `bigint`).
 *
 * @example
 * ```ts
 * const echo: CommandHandler = (args, ctx) => ({ command: ctx.command, args });
 * agent.handle('guest-echo', echo);
 * ```
 */
export type CommandHandler = (args: Record<string, unknown>, ctx: CallContext) => unknown;

/**
 * Options of `agent.handle()`.
 *
 * @example
 * ```ts
 * agent.handle('guest-reboot-now', () => undefined, { successResponse: false });
 * ```
 */
export interface HandleOptions {
  /** False for a command that sends no reply on success (like `guest-shutdown`). Default true. */
  successResponse?: boolean | undefined;
}

/**
 * What a scripted guest process gets besides its argv.
 *
 * @example
 * ```ts
 * agent.handleExec('cat', (_argv, { input }) => ({ stdout: input }));
 * agent.handleExec('env', (_argv, { env }) => ({ stdout: Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}\n`).join('') }));
 * ```
 */
export interface ExecScriptContext {
  /** The decoded `input-data` (empty when none was sent). */
  readonly input: Buffer;
  /**
   * The `env` argument as a record, or undefined when the request had none. On the
   * Windows profile: the environment the process got (the service's, unless `env`
   * replaced it).
   */
  readonly env: Readonly<Record<string, string>> | undefined;
  /**
   * Windows profile only: the raw command line the program was started with (GLib's
   * quoting of the argv); `argv` is what the C runtime makes of it.
   */
  readonly commandLine?: string | undefined;
}

/**
 * How a scripted guest process ends. On the Windows profile a string `stdout` / `stderr`
 * is written in the console's code page (as a console program would print it), and
 * `exitCode` is a DWORD: 0xC0000005 is reported the way qemu-ga for Windows does, as a
 * negative `signal`; `signal` itself is ignored there.
 *
 * @example
 * ```ts
 * agent.handleExec('false', () => ({ exitCode: 1 }));
 * agent.handleExec('crash', () => ({ signal: 11, stderr: 'Segmentation fault\n', delayMs: 20 }));
 * ```
 */
export interface ExecScriptResult {
  /** Exit code (default 0); ignored when `signal` is set. */
  exitCode?: number | undefined;
  /** Signal number that ended the process. */
  signal?: number | undefined;
  /** What the process wrote to stdout (captured as the request asks). */
  stdout?: string | Uint8Array | undefined;
  /** What the process wrote to stderr (captured as the request asks). */
  stderr?: string | Uint8Array | undefined;
  /** The process runs this long before it exits (guest-exec-status says `exited: false`). */
  delayMs?: number | undefined;
}

/**
 * A scripted guest process for `guest-exec`: `argv[0]` is the `path` of the request. Throw
 * `SimulatedAgentError` to make the spawn itself fail; a returned promise that rejects ends
 * the process with exit code 1 and the error message on stderr.
 *
 * @example
 * ```ts
 * const uname: ExecScript = (argv) => ({ stdout: argv.includes('-r') ? '6.1.0\n' : 'Linux\n' });
 * agent.handleExec('uname', uname);
 * ```
 */
export type ExecScript = (argv: string[], ctx: ExecScriptContext) => ExecScriptResult | Promise<ExecScriptResult>;

/**
 * Options of `SimulatedAgent.start()`.
 *
 * @example
 * ```ts
 * const agent = await SimulatedAgent.start({
 *   version: '7.2.22',
 *   hostName: 'db-1',
 *   disabled: ['guest-shutdown'],
 *   exec: { uname: () => ({ stdout: 'Linux\n' }) },
 *   files: { '/etc/motd': 'hello\n' },
 * });
 * ```
 */
export interface SimulatedAgentOptions {
  /** Unix socket path to listen on. Default: `agent.sock` in a fresh temp dir. */
  path?: string | undefined;
  /** Listen on a unix socket at all (default true); without it use `createTransport()`. */
  listen?: boolean | undefined;
  /**
   * Which agent to be: `linux` (default) or `windows`, qemu-ga for Windows as the
   * virtio-win guest tools install it (drive paths, cmd.exe and PowerShell, code pages,
   * NTSTATUS exits, VSS freeze; see docs/testing.md).
   */
  profile?: 'linux' | 'windows' | undefined;
  /** Options of the Windows profile. */
  windows?: WindowsProfileOptions | undefined;
  /**
   * `guest-info.version`; also selects release-specific error texts. Default `10.2.0`,
   * `110.0.2` on the Windows profile (a virtio-win build behaves like the upstream
   * release it was built from: `108.0.2` like 9.0, `110.0.2` like 10.1).
   */
  version?: string | undefined;
  /** `guest-get-host-name`. Default `simulated-guest` (`WIN-7Q2L0K4S1HD` on Windows). */
  hostName?: string | undefined;
  /** Fields merged over the default `guest-get-osinfo` answer (`undefined` removes one). */
  osInfo?: GuestOsInfo | undefined;
  /** `guest-get-timezone`. Default `{ zone: 'UTC', offset: 0 }`. */
  timezone?: GuestTimezone | undefined;
  /** `guest-get-users`. Default: none. */
  users?: GuestUser[] | undefined;
  /** `guest-network-get-interfaces`. Default: `lo` and `eth0`. */
  interfaces?: GuestNetworkInterface[] | undefined;
  /** Guest clock for `guest-get-time`, in nanoseconds. Default: the host clock. */
  clock?: (() => bigint) | undefined;
  /** Mount points that `guest-fsfreeze-freeze` freezes. Default `['/']`. */
  mountpoints?: string[] | undefined;
  /** Commands reported `enabled: false` and refused, like qemu-ga's `--block-rpcs`. */
  disabled?: string[] | undefined;
  /**
   * Run `guest-exec` requests that no script handles as real host processes (working
   * directory: the sandbox; they are not confined to it). Default false.
   */
  hostExec?: boolean | undefined;
  /** Scripted processes by program (`path` or its base name; `'*'` catches the rest). */
  exec?: Record<string, ExecScript> | undefined;
  /**
   * Files to put in the sandbox at start: guest path → content. The sandbox also starts
   * with `/tmp`, `/etc/hostname` and `/etc/os-release` (on Windows: drive `C:` with
   * `Windows\System32`, `Windows\Temp`, `ProgramData`, `Users\Public`; paths like
   * `C:\data\x.txt`). Symbolic links a test creates in the sandbox are followed, so keep
   * them inside it.
   */
  files?: Record<string, string | Uint8Array> | undefined;
  /** Random faults: each request gets one with this probability. */
  faults?: RandomFaultOptions | undefined;
  /** Largest request (total JSON token text), like qemu-ga's 64 MiB. */
  maxRequestBytes?: number | undefined;
}

/**
 * Counters of what the agent saw and did.
 *
 * @example
 * ```ts
 * const { requests, faultsInjected } = agent.stats;
 * expect(faultsInjected.drop).toBe(1);
 * ```
 */
export interface SimulatedAgentStats {
  /** Connections accepted (socket and in-process). */
  connections: number;
  /** Complete JSON values read. */
  requests: number;
  /** Parse-error replies sent. */
  parseErrors: number;
  /** Reply lines written (a duplicate counts twice, a dropped reply not at all). */
  replies: number;
  /** Requests per command name. */
  commands: Record<string, number>;
  /** Faults applied, per kind. */
  faultsInjected: Record<FaultKind, number>;
}

/**
 * A `guest-shutdown` or `guest-suspend-*` the agent accepted.
 *
 * @example
 * ```ts
 * await client.call('guest-shutdown', { mode: 'reboot' });
 * expect(agent.shutdownRequests).toEqual([{ command: 'guest-shutdown', mode: 'reboot' }]);
 * ```
 */
export interface ShutdownRequest {
  /** `guest-shutdown`, `guest-suspend-ram`, `guest-suspend-disk` or `guest-suspend-hybrid`. */
  readonly command: string;
  /** `guest-shutdown`'s mode (`powerdown` when none was given). */
  readonly mode?: string | undefined;
}

/**
 * A `guest-set-user-password` the agent accepted. The decoded password is a
 * non-enumerable property, so it does not show up when the record is logged or
 * serialised, but a test can still compare it.
 *
 * @example
 * ```ts
 * const [change] = agent.passwordChanges;
 * expect(change?.username).toBe('root');
 * expect(change?.password).toBe('s3cret');
 * ```
 */
export interface PasswordChange {
  /** The account whose password was set. */
  readonly username: string;
  /** Whether the password was sent as a crypt(3) hash. */
  readonly crypted: boolean;
  /** The password, decoded from base64 (non-enumerable). */
  readonly password: string;
}

export type { Fault };
