import { describe, expectTypeOf, it } from 'vitest';
import type { CallOptions } from '../../src/call-options.js';
import type { QgaCommandInfo } from '../../src/client/command-info.js';
import type { ConnectOptions } from '../../src/client/connect-options.js';
import type { QgaClientEvents, ValidationEvent } from '../../src/client/events.js';
import type { QgaClient } from '../../src/client/qga-client.js';
import type { QgaShapeTable } from '../../src/client/validate.js';
import {
  GuestFsfreezeStatusValues,
  QGA_COMMANDS,
  QGA_SHAPES,
  type GuestCpuStats,
  type GuestDiskSmart,
  type GuestExec,
  type GuestExecArgs,
  type GuestExecCaptureOutput,
  type GuestExecStatus,
  type GuestFileWhence,
  type GuestFsfreezeStatus,
  type GuestOSInfo,
  type QgaCommandMap,
  type QgaCommandMethods,
  type QgaCommandName,
} from '../../src/generated/index.js';

describe('generated command map', () => {
  it('types guest-exec arguments with wire names, capture-output optional', () => {
    type Args = QgaCommandMap['guest-exec']['args'];
    expectTypeOf<Args>().toEqualTypeOf<GuestExecArgs>();
    expectTypeOf<Args['capture-output']>().toEqualTypeOf<GuestExecCaptureOutput | undefined>();
    expectTypeOf<{ path: string }>().toExtend<Args>();
    expectTypeOf<{ path: string; 'capture-output': 'merged' }>().toExtend<Args>();
    expectTypeOf<{ 'capture-output': true }>().not.toExtend<Args>();
    expectTypeOf<QgaCommandMap['guest-exec']['returns']>().toEqualTypeOf<GuestExec>();
  });

  it('returns GuestOSInfo from guest-get-osinfo and nothing from guest-ping', () => {
    expectTypeOf<QgaCommandMap['guest-get-osinfo']['returns']>().toEqualTypeOf<GuestOSInfo>();
    expectTypeOf<QgaCommandMap['guest-ping']>().toEqualTypeOf<{ args: undefined; returns: void }>();
  });

  it('types nanosecond time as number | bigint', () => {
    expectTypeOf<QgaCommandMap['guest-get-time']['returns']>().toEqualTypeOf<number | bigint>();
    expectTypeOf<QgaCommandMap['guest-exec-status']['args']['pid']>().toEqualTypeOf<number | bigint>();
    expectTypeOf<GuestExec['pid']>().toEqualTypeOf<number>();
  });

  it('keys QGA_COMMANDS by every command name', () => {
    expectTypeOf(QGA_COMMANDS).toEqualTypeOf<{ readonly [N in QgaCommandName]: QgaCommandInfo }>();
    expectTypeOf<'guest-fsfreeze-freeze-list'>().toExtend<QgaCommandName>();
    expectTypeOf<'guest-nope'>().not.toExtend<QgaCommandName>();
  });
});

describe('generated methods', () => {
  it('gives guestPing no argument object', () => {
    expectTypeOf<QgaCommandMethods['guestPing']>().toEqualTypeOf<(options?: CallOptions) => Promise<void>>();
    expectTypeOf<Parameters<QgaCommandMethods['guestPing']>['length']>().toEqualTypeOf<0 | 1>();
    expectTypeOf<QgaCommandMethods['guestPing']>().parameter(0).toEqualTypeOf<CallOptions | undefined>();
  });

  it('makes arguments optional only when every argument is', () => {
    expectTypeOf<QgaCommandMethods['guestFstrim']>().parameter(0).toEqualTypeOf<QgaCommandMap['guest-fstrim']['args'] | undefined>();
    expectTypeOf<QgaCommandMethods['guestExec']>().parameter(0).toEqualTypeOf<GuestExecArgs>();
    expectTypeOf<QgaCommandMethods['guestExec']>().returns.toEqualTypeOf<Promise<GuestExec>>();
    expectTypeOf<QgaCommandMethods['guestFsfreezeFreezeList']>().returns.toEqualTypeOf<Promise<number>>();
  });
});

