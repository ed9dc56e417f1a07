/**
 * What the libvirt channel carries, and why each figure is what it is (libvirt 9.0.0,
 * qemu-ga 7.2; measured against a real libvirtd, see docs/connecting.md).
 * @module
 */
import type { ChannelCapabilities } from '../channel.js';
import { REMOTE_STRING_MAX } from './procedures.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The largest request sent through libvirt. libvirt itself takes a command string of up to
 * 4 MiB, but writes it to the agent's socket with `safewrite()` on a non-blocking fd
 * (qemu_agent.c, qemuAgentIOWrite): when a write is partial and the next one meets EAGAIN,
 * the bytes already written are forgotten and the command is written again from its start,
 * so the agent receives a corrupted stream, the call times out and the agent stays "not
 * available" for seconds. A command is safe only when the kernel takes it in one write:
 * 219,264 bytes into an empty unix socket with Linux's default `wmem_default` (212,992),
 * observed with strace on libvirtd (a 273,140-byte command: 219,264 written, EAGAIN,
 * rewritten from offset 0). Requests stay 10 % below that.
 */
export const LIBVIRT_MAX_REQUEST_BYTES = 192 * KiB;
/** The reply travels as one `remote_string`: at most `REMOTE_STRING_MAX` bytes. */
export const LIBVIRT_MAX_REPLY_BYTES = REMOTE_STRING_MAX;
/**
 * guest-file-read: 1 MiB is the fastest chunk through libvirt (8.3–8.9 MiB/s against 7.3–8.0
 * at the 3 MiB maximum; libvirtd reads agent replies 1 KiB at a time and re-serialises them).
 */
export const LIBVIRT_FILE_READ_CHUNK = MiB;
/**
 * A `count` whose reply (`{"return":{"count":N,"buf-b64":"…","eof":false}}`, 4·⌈N/3⌉ + 50
 * bytes) still fits in 4 MiB: 3,145,686 was measured as the last one that works (one more
 * byte: "Unable to encode message payload" *after* the guest read the data, which is lost).
 * 4 KiB are kept for an agent whose reply carries more members.
 */
export const LIBVIRT_MAX_FILE_READ_CHUNK = 3 * MiB - 4 * KiB;
/**
 * guest-file-write sends its data as base64 in the request, so the request limit above
 * bounds it: 140 KiB is 191,148 base64 bytes plus the envelope, under 192 KiB. The default
 * of 128 KiB (a 174,850-byte request, 80 % of one socket write) is the one measured with no
 * failure in 200 writes; 176 KiB and above failed 1 in 3 with a 5 s timeout.
 */
export const LIBVIRT_MAX_FILE_WRITE_CHUNK = 140 * KiB;
export const LIBVIRT_FILE_WRITE_CHUNK = 128 * KiB;
/**
 * guest-exec-status returns both streams base64-encoded in one reply, which must fit in
 * 4 MiB: per stream half of it, less room for the other members, as data bytes.
 */
export const LIBVIRT_MAX_EXEC_OUTPUT = Math.floor((LIBVIRT_MAX_REPLY_BYTES - 256) / 2 / 4) * 3;

/**
 * Commands that must never go through libvirt: `guest-sync-delimited` makes the agent
 * answer with a 0xFF byte, which libvirt cannot parse; it then refuses every later command
 * for the domain ("QEMU guest agent is not available due to an error") until the agent
 * reconnects. libvirt synchronises with the agent by itself.
 */
export const LIBVIRT_REFUSED_COMMANDS: ReadonlySet<string> = new Set(['guest-sync-delimited']);

/** The libvirt channel's capabilities for a client accepting replies up to `maxReplyBytes`. */
export function libvirtCapabilities(maxReplyBytes: number): ChannelCapabilities {
  return {
    kind: 'libvirt',
    commands: undefined,
    refused: LIBVIRT_REFUSED_COMMANDS,
    noReply: 'manager',
    fileHandles: true,
    limits: {
      maxRequestBytes: LIBVIRT_MAX_REQUEST_BYTES,
      maxReplyBytes: Math.min(maxReplyBytes, LIBVIRT_MAX_REPLY_BYTES),
      fileReadChunk: LIBVIRT_FILE_READ_CHUNK,
      maxFileReadChunk: LIBVIRT_MAX_FILE_READ_CHUNK,
      fileWriteChunk: LIBVIRT_FILE_WRITE_CHUNK,
      maxFileWriteChunk: LIBVIRT_MAX_FILE_WRITE_CHUNK,
      maxExecOutputBytes: LIBVIRT_MAX_EXEC_OUTPUT,
    },
  };
}
