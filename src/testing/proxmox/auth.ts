/**
 * Authentication as pve-http-server and pve-access-control do it:
 * API tokens in `Authorization`, tickets in the `PVEAuthCookie` cookie (or the same value in
 * `Authorization`), 2 h ticket lifetime on the injected clock, renewal by posting a ticket
 * as the password, and the CSRF token on every non-GET made with a ticket.
 * @module
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Who a request runs as. */
export interface Principal {
  /** `user@realm`, or `user@realm!tokenid` for a token. */
  readonly id: string;
  readonly kind: 'ticket' | 'token';
  /** For tickets: the CSRF token every non-GET must carry. */
  readonly csrf?: string | undefined;
}

/** Why a request was refused, in the pre-9.1.5 wording (the caller may replace it). */
export interface AuthFailure {
  readonly reason: string;
}

/** A ticket and its CSRF token, as `POST /access/ticket` returns them. */
export interface IssuedTicket {
  ticket: string;
  csrf: string;
}

const TICKET_LIFETIME = 2 * 60 * 60 * 1000;
/** pve-http-server's token header pattern. */
const TOKEN_HEADER = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/;

/** Users, tokens and tickets of one simulated cluster. */
export class AuthRealm {
  readonly #users = new Map<string, string>();
  readonly #tokens = new Map<string, string>();
  readonly #secret = randomBytes(32);
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  addUser(user: string, password: string): void {
    this.#users.set(user, password);
  }

  /** Adds a token and returns its secret (a UUID, as PVE makes them). */
  addToken(id: string, secret: string = randomUUID()): string {
    this.#tokens.set(id, secret);
    return secret;
  }

  removeToken(id: string): void {
    this.#tokens.delete(id);
  }

  /** Logs in with a password, or renews with a still valid ticket of the same user. */
  login(username: string, password: string): IssuedTicket | undefined {
    const known = this.#users.get(username);
    const renewing = password.startsWith('PVE:') && this.#checkTicket(password) === username;
    if (!renewing && (known === undefined || !same(known, password))) return undefined;
    return this.issue(username);
  }

  /** A ticket for `user` made now. */
  issue(user: string): IssuedTicket {
    const stamp = Math.floor(this.#clock() / 1000).toString(16).toUpperCase().padStart(8, '0');
    const data = `PVE:${user}:${stamp}`;
    return { ticket: `${data}::${this.#sign(data)}`, csrf: `${stamp}:${this.#sign(`${stamp}:${user}`)}` };
  }

  /** Who sent the request, or why not. */
  authenticate(headers: Record<string, string | string[] | undefined>): Principal | AuthFailure {
    const authorization = typeof headers['authorization'] === 'string' ? headers['authorization'] : '';
    const token = TOKEN_HEADER.exec(authorization);
    if (token) return this.#token(decodeURIComponent((token[1] ?? '').trim()));
    const cookie = typeof headers['cookie'] === 'string' ? /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(headers['cookie'])?.[1] : undefined;
    const raw = cookie ?? (authorization.startsWith('PVEAuthCookie=') ? authorization.slice('PVEAuthCookie='.length) : undefined);
    if (raw === undefined || raw === '') return { reason: 'No ticket' };
    const ticket = decodeURIComponent(raw);
    const user = this.#checkTicket(ticket);
    if (user === undefined) return { reason: 'permission denied - invalid PVE ticket' };
    const stamp = ticket.split(':')[2] ?? '';
    return { id: user, kind: 'ticket', csrf: `${stamp}:${this.#sign(`${stamp}:${user}`)}` };
  }

  #token(value: string): Principal | AuthFailure {
    const eq = value.lastIndexOf('=');
    const id = eq === -1 ? value : value.slice(0, eq);
    const secret = eq === -1 ? '' : value.slice(eq + 1);
    const bang = id.indexOf('!');
    if (bang === -1 || !/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(id.slice(bang + 1))) return { reason: 'invalid token value!' };
    const known = this.#tokens.get(id);
    if (known === undefined) return { reason: `no such token '${id.slice(bang + 1)}' for user '${id.slice(0, bang)}'` };
    if (!same(known, secret)) return { reason: 'invalid token value!' };
    return { id, kind: 'token' };
  }

  /** The ticket's user when its signature holds and it is less than 2 h old. */
  #checkTicket(ticket: string): string | undefined {
    const match = /^(PVE:([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
    if (!match || !same(this.#sign(match[1] as string), match[4] as string)) return undefined;
    const age = this.#clock() - parseInt(match[3] as string, 16) * 1000;
    return age >= -5 * 60 * 1000 && age < TICKET_LIFETIME ? match[2] : undefined;
  }

  #sign(data: string): string {
    return createHmac('sha256', this.#secret).update(data).digest('base64');
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
