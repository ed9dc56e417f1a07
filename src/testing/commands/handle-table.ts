/**
 * The agent's table of open guest files: handles counted up from 1000 as qemu-ga does
 * (`guest_file_handle_add`), an unknown handle refused with the agent's own text, and
 * every file closed when the agent exits. Shared by the Linux and Windows profiles.
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { genericError } from '../errors.js';

export class HandleTable<File extends { readonly fh: FileHandle }> {
  readonly #files = new Map<bigint, File>();
  #next = 1000n;

  add(file: File): bigint {
    const handle = this.#next++;
    this.#files.set(handle, file);
    return handle;
  }

  get(handle: bigint): File {
    const file = this.#files.get(handle);
    if (!file) throw genericError(`handle '${handle}' has not been found`);
    return file;
  }

  remove(handle: bigint): void {
    this.#files.delete(handle);
  }

  /** The open files that match. */
  filter(predicate: (file: File) => boolean): File[] {
    return [...this.#files.values()].filter(predicate);
  }

  get size(): number {
    return this.#files.size;
  }

  /** Close every handle (agent exit). */
  async closeAll(): Promise<void> {
    const files = [...this.#files.values()];
    this.#files.clear();
    await Promise.allSettled(files.map((f) => f.fh.close()));
  }
}
