import { describe, expect, it } from 'vitest';
import {
  QGA_COMMANDS,
  QGA_SHAPES,
  QgaClient,
  QgaCommandError,
  QgaProtocolError,
  validateReply,
  validateValue,
  type QgaShapeTable,
  type ResponseEvent,
  type ValidationEvent,
} from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';
import { answerSync, startFakeAgent, useFakeAgentAndClient, type FakeAgent, type FakeConnection, type FakeRequest } from '../../support/fake-agent.js';

/** A small hand-built table: every shape kind, optional members, arrays, both integer forms. */
const shapes: QgaShapeTable = {
  returns: { 'get-point': 'Point', 'get-points': '[Point]', 'get-clock': 'int|bigint', 'get-shape': 'Shape' },
  types: {
    Point: { struct: { x: 'int', y: 'int', '*label': 'str', '*tags': '[str]' } },
    Color: { enum: ['red', 'green'] },
    Kind: { enum: ['circle', 'square', 'blob'] },
    Circle: { struct: { radius: 'number' } },
    Square: { struct: { side: 'uint16', '*color': 'Color' } },
    Shape: { union: { kind: 'Kind', '*name': 'str' }, tag: 'kind', branches: { circle: 'Circle', square: 'Square' } },
    Whence: { alternate: ['int|bigint', 'Color'] },
    Flag: { alternate: ['bool', 'Color'] },
    Counter: { struct: { small: 'int', big: 'uint64|bigint', '*byte': 'uint8', '*any': 'any', '*nothing': 'null' } },
  },
};

const check = (type: string, value: unknown): string[] => validateValue(type, value, { shapes });

