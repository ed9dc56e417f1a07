/**
 * Set a guest user's password: `guest-set-user-password`. The password is read from
 * standard input, never from the command line (where other users could see it), and the
 * client keeps it out of events, debug output and error messages.
 *
 *   printf '%s' 'correct horse battery staple' | npx tsx examples/set-password.ts alice
 */
import type { QgaClient } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/**
 * Set `user`'s password. Pass `crypted: true` when `password` is already a crypt(3)
 * hash such as `$6$…`.
 *
 * @example
 * ```ts
 * await setPassword(client, 'alice', 'correct horse battery staple');
 * await setPassword(client, 'bob', '$6$rounds=5000$salt$hash', { crypted: true });
 * ```
 */
export async function setPassword(client: QgaClient, user: string, password: string, options: { crypted?: boolean } = {}): Promise<void> {
  if (password === '') throw new Error('refusing to set an empty password');
  await client.setUserPassword(user, password, { crypted: options.crypted ?? false, timeout: 30_000 });
}

/** All of standard input as text, without the final newline. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

if (isMain(import.meta.url)) {
  const user = process.argv[2];
  if (!user) fail(new Error('usage: set-password.ts USER < password'));
  const password = await readStdin();
  await withClient((client) => setPassword(client, user, password)).catch(fail);
  console.log(`password of ${user} changed`);
}
