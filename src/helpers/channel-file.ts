/**
 * A {@link GuestFile} over a channel's file access, for channels without guest file handles
 * (Proxmox: whole-file endpoints with limits of their own). Reads go by offset, writes are
 * handed to the channel, which holds them back or stages them, and `close()` commits: so
 * `readFile`, `writeFile`, the streams and the transfers work unchanged on such a channel.
 * @module
 */
import type { ChannelFileAccess, ChannelFileWriter } from '../channels/channel.js';
import type { QgaClient } from '../client/qga-client.js';
import { QgaCommandError } from '../errors.js';
import type { GuestFile, GuestFileChunk } from './file-handle.js';
import type { GuestFileMode } from './file-options.js';

/** Commits of staged files end with a rename or copy in the guest: at least this long (ms). */
const MIN_COMMIT_TIMEOUT = 30_000;

/** Opens `path` through the client's channel file access; nothing is sent yet. */
export function openChannelFile(client: QgaClient, path: string, mode: GuestFileMode, timeout: number | undefined): GuestFile {
  const files = client.channelFiles;
  const kind = client.capabilities.kind;
  if (files === undefined) throw new QgaCommandError('guest-file-open', 'CommandNotFound', `the ${kind} channel has neither file handles nor file access`);
  if (mode.includes('+')) {
    throw new QgaCommandError('guest-file-open', 'GenericError', `the ${kind} channel reads and writes whole files; mode '${mode}' (read and write on one handle) cannot be had; not sent`);
  }
  const perCall = timeout ?? client.defaultTimeout;
  return new ChannelFile(files, path, mode.startsWith('r') ? 'read' : mode.startsWith('a') ? 'append' : 'write', perCall);
}

class ChannelFile implements GuestFile {
  readonly path: string;
  readonly #files: ChannelFileAccess;
  readonly #timeout: number;
  readonly #writer: ChannelFileWriter | undefined;
  #offset = 0;
  #closing: Promise<void> | undefined;

  constructor(files: ChannelFileAccess, path: string, how: 'read' | 'write' | 'append', timeout: number) {
    this.path = path;
    this.#files = files;
    this.#timeout = timeout;
    this.#writer = how === 'read' ? undefined : files.openWrite(path, { append: how === 'append' });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  async read(count: number, signal?: AbortSignal): Promise<GuestFileChunk> {
    const chunk = await this.#files.read(this.path, { offset: this.#offset, count }, { timeout: this.#timeout, signal });
    this.#offset += chunk.data.length;
    return chunk;
  }

  write(data: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (!this.#writer) return Promise.reject(new TypeError(`${this.path} was opened for reading`));
    return this.#writer.write(data, { timeout: this.#timeout, signal });
  }

  /** No stat through these channels: the size stays unknown (progress reports `total: undefined`). */
  size(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  close(): Promise<void> {
    this.#closing ??= this.#writer ? this.#writer.commit({ timeout: Math.max(this.#timeout, MIN_COMMIT_TIMEOUT) }) : Promise.resolve();
    return this.#closing;
  }

  closeAfterFailure(): Promise<void> {
    this.#closing ??= this.#writer ? this.#writer.abort() : Promise.resolve();
    return this.#closing.catch(() => undefined);
  }
}