describe('validateValue on hand-built shapes', () => {
  it('a matching struct has no problems; optional members may be absent', () => {
    expect(check('Point', { x: 1, y: 2 })).toEqual([]);
    expect(check('Point', { x: 1, y: 2, label: 'a', tags: ['t'] })).toEqual([]);
  });

  it('members the shape does not know (a newer agent) are not problems', () => {
    expect(check('Point', { x: 1, y: 2, z: 3, 'added-in-11.0': { deep: true } })).toEqual([]);
  });

  it('a missing required member and a wrong member type are reported with their paths', () => {
    expect(check('Point', { x: 'one', label: 3 })).toEqual([
      'value.x: expected integer, got "one"',
      'value.y: missing (required by Point)',
      'value.label: expected string, got 3',
    ]);
  });

  it('paths go through arrays and quote member names that are not identifiers', () => {
    const problems = validateValue('[Point]', [{ x: 1, y: 2 }, { x: 1, y: 2, tags: ['ok', 7] }, 'p'], { shapes, path: 'return' });
    expect(problems).toEqual(['return[1].tags[1]: expected string, got 7', 'return[2]: expected Point object, got "p"']);
    const table: QgaShapeTable = { returns: {}, types: { T: { struct: { 'ip-address': 'str', "it's": 'str' } } } };
    expect(validateValue('T', { 'ip-address': 1, "it's": 2 }, { shapes: table })).toEqual([
      "value['ip-address']: expected string, got 1",
      "value['it\\'s']: expected string, got 2",
    ]);
  });

  it('integers: a fraction or a string is not one; a bigint only where the type says number | bigint', () => {
    expect(check('Counter', { small: 1, big: 2 })).toEqual([]);
    expect(check('Counter', { small: 1, big: 2n ** 60n })).toEqual([]);
    expect(check('Counter', { small: 1.5, big: '2' })).toEqual(['value.small: expected integer, got 1.5', 'value.big: expected integer, got "2"']);
    expect(check('Counter', { small: 2n ** 60n, big: 1 })).toEqual(['value.small: expected integer typed number, got bigint 1152921504606846976n']);
  });

  it('integers outside their kind are reported with the range', () => {
    expect(check('Counter', { small: 1, big: -1, byte: 256 })).toEqual([
      'value.big: expected uint64 (0 … 18446744073709551615), got -1',
      'value.byte: expected uint8 (0 … 255), got 256',
    ]);
    expect(check('Counter', { small: 1, big: 2n ** 64n })).toEqual(['value.big: expected uint64 (0 … 18446744073709551615), got 18446744073709551616n']);
  });

  it('any accepts everything, null only null', () => {
    expect(check('Counter', { small: 1, big: 1, any: [{}], nothing: null })).toEqual([]);
    expect(check('Counter', { small: 1, big: 1, nothing: 0 })).toEqual(['value.nothing: expected null, got 0']);
  });

  it('enums: only their values', () => {
    expect(check('Color', 'red')).toEqual([]);
    expect(check('Color', 'blue')).toEqual(['value: expected one of "red", "green", got "blue"']);
    expect(check('Color', 1)).toEqual(['value: expected one of "red", "green", got 1']);
  });

  it('unions: the tag picks the branch whose members are checked too', () => {
    expect(check('Shape', { kind: 'circle', radius: 1.5 })).toEqual([]);
    expect(check('Shape', { kind: 'square', side: 3, color: 'green', name: 'sq' })).toEqual([]);
    expect(check('Shape', { kind: 'circle', side: 3 })).toEqual(['value.radius: missing (required by Circle)']);
    expect(check('Shape', { kind: 'square', side: 70_000, color: 'blue' })).toEqual([
      'value.side: expected uint16 (0 … 65535), got 70000',
      'value.color: expected one of "red", "green", got "blue"',
    ]);
  });

  it('unions: a tag value without a branch needs only the base members; a bad tag is reported', () => {
    expect(check('Shape', { kind: 'blob' })).toEqual([]);
    expect(check('Shape', { kind: 'star' })).toEqual(['value.kind: expected one of "circle", "square", "blob", got "star"']);
    expect(check('Shape', {})).toEqual(['value.kind: missing (required by Shape)']);
    expect(check('Shape', [])).toEqual(['value: expected Shape object, got an array (0 items)']);
  });

  it('alternates: any alternative fits; otherwise the one of the same JSON type explains why', () => {
    expect(check('Whence', 2)).toEqual([]);
    expect(check('Whence', 2n ** 60n)).toEqual([]);
    expect(check('Whence', 'green')).toEqual([]);
    expect(check('Whence', 'blue')).toEqual(['value: expected one of "red", "green", got "blue"']);
    expect(check('Whence', 1.5)).toEqual(['value: expected integer, got 1.5']);
    expect(check('Flag', true)).toEqual([]);
    expect(check('Flag', {})).toEqual(['value: expected Flag (bool or Color), got an object']);
  });

  it('stops at the limit', () => {
    const many = Array.from({ length: 50 }, () => ({}));
    expect(validateValue('[Point]', many, { shapes })).toHaveLength(100);
    expect(validateValue('[Point]', many, { shapes, limit: 3 })).toEqual([
      'value[0].x: missing (required by Point)',
      'value[0].y: missing (required by Point)',
      'value[1].x: missing (required by Point)',
    ]);
  });

  it('cuts long strings in messages', () => {
    const [problem] = check('Color', 'x'.repeat(1000));
    expect(problem).toBe(`value: expected one of "red", "green", got "${'x'.repeat(40)}…"`);
  });

  it('a type the table lacks is a bug in the table, not a problem of the value', () => {
    expect(() => check('Nope', {})).toThrow(/no shape for type 'Nope'/);
  });

  it('validateReply checks against the declared result, with paths from `return`', () => {
    expect(validateReply('get-points', [{ x: 1 }], { shapes })).toEqual(['return[0].y: missing (required by Point)']);
    expect(validateReply('get-clock', 2n ** 62n, { shapes })).toEqual([]);
    expect(validateReply('no-result', 'anything', { shapes })).toEqual([]);
  });
});

