/**
 * Agent lifecycle events (`VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE`, 18) for every client on
 * one libvirt connection, from one registration.
 *
 * libvirtd sends the event when qemu-ga opens or closes its port (observed on 9.0:
 * DISCONNECTED at domain start, CONNECTED ~6 s later under TCG when qemu-ga came up). The
 * registration is for all domains (dom = NULL), made when the first listener arrives and
 * dropped with the last; each event goes to the listeners of its domain's UUID. After the
 * connection is reopened the registration is made again on the new one.
 * @module
 */
import { abortable } from '../../abortable.js';
import { debuglog } from 'node:util';
import { EVENT_DEREGISTER_ANY, EVENT_REGISTER_ANY, EventId, EventProc, formatUuid, Program, readAgentLifecycle } from './procedures.js';
import type { RpcConnection } from './rpc-connection.js';
import { XdrReader } from './xdr.js';

const debug = debuglog('qga:libvirt');

/** State 1 CONNECTED, 2 DISCONNECTED; reason 0 unknown, 1 domain started, 2 channel. */
export type AgentLifecycleListener = (state: number, reason: number) => void;

interface Registration {
  rpc: RpcConnection;
  callbackId: Promise<number>;
  stopRouting: () => void;
}

export class AgentEvents {
  readonly #listeners = new Map<string, Set<AgentLifecycleListener>>();
  #registration: Registration | undefined;

  /**
   * Calls `listener` for agent lifecycle events of the domain with `uuid`, on `rpc`. Resolves
   * once libvirtd confirmed the registration (so no event after that is missed) with the
   * function that ends the subscription.
   */
  async subscribe(rpc: RpcConnection, uuid: Buffer, listener: AgentLifecycleListener, signal: AbortSignal | undefined): Promise<() => void> {
    const key = formatUuid(uuid);
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(listener);
    let active = true;
    const unsubscribe = (): void => {
      if (!active) return;
      active = false;
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(key);
      if (this.#listeners.size === 0) this.#drop();
    };
    try {
      await this.#register(rpc, signal);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  #register(rpc: RpcConnection, signal: AbortSignal | undefined): Promise<number> {
    if (this.#registration?.rpc === rpc) return abortable(this.#registration.callbackId, signal);
    // A registration on an earlier (lost) connection died with it.
    this.#registration?.stopRouting();
    const stopRouting = rpc.onMessage(Program.REMOTE, EventProc.AGENT_LIFECYCLE, (payload) => this.#route(payload));
    const callbackId = rpc.call(EVENT_REGISTER_ANY, { eventId: EventId.AGENT_LIFECYCLE, dom: undefined });
    const registration: Registration = { rpc, callbackId, stopRouting };
    this.#registration = registration;
    callbackId.catch(() => {
      if (this.#registration === registration) {
        this.#registration = undefined;
        stopRouting();
      }
    });
    return abortable(callbackId, signal);
  }

  #drop(): void {
    const registration = this.#registration;
    if (!registration) return;
    this.#registration = undefined;
    registration.stopRouting();
    if (registration.rpc.closed) return;
    registration.callbackId.then(
      (id) => registration.rpc.call(EVENT_DEREGISTER_ANY, id),
      () => undefined,
    ).catch((error: unknown) => {
      if (debug.enabled) debug('agent event deregistration failed: %s', String(error));
    });
  }

  #route(payload: Buffer): void {
    const message = readAgentLifecycle(new XdrReader(payload));
    const listeners = this.#listeners.get(formatUuid(message.dom.uuid));
    if (!listeners) return;
    for (const listener of [...listeners]) listener(message.state, message.reason);
  }
}
