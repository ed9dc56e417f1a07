/**
 * The simulated agent: lifecycle (start, stop, temp dirs), the unix socket server and
 * the public API tests use. The work is done by the pieces it wires together: the wire
 * reader, the dispatcher and its command modules, the fault plan and the serving loop.
 * @module
 */
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { debuglog } from 'node:util';
import type { Transport } from '../transport/transport.js';
import { AgentLoop } from './agent-loop.js';
import { registerBasicCommands, DEFAULT_INTERFACES, DEFAULT_OS_INFO } from './commands/basic.js';
import type { AgentSettings, BuiltinContext } from './commands/context.js';
import { registerExecCommands, type ExecTable } from './commands/exec.js';
import { registerFileCommands, resolveGuestPath, type FileTable } from './commands/files.js';
import { registerFreezeCommands } from './commands/freeze.js';
import { registerSystemCommands } from './commands/system.js';
import { SocketConnection, type AgentConnection } from './connection.js';
import { CommandRegistry, Dispatcher } from './dispatch.js';
import { FAULT_KINDS, FaultPlan, type Fault, type FaultKind, type InjectFaultOptions } from './faults.js';
import { MemoryTransport } from './memory-transport.js';
import { Timers } from './timers.js';
import type {
  CommandHandler,
  ExecScript,
  GuestOsInfo,
  HandleOptions,
  PasswordChange,
  ShutdownRequest,
  SimulatedAgentOptions,
  SimulatedAgentStats,
} from './types.js';
import { listenUnix, makeTempDir, seedSandbox } from './setup.js';
import { versionTraits } from './version.js';
import { WINDOWS_HOST_NAME, WINDOWS_INTERFACES, WINDOWS_OS_INFO, windowsUsers } from './windows/identity.js';
import { registerWindowsProfile, seedWindowsDrive, type WindowsProfile } from './windows/profile.js';
import { TOOL_TEXTS } from './windows/texts.js';
import { RequestReader } from './wire.js';

const log = debuglog('qga-simulated-agent');

