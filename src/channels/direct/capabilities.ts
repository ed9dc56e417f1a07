/**
 * What the direct channel carries: whatever the agent itself accepts.
 * @module
 */
import type { ChannelCapabilities } from '../channel.js';

const MiB = 1024 * 1024;

/**
 * The agent refuses a request whose JSON tokens exceed 64 MiB (`MAX_TOKEN_SIZE`,
 * `qobject/json-streamer.c`).
 */
export const AGENT_MAX_REQUEST_BYTES = 64 * MiB;
/** `GUEST_FILE_READ_COUNT_MAX` in `qga/commands.c`: a larger `count` is refused. */
export const AGENT_MAX_READ_CHUNK = 48 * MiB;
/**
 * A `guest-file-write` request carries the data base64-encoded: 48 MiB of data is exactly
 * 64 MiB of base64, so leave room for the rest of the message.
 */
export const AGENT_MAX_WRITE_CHUNK = 48 * MiB - 64 * 1024;
/** The agent caps each captured output stream of `guest-exec` at 16 MiB (`GUEST_EXEC_MAX_OUTPUT`). */
export const AGENT_MAX_EXEC_OUTPUT = 16 * MiB;
/**
 * Bytes per file call by default: over virtio-serial 1 MiB is as fast as any larger size
 * and keeps memory small (bench/cases/files.ts, docs/performance.md).
 */
export const DEFAULT_FILE_CHUNK = MiB;

/** The direct channel's capabilities for a client whose largest accepted reply is `maxReplyBytes`. */
export function directCapabilities(maxReplyBytes: number): ChannelCapabilities {
  return {
    kind: 'direct',
    commands: undefined,
    noReply: 'probe',
    fileHandles: true,
    limits: {
      maxRequestBytes: AGENT_MAX_REQUEST_BYTES,
      maxReplyBytes,
      fileReadChunk: DEFAULT_FILE_CHUNK,
      maxFileReadChunk: AGENT_MAX_READ_CHUNK,
      fileWriteChunk: DEFAULT_FILE_CHUNK,
      maxFileWriteChunk: AGENT_MAX_WRITE_CHUNK,
      maxExecOutputBytes: AGENT_MAX_EXEC_OUTPUT,
    },
  };
}