describe('generated types', () => {
  it('keeps optional wire members', () => {
    expectTypeOf<GuestExecStatus['out-data']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<GuestExecStatus['exited']>().toEqualTypeOf<boolean>();
  });

  it('exports enums as string unions with a readonly values array', () => {
    expectTypeOf<GuestFsfreezeStatus>().toEqualTypeOf<'thawed' | 'frozen'>();
    expectTypeOf(GuestFsfreezeStatusValues).toEqualTypeOf<readonly ['thawed', 'frozen']>();
  });

  it('maps alternates to unions', () => {
    expectTypeOf<GuestExecCaptureOutput>().toEqualTypeOf<boolean | 'none' | 'stdout' | 'stderr' | 'separated' | 'merged'>();
    expectTypeOf<'end'>().toExtend<GuestFileWhence>();
    expectTypeOf<2>().toExtend<GuestFileWhence>();
  });

  it('discriminates unions by their tag', () => {
    const stats = {} as GuestCpuStats;
    if (stats.type === 'linux') expectTypeOf(stats.user).toEqualTypeOf<number | bigint>();
    const smart = {} as GuestDiskSmart;
    if (smart.type === 'nvme') expectTypeOf(smart['critical-warning']).toEqualTypeOf<number>();
    else expectTypeOf(smart).not.toHaveProperty('critical-warning');
  });
});

describe('a misspelt field fails to compile', () => {
  it('in an argument object, through the method and through call()', () => {
    const use = async (client: QgaClient): Promise<void> => {
      await client.guestExec({ path: '/bin/true', 'capture-output': true });
      // @ts-expect-error the wire name is 'capture-output'
      await client.guestExec({ path: '/bin/true', capture_output: true });
      // @ts-expect-error the wire name is 'capture-output'
      await client.call('guest-exec', { path: '/bin/true', captureOutput: true });
      // @ts-expect-error guest-file-open takes 'path', not 'file'
      await client.guestFileOpen({ file: '/etc/hostname' });
    };
    expectTypeOf(use).returns.resolves.toBeVoid();
  });

  it('in a result', () => {
    const use = async (client: QgaClient): Promise<void> => {
      const os = await client.guestGetOsinfo();
      expectTypeOf(os['pretty-name']).toEqualTypeOf<string | undefined>();
      // @ts-expect-error the wire name is 'pretty-name'
      void os.prettyName;
      // @ts-expect-error the wire name is 'pretty-name'
      void os['pretty_name'];
      const status = await client.call('guest-exec-status', { pid: 1 });
      // @ts-expect-error the wire name is 'exitcode'
      void status['exit-code'];
    };
    expectTypeOf(use).returns.resolves.toBeVoid();
  });

  it('in a union: a misspelt tag value, and a branch member before narrowing', () => {
    const smart = {} as GuestDiskSmart;
    // @ts-expect-error there is no bus type 'nvmee'
    const misspelt: GuestDiskSmart = { type: 'nvmee' };
    void misspelt;
    // @ts-expect-error 'critical-warning' exists only on the nvme branch
    void smart['critical-warning'];
    switch (smart.type) {
      case 'nvme':
        expectTypeOf(smart['percentage-used']).toEqualTypeOf<number>();
        break;
      default:
        expectTypeOf(smart.type).toEqualTypeOf<Exclude<GuestDiskSmart['type'], 'nvme'>>();
    }
  });
});

describe('reply validation', () => {
  it('is an opt-in connect option with a warn mode and its own event', () => {
    expectTypeOf<ConnectOptions['validate']>().toEqualTypeOf<boolean | 'warn' | undefined>();
    expectTypeOf<QgaClientEvents['validation']>().toEqualTypeOf<[event: ValidationEvent]>();
    expectTypeOf<ValidationEvent>().toEqualTypeOf<{ command: string; problems: string[] }>();
  });

  it('has a generated shape table', () => {
    expectTypeOf(QGA_SHAPES).toEqualTypeOf<QgaShapeTable>();
  });
});
