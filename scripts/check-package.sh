#!/usr/bin/env bash
# Packaging checks: the tarball holds only what users need, its types resolve under every
# module system (attw), its package.json is consistent (publint), and both an ESM and a
# CJS project can install it and talk to the simulated agent — with error classes that
# `instanceof` across the two builds, for prototypes and users' own subclasses too.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f dist/index.js ] || npm run -s build

echo "--- npm pack contents"
files=$(npm pack --dry-run --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const f of JSON.parse(s)[0].files)console.log(f.path)})')
printf '%s\n' "$files"
unexpected=$(printf '%s\n' "$files" | grep -vE '^(dist/.*|README\.md|LICENSE|CHANGELOG\.md|package\.json)$' || true)
if [ -n "$unexpected" ]; then echo "unexpected files in the package:"; printf '%s\n' "$unexpected"; exit 1; fi
for f in README.md LICENSE CHANGELOG.md dist/index.js dist/index.cjs dist/index.d.ts dist/index.d.cts dist/testing/index.js dist/testing/index.cjs; do
  printf '%s\n' "$files" | grep -qx "$f" || { echo "missing from the package: $f"; exit 1; }
done

echo "--- attw"
# node10 resolution (TypeScript moduleResolution "node") has no subpath exports; the
# package needs Node >= 20.19, whose resolution is checked by the node16 profile.
npx attw --pack . --profile node16 --format table-flipped
echo "--- publint"
npx publint --strict

echo "--- install the tarball into ESM and CJS projects"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
mkdir -p "$work/esm" "$work/cjs"
for kind in esm cjs; do
  (cd "$work/$kind" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "../$tarball" >/dev/null)
done
cat >"$work/esm/smoke.mjs" <<'JS'
import { QgaClient, QgaError, QgaCommandError, QgaTimeoutError } from 'qga-client';
import { SimulatedAgent } from 'qga-client/testing';
import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('qga-client');
const agent = await SimulatedAgent.start();
const client = await QgaClient.connect({ path: agent.path });
await client.ping();
const host = await client.guestGetHostName();
const err = await client.call('guest-no-such-command').catch((e) => e);
if (!(err instanceof QgaCommandError) || !(err instanceof cjs.QgaCommandError) || !(err instanceof cjs.QgaError) || err.code !== 'QGA_COMMAND') {
  throw new Error('error classes do not match across ESM and CJS');
}
// The brand is inherited: prototypes and a user's subclass of the other build's class count.
class SlowGuest extends cjs.QgaTimeoutError {}
const slow = new SlowGuest('guest-exec-status', 10);
const inherited = [
  cjs.QgaConnectionError.prototype instanceof QgaError,
  QgaCommandError.prototype instanceof cjs.QgaError,
  slow instanceof QgaError,
  slow instanceof QgaTimeoutError,
  slow instanceof SlowGuest,
  !(new QgaTimeoutError('guest-ping', 1) instanceof SlowGuest),
];
if (inherited.includes(false)) throw new Error(`inherited brands across ESM and CJS: ${inherited.join(' ')}`);
await client.close();
await agent.stop();
console.log('esm ok:', host['host-name'], QgaError.name);
JS
cat >"$work/cjs/smoke.cjs" <<'JS'
const { QgaClient, QgaCommandError, QgaError } = require('qga-client');
const { SimulatedAgent } = require('qga-client/testing');
(async () => {
  const esm = await import('qga-client');
  const agent = await SimulatedAgent.start();
  const client = await QgaClient.connect({ path: agent.path });
  await client.ping();
  const err = await client.call('guest-no-such-command').catch((e) => e);
  if (!(err instanceof QgaCommandError) || !(err instanceof esm.QgaCommandError)) throw new Error('instanceof across builds failed');
  class Retryable extends esm.QgaConnectionError {}
  const inherited = [
    esm.QgaExecError.prototype instanceof QgaError,
    new Retryable('lost') instanceof QgaError,
    new Retryable('lost') instanceof esm.QgaConnectionError,
  ];
  if (inherited.includes(false)) throw new Error(`inherited brands across CJS and ESM: ${inherited.join(' ')}`);
  await client.close();
  await agent.stop();
  console.log('cjs ok:', err.code);
})().catch((e) => { console.error(e); process.exit(1); });
JS
(cd "$work/esm" && node smoke.mjs)
(cd "$work/cjs" && node smoke.cjs)
