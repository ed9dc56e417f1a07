/**
 * How the libvirt channel uses libvirt's RPC, checked on the wire against the simulated
 * daemon: authentication paths, the agent command's timeout in seconds, shutdown through
 * libvirt's own procedures, waiting for the agent through events, what is never sent, and
 * how calls of one client and of several clients are ordered. (The same behaviours against
 * a real libvirtd: test/libvirt.)
 */
import { describe, expect, it } from 'vitest';
import { AgentLifecycleState, EventProc, Program, writeDomain } from '../../../../src/channels/libvirt/procedures.js';
import { LibvirtConnection, QgaClient, QgaCommandError, QgaConnectionError, QgaTimeoutError } from '../../../../src/index.js';
import { agentReply, FakeLibvirtd, remoteError } from '../../../support/fake-libvirtd.js';
import { fakeLibvirtdPerTest } from '../../../support/fake-libvirtd-per-test.js';

let daemon: FakeLibvirtd;
const { connect, track } = fakeLibvirtdPerTest((started) => (daemon = started));

const agentCalls = () => daemon.callsOf(Program.QEMU, 3);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('opening', () => {
  it('asks AUTH_LIST before CONNECT_OPEN, then looks the domain up and pings the agent once', async () => {
    const client = await connect();
    expect(daemon.calls.map((c) => `${c.header.prog === Program.QEMU ? 'Q' : 'R'}${c.header.proc}`)).toEqual(['R66', 'R60', 'R1', 'R23', 'Q3']);
    expect(agentCalls()[0]!.command).toBe('{"execute":"guest-ping"}');
    expect(client.connectInfo).toMatchObject({ channel: 'libvirt', attempts: 1, reconnected: false, transport: `libvirt ${daemon.uri} domain vm1` });
    expect(client.capabilities.kind).toBe('libvirt');
  });

  it('polkit: AUTH_POLKIT when libvirtd offers it, then open', async () => {
    daemon.on(Program.REMOTE, 66, () => ({ ok: (w) => w.array([2], 20, (ww, v) => ww.int(v)) }));
    daemon.on(Program.REMOTE, 70, () => ({ ok: (w) => w.int(1) }));
    await connect();
    expect(daemon.callsOf(Program.REMOTE, 70)).toHaveLength(1);
  });

  it('polkit refusing is QgaConnectionError "authentication refused"', async () => {
    daemon.on(Program.REMOTE, 66, () => ({ ok: (w) => w.array([2], 20, (ww, v) => ww.int(v)) }));
    daemon.on(Program.REMOTE, 70, () => remoteError(45, 0, 'authentication failed: access denied by policy'));
    await expect(connect()).rejects.toThrow(/authentication refused: authentication failed/);
  });

  it('only SASL offered: a clear error naming the ways that work', async () => {
    daemon.on(Program.REMOTE, 66, () => ({ ok: (w) => w.array([1], 20, (ww, v) => ww.int(v)) }));
    const error = await connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/SASL is not supported, use TLS or SSH/);
    expect(daemon.callsOf(Program.REMOTE, 1)).toHaveLength(0);
  });

  it('an unknown domain is QgaConnectionError at connect', async () => {
    daemon.on(Program.REMOTE, 23, () => remoteError(42, 10, "Domain not found: no domain with matching name 'nope'"));
    await expect(connect({}, { domain: 'nope' })).rejects.toThrow(/no such domain: Domain not found/);
  });

  it('a UUID is looked up by UUID', async () => {
    daemon.on(Program.REMOTE, 24, () => ({ ok: (w) => writeDomain(w, { name: 'vm1', uuid: Buffer.alloc(16, 0x22), id: 3 }) }));
    await connect({}, { domain: '22222222-2222-2222-2222-222222222222' });
    expect(daemon.callsOf(Program.REMOTE, 24)).toHaveLength(1);
    expect(daemon.callsOf(Program.REMOTE, 23)).toHaveLength(0);
  });

  it('agent not connected: QgaConnectionError at connect without waitForAgent', async () => {
    daemon.on(Program.QEMU, 3, () => remoteError(86, 10, 'Guest agent is not responding: QEMU guest agent is not connected'));
    await expect(connect()).rejects.toThrow(/guest agent is not connected/);
  });

  it('waitForAgent: waits for the AGENT_LIFECYCLE CONNECTED event, registered before the first ping, without polling', async () => {
    let connected = false;
    daemon.on(Program.QEMU, 3, () => (connected ? agentReply('{"return":{}}') : remoteError(86, 10, 'Guest agent is not responding: QEMU guest agent is not connected')));
    const pending = connect({ waitForAgent: 5_000 });
    await expect.poll(() => agentCalls().length).toBe(1);
    expect(daemon.callsOf(Program.REMOTE, 316)).toHaveLength(1);
    await sleep(300);
    expect(agentCalls()).toHaveLength(1); // no polling while waiting
    connected = true;
    daemon.event(Program.REMOTE, EventProc.AGENT_LIFECYCLE, (w) => {
      w.int(1);
      writeDomain(w, { name: 'vm1', uuid: Buffer.alloc(16, 0x11), id: 1 });
      w.int(AgentLifecycleState.CONNECTED).int(2);
    });
    const client = await pending;
    expect(client.connectInfo.attempts).toBe(2);
    await expect.poll(() => daemon.callsOf(Program.REMOTE, 317).length).toBe(1); // deregistered once connected
  });

  it('waitForAgent bounds the wait: QgaConnectionError when the event never comes', async () => {
    daemon.on(Program.QEMU, 3, () => remoteError(86, 10, 'Guest agent is not responding: QEMU guest agent is not connected'));
    const started = performance.now();
    await expect(connect({ waitForAgent: 400, connectTimeout: 400 })).rejects.toThrow(/did not answer within 400 ms/);
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});

describe('calls', () => {
  it('passes the timeout in whole seconds, rounded up, at least 1', async () => {
    const client = await connect();
    await client.ping({ timeout: 2500 });
    await client.ping({ timeout: 900 });
    await client.ping({ timeout: 7000 });
    expect(agentCalls().slice(1).map((c) => c.timeout)).toEqual([3, 1, 7]);
  });

  it('64-bit integers in replies arrive as bigint', async () => {
    daemon.on(Program.QEMU, 3, (call) => agentReply(call.command!.includes('get-time') ? '{"return":1796499290026318000}' : '{"return":{}}'));
    const client = await connect();
    await expect(client.call('guest-get-time')).resolves.toBe(1796499290026318000n);
  });

  it('the agent’s error (libvirt 1/10) is QgaCommandError with the agent’s desc', async () => {
    daemon.on(Program.QEMU, 3, (call) =>
      call.command!.includes('file-open')
        ? remoteError(1, 10, "internal error: unable to execute QEMU agent command 'guest-file-open': failed to open file '/x' (mode: 'r'): No such file or directory")
        : agentReply('{"return":{}}'),
    );
    const client = await connect();
    await expect(client.call('guest-file-open', { path: '/x' })).rejects.toMatchObject({
      name: 'QgaCommandError',
      command: 'guest-file-open',
      errorClass: 'GenericError',
      desc: "failed to open file '/x' (mode: 'r'): No such file or directory",
    });
  });

  it('another client holding the agent (68) is QgaTimeoutError saying so; the client stays usable', async () => {
    let held = true;
    daemon.on(Program.QEMU, 3, () =>
      held ? remoteError(68, 0, 'Timed out during operation: cannot acquire state change lock (held by agent=qemuDispatchDomainAgentCommand)') : agentReply('{"return":{}}'),
    );
    held = false;
    const client = await connect();
    held = true;
    const error = await client.ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as Error).message).toMatch(/another client holds this domain's guest agent/);
    held = false;
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('the agent gone later: that call is QgaConnectionError, the client stays usable', async () => {
    const client = await connect();
    daemon.on(Program.QEMU, 3, () => remoteError(86, 10, 'Guest agent is not responding: QEMU guest agent is not connected'));
    await expect(client.ping()).rejects.toThrow(QgaConnectionError);
    expect(client.closed).toBe(false);
    daemon.on(Program.QEMU, 3, () => agentReply('{"return":{}}'));
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('never sends guest-sync-delimited; supports() says false for it; sync() is a guest-ping', async () => {
    const client = await connect();
    await expect(client.call('guest-sync-delimited', { id: 1 })).rejects.toBeInstanceOf(QgaCommandError);
    await expect(client.supports('guest-sync-delimited')).resolves.toBe(false);
    await client.sync();
    expect(agentCalls().map((c) => c.command)).not.toContain(expect.stringContaining('delimited'));
    expect(agentCalls().at(-1)!.command).toBe('{"execute":"guest-ping"}');
  });

  it('a request above the safe size is refused before anything is sent', async () => {
    const client = await connect();
    const before = agentCalls().length;
    await expect(client.call('guest-exec', { path: '/bin/cat', 'input-data': 'A'.repeat(250_000) })).rejects.toThrow(/more than libvirt carries safely/);
    expect(agentCalls()).toHaveLength(before);
  });

  it('guest-shutdown goes through libvirt’s shutdown (powerdown) and reboot procedures in agent mode', async () => {
    daemon.on(Program.REMOTE, 258, () => ({ ok: () => undefined }));
    daemon.on(Program.REMOTE, 27, () => ({ ok: () => undefined }));
    const client = await connect();
    await client.shutdown();
    await client.reboot();
    const flags = (proc: number) => daemon.callsOf(Program.REMOTE, proc).map((c) => {
      c.args.string(1 << 22);
      c.args.opaque(16);
      c.args.int();
      return c.args.uint();
    });
    expect(flags(258)).toEqual([2]);
    expect(flags(27)).toEqual([2]);
  });

  it('halt and suspend: "agent disappeared" or libvirt’s timeout mean the command was taken', async () => {
    const client = await connect();
    daemon.on(Program.QEMU, 3, () => remoteError(86, 10, 'Guest agent is not responding: Guest agent disappeared while executing command'));
    await expect(client.shutdown({ mode: 'halt' })).resolves.toBeUndefined();
    daemon.on(Program.QEMU, 3, () => remoteError(86, 10, 'Guest agent is not responding: Guest agent not available for now'));
    await expect(client.suspend('ram', { timeout: 3000 })).resolves.toBeUndefined();
    // libvirt's wait ends before the call's own: 3000 ms → 2 s.
    expect(agentCalls().at(-1)!.timeout).toBe(2);
  });

  it('an abort rejects with signal.reason; a late result reaches onLateReply, never a later call', async () => {
    let release!: () => void;
    daemon.on(Program.QEMU, 3, async (call) => {
      if (call.command!.includes('file-open')) await new Promise<void>((resolve) => (release = resolve));
      return agentReply(call.command!.includes('file-open') ? '{"return":1000}' : '{"return":{}}');
    });
    const client = await connect();
    const controller = new AbortController();
    const late: unknown[] = [];
    const call = client.call('guest-file-open', { path: '/x' }, { signal: controller.signal, onLateReply: (v) => late.push(v) });
    await expect.poll(() => agentCalls().length).toBe(2);
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
    release();
    await expect(client.ping()).resolves.toBeUndefined();
    await expect.poll(() => late).toEqual([1000]);
  });
});

describe('large requests', () => {
  it('back-to-back and concurrent large requests each arrive intact (the request buffer is reused only once the socket took it)', async () => {
    const connection = await LibvirtConnection.open({ uri: daemon.uri });
    track(connection);
    const a = await connect({}, { connection, uri: undefined });
    const b = await connect({}, { domain: 'vm2', connection, uri: undefined });
    const payload = (client: string, i: number) => Buffer.alloc(100 * 1024, `${client}${i}`).toString('base64');
    await Promise.all(
      (['a', 'b'] as const).map(async (name) => {
        const client = name === 'a' ? a : b;
        for (let i = 0; i < 10; i++) await client.call('guest-file-write', { handle: 1, 'buf-b64': payload(name, i) }).catch(() => undefined);
      }),
    );
    const writes = agentCalls().filter((c) => c.command!.includes('guest-file-write'));
    expect(writes).toHaveLength(20);
    const seen = writes.map((c) => (JSON.parse(c.command!) as { arguments: { 'buf-b64': string } }).arguments['buf-b64']);
    const expected = (['a', 'b'] as const).flatMap((name) => Array.from({ length: 10 }, (_, i) => payload(name, i)));
    expect([...seen].sort()).toEqual([...expected].sort());
  });
});

describe('ordering', () => {
  it('one client’s calls go one at a time, in call order', async () => {
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    daemon.on(Program.QEMU, 3, async (call) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      order.push(call.command!);
      await sleep(30);
      inFlight -= 1;
      return agentReply('{"return":{}}');
    });
    const client = await connect();
    order.length = 0;
    await Promise.all([client.ping(), client.call('guest-sync', { id: 1 }).catch(() => 0), client.ping(), client.call('guest-info').catch(() => 0)]);
    expect(most).toBe(1);
    expect(order).toEqual(['{"execute":"guest-ping"}', '{"execute":"guest-sync","arguments":{"id":1}}', '{"execute":"guest-ping"}', '{"execute":"guest-info"}']);
  });

  it('a call’s timeout counts its wait behind earlier calls', async () => {
    daemon.on(Program.QEMU, 3, async () => {
      await sleep(300);
      return agentReply('{"return":{}}');
    });
    const client = await connect();
    const first = client.ping({ timeout: 2000 });
    await expect(client.ping({ timeout: 100 })).rejects.toBeInstanceOf(QgaTimeoutError);
    await first;
  });

  it('clients of different domains on one connection run concurrently', async () => {
    let inFlight = 0;
    let most = 0;
    daemon.on(Program.QEMU, 3, async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await sleep(100);
      inFlight -= 1;
      return agentReply('{"return":{}}');
    });
    const connection = await LibvirtConnection.open({ uri: daemon.uri });
    track(connection);
    const a = await connect({}, { connection, uri: undefined });
    const b = await connect({}, { domain: 'vm2', connection, uri: undefined });
    most = 0;
    await Promise.all([a.ping(), b.ping(), a.ping(), b.ping()]);
    expect(most).toBe(2);
    expect(daemon.callsOf(Program.REMOTE, 1)).toHaveLength(1); // one libvirt connection for both
  });

  it('closing a shared connection closes its clients; their calls reject with QgaConnectionError', async () => {
    daemon.on(Program.QEMU, 3, (call) => (call.command!.includes('host-name') ? 'silent' : agentReply('{"return":{}}')));
    const connection = await LibvirtConnection.open({ uri: daemon.uri });
    const a = await connect({}, { connection, uri: undefined });
    const closed = new Promise<unknown>((resolve) => a.once('close', resolve));
    const pending = a.call('guest-get-host-name').catch((e: unknown) => e);
    await expect.poll(() => agentCalls().length).toBe(2);
    await connection.close();
    expect(await pending).toBeInstanceOf(QgaConnectionError);
    expect(String(await pending)).toMatch(/the libvirt connection was closed/);
    expect(await closed).toBeInstanceOf(QgaConnectionError);
    expect(a.closed).toBe(true);
    await expect(connect({}, { connection, uri: undefined })).rejects.toThrow(QgaConnectionError);
  });

  it('closing a client leaves a shared connection open for the others', async () => {
    const connection = await LibvirtConnection.open({ uri: daemon.uri });
    track(connection);
    const a = await connect({}, { connection, uri: undefined });
    const b = await connect({}, { domain: 'vm2', connection, uri: undefined });
    await a.close();
    await expect(b.ping()).resolves.toBeUndefined();
    expect(connection.closed).toBe(false);
  });

  describe('a domain re-created under the same name (a new UUID) on a shared connection', () => {
    /** The daemon's domain `vm1` is in its `generation`-th life: an older UUID is "not found". */
    let generation = 1;
    const uuidOf = (life: number) => Buffer.alloc(16, life);
    const recreatable = () => {
      generation = 1;
      daemon.on(Program.REMOTE, 23, (call) => ({ ok: (w) => writeDomain(w, { name: call.args.string(64), uuid: uuidOf(generation), id: generation }) }));
      daemon.on(Program.QEMU, 3, (call) => {
        call.args.string(64);
        const uuid = call.args.opaque(16);
        return uuid.equals(uuidOf(generation)) ? agentReply('{"return":{}}') : remoteError(42, 10, "Domain not found: no domain with matching uuid '…' (vm1)");
      });
    };

    it('a call meeting "domain not found" makes the next client look it up again', async () => {
      recreatable();
      const connection = track(await LibvirtConnection.open({ uri: daemon.uri }));
      const a = await connect({}, { connection, uri: undefined });
      generation = 2;
      const error = await a.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect(String(error)).toMatch(/the domain no longer exists/);
      const b = await connect({}, { connection, uri: undefined });
      await expect(b.ping()).resolves.toBeUndefined();
      expect(daemon.callsOf(Program.REMOTE, 23)).toHaveLength(2);
    });

    /** A shared connection that looked `vm1` up once (a client came and went), and then `vm1` re-created. */
    const rememberingStaleDomain = async () => {
      recreatable();
      const connection = track(await LibvirtConnection.open({ uri: daemon.uri }));
      await (await connect({}, { connection, uri: undefined })).close();
      generation += 1;
      return connection;
    };

    it('a client opening on a remembered, stale domain looks it up afresh once and connects', async () => {
      const connection = await rememberingStaleDomain();
      const b = await connect({}, { connection, uri: undefined });
      await expect(b.ping()).resolves.toBeUndefined();
      expect(daemon.callsOf(Program.REMOTE, 23)).toHaveLength(2);
    });

    it('a domain that is really gone still fails the open with "no such domain", after one fresh lookup', async () => {
      const connection = await rememberingStaleDomain();
      daemon.on(Program.REMOTE, 23, () => remoteError(42, 10, "Domain not found: no domain with matching name 'vm1'"));
      await expect(connect({}, { connection, uri: undefined })).rejects.toThrow(/no such domain: Domain not found/);
      expect(daemon.callsOf(Program.REMOTE, 23)).toHaveLength(2);
    });
  });

  it('rejects bad libvirt options with TypeError before anything is opened', async () => {
    await expect(QgaClient.connect({ libvirt: { domain: '' } })).rejects.toThrow(TypeError);
    await expect(QgaClient.connect({ libvirt: { domain: 'vm1', uri: 'lxc:///' } })).rejects.toThrow(/only the QEMU driver/);
    await expect(QgaClient.connect({ libvirt: { domain: 'vm1', colour: 'blue' } as never })).rejects.toThrow(/libvirt: unknown option 'colour'/);
    await expect(QgaClient.connect({ libvirt: { domain: 'vm1' }, path: '/x' } as never)).rejects.toThrow(/cannot be combined/);
    await expect(LibvirtConnection.open({ uri: daemon.uri, keepalive: { intervall: 5 } } as never)).rejects.toThrow(/keepalive: unknown option 'intervall'/);
    await expect(LibvirtConnection.open({ url: daemon.uri } as never)).rejects.toThrow(/LibvirtConnection.open: unknown option 'url'/);
    // Infinity would arm the keepalive timer every millisecond; a string is not a number.
    await expect(LibvirtConnection.open({ uri: daemon.uri, keepalive: { interval: Infinity } })).rejects.toThrow(/keepalive.interval must be a positive finite number/);
    await expect(LibvirtConnection.open({ uri: daemon.uri, keepalive: { interval: '5000' } } as never)).rejects.toThrow(TypeError);
    await expect(LibvirtConnection.open({ uri: daemon.uri, timeout: Infinity })).rejects.toThrow(/libvirt timeout must be a positive finite number/);
    expect(daemon.calls).toHaveLength(0);
  });
});
