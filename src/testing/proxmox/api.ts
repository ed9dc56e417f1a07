/**
 * The simulated API's request pipeline, in pveproxy's order (pve-http-server `PVE/APIServer/AnyEvent.pm`): body
 * limit → auth (401) → handler (501) → permission (403) → the proxy hop to the VM's node
 * and pvedaemon (596 after its inactivity timeout, while the work goes on) → validation
 * (400) → qemu-server's pre-checks and the endpoint itself.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Acl } from './permissions.js';
import { requiredPrivileges } from './permissions.js';
import type { AuthRealm, Principal } from './auth.js';
import * as handlers from './handlers.js';
import { parseParams, readBody, sendData, sendEmpty, sendError, sendTooLarge } from './http-io.js';
import { checkPath, endpointSchema, SIMPLE_COMMANDS, validate, type RawParams } from './schema.js';
import type { PrivilegeModel, SimulatedRequest } from './types.js';
import { PveError, type SimulatedVm } from './vm.js';

/** What the pipeline works on; owned by `SimulatedProxmox`. */
export interface ApiState {
  readonly nodes: readonly string[];
  readonly vms: ReadonlyMap<number, SimulatedVm>;
  readonly realm: AuthRealm;
  readonly acl: Acl;
  readonly model: PrivilegeModel;
  readonly versions: { fileReadRange: boolean; execArray: boolean; errorMessages: boolean; single401: boolean; bodyLimit: number };
  readonly timing: { proxyTimeout: number; authFailureDelay: number };
  /** An injected fault of the hop to pvedaemon for `endpoint`: silence first, or a 595. */
  hopFault(endpoint: string): { delay: number; fail: boolean } | undefined;
  log(entry: SimulatedRequest): void;
}

/** Endpoints read with GET; the others are POSTs. */
const GET_ENDPOINTS = new Set(['info', 'get-time', 'get-host-name', 'get-osinfo', 'get-timezone', 'get-memory-block-info', 'get-users', 'get-vcpus', 'get-fsinfo', 'get-memory-blocks', 'network-get-interfaces', 'exec-status', 'file-read']);
/** The index's 25 names, sorted. */
const INDEX = [...SIMPLE_COMMANDS, 'exec', 'exec-status', 'file-read', 'file-write', 'set-user-password'].sort();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

type Route = { kind: 'ticket' } | { kind: 'resources' } | { kind: 'index' } | { kind: 'agent'; node: string; vmid: string; endpoint: string };

function route(method: string, path: string): Route | undefined {
  if (path === '/access/ticket') return method === 'POST' ? { kind: 'ticket' } : undefined;
  if (path === '/cluster/resources') return method === 'GET' ? { kind: 'resources' } : undefined;
  const match = /^\/nodes\/([^/]+)\/qemu\/([^/]+)\/agent(?:\/([^/]+))?$/.exec(path);
  if (!match) return undefined;
  const [, node = '', vmid = '', name] = match;
  if (name === undefined) return method === 'GET' ? { kind: 'index' } : method === 'POST' ? { kind: 'agent', node, vmid, endpoint: '' } : undefined;
  if (!INDEX.includes(name)) return undefined;
  return method === (GET_ENDPOINTS.has(name) ? 'GET' : 'POST') ? { kind: 'agent', node, vmid, endpoint: name } : undefined;
}

/** Answers one request. */
export async function handle(req: IncomingMessage, res: ServerResponse, state: ApiState): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const method = req.method ?? 'GET';
  const path = url.pathname.startsWith('/api2/json/') ? url.pathname.slice('/api2/json'.length) : url.pathname;
  // Logged as the status goes out, so a test sees it by the time its client has the reply.
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    state.log({ method, path, status });
    return writeHead(status, ...rest);
  });
  const withMessage = state.versions.errorMessages;
  const fail = (error: unknown): void => {
    if (res.headersSent) return;
    if (error instanceof PveError && error.status === 595) sendEmpty(res, 595, error.message);
    else if (error instanceof PveError) sendError(res, error.status, error.message, { withMessage, errors: error.errors });
    else sendError(res, 500, error instanceof Error ? error.message : String(error), { withMessage });
  };
  try {
    const body = await readBody(req, state.versions.bodyLimit);
    if (body === undefined) return sendTooLarge(res);
    if (method === 'GET' && body.length > 0) throw new PveError(501, `Method '${method} ${path}' not implemented`);
    const params = parseParams(url.searchParams, body, String(req.headers['content-type'] ?? ''));
    if (params === undefined) throw new PveError(400, 'Parameter verification failed.', { body: 'unable to parse the request body' });
    const target = route(method, path);
    if (target?.kind === 'ticket') return await login(res, state, params);
    const principal = state.realm.authenticate(req.headers);
    if (!('id' in principal)) return await refuse(res, state, principal.reason);
    if (principal.kind === 'ticket' && method !== 'GET' && req.headers['csrfpreventiontoken'] !== principal.csrf) {
      return await refuse(res, state, 'Permission denied - invalid csrf token');
    }
    if (target === undefined) throw new PveError(501, `Method '${method} ${path}' not implemented`);
    if (target.kind === 'resources') return resources(res, state, principal, params);
    if (target.kind === 'index') return sendData(res, INDEX.map((name) => ({ name })));
    const required = requiredPrivileges(state.model, target.endpoint);
    if (!state.acl.allows(principal.id, Number(target.vmid), required)) throw new PveError(403, `Permission check failed (/vms/${target.vmid}, ${required.join('|')})`);
    await proxied(res, state, () => agentCall(state, target, params));
  } catch (error) {
    fail(error);
  }
}

