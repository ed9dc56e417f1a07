import type { QgaCommandInfo } from './command-info.js';

interface Caller {
  call(name: string, args?: unknown, options?: unknown): Promise<unknown>;
}

/**
 * Adds one method per command (`guestGetOsinfo`, `guestExec`, …) to `prototype`, each a
 * thin call through `call()`. Commands without arguments take the options first.
 * Names a class defines by hand (e.g. `ping`) are left alone.
 */
export function installCommandMethods(prototype: object, table: Readonly<Record<string, QgaCommandInfo>>): void {
  for (const info of Object.values(table)) {
    if (Object.hasOwn(prototype, info.method)) continue;
    const method = info.hasArguments
      ? function (this: Caller, args?: unknown, options?: unknown) {
          return this.call(info.name, args, options);
        }
      : function (this: Caller, options?: unknown) {
          return this.call(info.name, undefined, options);
        };
    Object.defineProperty(method, 'name', { value: info.method });
    Object.defineProperty(prototype, info.method, { value: method, writable: true, configurable: true, enumerable: false });
  }
}
