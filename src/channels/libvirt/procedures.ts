/**
 * The few libvirt RPC procedures this channel speaks, as data: program and procedure
 * numbers with the XDR layout of their arguments and results.
 *
 * Transcribed by hand from libvirt's `src/remote/remote_protocol.x`, `qemu_protocol.x` and
 * `src/rpc/virkeepaliveprotocol.x` (numbers and layouts are stable since they were added;
 * checked against libvirt 9.0.0 on the wire), the way go-libvirt generates
 * its procedure table from the same files. Only what the agent channel needs is here.
 * @module
 */
import { QgaProtocolError } from '../../errors.js';
import type { XdrReader, XdrWriter } from './xdr.js';

/** Program numbers (all at version 1). */
export const Program = {
  REMOTE: 0x20008086,
  QEMU: 0x20008087,
  KEEPALIVE: 0x6b656570,
} as const;

export const PROTOCOL_VERSION = 1;

/** `REMOTE_STRING_MAX` (= `VIR_NET_MESSAGE_STRING_MAX`): the longest string either way. */
export const REMOTE_STRING_MAX = 4 * 1024 * 1024;
/** `REMOTE_AUTH_TYPE_LIST_MAX`. */
const REMOTE_AUTH_TYPE_LIST_MAX = 20;
/** `VIR_UUID_BUFLEN`. */
export const UUID_BYTES = 16;

/** `remote_auth_type`. */
export const AuthType = { NONE: 0, SASL: 1, POLKIT: 2 } as const;

/** `virDrvFeature` values asked with CONNECT_SUPPORTS_FEATURE. */
export const Feature = { PROGRAM_KEEPALIVE: 10, REMOTE_EVENT_CALLBACK: 14 } as const;

/** `virDomainEventID` values. */
export const EventId = { LIFECYCLE: 0, AGENT_LIFECYCLE: 18 } as const;

/** `virConnectDomainEventAgentLifecycleState`. */
export const AgentLifecycleState = { CONNECTED: 1, DISCONNECTED: 2 } as const;

/** `virDomainShutdownFlagValues` / `virDomainRebootFlagValues`: do it through the guest agent. */
export const SHUTDOWN_GUEST_AGENT = 2;
export const REBOOT_GUEST_AGENT = 2;

/** `remote_nonnull_domain`. libvirtd resolves it by `uuid` only (name and id are informative). */
export interface RemoteDomain {
  readonly name: string;
  readonly uuid: Buffer;
  readonly id: number;
}

/** One procedure: where it lives and how its arguments and result are laid out. */
export interface Procedure<Args, Ret> {
  readonly name: string;
  readonly program: number;
  readonly proc: number;
  encode(writer: XdrWriter, args: Args): void;
  decode(reader: XdrReader): Ret;
}

const none = (): void => undefined;

export function writeDomain(writer: XdrWriter, dom: RemoteDomain): void {
  writer.string(dom.name, REMOTE_STRING_MAX).opaque(dom.uuid, UUID_BYTES).int(dom.id);
}

export function readDomain(reader: XdrReader): RemoteDomain {
  return { name: reader.string(REMOTE_STRING_MAX), uuid: reader.opaque(UUID_BYTES), id: reader.int() };
}

function remote<Args, Ret>(name: string, proc: number, encode: (w: XdrWriter, a: Args) => void, decode: (r: XdrReader) => Ret): Procedure<Args, Ret> {
  return { name, program: Program.REMOTE, proc, encode, decode };
}

export const AUTH_LIST = remote<void, number[]>('AUTH_LIST', 66, none, (r) => r.array(REMOTE_AUTH_TYPE_LIST_MAX, () => r.int()));
export const AUTH_POLKIT = remote<void, number>('AUTH_POLKIT', 70, none, (r) => r.int());
export const CONNECT_SUPPORTS_FEATURE = remote<number, number>('CONNECT_SUPPORTS_FEATURE', 60, (w, feature) => w.int(feature), (r) => r.int());
export const CONNECT_OPEN = remote<{ name: string | undefined; flags: number }, void>(
  'CONNECT_OPEN',
  1,
  (w, a) => w.optional(a.name, (ww, name) => ww.string(name, REMOTE_STRING_MAX)).uint(a.flags),
  none,
);
export const CONNECT_CLOSE = remote<void, void>('CONNECT_CLOSE', 2, none, none);
export const DOMAIN_LOOKUP_BY_NAME = remote<string, RemoteDomain>('DOMAIN_LOOKUP_BY_NAME', 23, (w, name) => w.string(name, REMOTE_STRING_MAX), readDomain);
export const DOMAIN_LOOKUP_BY_UUID = remote<Buffer, RemoteDomain>('DOMAIN_LOOKUP_BY_UUID', 24, (w, uuid) => w.opaque(uuid, UUID_BYTES), readDomain);
/** `{remote_nonnull_domain dom; unsigned int flags}`, the arguments of both power procedures. */
function writeDomainAndFlags(w: XdrWriter, a: { dom: RemoteDomain; flags: number }): void {
  writeDomain(w, a.dom);
  w.uint(a.flags);
}
export const DOMAIN_SHUTDOWN_FLAGS = remote<{ dom: RemoteDomain; flags: number }, void>('DOMAIN_SHUTDOWN_FLAGS', 258, writeDomainAndFlags, none);
export const DOMAIN_REBOOT = remote<{ dom: RemoteDomain; flags: number }, void>('DOMAIN_REBOOT', 27, writeDomainAndFlags, none);
export const EVENT_REGISTER_ANY = remote<{ eventId: number; dom: RemoteDomain | undefined }, number>(
  'CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY',
  316,
  (w, a) => w.int(a.eventId).optional(a.dom, writeDomain),
  (r) => r.int(),
);
export const EVENT_DEREGISTER_ANY = remote<number, void>('CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY', 317, (w, id) => w.int(id), none);

