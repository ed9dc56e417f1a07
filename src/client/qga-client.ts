import { EventEmitter } from 'eventemitter3';
import { QgaConnectionError } from '../errors.js';
import { disabledCommands, info as infoHelper, supports as supportsHelper, type InfoOptions } from '../helpers/capabilities.js';
import {
  createReadStream as createReadStreamHelper,
  createWriteStream as createWriteStreamHelper,
  type GuestFileReadStream,
  type GuestFileWriteStream,
  type ReadStreamOptions,
  type WriteStreamOptions,
} from '../helpers/file-streams.js';
import { download as downloadHelper, upload as uploadHelper, type DownloadOptions, type TransferResult, type UploadOptions } from '../helpers/file-transfers.js';
import { readFile as readFileHelper, type ReadFileOptions } from '../helpers/files-read.js';
import { writeFile as writeFileHelper, type WriteFileData, type WriteFileOptions } from '../helpers/files-write.js';
import { withFrozenFilesystems as withFrozenFilesystemsHelper, type FreezeOptions, type FreezeResult, type FrozenContext } from '../helpers/freeze.js';
import { setUserPassword as setUserPasswordHelper, type SetUserPasswordOptions } from '../helpers/password.js';
import { reboot as rebootHelper, shutdown as shutdownHelper, suspend as suspendHelper, type ShutdownOptions, type SuspendKind } from '../helpers/power.js';
import type { GuestAgentInfo } from '../generated/index.js';
import { QGA_COMMANDS, type QgaCommandMap, type QgaCommandMethods, type QgaCommandName } from '../generated/index.js';
import type { ChannelCapabilities, ChannelFileAccess, ConnectEvent, QgaChannel } from '../channels/channel.js';
import { AgentInfoCache } from './agent-info-cache.js';
import { CALL_OPTION_KEYS, type CallOptions } from '../call-options.js';
import { checkOptions, positive } from '../check-options.js';
import { CommandCaller } from './command-caller.js';
import { installCommandMethods } from './command-methods.js';
import { resolveConnectOptions, type ConnectOptions, type ResolvedConnectOptions } from './connect-options.js';
import { createChannel } from './create-channel.js';
import { closeChannel, connectChannel, resyncChannel } from './diagnostics.js';
import type { QgaClientEvents } from './events.js';
import { exec as execHelper, execAndWait as execAndWaitHelper } from '../helpers/exec.js';
import { readWindowsEnvironment, type ExecSession } from '../helpers/exec-platform.js';
import type { ExecOptions, ExecResult, ExecTextEncoding, GuestProcess, SpawnOptions } from '../helpers/exec-types.js';
import { guestCodePages as guestCodePagesHelper, guestOs as guestOsHelper, type GuestCodePages } from '../helpers/guest-os.js';
import { shell as shellHelper, type ShellOptions } from '../helpers/shell.js';
import { spawn as spawnHelper } from '../helpers/spawn.js';
import type { GuestExecArgs } from '../generated/index.js';
import type { GuestOs } from '../guest-os/detect.js';
import { SessionMemo } from './session-memo.js';

/** Argument list of {@link QgaClient.call} for command `N`: args optional when none are required. */
export type CallArguments<N extends QgaCommandName> = QgaCommandMap[N]['args'] extends undefined
  ? [args?: undefined, options?: CallOptions]
  : Record<string, never> extends QgaCommandMap[N]['args']
    ? [args?: QgaCommandMap[N]['args'], options?: CallOptions]
    : [args: QgaCommandMap[N]['args'], options?: CallOptions];

/** What {@link QgaClient.call} resolves to for command `N`. */
export type CallResult<N extends QgaCommandName> = QgaCommandMap[N]['returns'];

// The generated methods (guestPing, guestExec, …) are added to the prototype from the
// command table; this merges their types into the class.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface QgaClient extends QgaCommandMethods {}