describe('validateValue on the generated shapes', () => {
  it('has a result shape for exactly the commands that return something', () => {
    const returning = Object.values(QGA_COMMANDS)
      .filter((c) => c.hasReturn && c.successResponse)
      .map((c) => c.name)
      .sort();
    expect(Object.keys(QGA_SHAPES.returns).sort()).toEqual(returning);
  });

  it('follows the integer rule: nanosecond times and counters may be bigint, pids may not', () => {
    expect(validateReply('guest-get-time', 1_795_571_060_662_494_000n)).toEqual([]);
    expect(validateReply('guest-exec', { pid: 2n ** 60n })).toEqual(['return.pid: expected integer typed number, got bigint 1152921504606846976n']);
    const stats = { 'rx-bytes': 2n ** 63n, 'rx-packets': 1, 'rx-errs': 0, 'rx-dropped': 0, 'tx-bytes': 1, 'tx-packets': 1, 'tx-errs': 0, 'tx-dropped': 0 };
    expect(validateReply('guest-network-get-interfaces', [{ name: 'eth0', statistics: stats }])).toEqual([]);
  });

  it('reports a bad interface deep in guest-network-get-interfaces', () => {
    const reply = [
      { name: 'lo', 'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 }] },
      {
        name: 'eth0',
        'hardware-address': '52:54:00:12:34:56',
        'ip-addresses': [
          { 'ip-address': '10.0.2.15', 'ip-address-type': 'ipv4', prefix: 24 },
          { 'ip-address': 'fe80::1', 'ip-address-type': 'ipv6', prefix: 'x' },
        ],
      },
    ];
    expect(validateReply('guest-network-get-interfaces', reply)).toEqual([`return[1]['ip-addresses'][1].prefix: expected integer, got "x"`]);
  });

  it('checks the CPU stats union branch, and the disk SMART union without a branch for most buses', () => {
    expect(validateReply('guest-get-cpustats', [{ type: 'linux', cpu: 0, user: 1, nice: 0, system: 1, idle: 2n ** 60n }])).toEqual([]);
    expect(validateReply('guest-get-cpustats', [{ type: 'linux', cpu: 0, user: 1 }])).toEqual([
      'return[0].nice: missing (required by GuestLinuxCpuStats)',
      'return[0].system: missing (required by GuestLinuxCpuStats)',
      'return[0].idle: missing (required by GuestLinuxCpuStats)',
    ]);
    expect(validateValue('GuestDiskSmart', { type: 'virtio' })).toEqual([]);
    expect(validateValue('GuestDiskSmart', { type: 'nvme' })).toContain("value['critical-warning']: missing (required by GuestNVMeSmart)");
  });

  it('accepts both alternatives of argument-side alternates, a bigint offset included', () => {
    expect(validateValue('GuestFileWhence', 'end')).toEqual([]);
    expect(validateValue('GuestFileWhence', 2n ** 60n)).toEqual([]);
    expect(validateValue('GuestExecCaptureOutput', 'merged')).toEqual([]);
    expect(validateValue('GuestExecCaptureOutput', true)).toEqual([]);
  });
});

/** Answer with a raw JSON return value, so bigints and bad types can be sent. */
function replyRaw(connection: FakeConnection, request: FakeRequest, json: string): void {
  const id = request.id === undefined ? '' : `, "id": ${JSON.stringify(request.id)}`;
  connection.raw(`{"return": ${json}${id}}\n`);
}

const opened = useFakeAgentAndClient();

/** An agent whose host name reply is `hostName` (raw JSON) and whose guest-exec pid is huge. */
async function agentReplying(hostName: string): Promise<FakeAgent> {
  return startFakeAgent((request, connection) => {
    if (request.execute === 'guest-get-host-name') replyRaw(connection, request, hostName);
    else if (request.execute === 'guest-get-time') replyRaw(connection, request, '1795571060662494000');
    else if (request.execute === 'guest-exec') replyRaw(connection, request, '{"pid": 9007199254740993}');
    else answerSync(request, connection);
  });
}

describe('the validate connect option', () => {
  it('true: a reply that does not match rejects with QgaProtocolError listing the problems; the channel stays usable', async () => {
    opened.agent = await agentReplying('{"host-name": 5}');
    opened.client = await QgaClient.connect({ path: opened.agent.path, validate: true });
    const responses: ResponseEvent[] = [];
    opened.client.on('response', (e) => responses.push(e));
    const error = await opened.client.guestGetHostName().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaProtocolError);
    expect((error as Error).message).toBe("guest-get-host-name: the reply does not match the schema: return['host-name']: expected string, got 5");
    expect(responses[0]?.error).toBe(error);
    await opened.client.ping();
    expect(await opened.client.guestGetTime()).toBe(1_795_571_060_662_494_000n);
  });

  it('true: a bigint where the type says number is rejected', async () => {
    opened.agent = await agentReplying('{"host-name": "vm"}');
    opened.client = await QgaClient.connect({ path: opened.agent.path, validate: true });
    await expect(opened.client.guestExec({ path: '/bin/true' })).rejects.toThrow(/return\.pid: expected integer typed number, got bigint 9007199254740993n/);
  });

  it('true: lists the first three problems and counts the rest', async () => {
    opened.agent = await agentReplying('[{}, {}]');
    opened.client = await QgaClient.connect({ path: opened.agent.path, validate: true });
    // guest-get-host-name answered with an array: one problem.
    await expect(opened.client.guestGetHostName()).rejects.toThrow(/expected GuestHostName object, got an array \(2 items\)$/);
    opened.agent.onRequest = (request, connection) =>
      request.execute === 'guest-get-fsinfo' ? replyRaw(connection, request, '[{}, {}]') : answerSync(request, connection);
    const error = (await opened.client.guestGetFsinfo().catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      'guest-get-fsinfo: the reply does not match the schema: return[0].name: missing (required by GuestFilesystemInfo); ' +
        'return[0].mountpoint: missing (required by GuestFilesystemInfo); return[0].type: missing (required by GuestFilesystemInfo); and 5 more',
    );
    opened.agent.onRequest = (request, connection) =>
      request.execute === 'guest-get-fsinfo' ? replyRaw(connection, request, '[{}, {}, {}]') : answerSync(request, connection);
    await expect(opened.client.guestGetFsinfo()).rejects.toThrow(/; and at least 7 more$/);
  });

  it("'warn': the call resolves with the reply and a validation event carries the problems", async () => {
    opened.agent = await agentReplying('{"host-name": 5, "extra": true}');
    opened.client = await QgaClient.connect({ path: opened.agent.path, validate: 'warn' });
    const events: ValidationEvent[] = [];
    opened.client.on('validation', (e) => events.push(e));
    expect(await opened.client.call('guest-get-host-name')).toEqual({ 'host-name': 5, extra: true });
    expect(events).toEqual([{ command: 'guest-get-host-name', problems: ["return['host-name']: expected string, got 5"] }]);
  });

  it('a matching reply, extra members included, resolves and emits nothing', async () => {
    opened.agent = await agentReplying('{"host-name": "vm", "domain": "example"}');
    opened.client = await QgaClient.connect({ path: opened.agent.path, validate: 'warn' });
    const events: ValidationEvent[] = [];
    opened.client.on('validation', (e) => events.push(e));
    expect(await opened.client.guestGetHostName()).toEqual({ 'host-name': 'vm', domain: 'example' });
    expect(await opened.client.guestGetTime()).toBe(1_795_571_060_662_494_000n);
    await opened.client.ping();
    expect(events).toEqual([]);
  });

  it('off by default: a mismatching reply resolves as it came', async () => {
    opened.agent = await agentReplying('{"host-name": 5}');
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    const events: ValidationEvent[] = [];
    opened.client.on('validation', (e) => events.push(e));
    expect(await opened.client.guestGetHostName()).toEqual({ 'host-name': 5 });
    expect(events).toEqual([]);
  });

  it('anything but true, false or warn is a TypeError', async () => {
    await expect(QgaClient.connect({ path: '/x', validate: 'strict' as never })).rejects.toThrow(TypeError);
    await expect(QgaClient.connect({ path: '/x', validate: 1 as never })).rejects.toThrow(/validate must be true, false or 'warn'/);
  });
});

