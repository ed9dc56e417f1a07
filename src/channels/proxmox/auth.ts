/**
 * Who the channel is to Proxmox (pve-access-control `PVE/AccessControl.pm`, pve-http-server).
 *
 * - API token: `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET` on every request;
 *   stateless, and no CSRF token is needed.
 * - Ticket: `POST /access/ticket` with username and password gives a ticket (valid 2 h on
 *   every node of the cluster) and a CSRFPreventionToken that every non-GET must carry.
 *   The ticket is renewed after an hour by posting it as the password, and a 401 (the
 *   ticket expired or was revoked meanwhile) triggers one fresh login before the request is
 *   sent again: pveproxy checks credentials before anything else, so the refused request
 *   did nothing.
 * @module
 */
import { QgaConnectionError } from '../../errors.js';
import type { ProxmoxRequest, ProxmoxResponse, RequestLimits } from './http.js';
import { errorBody } from './errors.js';
import type { ProxmoxCredentials } from './options.js';

/** Renew a ticket once it is this old: well before pve-access-control's 2 h lifetime. */
export const TICKET_RENEW_AFTER = 60 * 60 * 1000;

/** Sends one request without credentials of its own. */
export type RawSend = (request: ProxmoxRequest, limits: RequestLimits) => Promise<ProxmoxResponse>;

interface Ticket {
  ticket: string;
  csrf: string;
  issued: number;
}

/** Credentials for one channel; tickets are fetched, renewed and replaced as needed. */
export class ProxmoxAuth {
  readonly #credentials: ProxmoxCredentials;
  readonly #send: RawSend;
  readonly #clock: () => number;
  readonly #where: string;
  #ticket: Ticket | undefined;

  constructor(credentials: ProxmoxCredentials, send: RawSend, clock: () => number, where: string) {
    this.#credentials = credentials;
    this.#send = send;
    this.#clock = clock;
    this.#where = where;
  }

  /** Who the requests run as, for messages. */
  get principal(): string {
    return this.#credentials.kind === 'token' ? this.#credentials.principal : this.#credentials.username;
  }

  /** True when a 401 can be answered with a fresh login (tickets; tokens cannot renew). */
  get renewable(): boolean {
    return this.#credentials.kind === 'ticket';
  }

  /** Headers that authenticate `method`, logging in or renewing the ticket first if due. */
  async headers(method: string, limits: RequestLimits): Promise<Record<string, string>> {
    const credentials = this.#credentials;
    if (credentials.kind === 'token') return { Authorization: credentials.header };
    let ticket = this.#ticket;
    if (ticket === undefined) ticket = await this.login(limits);
    else if (this.#clock() - ticket.issued >= TICKET_RENEW_AFTER) ticket = await this.#renew(ticket, limits);
    const headers: Record<string, string> = { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket.ticket)}` };
    if (method !== 'GET') headers['CSRFPreventionToken'] = ticket.csrf;
    return headers;
  }

  /** Logs in with the password (again). Rejects with `QgaConnectionError` when refused. */
  async login(limits: RequestLimits): Promise<Ticket> {
    const credentials = this.#credentials;
    if (credentials.kind !== 'ticket') throw new Error('login() needs username + password');
    this.#ticket = undefined;
    this.#ticket = await this.#requestTicket(credentials.username, credentials.password, limits);
    return this.#ticket;
  }

  /** Forgets the ticket: the next request logs in again. */
  forget(): void {
    this.#ticket = undefined;
  }

  async #renew(ticket: Ticket, limits: RequestLimits): Promise<Ticket> {
    const credentials = this.#credentials as Extract<ProxmoxCredentials, { kind: 'ticket' }>;
    try {
      this.#ticket = await this.#requestTicket(credentials.username, ticket.ticket, limits);
      return this.#ticket;
    } catch (error) {
      // An expired or revoked ticket cannot renew itself: log in with the password.
      if (!(error instanceof QgaConnectionError)) throw error;
      return this.login(limits);
    }
  }

  async #requestTicket(username: string, password: string, limits: RequestLimits): Promise<Ticket> {
    const response = await this.#send({ method: 'POST', path: '/access/ticket', body: { contentType: 'application/json', text: JSON.stringify({ username, password }) } }, limits);
    if (response.status !== 200) {
      const { message } = errorBody(response);
      throw new QgaConnectionError(`${this.#where}: Proxmox refused the login of ${username} (${response.status} ${message || response.reason})`);
    }
    const data = parseData(response);
    if (data['NeedTFA']) throw new QgaConnectionError(`${this.#where}: ${username} needs a second factor (TFA) to log in; use an API token instead`);
    const { ticket, CSRFPreventionToken: csrf } = data;
    if (typeof ticket !== 'string' || typeof csrf !== 'string') throw new QgaConnectionError(`${this.#where}: Proxmox's login reply carries no ticket`);
    return { ticket, csrf, issued: this.#clock() };
  }
}

function parseData(response: ProxmoxResponse): Record<string, unknown> {
  try {
    const parsed = JSON.parse(response.body.toString('utf8')) as { data?: unknown };
    if (typeof parsed.data === 'object' && parsed.data !== null) return parsed.data as Record<string, unknown>;
  } catch {
    // fall through
  }
  return {};
}
