/**
 * Windows exit statuses. `GetExitCodeProcess` gives a DWORD; qemu-ga stores it in a signed
 * int and reports values at or above 0xC0000000 (NTSTATUS errors: a crash, a missing DLL)
 * as `signal`, the rest as `exitcode` (`qga/commands.c:guest_exec_child_watch` with the
 * Windows `WIFSIGNALED` of `qga/commands-win32.c`'s build). Both arrive negative when the
 * top bit is set: 0xC0000005 as `signal: -1073741819`, `exit(-1)` as `signal: -1`,
 * 0x80070005 as `exitcode: -2147024891`. Nothing here is a POSIX signal, so the client
 * reports the unsigned 32-bit code, as Windows and Node on Windows do.
 * @module
 */

/** An exit by an NTSTATUS error code (≥ 0xC0000000). */
export interface NtStatus {
  /** The unsigned 32-bit status, e.g. `3221225477` (0xC0000005). */
  readonly code: number;
  /** The status in hex as Windows writes it, e.g. `0xC0000005`. */
  readonly hex: string;
  /** Its symbolic name for the common ones, e.g. `STATUS_ACCESS_VIOLATION`. */
  readonly name: string | undefined;
}

/** First NTSTATUS error value: severity bits 11. */
export const NT_ERROR_MIN = 0xc0000000;

/** The statuses Windows processes commonly end with (ntstatus.h). */
const NAMES: Readonly<Record<number, string>> = Object.freeze({
  0xc0000005: 'STATUS_ACCESS_VIOLATION',
  0xc0000006: 'STATUS_IN_PAGE_ERROR',
  0xc0000008: 'STATUS_INVALID_HANDLE',
  0xc000000d: 'STATUS_INVALID_PARAMETER',
  0xc0000017: 'STATUS_NO_MEMORY',
  0xc000001d: 'STATUS_ILLEGAL_INSTRUCTION',
  0xc0000022: 'STATUS_ACCESS_DENIED',
  0xc0000025: 'STATUS_NONCONTINUABLE_EXCEPTION',
  0xc000007b: 'STATUS_INVALID_IMAGE_FORMAT',
  0xc000008c: 'STATUS_ARRAY_BOUNDS_EXCEEDED',
  0xc000008e: 'STATUS_FLOAT_DIVIDE_BY_ZERO',
  0xc0000090: 'STATUS_FLOAT_INVALID_OPERATION',
  0xc0000091: 'STATUS_FLOAT_OVERFLOW',
  0xc0000094: 'STATUS_INTEGER_DIVIDE_BY_ZERO',
  0xc0000095: 'STATUS_INTEGER_OVERFLOW',
  0xc0000096: 'STATUS_PRIVILEGED_INSTRUCTION',
  0xc00000fd: 'STATUS_STACK_OVERFLOW',
  0xc0000135: 'STATUS_DLL_NOT_FOUND',
  0xc0000138: 'STATUS_ORDINAL_NOT_FOUND',
  0xc0000139: 'STATUS_ENTRYPOINT_NOT_FOUND',
  0xc000013a: 'STATUS_CONTROL_C_EXIT',
  0xc0000142: 'STATUS_DLL_INIT_FAILED',
  0xc0000374: 'STATUS_HEAP_CORRUPTION',
  0xc0000409: 'STATUS_STACK_BUFFER_OVERRUN',
  0xc0000417: 'STATUS_INVALID_CRUNTIME_PARAMETER',
  0xc0000420: 'STATUS_ASSERTION_FAILURE',
});

/** `0xC0000005` for 3221225477. */
export function ntStatusHex(code: number): string {
  return `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * Describe an unsigned exit code; `undefined` below 0xC0000000 (an ordinary exit code).
 *
 * @example
 * ```ts
 * ntStatus(0xc0000005); // { code: 3221225477, hex: '0xC0000005', name: 'STATUS_ACCESS_VIOLATION' }
 * ```
 */
export function ntStatus(code: number): NtStatus | undefined {
  const unsigned = code >>> 0;
  if (unsigned < NT_ERROR_MIN) return undefined;
  return { code: unsigned, hex: ntStatusHex(unsigned), name: NAMES[unsigned] };
}

/** The exit of a Windows process as the agent reported it. */
export interface WindowsExit {
  exitCode: number;
  ntStatus: NtStatus | undefined;
}

/**
 * Turn a status's `exitcode` / `signal` into the unsigned code, or `undefined` when the
 * values can only come from a POSIX guest (a positive signal, a non-negative exit code).
 * Negative values never come from POSIX agents: exit codes there are 0–255, signals 1–64.
 */
export function windowsExitOf(exitcode: number | undefined, signal: number | undefined): WindowsExit | undefined {
  if (typeof signal === 'number' && signal < 0) return { exitCode: signal >>> 0, ntStatus: ntStatus(signal) };
  if (typeof exitcode === 'number' && exitcode < 0) return { exitCode: exitcode >>> 0, ntStatus: ntStatus(exitcode) };
  return undefined;
}