describe('the simulated agent against the generated shapes', () => {
  it('answers every command it has that needs no arguments, plus exec and file round trips, with replies that validate', async () => {
    await using simulated = await SimulatedAgent.start({ listen: false, exec: { echo: () => ({ stdout: 'hi\n' }) } });
    await using validating = await QgaClient.connect({ transport: simulated.createTransport(), validate: true });
    const info = await validating.guestInfo();
    const answered: string[] = [];
    for (const { name, enabled } of info.supported_commands) {
      const command = (QGA_COMMANDS as Record<string, (typeof QGA_COMMANDS)[keyof typeof QGA_COMMANDS] | undefined>)[name];
      if (!enabled || command === undefined || command.argumentsRequired || !command.successResponse) continue;
      if (/^guest-(fsfreeze-(freeze|thaw)|fstrim|set-)/.test(name)) continue;
      // The simulated agent may refuse (as qemu-ga would); a reply that does not validate fails.
      await validating.call(name as 'guest-ping').catch((e: unknown) => {
        if (!(e instanceof QgaCommandError)) throw e;
      });
      answered.push(name);
    }
    expect(answered).toEqual(expect.arrayContaining(['guest-info', 'guest-get-osinfo', 'guest-get-time', 'guest-network-get-interfaces']));
    await validating.writeFile('/t.txt', 'data');
    expect(await validating.readFile('/t.txt', { encoding: 'utf8' })).toBe('data');
    expect((await validating.exec(['echo'])).stdout).toBe('hi\n');
  });
});
