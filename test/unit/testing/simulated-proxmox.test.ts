import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startPve } from '../../support/proxmox.js';
import { rawRequest } from '../../support/proxmox-raw.js';

const AGENT = '/nodes/pve1/qemu/100/agent';

async function sim(options: Parameters<typeof startPve>[0] = {}) {
  const s = await startPve(options);
  const auth = `PVEAPIToken=${s.token}`;
  return { ...s, auth, get: (path: string) => rawRequest(s.pve, 'GET', path, { authorization: auth }), post: (path: string, body: unknown) => rawRequest(s.pve, 'POST', path, { authorization: auth, body }) };
}

describe('the simulated Proxmox, as a client sees it on the wire', () => {
  it('answers {"data": …} as application/json;charset=UTF-8, with result only on the simple commands', async () => {
    const s = await sim({ agentOptions: { hostName: 'h1' } });
    const reply = await s.get(`${AGENT}/get-host-name`);
    expect(reply.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(reply.json).toEqual({ data: { result: { 'host-name': 'h1' } } });
    s.agent!.handleExec('x', () => ({ stdout: Buffer.from([0xe9, 0x0a, 0x01]), exitCode: 0 }));
    const { json } = await s.post(`${AGENT}/exec`, { command: ['x'] });
    expect(json).toEqual({ data: { pid: expect.any(Number) } });
    const pid = (json as { data: { pid: number } }).data.pid;
    let status = await s.get(`${AGENT}/exec-status?pid=${pid}`);
    // The scripted process ends on its own schedule: ask until it has.
    while ((status.json as { data: { exited: number } }).data.exited === 0) status = await s.get(`${AGENT}/exec-status?pid=${pid}`);
    // Booleans as 1/0, output as a byte string: é (0xE9) as two UTF-8 bytes, control bytes escaped.
    expect(status.json).toEqual({ data: { exited: 1, exitcode: 0, 'out-data': '\u00e9\n\u0001', 'out-truncated': 0 } });
    expect(status.text).toContain('"out-data":"\u00e9\\n\\u0001"');
  });

  it('keeps get-time an exact integer literal beyond 2^53', async () => {
    const s = await sim({ agentOptions: { clock: () => 1_796_500_035_598_561_234n } });
    expect((await s.get(`${AGENT}/get-time`)).text).toBe('{"data":{"result":1796500035598561234}}');
  });

  it('lists the 25 agent endpoints, sorted', async () => {
    const s = await sim();
    const names = ((await s.get(AGENT)).json as { data: { name: string }[] }).data.map((e) => e.name);
    expect(names).toHaveLength(25);
    expect(names).toEqual([...names].sort());
    expect(names.slice(0, 4)).toEqual(['exec', 'exec-status', 'file-read', 'file-write']);
  });

  it('refuses a wrong method with 501 and pveproxy\'s text; errors carry message and the reason phrase', async () => {
    const s = await sim();
    const reply = await s.get(`${AGENT}/ping`);
    expect(reply.status).toBe(501);
    expect(reply.reason).toBe("Method 'GET /nodes/pve1/qemu/100/agent/ping' not implemented");
    expect(reply.json).toEqual({ data: null, message: "Method 'GET /nodes/pve1/qemu/100/agent/ping' not implemented\n" });
    const old = await sim({ versions: { errorMessages: false } });
    expect((await old.get(`${AGENT}/ping`)).json).toEqual({ data: null });
  });

  it('401: empty body, Connection: close; "No ticket" without credentials, the old texts on request', async () => {
    const s = await sim();
    const none = await rawRequest(s.pve, 'POST', `${AGENT}/ping`);
    expect([none.status, none.reason, none.body.length, none.headers['connection']]).toEqual([401, 'No ticket', 0, 'close']);
    const bad = await rawRequest(s.pve, 'POST', `${AGENT}/ping`, { authorization: 'PVEAPIToken=automation@pve!qga=wrong' });
    expect(bad.reason).toBe('Authentication failed!');
    const old = await sim({ versions: { single401: false } });
    expect((await rawRequest(old.pve, 'POST', `${AGENT}/ping`, { authorization: 'PVEAPIToken=automation@pve!qga=wrong' })).reason).toBe('invalid token value!');
    expect((await rawRequest(old.pve, 'POST', `${AGENT}/ping`, { authorization: 'PVEAPIToken=x@pve!nope=s' })).reason).toBe("no such token 'nope' for user 'x@pve'");
  });

  it('a ticket POST without the CSRF token is refused; with it, it passes', async () => {
    const s = await sim({ users: { 'root@pam': 'pw' } });
    const login = (await rawRequest(s.pve, 'POST', '/access/ticket', { body: { username: 'root@pam', password: 'pw' } })).json as { data: { ticket: string; CSRFPreventionToken: string } };
    const cookie = `PVEAuthCookie=${encodeURIComponent(login.data.ticket)}`;
    expect((await rawRequest(s.pve, 'POST', `${AGENT}/ping`, { headers: { Cookie: cookie } })).reason).toBe('Permission denied - invalid csrf token');
    expect((await rawRequest(s.pve, 'GET', `${AGENT}/info`, { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await rawRequest(s.pve, 'POST', `${AGENT}/ping`, { headers: { Cookie: cookie, CSRFPreventionToken: login.data.CSRFPreventionToken } })).status).toBe(200);
  });

  it('validates with PVE::JSONSchema\'s texts, after the permission check', async () => {
    const s = await sim();
    const errors = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const reply = method === 'GET' ? await s.get(path) : await s.post(path, body);
      expect([reply.status, reply.reason]).toEqual([400, 'Parameter verification failed.']);
      return (reply.json as { errors: Record<string, string> }).errors;
    };
    expect(await errors('GET', `${AGENT}/exec-status`)).toEqual({ pid: 'property is missing and it is not optional\n' });
    expect(await errors('GET', `${AGENT}/exec-status?pid=x`)).toEqual({ pid: "type check ('integer') failed - got 'x'\n" });
    expect(await errors('POST', `${AGENT}/file-write`, { file: '/f', content: 'x'.repeat(61_441) })).toEqual({ content: 'value may only be 61440 characters long\n' });
    expect(await errors('POST', `${AGENT}/set-user-password`, { username: 'u', password: 'abcd' })).toEqual({ password: 'value must be at least 5 characters long\n' });
    expect(await errors('GET', `${AGENT}/file-read?file=/f&count=16777217`)).toEqual({ count: 'value must have a maximum value of 16777216\n' });
    expect(await errors('GET', `${AGENT}/file-read?file=/f&decode=true`)).toEqual({ decode: "type check ('boolean') failed - got 'true'\n" });
    expect(await errors('POST', `${AGENT}/ping`, { extra: 1 })).toEqual({ extra: 'property is not defined in schema and the schema does not allow additional properties\n' });
    expect(await errors('POST', `${AGENT}/exec`, { command: ['x'], 'input-data': 'x'.repeat(65_537) })).toEqual({ 'input-data': 'value may only be 65536 characters long\n' });
    const generic = await errors('POST', AGENT, { command: 'exec' });
    expect(generic['command']).toMatch(/^value 'exec' does not have a value in the enumeration 'fsfreeze-freeze, fsfreeze-status, .*suspend-ram'\n$/);
    const nobody = s.pve.addToken('nobody@pve!tok');
    const denied = await rawRequest(s.pve, 'GET', `${AGENT}/exec-status?pid=x`, { authorization: `PVEAPIToken=${nobody}` });
    expect([denied.status, (denied.json as { message: string }).message]).toEqual([403, 'Permission check failed (/vms/100, VM.GuestAgent.Unrestricted)\n']);
  });

  it('refuses a body over the limit with 501 "for data too large" as plain text', async () => {
    const s = await sim({ versions: { bodyLimit: 64 * 1024 } });
    const reply = await rawRequest(s.pve, 'POST', `${AGENT}/file-write`, { authorization: s.auth, body: { file: '/f', content: 'x'.repeat(61_440) + '\u00ff'.repeat(4000) } });
    expect([reply.status, reply.reason, reply.headers['content-type'], reply.text]).toEqual([501, 'for data too large', 'text/plain', 'for data too large']);
  });

  it('file-read with decode=0 concatenates per-MiB base64, padding inside; truncated whenever EOF was not seen', async () => {
    const s = await sim();
    const data = randomBytes(1024 * 1024 + 10);
    await fsp.writeFile(s.agent!.hostPath('/tmp/f'), data);
    const raw = (await s.get(`${AGENT}/file-read?file=/tmp/f&decode=0`)).json as { data: { content: string; 'bytes-read': number; truncated?: number } };
    expect(raw.data['bytes-read']).toBe(data.length);
    expect(raw.data.truncated).toBeUndefined();
    expect(raw.data.content.indexOf('=')).toBeLessThan(raw.data.content.length - 4); // padding mid-string: the trap
    expect(Buffer.from(raw.data.content, 'base64').length).toBeLessThan(data.length); // a naive decoder stops there
    const exact = (await s.get(`${AGENT}/file-read?file=/tmp/f&count=${data.length}`)).json as { data: { truncated?: number } };
    expect(exact.data.truncated).toBe(1); // the rest read exactly, EOF not seen
    const past = (await s.get(`${AGENT}/file-read?file=/tmp/f&offset=${data.length + 5}`)).json;
    expect(past).toEqual({ data: { content: '', 'bytes-read': 0 } });
  });

  it('file-write dies on a character above U+00FF (encode=1) and writes bytes for the rest', async () => {
    const s = await sim();
    const wide = await s.post(`${AGENT}/file-write`, { file: '/tmp/w', content: 'caf\u00e9 ✓' });
    expect(wide.status).toBe(500);
    expect((wide.json as { message: string }).message).toMatch(/^Wide character in subroutine entry/);
    expect((await s.post(`${AGENT}/file-write`, { file: '/tmp/w', content: 'caf\u00e9' })).json).toEqual({ data: null });
    expect(await fsp.readFile(s.agent!.hostPath('/tmp/w'))).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  });

  it('refuses a GET with a body', async () => {
    const s = await sim();
    expect((await rawRequest(s.pve, 'GET', `${AGENT}/info`, { authorization: s.auth, body: { a: 1 } })).status).toBe(501);
  });

  it('serves one agent command per VM at a time: a concurrent call fails its pre-check ping', async () => {
    const s = await sim();
    s.agent!.injectFault({ kind: 'delay', ms: 2_500 }, { command: 'guest-get-host-name' });
    const slow = s.get(`${AGENT}/get-host-name`);
    await new Promise((r) => setTimeout(r, 200));
    const other = await s.post(`${AGENT}/ping`, {});
    expect([other.status, (other.json as { message: string }).message]).toEqual([500, 'QEMU guest agent is not running\n']);
    expect((await slow).status).toBe(200);
  });
});
