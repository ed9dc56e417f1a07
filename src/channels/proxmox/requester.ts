/**
 * Requests to one VM's agent endpoints: the URL, the credentials (with one fresh login on a
 * 401 for tickets), the body and its size limit, the node (looked up in /cluster/resources
 * when not given, and again when the VM migrates), and the reply's `data`.
 * @module
 */
import { pause } from '../../abortable.js';
import { debuglog } from 'node:util';
import { QgaConnectionError, QgaProtocolError } from '../../errors.js';
import { decodeJson } from '../../protocol/json-codec.js';
import { monotonicNow } from '../../protocol/timers.js';
import type { ProxmoxAuth } from './auth.js';
import { PROXMOX_LIMITS } from './endpoints.js';
import { classifyServerError, errorBody, responseError, transportError, type ErrorContext } from './errors.js';
import type { ProxmoxHttp, ProxmoxRequest, ProxmoxResponse } from './http.js';
import type { ProxmoxParams } from './translate.js';

const debug = debuglog('qga:proxmox');

/** One call's budget. */
export interface CallContext extends ErrorContext {
  /** `performance.now()` value (or `monotonicNow()`, the same clock) by which the call must be over. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
}

/** A request to `…/agent/<path>`. */
export interface AgentRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly params: ProxmoxParams;
  /** May be repeated on the VM's new node after a migration. */
  readonly idempotent: boolean;
  /** Send the body form-encoded (arrays as repeated keys) instead of JSON. */
  readonly form?: boolean | undefined;
}

/**
 * The body is over Proxmox's limit: a 501 "for data too large" said so, or it would be
 * over the limit learnt from one. Nothing ran; the caller sends less per request.
 */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body is over Proxmox's limit of ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** How long to wait between tries while a migrated VM resumes on its new node. */
const RESUME_POLL_MS = 200;

/** The request side of a Proxmox channel. */
export class ProxmoxRequester {
  readonly vmid: number;
  readonly #http: ProxmoxHttp;
  readonly #auth: ProxmoxAuth;
  readonly #maxReplyBytes: number;
  /** The VM's node: given, looked up, or looked up again after a migration. */
  node: string | undefined;
  /**
   * The request body limit: 512 KiB since pve-http-server 5.2.1 (PVE 8.4), 64 KiB before;
   * lowered for good after the first 501 "for data too large".
   */
  bodyLimit: number = PROXMOX_LIMITS.body;

  constructor(http: ProxmoxHttp, auth: ProxmoxAuth, vmid: number, node: string | undefined, maxReplyBytes: number) {
    this.#http = http;
    this.#auth = auth;
    this.vmid = vmid;
    this.node = node;
    this.#maxReplyBytes = maxReplyBytes;
  }

  /** Sends `request` and returns the reply's `data`, or rejects with the mapped error. */
  async agent(ctx: CallContext, request: AgentRequest): Promise<unknown> {
    return this.data(ctx, await this.agentResponse(ctx, request));
  }

