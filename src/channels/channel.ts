/**
 * The seam between the client and the ways of reaching an agent: "one command in, one
 * reply or error out". The client (generated methods, helpers, events, validation) is
 * written against {@link QgaChannel} only; each channel owns how the command travels:
 *
 * - direct: Transport → framer → serial queue, resynchronising with guest-sync-delimited;
 * - libvirt: libvirt's RPC protocol to a libvirtd that owns the agent socket;
 * - proxmox: Proxmox VE's REST API, which opens the agent socket per command.
 *
 * A channel also says what it can carry ({@link ChannelCapabilities}): the helpers size
 * file chunks and exec output from its limits, and the client refuses a command the
 * channel cannot carry before anything is sent.
 * @module
 */
import type { QueueCallOptions, ResyncInfo } from '../protocol/request-queue.js';

/** Which way a client reaches its agent. */
export type ChannelKind = 'direct' | 'libvirt' | 'proxmox';

/** One agent command, with QGA wire names. */
export interface ChannelRequest {
  /** Wire name, e.g. `guest-ping`. */
  readonly execute: string;
  /** The command's arguments, wire names unchanged. */
  readonly arguments?: Record<string, unknown> | undefined;
}

/**
 * How one command is to be carried: the direct channel's request queue defines it, and
 * every channel takes the same.
 */
export type ChannelCallOptions = QueueCallOptions;

/**
 * What one channel can move. Sizes are bytes; chunk sizes count file data (before base64),
 * so `guest-file-read` `count` and the decoded length of a `guest-file-write` chunk.
 */
export interface ChannelLimits {
  /** Largest encoded request the channel carries. */
  readonly maxRequestBytes: number;
  /** Largest reply the channel carries (the client's `maxReplyBytes` may lower it further). */
  readonly maxReplyBytes: number;
  /** The read chunk the file helpers use by default: safe and fast on this channel. */
  readonly fileReadChunk: number;
  /** The largest read chunk that never loses data on this channel. */
  readonly maxFileReadChunk: number;
  /** The write chunk the file helpers use by default. */
  readonly fileWriteChunk: number;
  /** The largest write chunk the channel carries. */
  readonly maxFileWriteChunk: number;
  /**
   * Output bytes per stream that one guest-exec-status reply can bring back through this
   * channel; the agent itself caps each stream at 16 MiB.
   */
  readonly maxExecOutputBytes: number;
}

/**
 * How a command the agent answers only on failure ends on this channel:
 * - `probe`: a guest-sync goes out behind it; its answer means the command was taken (direct);
 * - `manager`: the manager reports the outcome (libvirt's shutdown/reboot procedures,
 *   Proxmox's endpoint returning).
 */
export type NoReplyEnding = 'probe' | 'manager';

/**
 * What a channel can carry (`client.capabilities`).
 *
 * @example
 * ```ts
 * const { kind, commands, limits } = client.capabilities;
 * if (commands && !commands.has('guest-get-disks')) console.log(`${kind} cannot ask for disks`);
 * console.log('reads in chunks of', limits.fileReadChunk);
 * ```
 */
export interface ChannelCapabilities {
  /** Which way the client reaches its agent. */
  readonly kind: ChannelKind;
  /**
   * The commands the channel can carry, or `undefined` when it passes any command through
   * (direct, libvirt). Others are refused before anything is sent.
   */
  readonly commands: ReadonlySet<string> | undefined;
  /**
   * Commands the channel refuses although it passes others through: through libvirt,
   * `guest-sync-delimited` (its 0xFF reply breaks libvirt's agent channel for the domain).
   * Refused before anything is sent, like commands outside {@link commands}.
   */
  readonly refused?: ReadonlySet<string> | undefined;
  /** The sizes the channel moves. */
  readonly limits: ChannelLimits;
  /** How commands the agent answers only on failure end. */
  readonly noReply: NoReplyEnding;
  /**
   * True when guest-file-open handles are available. Proxmox has whole-file endpoints
   * instead; the file helpers then use the channel's whole-file access.
   */
  readonly fileHandles: boolean;
}

/** Payload of the client's `connect` event, reported by the channel. */
export interface ConnectEvent {
  /** The channel kind. */
  channel: ChannelKind;
  /** The channel, e.g. `unix socket /run/qga.sock` or `libvirt qemu:///system domain vm1`. */
  transport: string;
  /** ms spent opening the channel and reaching the agent (waiting for the agent included). */
  duration: number;
  /** Attempts made (more than one while waiting for the agent). */
  attempts: number;
  /** True when this is a reconnect after the channel was lost. */
  reconnected: boolean;
  /** Bytes the connect's resynchronisation threw away (direct only; 0 elsewhere). */
  discardedBytes: number;
  /** Whole messages the connect's resynchronisation threw away (direct only; 0 elsewhere). */
  discardedMessages: number;
}