/**
 * QEMU program, DOMAIN_AGENT_COMMAND: `{dom, string cmd, int timeout (s), unsigned flags}`
 * → `remote_string result`. The result stays bytes here, so the caller can refuse an
 * oversized reply before decoding it.
 */
export const DOMAIN_AGENT_COMMAND: Procedure<{ dom: RemoteDomain; command: string | readonly string[]; commandBytes?: number; timeout: number }, Buffer | undefined> = {
  name: 'DOMAIN_AGENT_COMMAND',
  program: Program.QEMU,
  proc: 3,
  encode: (w, a) => {
    writeDomain(w, a.dom);
    // The command may come in pieces (agent-call.ts): one string on the wire all the same.
    if (typeof a.command === 'string') w.string(a.command, REMOTE_STRING_MAX);
    else w.stringParts(a.command, REMOTE_STRING_MAX, a.commandBytes);
    w.int(a.timeout).uint(0);
  },
  decode: (r) => r.optional((rr) => rr.bytes(REMOTE_STRING_MAX)),
};

/** Keepalive program procedures; both travel as MESSAGE with serial 0 and no payload. */
export const KeepaliveProc = { PING: 1, PONG: 2 } as const;

/** Server MESSAGE procedures of the REMOTE program (events). */
export const EventProc = { LIFECYCLE: 318, AGENT_LIFECYCLE: 348 } as const;

/** `remote_domain_event_callback_agent_lifecycle_msg`. */
export interface AgentLifecycleMessage {
  callbackId: number;
  dom: RemoteDomain;
  state: number;
  reason: number;
}

export function readAgentLifecycle(r: XdrReader): AgentLifecycleMessage {
  return { callbackId: r.int(), dom: readDomain(r), state: r.int(), reason: r.int() };
}

/** `remote_domain_event_callback_lifecycle_msg`. */
export interface LifecycleMessage {
  callbackId: number;
  dom: RemoteDomain;
  event: number;
  detail: number;
}

export function readLifecycle(r: XdrReader): LifecycleMessage {
  return { callbackId: r.int(), dom: readDomain(r), event: r.int(), detail: r.int() };
}

/** `remote_error`: what libvirtd sends instead of `_ret` when status is ERROR. */
export interface RemoteErrorData {
  /** `virErrorNumber`, e.g. 42 VIR_ERR_NO_DOMAIN. */
  code: number;
  /** `virErrorDomain`, e.g. 10 VIR_FROM_QEMU. */
  domain: number;
  message: string | undefined;
  level: number;
  str1: string | undefined;
  str2: string | undefined;
  str3: string | undefined;
  int1: number;
  int2: number;
}

export function readRemoteError(r: XdrReader): RemoteErrorData {
  const str = (): string | undefined => r.optional((rr) => rr.string(REMOTE_STRING_MAX));
  const code = r.int();
  const domain = r.int();
  const message = str();
  const level = r.int();
  r.optional(readDomain);
  const str1 = str();
  const str2 = str();
  const str3 = str();
  const int1 = r.int();
  const int2 = r.int();
  // remote_network: optional {string name; opaque uuid[16]}.
  r.optional((rr) => {
    rr.string(REMOTE_STRING_MAX);
    rr.opaque(UUID_BYTES);
  });
  return { code, domain, message, level, str1, str2, str3, int1, int2 };
}

/** Parses a UUID in its usual text form (with or without dashes) into 16 bytes, or undefined. */
export function parseUuid(text: string): Buffer | undefined {
  if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(text)) return undefined;
  return Buffer.from(text.replace(/-/g, ''), 'hex');
}

export function formatUuid(uuid: Buffer): string {
  if (uuid.length !== UUID_BYTES) throw new QgaProtocolError(`a UUID has ${UUID_BYTES} bytes, got ${uuid.length}`);
  const hex = uuid.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
