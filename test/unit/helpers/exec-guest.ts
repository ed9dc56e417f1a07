/**
 * A scripted guest for the exec helpers, on the shared fake agent: `guest-exec` hands out
 * pids, `guest-exec-status` answers whatever the test scripts (optionally late), and, like
 * qemu-ga, forgets a pid after the first status that says it exited.
 */
import type { GuestExecStatus } from '../../../src/index.js';
import { answerSync, startFakeAgent, type FakeAgent } from '../../support/fake-agent.js';

export interface StatusAnswer {
  value: GuestExecStatus;
  /** ms before the reply is written. */
  delay?: number;
}

export interface ExecGuest {
  agent: FakeAgent;
  /** What guest-info reports as the version. */
  version: string;
  /** ms before a guest-exec reply is written. */
  execDelay: number;
  /** The status answer for the `poll`-th status call (0-based) of `pid`. */
  statusOf: (pid: number, poll: number, args: Record<string, unknown>) => StatusAnswer;
  /** Arguments of every guest-exec, in order. */
  execs: Record<string, unknown>[];
  /** Pid of every guest-exec-status, in order. */
  statusCalls: number[];
  /** Commands received, sync traffic excluded. */
  commands(): string[];
  close(): Promise<void>;
}

export const running: StatusAnswer = { value: { exited: false } };

export function exited(exitcode = 0, out = '', err = ''): StatusAnswer {
  const value: GuestExecStatus = { exited: true, exitcode };
  if (out !== '') value['out-data'] = Buffer.from(out).toString('base64');
  if (err !== '') value['err-data'] = Buffer.from(err).toString('base64');
  return { value };
}

export async function startExecGuest(): Promise<ExecGuest> {
  let nextPid = 100;
  const args = new Map<number, Record<string, unknown>>();
  const polls = new Map<number, number>();
  const guest: ExecGuest = {
    agent: undefined as unknown as FakeAgent,
    version: '7.2.22',
    execDelay: 0,
    statusOf: () => exited(),
    execs: [],
    statusCalls: [],
    commands: () => guest.agent.requests.map((r) => r.execute).filter((c) => c !== 'guest-sync' && c !== 'guest-sync-delimited'),
    close: () => guest.agent.close(),
  };
  guest.agent = await startFakeAgent((request, c) => {
    const later = (ms: number | undefined, fn: () => void): void => {
      if (ms) setTimeout(fn, ms);
      else fn();
    };
    switch (request.execute) {
      case 'guest-info':
        c.reply(request, { version: guest.version, supported_commands: [] });
        return;
      case 'guest-exec': {
        const pid = nextPid++;
        const a = request.arguments ?? {};
        guest.execs.push(a);
        args.set(pid, a);
        polls.set(pid, 0);
        later(guest.execDelay, () => c.reply(request, { pid }));
        return;
      }
      case 'guest-exec-status': {
        const pid = request.arguments?.['pid'] as number;
        guest.statusCalls.push(pid);
        const poll = polls.get(pid);
        if (poll === undefined) {
          c.error(request, 'GenericError', "Invalid parameter 'pid'");
          return;
        }
        const answer = guest.statusOf(pid, poll, args.get(pid) ?? {});
        polls.set(pid, poll + 1);
        // The agent forgets the process when it reports the exit, not when the reply lands.
        if (answer.value.exited) polls.delete(pid);
        later(answer.delay, () => c.reply(request, answer.value));
        return;
      }
      default:
        answerSync(request, c);
    }
  });
  return guest;
}