/** Payload of the client's `reconnecting` event. */
export interface ReconnectEvent {
  /** 1 for the first attempt. */
  attempt: number;
  /** Attempts that will be made in all. */
  retries: number;
  /** How the channel was lost. */
  error: Error;
}

/** What a channel tells its client about its life. */
export interface ChannelHooks {
  connect(event: ConnectEvent): void;
  close(error?: Error): void;
  resync(info: ResyncInfo): void;
  reconnecting(event: ReconnectEvent): void;
}

/** Connect options every channel honours, after defaults (ms and bytes). */
export interface ChannelOptions {
  /** Default per-call timeout. */
  timeout: number;
  /** To open the channel and reach the agent. */
  connectTimeout: number;
  /** To keep trying while the agent does not answer yet; 0: one attempt. */
  waitForAgent: number;
  /** Largest single reply accepted. */
  maxReplyBytes: number;
  /** Reopen a lost channel. */
  reconnect: { retries: number; delay: number } | undefined;
}

/** Per-call options of {@link ChannelFileAccess} and {@link ChannelFileWriter}. */
export interface ChannelFileCallOptions {
  /** ms for this step. */
  timeout: number;
  signal?: AbortSignal | undefined;
}

/** A piece of a file read through {@link ChannelFileAccess.read}. */
export interface ChannelFileChunk {
  data: Buffer;
  /** The file ends after `data`. */
  eof: boolean;
}

/**
 * File access for channels without guest file handles (Proxmox, whose API reads and writes
 * whole files, each with its own limits). The file helpers use it when
 * {@link ChannelCapabilities.fileHandles} is false.
 *
 * Positional reads and staged writes rather than whole files in memory: the streams and
 * `download` / `upload` keep memory flat on every channel, and a write larger than one
 * request holds is staged by the channel so the target never holds a short file.
 */
export interface ChannelFileAccess {
  /**
   * Up to `count` bytes of `path` from `offset`. A channel that can only read a file
   * whole (Proxmox before qemu-server 9.1.5) answers offset 0 with the whole file and
   * `eof`, or rejects, naming its limit, when the file is larger than it can return.
   */
  read(path: string, position: { offset: number; count: number }, options: ChannelFileCallOptions): Promise<ChannelFileChunk>;
  /** Starts writing `path`: truncating it, or appending. Nothing reaches the guest file before `commit()` settles, except where the channel can write it in one step. */
  openWrite(path: string, options: { append: boolean }): ChannelFileWriter;
}

/** A write in progress through {@link ChannelFileAccess.openWrite}. */
export interface ChannelFileWriter {
  /** Takes the next bytes (held back, or sent in the channel's largest pieces). */
  write(data: Uint8Array, options: ChannelFileCallOptions): Promise<void>;
  /** Sends what is left and makes the file what was written. Rejects naming a limit it cannot get past. */
  commit(options: ChannelFileCallOptions): Promise<void>;
  /** Gives up: whatever was staged is removed, the target stays as it was. Idempotent; never rejects. */
  abort(): Promise<void>;
}

/**
 * One client's way to its agent. Calls on one channel are serialised in call order;
 * different channels (clients) run concurrently, also when they share a manager link.
 */
export interface QgaChannel {
  readonly capabilities: ChannelCapabilities;
  /** For messages, e.g. `unix socket /run/qga.sock`. */
  readonly description: string;
  /** True once closed or lost for good. */
  readonly closed: boolean;
  /** What the last (re)connect took. */
  readonly lastConnect: ConnectEvent | undefined;
  /** Present when {@link ChannelCapabilities.fileHandles} is false. */
  readonly files?: ChannelFileAccess | undefined;
  /**
   * Opens the channel and reaches the agent, waiting for it as the options say. Rejects
   * with `QgaConnectionError` (manager unreachable, domain/VM unknown or not running,
   * authentication refused, agent not answering) or `signal.reason`.
   */
  open(signal: AbortSignal | undefined): Promise<void>;
  /**
   * Carries one command; resolves with its `return` value. Rejects with `QgaCommandError`
   * (the agent's error, or a command the channel cannot carry, naming the channel),
   * `QgaTimeoutError`, `QgaConnectionError`, `QgaProtocolError` or `signal.reason`.
   */
  send(request: ChannelRequest, options: ChannelCallOptions): Promise<unknown>;
  /**
   * Makes sure nothing stale stands between the client and the agent (direct: 0xFF +
   * guest-sync-delimited; managers that sync themselves: a no-op or a cheap check).
   */
  sync(options: { timeout: number; signal?: AbortSignal | undefined }): Promise<void>;
  /** Closes; calls still waiting reject with `QgaConnectionError`. Idempotent. */
  close(): Promise<void>;
}