/** pveproxy → pvedaemon (and → the VM's node): 596 after the inactivity timeout, the work going on. */
async function proxied(res: ServerResponse, state: ApiState, work: () => Promise<unknown>): Promise<void> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    sendEmpty(res, 596, 'Connection timed out');
  }, state.timing.proxyTimeout);
  try {
    const data = await work();
    if (!timedOut) sendData(res, data);
  } catch (error) {
    if (!timedOut) throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function agentCall(state: ApiState, target: Extract<Route, { kind: 'agent' }>, params: RawParams): Promise<unknown> {
  const node = target.node === 'localhost' ? (state.nodes[0] as string) : target.node;
  if (!state.nodes.includes(node)) throw new PveError(500, `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
  const { values, errors } = validate(params, endpointSchema(target.endpoint, state.versions));
  Object.assign(errors, checkPath(target.node, target.vmid));
  if (Object.keys(errors).length > 0) throw new PveError(400, 'Parameter verification failed.', errors);
  const fault = state.hopFault(target.endpoint);
  if (fault && fault.delay > 0) await sleep(fault.delay);
  if (fault?.fail) throw new PveError(595, 'Errors during connection establishment, proxy handshake');
  const vm = state.vms.get(Number(target.vmid));
  if (vm === undefined) throw new PveError(500, `Configuration file 'nodes/${node}/qemu-server/${target.vmid}.conf' does not exist`);
  await vm.precheck(node);
  switch (target.endpoint) {
    case '':
      return handlers.simple(vm, values['command'] as string);
    case 'exec':
      return handlers.exec(vm, values);
    case 'exec-status':
      return handlers.execStatus(vm, values);
    case 'file-read':
      return handlers.fileRead(vm, values);
    case 'file-write':
      return handlers.fileWrite(vm, node, values);
    case 'set-user-password':
      return handlers.setUserPassword(vm, values);
    default:
      return handlers.simple(vm, target.endpoint);
  }
}

/** A 401 as pveproxy sends it: late, empty, closing the connection. */
async function refuse(res: ServerResponse, state: ApiState, reason: string): Promise<void> {
  await sleep(state.timing.authFailureDelay);
  const text = reason === 'No ticket' || !state.versions.single401 || reason.startsWith('Permission denied') ? reason : 'Authentication failed!';
  sendEmpty(res, 401, text);
}

/** `POST /access/ticket`: a password login, or a renewal with a still valid ticket. */
async function login(res: ServerResponse, state: ApiState, params: RawParams): Promise<void> {
  const { values, errors } = validate(params, { username: { type: 'string', required: true }, password: { type: 'string', required: true }, realm: { type: 'string' } });
  if (Object.keys(errors).length > 0) throw new PveError(400, 'Parameter verification failed.', errors);
  let username = values['username'] as string;
  if (typeof values['realm'] === 'string' && !username.includes('@')) username = `${username}@${values['realm']}`;
  const issued = state.realm.login(username, values['password'] as string);
  if (!issued) {
    await sleep(state.timing.authFailureDelay);
    return sendError(res, 401, 'authentication failure', { withMessage: state.versions.errorMessages });
  }
  sendData(res, { username, ticket: issued.ticket, CSRFPreventionToken: issued.csrf, cap: { vms: {} }, clustername: 'simulated' });
}

/** `GET /cluster/resources`: the VMs the caller may audit (VM.Audit), with their node and state. */
function resources(res: ServerResponse, state: ApiState, principal: Principal, params: RawParams): void {
  const { values, errors } = validate(params, { type: { type: 'enum', values: ['vm', 'storage', 'node', 'sdn'] } });
  if (Object.keys(errors).length > 0) throw new PveError(400, 'Parameter verification failed.', errors);
  const vms = values['type'] === undefined || values['type'] === 'vm' ? [...state.vms.values()] : [];
  sendData(
    res,
    vms
      .filter((vm) => state.acl.allows(principal.id, vm.vmid, ['VM.Audit']))
      .map((vm) => ({ id: `qemu/${vm.vmid}`, type: 'qemu', vmid: vm.vmid, node: vm.node, name: vm.name, status: vm.running ? 'running' : 'stopped', template: 0 })),
  );
}
