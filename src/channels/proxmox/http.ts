/**
 * HTTPS requests to one Proxmox API endpoint: keep-alive over one verified socket, a
 * deadline and an abort signal per request, and a bound on what a reply may bring in.
 * Knows nothing of the agent: paths, envelopes and errors are the channel's business.
 * @module
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { InFlight, type InFlightCall } from '../../protocol/in-flight.js';
import { monotonicNow } from '../../protocol/timers.js';
import { VerifyingAgent, type TlsTrust } from './tls.js';

/** One request, with a path under `/api2/json`. */
export interface ProxmoxRequest {
  readonly method: 'GET' | 'POST';
  /** E.g. `/nodes/pve1/qemu/100/agent/ping`. */
  readonly path: string;
  /** Already encoded, without the `?`. */
  readonly query?: string | undefined;
  readonly body?: { readonly contentType: string; readonly text: string } | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** A complete reply. */
export interface ProxmoxResponse {
  readonly status: number;
  /** pveproxy puts the error message's first line here. */
  readonly reason: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** Per-request limits. */
export interface RequestLimits {
  /** ms until the request is given up (the socket is destroyed). */
  readonly timeout: number;
  readonly signal?: AbortSignal | undefined;
  /** Largest reply body accepted. */
  readonly maxBytes: number;
}

/** The request's deadline passed; whether the server acted on it is unknown. */
export class HttpTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeout: number) {
    super(`no reply within ${timeout} ms`);
    this.name = 'HttpTimeoutError';
  }
}

/** The reply was larger than allowed; it was not read to its end. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the reply is larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** Options of {@link ProxmoxHttp}. */
export interface ProxmoxHttpOptions {
  host: string;
  port: number;
  trust: TlsTrust;
  /** ms for a TLS handshake. */
  handshakeTimeout: number;
  /**
   * The channel's own close: every request in flight ends with its reason. A request whose
   * `signal` is this one needs no abort listener of its own.
   */
  closing?: AbortSignal | undefined;
}

/** A request in flight: `finish` sets `settled`. */
type PendingRequest = InFlightCall & { settled: boolean };

/** The HTTPS side of one channel. */
export class ProxmoxHttp {
  /** `https://host:port`, for messages. */
  readonly origin: string;
  readonly #host: string;
  readonly #port: number;
  readonly #agent: VerifyingAgent;
  readonly #closing: AbortSignal | undefined;
  /** Requests in flight: one timer for their deadlines, one listener on the channel's close. */
  readonly #inFlight = new InFlight<PendingRequest>();

  constructor(options: ProxmoxHttpOptions) {
    this.#host = options.host;
    this.#port = options.port;
    this.origin = `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    this.#agent = new VerifyingAgent(options.trust, options.handshakeTimeout);
    const closing = (this.#closing = options.closing);
    closing?.addEventListener('abort', () => this.#inFlight.close(closing.reason), { once: true });
  }

  /**
   * Sends one request and reads its whole reply. A kept-alive socket the server closed
   * while idle (pveproxy drops them after 5 s) fails at once with ECONNRESET before any
   * reply: that request never reached the server, so it is sent once more on a new socket.
   */
  async send(request: ProxmoxRequest, limits: RequestLimits): Promise<ProxmoxResponse> {
    const deadline = monotonicNow() + limits.timeout;
    try {
      return await this.#sendOnce(request, limits, limits.timeout);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      return this.#sendOnce(request, limits, Math.max(1, deadline - monotonicNow()));
    }
  }

  /** Drops the kept-alive socket. */
  close(): void {
    this.#inFlight.close(new Error('the HTTPS side was closed'));
    this.#agent.destroy();
  }

  #sendOnce(request: ProxmoxRequest, limits: RequestLimits, timeout: number): Promise<ProxmoxResponse> {
    const { signal, maxBytes } = limits;
    return new Promise<ProxmoxResponse>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const body = request.body === undefined ? undefined : Buffer.from(request.body.text, 'utf8');
      const headers: Record<string, string | number> = { Accept: 'application/json', ...request.headers };
      if (body !== undefined && request.body) {
        headers['Content-Type'] = request.body.contentType;
        headers['Content-Length'] = body.length;
      }
      let replied = false;
      const req = https.request({
        host: this.#host,
        port: this.#port,
        method: request.method,
        path: `/api2/json${request.path}${request.query ? `?${request.query}` : ''}`,
        headers,
        agent: this.#agent,
      });
      // The channel's close ends every request at once (see the constructor); another
      // signal (the caller's) gets a listener of its own.
      const listen = signal !== undefined && signal !== this.#closing;
      const finish = (error: unknown, response?: ProxmoxResponse): void => {
        if (inFlight.settled) return;
        inFlight.settled = true;
        this.#inFlight.end(inFlight);
        if (listen) signal.removeEventListener('abort', onAbort);
        if (response) resolve(response);
        else {
          req.destroy();
          reject(error);
        }
      };
      const inFlight: PendingRequest = {
        deadline: monotonicNow() + timeout,
        settled: false,
        end: (error) => finish(error),
        timedOut: () => finish(new HttpTimeoutError(limits.timeout)),
      };
      this.#inFlight.begin(inFlight);
      const onAbort = (): void => finish(signal?.reason);
      if (listen) signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && !replied && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        finish(stale ? new StaleSocketError(error) : error);
      });
      req.once('response', (res: IncomingMessage) => {
        replied = true;
        readBody(res, maxBytes).then(
          (data) => finish(undefined, { status: res.statusCode ?? 0, reason: res.statusMessage ?? '', contentType: String(res.headers['content-type'] ?? ''), body: data }),
          (error: unknown) => finish(error),
        );
      });
      req.end(body);
    });
  }
}

/** A kept-alive socket was closed by the server before this request reached it. */
class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

/** Reads a reply body, refusing to hold more than `maxBytes`. */
function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      reject(new ResponseTooLargeError(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new ResponseTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    res.on('error', reject);
    res.once('aborted', () => reject(Object.assign(new Error('the server closed the connection mid-reply'), { code: 'ECONNRESET' })));
  });
}
