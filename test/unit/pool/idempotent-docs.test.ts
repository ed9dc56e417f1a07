/** docs/many-guests.md lists which commands are retried: it must say what QGA_COMMANDS says. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QGA_COMMANDS } from '../../../src/index.js';

describe('the retry table in docs/many-guests.md', () => {
  it('lists every command on the side its idempotent flag puts it', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/many-guests.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `(guest-[a-z-]+)`[^|]*\| `(guest-[a-z-]+)`/gm)];
    const retried = rows.map((r) => r[1]!).sort();
    const never = rows.map((r) => r[2]!).sort();
    const all = Object.values(QGA_COMMANDS);
    expect(retried).toEqual(all.filter((c) => c.idempotent).map((c) => c.name).sort());
    expect(never).toEqual(all.filter((c) => !c.idempotent).map((c) => c.name).sort());
  });
});