  /** The reply's `data` of a 200, or the mapped error of anything else. */
  data(ctx: CallContext, response: ProxmoxResponse): unknown {
    if (response.status !== 200) throw responseError(ctx, response);
    let parsed: unknown;
    try {
      parsed = decodeJson(response.body.toString('utf8'));
    } catch (error) {
      throw new QgaProtocolError(`${ctx.where}: the reply to ${ctx.command} is not JSON`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || !('data' in parsed)) throw new QgaProtocolError(`${ctx.where}: the reply to ${ctx.command} has no data`);
    return (parsed).data;
  }

  /**
   * Sends `request` to the VM's current node and returns the reply as it came, after a
   * new node on a migration (idempotent calls only).
   */
  async agentResponse(ctx: CallContext, request: AgentRequest): Promise<ProxmoxResponse> {
    const body = this.#body(request);
    let moved = false;
    for (;;) {
      const node = this.node ?? (await this.lookupNode(ctx));
      const response = await this.send(ctx, {
        method: request.method,
        path: `/nodes/${encodeURIComponent(node)}/qemu/${this.vmid}/agent/${request.path}`,
        query: request.method === 'GET' ? formOf(request.params) : undefined,
        body,
      });
      if (response.status === 501 && /data too large/i.test(errorBody(response).message)) {
        this.bodyLimit = Math.min(this.bodyLimit, PROXMOX_LIMITS.legacyBody);
        throw new BodyTooLargeError(this.bodyLimit);
      }
      if (response.status !== 500) return response;
      const failure = classifyServerError(errorBody(response).message);
      if (failure.kind === 'config-missing') {
        // The node no longer has the VM's config: it migrated (pve-manager's proxy loads the
        // config on the node in the URL, `PVE/HTTPServer.pm`).
        const previous = node;
        const next = await this.lookupNode(ctx).catch(() => undefined);
        if (next === undefined || next === previous) return response;
        debug('VM %d moved from %s to %s', this.vmid, previous, next);
        if (!request.idempotent) {
          throw new QgaConnectionError(
            `${ctx.where}: the VM moved from node ${previous} to ${next}; ${ctx.command} did not run and was not sent again (only idempotent calls are repeated); the next call goes to ${next}`,
          );
        }
        moved = true;
        continue;
      }
      if (moved && failure.kind === 'vm-stopped' && monotonicNow() + RESUME_POLL_MS < ctx.deadline) {
        // The target says "not running" until the migrated VM resumes there.
        await pause(RESUME_POLL_MS, ctx.signal);
        continue;
      }
      return response;
    }
  }

  /** Finds the VM's node in /cluster/resources (only VMs the credentials may audit are listed). */
  async lookupNode(ctx: CallContext): Promise<string> {
    const response = await this.send(ctx, { method: 'GET', path: '/cluster/resources', query: 'type=vm' });
    const data = this.data({ ...ctx, command: 'GET /cluster/resources' }, response);
    const entry = Array.isArray(data) ? (data as { type?: unknown; vmid?: unknown; node?: unknown }[]).find((r) => r.type === 'qemu' && Number(r.vmid) === this.vmid) : undefined;
    if (typeof entry?.node !== 'string') {
      throw new QgaConnectionError(`${ctx.where}: no QEMU VM ${this.vmid} in /cluster/resources (it does not exist, or ${this.#auth.principal} lacks VM.Audit on /vms/${this.vmid})`);
    }
    this.node = entry.node;
    return entry.node;
  }

  /**
   * One authenticated request, errors without a reply mapped. A 401 on a ticket (expired
   * or revoked meanwhile) gets one fresh login and the request once more: pveproxy checks
   * credentials before anything else, so the refused request did nothing.
   */
  async send(ctx: CallContext, request: Omit<ProxmoxRequest, 'headers'>): Promise<ProxmoxResponse> {
    try {
      const response = await this.#sendAuthenticated(ctx, request);
      if (response.status !== 401 || !this.#auth.renewable) return response;
      await this.#auth.login(this.#limits(ctx));
      return await this.#sendAuthenticated(ctx, request);
    } catch (error) {
      if (ctx.signal?.aborted && error === ctx.signal.reason) throw error;
      if (error instanceof QgaConnectionError) throw error;
      throw transportError(ctx, error);
    }
  }

  /** The request with its credentials, both within what is left of the call's time. */
  #sendAuthenticated(ctx: CallContext, request: Omit<ProxmoxRequest, 'headers'>): Promise<ProxmoxResponse> {
    const limits = this.#limits(ctx);
    return this.#auth.headers(request.method, limits).then((headers) => this.#http.send({ ...request, headers }, limits));
  }

  #limits(ctx: CallContext): { timeout: number; signal: AbortSignal | undefined; maxBytes: number } {
    return { timeout: Math.max(1, ctx.deadline - monotonicNow()), signal: ctx.signal, maxBytes: this.#maxReplyBytes };
  }

  #body(request: AgentRequest): ProxmoxRequest['body'] {
    if (request.method === 'GET') return undefined;
    const body = request.form ? { contentType: 'application/x-www-form-urlencoded', text: formOf(request.params) } : { contentType: 'application/json', text: JSON.stringify(request.params) };
    if (Buffer.byteLength(body.text, 'utf8') > this.bodyLimit) throw new BodyTooLargeError(this.bodyLimit);
    return body;
  }
}

/** Query or form encoding: booleans as 1/0 (Proxmox refuses `true` there), arrays as repeated keys. */
function formOf(params: ProxmoxParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) for (const item of value) form.append(key, item);
    else form.append(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return form.toString();
}
