/**
 * libvirt 9.0's errors (code, domain, message as observed) in the client's
 * hierarchy.
 */
import { describe, expect, it } from 'vitest';
import { agentError, connectError } from '../../../../src/channels/libvirt/errors.js';
import { LibvirtRemoteError } from '../../../../src/channels/libvirt/remote-error.js';
import { QgaCommandError, QgaConnectionError, QgaProtocolError, QgaTimeoutError } from '../../../../src/errors.js';

const remote = (code: number, domain: number, message: string) =>
  new LibvirtRemoteError('DOMAIN_AGENT_COMMAND', { code, domain, message, level: 2, str1: undefined, str2: undefined, str3: undefined, int1: -1, int2: -1 });
const context = { description: 'libvirt qemu:///system domain vm1' };
const map = (code: number, domain: number, message: string, command = 'guest-x') => agentError(remote(code, domain, message), command, 5000, context);

describe('libvirt errors for agent commands', () => {
  it.each([
    ["internal error: unable to execute QEMU agent command 'guest-pong': The command guest-pong has not been found", 'CommandNotFound', 'The command guest-pong has not been found'],
    ["internal error: unable to execute QEMU agent command 'guest-exec': Command guest-exec has been disabled", 'CommandNotFound', 'Command guest-exec has been disabled'],
    ["internal error: unable to execute QEMU agent command 'guest-file-open': failed to open file '/x': No such file or directory", 'GenericError', "failed to open file '/x': No such file or directory"],
  ])('the agent’s error %#: QgaCommandError, class guessed from desc', (message, errorClass, desc) => {
    const error = map(1, 10, message, 'guest-cmd');
    expect(error).toBeInstanceOf(QgaCommandError);
    expect(error).toMatchObject({ command: 'guest-cmd', errorClass, desc });
    expect((error as Error).cause).toBeInstanceOf(LibvirtRemoteError);
  });

  it('libvirt ≥ 11’s AGENT_COMMAND_FAILED (113) is read the same way', () => {
    expect(map(113, 10, "guest agent command failed: unable to execute QEMU agent command 'guest-x': boom")).toMatchObject({ name: 'QgaCommandError', desc: 'boom' });
  });

  it.each([
    [86, 10, 'Guest agent is not responding: Guest agent not available for now', QgaTimeoutError, /did not answer in time/],
    [112, 10, 'Guest agent command timed out', QgaTimeoutError, /did not answer within 5000 ms/],
    [68, 0, 'Timed out during operation: cannot acquire state change lock (held by agent=qemuDispatchDomainAgentCommand)', QgaTimeoutError, /another client holds this domain's guest agent/],
    [86, 10, 'Guest agent is not responding: QEMU guest agent is not connected', QgaConnectionError, /not connected \(the guest is still booting/],
    [86, 10, 'Guest agent is not responding: Guest agent disappeared while executing command', QgaConnectionError, /went away during the command/],
    [86, 10, 'Guest agent is not responding: QEMU guest agent is not available due to an error', QgaConnectionError, /recovers when the agent reconnects/],
    [55, 20, 'Requested operation is not valid: domain is not running', QgaConnectionError, /domain is not running/],
    [74, 10, 'argument unsupported: QEMU guest agent is not configured', QgaConnectionError, /not configured/],
    [42, 10, "Domain not found: no domain with matching uuid '…'", QgaConnectionError, /no longer exists/],
    [29, 0, 'operation forbidden: read only access prevents virDomainQemuAgentCommand', QgaConnectionError, /read only/],
    [39, 7, 'Unable to encode message payload', QgaProtocolError, /exceeded libvirt's 4 MiB message limit/],
    [39, 7, 'Unable to decode message payload', QgaProtocolError, /refused the request as too large/],
    [38, 10, 'No complete agent response found in 10485760 bytes: Numerical result out of range', QgaProtocolError, /could not use the agent's reply/],
    [1, 0, 'internal error: cannot parse json \xff{"return": 777}', QgaProtocolError, /could not use the agent's reply/],
    [8, 10, "invalid argument: guest agent timeout '-3' is less than the minimum '-2'", QgaCommandError, /invalid argument/],
  ])('%i/%i %s', (code, domain, message, type, text) => {
    const error = map(code, domain, message);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(text);
  });

  it('anything not from libvirt passes through unchanged', () => {
    const reason = new Error('aborted');
    expect(agentError(reason, 'guest-x', 1, context)).toBe(reason);
  });
});

describe('libvirt errors while connecting', () => {
  it.each([
    [42, "Domain not found: no domain with matching name 'x'", /no such domain/],
    [45, 'authentication failed: polkit', /authentication refused/],
    [88, 'access denied', /permission denied/],
    [1, 'Unable to get system bus connection', /domain lookup failed/],
  ])('%i is QgaConnectionError: %s', (code, message, text) => {
    const error = connectError(remote(code, 0, message), context, 'domain lookup');
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(text);
  });

  it('the caller’s abort reason passes through unchanged', () => {
    const controller = new AbortController();
    controller.abort();
    expect(connectError(controller.signal.reason, context, 'open', controller.signal)).toBe(controller.signal.reason);
  });

  it('a protocol error while connecting becomes QgaConnectionError', () => {
    expect(connectError(new QgaProtocolError('bad'), context, 'open')).toBeInstanceOf(QgaConnectionError);
  });
});