function defaultClock(): bigint {
  // Microseconds × 1000, like qemu-ga on POSIX: nanoseconds that always end in 000.
  return BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** Windows' clock has whole milliseconds (`GetSystemTimeAsFileTime` as the agent converts it). */
function wholeMilliseconds(clock: () => bigint): () => bigint {
  return () => (clock() / 1_000_000n) * 1_000_000n;
}

/**
 * A simulated QEMU Guest Agent for tests: it speaks the agent's wire protocol byte for
 * byte, on a unix socket or through an in-process {@link Transport}, and can inject
 * faults. Start one with {@link SimulatedAgent.start}.
 *
 * @example
 * ```ts
 * await using agent = await SimulatedAgent.start({ hostName: 'web-1' });
 * const client = await QgaClient.connect({ path: agent.path });
 * console.log((await client.guestGetHostName())['host-name']); // web-1
 * ```
 */
export class SimulatedAgent implements AsyncDisposable {
  /** Host directory that guest file paths resolve into. */
  readonly sandbox: string;
  /** The version the agent reports and behaves like. */
  readonly version: string;
  /** Which agent this is: `linux` or `windows`. */
  readonly profile: 'linux' | 'windows';

  readonly #dir: string;
  readonly #path: string | undefined;
  readonly #server: net.Server | undefined;
  readonly #registry: CommandRegistry;
  readonly #ctx: BuiltinContext;
  readonly #faults: FaultPlan;
  readonly #timers: Timers;
  readonly #loop: AgentLoop;
  readonly #files: FileTable | undefined;
  readonly #exec: ExecTable | undefined;
  readonly #windows: WindowsProfile | undefined;
  readonly #stats: SimulatedAgentStats;
  #stopping: Promise<void> | undefined;
  #poweredOff = false;

  private constructor(options: SimulatedAgentOptions, dir: string, server: net.Server | undefined, socketPath: string | undefined) {
    this.#dir = dir;
    this.#server = server;
    this.#path = socketPath;
    this.sandbox = path.join(dir, 'sandbox');
    const windows = options.profile === 'windows';
    this.profile = windows ? 'windows' : 'linux';
    this.version = options.version ?? (windows ? '110.0.2' : '10.2.0');
    this.#timers = new Timers();
    this.#faults = new FaultPlan(options.faults);
    const hostName = options.hostName ?? (windows ? WINDOWS_HOST_NAME : 'simulated-guest');
    const clock = options.clock ?? defaultClock;
    const osInfo: GuestOsInfo = { ...(windows ? WINDOWS_OS_INFO[options.windows?.edition ?? 'server-2022'] : DEFAULT_OS_INFO), ...options.osInfo };
    const settings: AgentSettings = {
      version: this.version,
      traits: versionTraits(this.version, windows),
      hostName,
      osInfo,
      timezone: options.timezone ?? (windows ? { zone: TOOL_TEXTS[options.windows?.locale ?? 'en'].timeZone, offset: 3600 } : { zone: 'UTC', offset: 0 }),
      users: options.users ?? (windows ? windowsUsers(hostName, Math.floor(Number(clock() / 1_000_000n) / 1000) - 7200) : []),
      interfaces: options.interfaces ?? ((windows ? WINDOWS_INTERFACES : DEFAULT_INTERFACES) as unknown as AgentSettings['interfaces']),
      clock: windows ? wholeMilliseconds(clock) : clock,
      mountpoints: options.mountpoints ?? ['/'],
      hostExec: windows ? false : (options.hostExec ?? false),
    };
    this.#ctx = {
      settings,
      sandbox: this.sandbox,
      timers: this.#timers,
      scripts: new Map(Object.entries(options.exec ?? {})),
      frozen: 0,
      shutdownRequests: [],
      passwordChanges: [],
    };
    this.#registry = new CommandRegistry(() => this.#ctx.frozen > 0);
    // Registration order is schema order, which is the order guest-info lists.
    registerBasicCommands(this.#registry, this.#ctx);
    const onScriptError = (err: unknown): void => log('exec script failed: %s', String(err));
    if (windows) {
      this.#windows = registerWindowsProfile(this.#registry, this.#ctx, {
        options: options.windows ?? {},
        traits: settings.traits,
        version: this.version,
        accounts: ['Administrator', 'Guest', ...settings.users.map((u) => u.user)],
        onPower: (mode) => this.#powerEvent(mode),
        onScriptError,
      });
    } else {
      this.#files = registerFileCommands(this.#registry, this.#ctx);
      registerFreezeCommands(this.#registry, this.#ctx);
      registerSystemCommands(this.#registry, this.#ctx);
      this.#exec = registerExecCommands(this.#registry, this.#ctx, onScriptError);
    }
    for (const name of options.disabled ?? []) this.#registry.setBlocked(name, true);
    this.#stats = {
      connections: 0,
      requests: 0,
      parseErrors: 0,
      replies: 0,
      commands: {},
      faultsInjected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    };
    const dispatcher = new Dispatcher(this.#registry, settings.traits, (command, err) =>
      log('handler for %s threw: %s', command, err instanceof Error ? err.message : String(err)),
    );
    this.#loop = new AgentLoop({
      reader: new RequestReader({ maxRequestBytes: options.maxRequestBytes }),
      dispatcher,
      faults: this.#faults,
      timers: this.#timers,
      stats: this.#stats,
      log: (message) => log('%s', message),
    });
    server?.on('connection', (socket) => this.#accept(new SocketConnection(socket)));
  }

  #accept(conn: AgentConnection): void {
    // A powered-off guest has no agent: the connection goes nowhere.
    if (this.#poweredOff) conn.destroy();
    else this.#loop.accept(conn);
  }

  /** The guest shut down or rebooted (Windows profile): the channel closes; a reboot starts afresh. */
  #powerEvent(mode: 'halt' | 'powerdown' | 'reboot'): void {
    if (mode !== 'reboot') this.#poweredOff = true;
    this.#windows?.machine.processes.reset();
    void this.#windows?.files.closeAll();
    this.#ctx.frozen = 0;
    this.#loop.dropActive();
  }

  /**
   * Start an agent: creates a temp dir with the sandbox and (unless `listen: false`) the
   * socket, and listens.
   *
   * @example
   * ```ts
   * const agent = await SimulatedAgent.start({ version: '7.2.22', disabled: ['guest-exec'] });
   * ```
   */
  static async start(options: SimulatedAgentOptions = {}): Promise<SimulatedAgent> {
    const dir = await makeTempDir();
    let server: net.Server | undefined;
    try {
      if (options.profile === 'windows') {
        await seedWindowsDrive(path.join(dir, 'sandbox'), options.files);
      } else {
        const osInfo = { ...DEFAULT_OS_INFO, ...options.osInfo };
        await seedSandbox(path.join(dir, 'sandbox'), options.hostName ?? 'simulated-guest', osInfo, options.files);
      }
      let socketPath: string | undefined;
      if (options.listen ?? true) {
        socketPath = options.path ?? path.join(dir, 'agent.sock');
        // allowHalfOpen: a client that shuts down its sending side still gets its replies.
        server = net.createServer({ allowHalfOpen: true });
        await listenUnix(server, socketPath, (message) => log('%s', message));
      }
      return new SimulatedAgent(options, dir, server, socketPath);
    } catch (err) {
      await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
      await fsp.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The unix socket path clients connect to. Throws when started with `listen: false`. */
  get path(): string {
    if (this.#path === undefined) throw new Error('this simulated agent does not listen on a socket (listen: false); use createTransport()');
    return this.#path;
  }

  /** True while filesystems are frozen (`guest-fsfreeze-freeze` until `-thaw`). */
  get frozen(): boolean {
    return this.#ctx.frozen > 0;
  }

  /** A snapshot of the agent's counters. */
  get stats(): SimulatedAgentStats {
    return {
      ...this.#stats,
      commands: { ...this.#stats.commands },
      faultsInjected: { ...this.#stats.faultsInjected },
    };
  }

  /** `guest-shutdown` / `guest-suspend-*` requests accepted so far. */
  get shutdownRequests(): readonly ShutdownRequest[] {
    return [...this.#ctx.shutdownRequests];
  }

  /** `guest-set-user-password` requests accepted so far. */
  get passwordChanges(): readonly PasswordChange[] {
    return [...this.#ctx.passwordChanges];
  }

  /** Guest file handles currently open (helpers should leave none behind). */
  get openFileCount(): number {
    return this.#files?.size ?? this.#windows?.files.size ?? 0;
  }

  /** True once a simulated Windows guest was shut down (connections are dropped from then on). */
  get poweredOff(): boolean {
    return this.#poweredOff;
  }

  /**
   * A {@link Transport} connected to this agent in-process, without a socket. Each
   * `open()` is a new connection, served one at a time like socket clients.
   *
   * @example
   * ```ts
   * const client = await QgaClient.connect({ transport: agent.createTransport() });
   * ```
   */
  createTransport(): Transport {
    return new MemoryTransport((link: AgentConnection) => {
      if (this.#stopping) throw new Error('the simulated agent is stopped');
      this.#accept(link);
    });
  }

  /**
   * Add a command, or replace a built-in one. The handler gets the arguments unchecked.
   *
   * @example
   * ```ts
   * agent.handle('guest-get-load', () => ({ load1m: 0.5, load5m: 0.25, load15m: 0.1 }));
   * agent.handle('guest-fstrim', () => { throw new SimulatedAgentError('GenericError', 'trim failed'); });
   * ```
   */
  handle(name: string, handler: CommandHandler, options: HandleOptions = {}): this {
    if (typeof name !== 'string' || name === '') throw new TypeError('command name must be a non-empty string');
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    this.#registry.define({
      name,
      successResponse: options.successResponse ?? true,
      run: (args, ctx) => handler(args, { command: ctx.command, id: ctx.id }),
    });
    return this;
  }

  /**
   * Script the guest process `program` (matched against the request's `path`, then its
   * base name; `'*'` catches every program without a script).
   *
   * @example
   * ```ts
   * agent.handleExec('uname', () => ({ stdout: 'Linux\n' }));
   * agent.handleExec('sleep', (argv) => ({ delayMs: Number(argv[1]) * 1000 }));
   * ```
   */
  handleExec(program: string, script: ExecScript): this {
    if (typeof script !== 'function') throw new TypeError('script must be a function');
    this.#ctx.scripts.set(program, script);
    return this;
  }

  /**
   * Queue a fault for the next matching request(s). Queued faults come before random ones.
   *
   * @example
   * ```ts
   * agent.injectFault({ kind: 'delay', ms: 500 }, { command: 'guest-ping' });
   * agent.injectFault('drop', { times: 2 });
   * ```
   */
  injectFault(fault: Fault | FaultKind, options: InjectFaultOptions = {}): this {
    this.#faults.inject(fault, options);
    return this;
  }

  /**
   * Forget every queued fault (random faults stay as configured).
   *
   * @example
   * ```ts
   * afterEach(() => agent.clearFaults()); // a test's unused faults must not hit the next test
   * ```
   */
  clearFaults(): this {
    this.#faults.clear();
    return this;
  }

  /**
   * Turn commands off, like qemu-ga's `--block-rpcs` (they stay listed, `enabled: false`).
   *
   * @example
   * ```ts
   * agent.disable('guest-exec', 'guest-file-open');
   * await expect(client.exec(['true'])).rejects.toMatchObject({ errorClass: 'CommandNotFound' });
   * ```
   */
  disable(...names: string[]): this {
    for (const name of names) this.#registry.setBlocked(name, true);
    return this;
  }

  /**
   * Turn blocked commands back on.
   *
   * @example
   * ```ts
   * agent.enable('guest-exec');
   * ```
   */
  enable(...names: string[]): this {
    for (const name of names) this.#registry.setBlocked(name, false);
    return this;
  }

  /**
   * Where a guest path lives on the host (inside {@link SimulatedAgent.sandbox}).
   *
   * @example
   * ```ts
   * await client.writeFile('/etc/app.conf', 'debug = true\n');
   * expect(await readFile(agent.hostPath('/etc/app.conf'), 'utf8')).toBe('debug = true\n');
   * ```
   */
  hostPath(guestPath: string): string {
    return this.#windows ? this.#windows.machine.volume.resolve(guestPath) : resolveGuestPath(this.sandbox, guestPath);
  }

  /**
   * Windows profile: another guest process opens `guestPath` for writing (a service
   * writing its log), sharing it for reading only. Until the returned function is called,
   * the agent cannot open the file: `guest-file-open` fails with the sharing violation.
   *
   * @example
   * ```ts
   * const release = agent.holdOpen('C:\\app\\app.log');
   * await expect(client.readFile('C:\\app\\app.log')).rejects.toBeInstanceOf(QgaFileBusyError);
   * release();
   * ```
   */
  holdOpen(guestPath: string): () => void {
    const machine = this.#windows?.machine;
    if (!machine) throw new Error('holdOpen simulates Windows file sharing: start the agent with profile: \'windows\'');
    const host = machine.volume.resolve(guestPath);
    machine.heldOpen.set(host, (machine.heldOpen.get(host) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (machine.heldOpen.get(host) ?? 1) - 1;
      if (left > 0) machine.heldOpen.set(host, left);
      else machine.heldOpen.delete(host);
    };
  }

  /**
   * Stop: drop every connection, end pending delays, kill host processes, close guest
   * files, remove the socket and temp dir. Safe to call more than once.
   *
   * @example
   * ```ts
   * afterAll(() => agent.stop());
   * ```
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const closed = this.#server ? new Promise<void>((resolve) => this.#server?.close(() => resolve())) : Promise.resolve();
    this.#timers.stop();
    await this.#loop.stop();
    this.#exec?.killAll();
    this.#windows?.machine.processes.killAll();
    await this.#files?.closeAll();
    await this.#windows?.files.closeAll();
    await closed;
    if (this.#path !== undefined && !this.#path.startsWith(this.#dir + path.sep)) await fsp.rm(this.#path, { force: true });
    await fsp.rm(this.#dir, { recursive: true, force: true });
  }

  /**
   * Same as {@link SimulatedAgent.stop}, for `await using`.
   *
   * @example
   * ```ts
   * await using agent = await SimulatedAgent.start(); // stopped at the end of the scope
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