/**
 * A connection to one QEMU Guest Agent.
 *
 * Calls are serialised (one request on the wire at a time, in call order); the client
 * resynchronises with `guest-sync-delimited` on connect and after a timeout, an abort or
 * an unmatched reply, so a late reply never reaches a later call.
 *
 * @example
 * ```ts
 * import { QgaClient } from 'qga-client';
 *
 * const client = await QgaClient.connect({ path: '/run/vm1/qga.sock' });
 * try {
 *   await client.ping();
 *   const os = await client.guestGetOsinfo();
 *   const { stdout } = await client.exec(['uname', '-a']);
 *   console.log(os['pretty-name'], stdout);
 * } finally {
 *   await client.close();
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class QgaClient extends EventEmitter<QgaClientEvents> {
  static {
    installCommandMethods(QgaClient.prototype, QGA_COMMANDS);
  }

  readonly #channel: QgaChannel;
  readonly #caller: CommandCaller;
  readonly #options: ResolvedConnectOptions;
  /** `guest-info` as `info()` / `supports()` last read it on this connection. */
  readonly #agentInfo = new AgentInfoCache();
  /** Called once the client closed for good (see {@link QgaClient.whenClosed}). */
  readonly #closeWatchers = new Set<() => void>();
  /** What else this connection learnt about its guest (OS, code pages, environment). */
  readonly #session = new SessionMemo();
  /** The per-connection facts the exec helpers may need. */
  readonly #execSession: ExecSession = {
    windowsEnvironment: (options) => this.#session.get('windows-environment', () => readWindowsEnvironment(this, options)),
  };

  private constructor(options: ConnectOptions, resolved: ResolvedConnectOptions) {
    super();
    this.#options = resolved;
    this.#channel = createChannel(options, resolved, {
      connect: (event) => {
        // A new connection may reach another agent, or the same one restarted with another
        // configuration: forget what the old one said, before any listener can ask again.
        this.#agentInfo.clear();
        this.#session.clear();
        if (event.reconnected) this.#reloadDisabled();
        if (connectChannel.hasSubscribers) {
          connectChannel.publish({ channel: event.channel, target: event.transport, duration: event.duration, attempts: event.attempts, reconnected: event.reconnected });
        }
        this.emit('connect', event);
      },
      close: (error) => {
        this.#agentInfo.clear();
        this.#session.clear();
        if (closeChannel.hasSubscribers) closeChannel.publish({ channel: this.#channel.capabilities.kind, target: this.#channel.description, error });
        const watchers = [...this.#closeWatchers];
        this.#closeWatchers.clear();
        for (const watcher of watchers) watcher();
        this.emit('close', error);
      },
      resync: (info) => {
        if (resyncChannel.hasSubscribers) resyncChannel.publish({ channel: this.#channel.capabilities.kind, target: this.#channel.description, ...info });
        this.emit('resync', info);
      },
      reconnecting: (event) => this.emit('reconnecting', event),
    });
    this.#caller = new CommandCaller(this, this.#channel, resolved);
  }

  /**
   * Open a channel to the agent and resynchronise it. Rejects with `QgaConnectionError`
   * when the channel cannot be opened or the agent does not answer in time.
   *
   * @example
   * ```ts
   * const client = await QgaClient.connect({ path: '/run/vm1/qga.sock' });
   * const tcp = await QgaClient.connect({ host: '127.0.0.1', port: 4444 });
   * ```
   */
  static async connect(options: ConnectOptions): Promise<QgaClient> {
    const resolved = resolveConnectOptions(options);
    const client = new QgaClient(options, resolved);
    await client.#channel.open(options.signal);
    if (resolved.checkEnabled) {
      try {
        client.#caller.disabled = disabledCommands(await infoHelper(client, client.#agentInfo, { refresh: true, signal: options.signal }));
      } catch (error) {
        await client.close();
        throw error;
      }
    }
    return client;
  }

  /**
   * After a reconnect the agent may be another one, or restarted with another
   * configuration: stop failing fast on the old list, and read the new one (it queues
   * behind the calls that waited for the channel).
   */
  #reloadDisabled(): void {
    this.#caller.disabled = undefined;
    if (!this.#options.checkEnabled) return;
    infoHelper(this, this.#agentInfo, { refresh: true }).then(
      (agentInfo) => {
        this.#caller.disabled = disabledCommands(agentInfo);
      },
      () => undefined,
    );
  }

  /** True once the client was closed or its channel was lost. */
  get closed(): boolean {
    return this.#channel.closed;
  }

  /**
   * What the last (re)connect took: how long, how many attempts, and what its
   * resynchronisation discarded. The same as the `connect` event, which fires before
   * `connect()` resolves and so cannot be seen for the first connect.
   *
   * @example
   * ```ts
   * const client = await QgaClient.connect({ path, waitForAgent: 60_000 });
   * const { duration, discardedBytes } = client.connectInfo;
   * console.log(`agent answered after ${duration} ms; ${discardedBytes} stale bytes dropped`);
   * ```
   */
  get connectInfo(): ConnectEvent {
    const info = this.#channel.lastConnect;
    if (!info) throw new QgaConnectionError(`${this.#channel.description}: not connected yet`);
    return info;
  }

  /** The channel this client talks over, e.g. `unix socket /run/qga.sock`. */
  get transportDescription(): string {
    return this.#channel.description;
  }

  /**
   * What this client's channel can carry: its kind (`direct`, `libvirt`, `proxmox`), the
   * commands it passes (all on the direct channel), and the sizes it moves (the file
   * helpers' chunk sizes come from here).
   *
   * @example
   * ```ts
   * const { kind, limits } = client.capabilities;
   * console.log(kind, limits.fileReadChunk, limits.maxReplyBytes);
   * ```
   */
  get capabilities(): ChannelCapabilities {
    return this.#channel.capabilities;
  }

  /**
   * Calls `callback` once when the client closes for good (not on a loss that `reconnect`
   * repairs), without adding a `close` listener users would count; returns the function
   * that stops watching. Nothing is called for a client already closed.
   * @internal
   */
  whenClosed(callback: () => void): () => void {
    if (this.#channel.closed) return noWatch;
    this.#closeWatchers.add(callback);
    return () => this.#closeWatchers.delete(callback);
  }

  /**
   * The channel's file access when it has no guest file handles (Proxmox); the file
   * helpers go through it.
   * @internal
   */
  get channelFiles(): ChannelFileAccess | undefined {
    return this.#channel.files;
  }

  /** The default per-call timeout in ms. */
  get defaultTimeout(): number {
    return this.#options.timeout;
  }

  /**
   * Call any QGA command by its wire name, typed by the generated command map.
   *
   * @example
   * ```ts
   * const { 'host-name': name } = await client.call('guest-get-host-name');
   * await client.call('guest-fstrim', { minimum: 0 }, { timeout: 600_000 });
   * ```
   */
  call<N extends QgaCommandName>(name: N, ...rest: CallArguments<N>): Promise<CallResult<N>> {
    const [args, options] = rest;
    return this.#caller.call(name, args as Record<string, unknown> | undefined, options) as Promise<CallResult<N>>;
  }

  /**
   * Check that the agent answers (`guest-ping`).
   *
   * @example
   * ```ts
   * await client.ping({ timeout: 1000 });
   * ```
   */
  ping(options?: CallOptions): Promise<void> {
    // Not an async wrapper: guest-ping has no result, so #call already resolves to
    // undefined, and this is the call a health check makes thousands of times.
    return this.#caller.call('guest-ping', undefined, options) as Promise<void>;
  }

  /**
   * Resynchronise the channel now (`0xFF` + `guest-sync-delimited`), discarding anything
   * stale. Normally not needed: the client does it by itself when required. Through
   * libvirt, which synchronises with the agent itself, this is a `guest-ping`.
   *
   * @example
   * ```ts
   * client.on('resync', (info) => console.log('discarded', info.bytes, 'bytes'));
   * await client.sync();
   * ```
   */
  async sync(options?: CallOptions): Promise<void> {
    checkOptions('sync', options, CALL_OPTION_KEYS);
    const timeout = positive('timeout', options?.timeout, this.#options.timeout);
    this.#assertOpen();
    await this.#channel.sync({ timeout, signal: options?.signal });
  }

  /**
   * Run a program in the guest and wait for it to exit: `guest-exec`, then
   * `guest-exec-status` polled at once and then backing off (1 ms doubling to 100 ms,
   * see `pollInterval`). `argv[0]` is the program (no shell). A non-zero exit resolves
   * unless `check: true`. `env` replaces the guest environment. By default the guest
   * process keeps running after a `timeout` or abort (`killOnAbandon` to kill it).
   *
   * Rejects with `TypeError` for bad arguments (nothing is sent); `QgaCommandError`
   * (`guest-exec`, `GenericError`) when the agent cannot start the program, e.g. a missing
   * one (`Failed to execute child process "…" (No such file or directory)`, wrapped in
   * `Guest agent command failed, error was '…'` by qemu-ga 7.2–9.0); `QgaTimeoutError`
   * (command `'exec'`) after `timeout`; `signal.reason` on abort; `QgaExecError` with
   * `check`. See docs/exec.md.
   *
   * @example
   * ```ts
   * const { exitCode, stdout } = await client.exec(['uname', '-a']);
   * const gz = await client.exec(['gzip', '-c'], { input: bytes, encoding: 'buffer', timeout: 30_000, check: true });
   * ```
   */
  exec(argv: readonly string[], options: ExecOptions<'buffer'> & { encoding: 'buffer' }): Promise<ExecResult<Buffer>>;
  exec(argv: readonly string[], options?: ExecOptions<ExecTextEncoding>): Promise<ExecResult<string>>;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult<string> | ExecResult<Buffer>>;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult<string> | ExecResult<Buffer>> {
    return execHelper(this, argv, options, this.#execSession);
  }

  /**
   * Like {@link QgaClient.exec}, but takes a `guest-exec` argument object (wire names).
   * Output is captured unless the request sets `capture-output`.
   *
   * @example
   * ```ts
   * const res = await client.execAndWait({ path: '/bin/sh', arg: ['-c', 'echo hi'] }, { timeout: 30_000 });
   * console.log(res.stdout); // 'hi\n'
   * ```
   */
  execAndWait(request: GuestExecArgs, options: ExecOptions<'buffer'> & { encoding: 'buffer' }): Promise<ExecResult<Buffer>>;
  execAndWait(request: GuestExecArgs, options?: ExecOptions<ExecTextEncoding>): Promise<ExecResult<string>>;
  execAndWait(request: GuestExecArgs, options?: ExecOptions): Promise<ExecResult<string> | ExecResult<Buffer>>;
  execAndWait(request: GuestExecArgs, options?: ExecOptions): Promise<ExecResult<string> | ExecResult<Buffer>> {
    return execAndWaitHelper(this, request, options, this.#execSession);
  }

  /**
   * Run a script through the guest's shell and wait for it, like {@link QgaClient.exec}:
   * `/bin/sh -c` on POSIX guests; on Windows guests PowerShell (default) or `cmd`, made to
   * print UTF-8, the script passed so that no quoting mangles it. Output is decoded with
   * `encoding: 'auto'` unless you choose another; PowerShell's CLIXML errors arrive as
   * plain text on `stderr`. `options.shell`: `'auto'` (default), `'sh'`, `'cmd'` or
   * `'powershell'`. See docs/windows-guests.md.
   *
   * Rejects like `exec`, and with `TypeError` (nothing sent) when the shell does not fit the
   * guest (`'cmd'` on Linux, `'sh'` on Windows).
   *
   * @example
   * ```ts
   * const { stdout } = await client.shell('echo "$HOSTNAME"; ls /etc | wc -l');
   * const win = await client.shell('Get-Volume | Format-Table -AutoSize | Out-String -Width 200', { timeout: 60_000 });
   * await client.shell('dir "C:\\Program Files" & ver', { shell: 'cmd', check: true });
   * ```
   */
  shell(script: string, options: ShellOptions<'buffer'> & { encoding: 'buffer' }): Promise<ExecResult<Buffer>>;
  shell(script: string, options?: ShellOptions<ExecTextEncoding>): Promise<ExecResult<string>>;
  shell(script: string, options?: ShellOptions): Promise<ExecResult<string> | ExecResult<Buffer>>;
  shell(script: string, options?: ShellOptions): Promise<ExecResult<string> | ExecResult<Buffer>> {
    return shellHelper(this, script, options, this.#execSession);
  }

  /**
   * Start a program in the guest and return a handle at once: `pid`, `status()`,
   * `wait(options)`, `kill(signal)`. The handle keeps the result once seen, so `wait()`
   * still answers after the agent forgot the process.
   *
   * @example
   * ```ts
   * const proc = await client.spawn(['sleep', '10']);
   * if ((await proc.status()) === undefined) await proc.kill('TERM');
   * const { signal } = await proc.wait({ timeout: 5_000 });
   * ```
   */
  spawn(argv: readonly string[], options: SpawnOptions<'buffer'> & { encoding: 'buffer' }): Promise<GuestProcess<Buffer>>;
  spawn(argv: readonly string[], options?: SpawnOptions<ExecTextEncoding>): Promise<GuestProcess<string>>;
  spawn(argv: readonly string[], options?: SpawnOptions): Promise<GuestProcess<string> | GuestProcess<Buffer>>;
  spawn(argv: readonly string[], options?: SpawnOptions): Promise<GuestProcess<string> | GuestProcess<Buffer>> {
    return spawnHelper(this, argv, options, this.#execSession);
  }

  /**
   * Close the channel. Calls still waiting reject with `QgaConnectionError`. Idempotent.
   *
   * @example
   * ```ts
   * await client.close();
   * ```
   */
  close(): Promise<void> {
    return this.#channel.close();
  }

  /**
   * `await using client = await QgaClient.connect(...)` closes the client at scope end.
   *
   * @example
   * ```ts
   * {
   *   await using client = await QgaClient.connect({ path: '/run/vm1/qga.sock' });
   *   await client.ping();
   * } // closed here, also when ping() threw
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Read a whole guest file (`guest-file-open` / `-read` / `-close`, in `chunkSize` pieces).
   * Resolves to a Buffer, or a string with `encoding`. The guest handle is closed on every
   * path (success, agent error, timeout, abort) before the promise settles. A missing file,
   * a directory or a permission problem rejects with `QgaCommandError` carrying the agent's
   * description. At most `maxBytes` (default 64 MiB) are read: a longer file (or one that
   * never ends, like `/dev/zero`) rejects with `QgaProtocolError` naming the limit.
   *
   * @example
   * ```ts
   * const buf = await client.readFile('/etc/hostname');
   * const text = await client.readFile('/etc/os-release', { encoding: 'utf8' });
   * ```
   */
  readFile(path: string, options: ReadFileOptions & { encoding: BufferEncoding }): Promise<string>;
  readFile(path: string, options?: ReadFileOptions & { encoding?: undefined }): Promise<Buffer>;
  readFile(path: string, options?: ReadFileOptions): Promise<Buffer | string>;
  readFile(path: string, options?: ReadFileOptions): Promise<Buffer | string> {
    return readFileHelper(this, path, options);
  }

  /**
   * Write a string, bytes, a node `Readable` or an async iterable of bytes to a guest file
   * (truncating it, or appending with `append: true`), in `chunkSize` pieces. The guest
   * handle is closed on every path; a failed close (the guest could not flush) rejects.
   *
   * @example
   * ```ts
   * await client.writeFile('/tmp/x', 'hello\n');
   * await client.writeFile('/tmp/app.log', 'more\n', { append: true });
   * await client.writeFile('/tmp/disk.img', fs.createReadStream('disk.img'), { onProgress: ({ bytes, total }) => console.log(bytes, total) });
   * ```
   */
  writeFile(path: string, data: WriteFileData, options?: WriteFileOptions): Promise<void> {
    return writeFileHelper(this, path, data, options);
  }

  /**
   * A `Readable` of a guest file. Chunks are read only as the consumer pulls them, so
   * memory stays flat whatever the file's size; the guest handle is closed when the
   * stream ends, fails, is aborted or is destroyed.
   *
   * @example
   * ```ts
   * await pipeline(client.createReadStream('/var/log/syslog'), fs.createWriteStream('syslog'));
   * ```
   */
  createReadStream(path: string, options?: ReadStreamOptions): GuestFileReadStream {
    return createReadStreamHelper(this, path, options);
  }

  /**
   * A `Writable` into a guest file. Writes are gathered into `chunkSize` pieces and held
   * back while the agent works (backpressure); `'finish'` comes after the guest handle was
   * closed. Destroying or aborting the stream closes the handle too.
   *
   * @example
   * ```ts
   * await pipeline(fs.createReadStream('app.tar'), client.createWriteStream('/tmp/app.tar'));
   * ```
   */
  createWriteStream(path: string, options?: WriteStreamOptions): GuestFileWriteStream {
    return createWriteStreamHelper(this, path, options);
  }

  /**
   * Copy a guest file to the host through the streams. An existing host file is replaced
   * only when the whole file arrived.
   *
   * @example
   * ```ts
   * const { bytes } = await client.download('/var/log/messages', './messages.log');
   * ```
   */
  download(guestPath: string, hostPath: string, options?: DownloadOptions): Promise<TransferResult> {
    return downloadHelper(this, guestPath, hostPath, options);
  }

  /**
   * Copy a host file into the guest through the streams.
   *
   * @example
   * ```ts
   * await client.upload('./app.tar.gz', '/tmp/app.tar.gz', { timeout: 600_000 });
   * ```
   */
  upload(hostPath: string, guestPath: string, options?: UploadOptions): Promise<TransferResult> {
    return uploadHelper(this, hostPath, guestPath, options);
  }

  /**
   * Freeze the guest's filesystems (all, or `mountpoints`), run `fn`, and always thaw —
   * also when `fn` throws, runs past `timeout` or the caller aborts. An already frozen
   * guest is refused. While frozen, calls other than ping/info/sync/fsfreeze-status/thaw
   * fail at once with the agent's `CommandNotFound` error.
   *
   * @example
   * ```ts
   * const { result, frozen, thawed } = await client.withFrozenFilesystems(() => snapshotDisks(), { timeout: 30_000 });
   * ```
   */
  withFrozenFilesystems<T>(fn: (context: FrozenContext) => T | Promise<T>, options?: FreezeOptions): Promise<FreezeResult<T>> {
    return withFrozenFilesystemsHelper(this, fn, options);
  }

  /**
   * Set a guest user's password (`guest-set-user-password`; base64 on the wire). The
   * password never appears in events, debug output or errors.
   *
   * @example
   * ```ts
   * await client.setUserPassword('alice', 'correct horse battery staple');
   * await client.setUserPassword('bob', '$6$salt$hash', { crypted: true });
   * ```
   */
  setUserPassword(user: string, password: string, options?: SetUserPasswordOptions): Promise<void> {
    return setUserPasswordHelper(this, user, password, options);
  }

  /**
   * Shut the guest down (`guest-shutdown`, mode `powerdown` by default). Resolves when the
   * agent took the request (it answers only on failure); an error reply rejects.
   *
   * @example
   * ```ts
   * await client.shutdown({ mode: 'halt' });
   * ```
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    return shutdownHelper(this, options);
  }

  /**
   * Reboot the guest (`guest-shutdown` with mode `reboot`). Resolves when the agent took
   * the request; an error reply rejects.
   *
   * @example
   * ```ts
   * await client.reboot();
   * ```
   */
  reboot(options?: CallOptions): Promise<void> {
    return rebootHelper(this, options);
  }

  /**
   * Suspend the guest (`guest-suspend-ram`, `-disk` or `-hybrid`). Resolves when the agent
   * took the request; rejects when the guest cannot suspend that way.
   *
   * @example
   * ```ts
   * await client.suspend('ram');
   * ```
   */
  suspend(kind: SuspendKind, options?: CallOptions): Promise<void> {
    return suspendHelper(this, kind, options);
  }

  /**
   * The agent's `guest-info` (version and command list), fetched once per connection and
   * cached (`refresh: true` asks again).
   *
   * @example
   * ```ts
   * const { version } = await client.info();
   * ```
   */
  info(options?: InfoOptions): Promise<GuestAgentInfo> {
    return infoHelper(this, this.#agentInfo, options);
  }

  /**
   * What kind of guest this is: `family` (`'windows'` or `'posix'`), the agent's release
   * and the upstream QEMU release it behaves like (virtio-win's `108.0.2` behaves like
   * 9.0), and the `guest-get-osinfo` answer. Read once per connection from `guest-info`
   * and `guest-get-osinfo` (Windows answers `id: 'mswindows'`; without that command the
   * Windows-only `guest-get-devices` or a virtio-win version number tell), and forgotten on
   * reconnect with the rest of what the client knows about its agent.
   *
   * @example
   * ```ts
   * const os = await client.guestOs();
   * if (os.family === 'windows') await client.shell('Restart-Service Spooler');
   * console.log(os.agent.version, 'behaves like QEMU', os.agent.qemu);
   * ```
   */
  guestOs(options?: CallOptions): Promise<GuestOs> {
    return guestOsHelper(this, this.#session, options);
  }

  /**
   * A Windows guest's code pages: `oem` (what console programs print in: 437, 850, 866…)
   * and `ansi` (1252, 1251…), read once per connection from the registry with `reg.exe
   * query`. `undefined` on POSIX guests. The `'auto'`, `'oem'` and `'ansi'` exec encodings
   * use it; a `decode` hook can too.
   *
   * @example
   * ```ts
   * const pages = await client.guestCodePages();
   * const res = await client.exec(['ipconfig'], { decode: (bytes) => iconv.decode(bytes, `cp${pages?.oem ?? 437}`) });
   * ```
   */
  guestCodePages(options?: CallOptions): Promise<GuestCodePages | undefined> {
    return guestCodePagesHelper(this, this.#session, options);
  }

  /**
   * True when the agent has `command` and it is enabled (from the cached `guest-info`).
   *
   * @example
   * ```ts
   * if (await client.supports('guest-exec')) await client.exec(['true']);
   * ```
   */
  supports(command: string, options?: CallOptions): Promise<boolean> {
    return supportsHelper(this, command, options);
  }

  #assertOpen(): void {
    this.#caller.assertOpen();
  }
}

function noWatch(): void {}
