/**
 * Run a program in the guest and get its exit code and output: `guest-exec` +
 * `guest-exec-status`, polled until it exits. No shell is involved: give the program and
 * its arguments.
 *
 *   npx tsx examples/exec.ts uname -a
 *   QGA_SOCKET=/run/vm1/qga.sock npx tsx examples/exec.ts /bin/sh -c 'df -h /'
 */
import type { ExecResult, QgaClient } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/**
 * Run `argv` in the guest and wait for it, at most `timeout` ms (then the guest process
 * is killed). A non-zero exit resolves; look at `exitCode`.
 *
 * @example
 * ```ts
 * const { exitCode, stdout } = await run(client, ['uname', '-r']);
 * const sorted = await run(client, ['sort'], { input: 'b\na\n' });
 * ```
 */
export async function run(client: QgaClient, argv: readonly string[], options: { input?: string; timeout?: number } = {}): Promise<ExecResult> {
  return await client.exec(argv, { input: options.input, timeout: options.timeout ?? 60_000, killOnAbandon: true });
}

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv.length === 0) fail(new Error('usage: exec.ts PROGRAM [ARG...]'));
  const result = await withClient((client) => run(client, argv)).catch(fail);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode ?? 128 + (result.signal ?? 0);
}
