/**
 * Receives what a {@link Transport} reads from the channel. The client passes these to
 * `open`; a custom transport calls them.
 *
 * @example
 * ```ts
 * async open(handlers: TransportHandlers): Promise<void> {
 *   this.#port.on('data', (chunk: Buffer) => handlers.onData(chunk));
 *   this.#port.on('close', () => handlers.onClose());
 * }
 * ```
 */
export interface TransportHandlers {
  /**
   * Bytes arrived. The transport must not reuse `chunk` after the call returns.
   *
   * @example
   * ```ts
   * socket.on('data', (chunk: Buffer) => handlers.onData(chunk));
   * ```
   */
  onData(chunk: Buffer): void;
  /**
   * The channel closed (by the peer, an error, or `close()`); `error` when it was lost.
   *
   * @example
   * ```ts
   * socket.once('close', () => handlers.onClose(lastError));
   * ```
   */
  onClose(error?: Error): void;
}

/**
 * A byte channel to a guest agent. It moves bytes and nothing else: framing, queueing and
 * resynchronisation live above it, so another channel (a virtio-serial device node, a
 * tunnel) needs only a new Transport.
 *
 * A transport may be opened again after it closed (used by reconnects).
 *
 * @example
 * ```ts
 * const transport = new SocketTransport({ path: '/run/qga.sock' });
 * const client = await QgaClient.connect({ transport });
 * ```
 *
 * @example A transport over a TLS tunnel to the host's agent socket
 * ```ts
 * class TunnelTransport implements Transport {
 *   readonly description = 'tls tunnel vm-host:7000';
 *   #socket: TLSSocket | undefined;
 *   async open(handlers: TransportHandlers, signal?: AbortSignal): Promise<void> {
 *     const socket = tls.connect({ host: 'vm-host', port: 7000, signal });
 *     await once(socket, 'secureConnect');
 *     socket.on('data', (chunk: Buffer) => handlers.onData(chunk));
 *     socket.once('close', () => handlers.onClose());
 *     this.#socket = socket;
 *   }
 *   async write(bytes: Uint8Array): Promise<void> {
 *     await new Promise<void>((resolve, reject) => this.#socket!.write(bytes, (err) => (err ? reject(err) : resolve())));
 *   }
 *   async close(): Promise<void> {
 *     this.#socket?.destroy();
 *     this.#socket = undefined;
 *   }
 * }
 * ```
 */
export interface Transport {
  /** Human-readable name of the channel for error messages, e.g. `unix socket /run/qga.sock`. */
  readonly description: string;
  /**
   * True when {@link Transport.open} settles without waiting on anything that can hang (a
   * unix socket connects or is refused at once). The client then gives an opening no
   * timer and no AbortSignal of its own (it still passes the caller's). Leave it unset
   * when an open can take time: a TCP connect, a tunnel, a device that is not there yet.
   */
  readonly opensAtOnce?: boolean | undefined;
  /**
   * True when the channel, while open, keeps the Node process running by itself, as a
   * socket does. A call waiting for its reply then needs nothing else to hold the process
   * until its timeout, and the client's timeout timer never does (saving a `ref()` and an
   * `unref()` per call). Leave it unset for a transport that holds nothing (an in-process
   * one): the client's timer then holds the process while a call waits, and lets it go
   * when the client is idle.
   */
  readonly keepsProcessAlive?: boolean | undefined;
  /**
   * Open the channel and start delivering data to `handlers`. Rejects with a
   * `QgaConnectionError` when the channel cannot be opened, or with `signal.reason` when
   * aborted.
   *
   * @example
   * ```ts
   * await transport.open({ onData: (chunk) => framer.push(chunk), onClose: (error) => lost(error) }, signal);
   * ```
   */
  open(handlers: TransportHandlers, signal?: AbortSignal): Promise<void>;
  /**
   * Write bytes; resolves when they were handed to the OS (respecting backpressure).
   *
   * @example
   * ```ts
   * await transport.write(Buffer.from('{"execute":"guest-ping"}\n'));
   * ```
   */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Optional: write `text` as UTF-8, as {@link Transport.write} does bytes. When present,
   * the client writes its short request lines through it, with no Buffer made for each
   * (a socket writes a string as it is); file chunks and the resync's `0xFF` still go
   * through `write`. The two keep their order.
   *
   * @example
   * ```ts
   * await transport.writeText('{"execute":"guest-ping"}\n');
   * ```
   */
  writeText?(text: string): Promise<void>;
  /**
   * Close the channel. Idempotent; `onClose` fires once if the channel was open.
   *
   * @example
   * ```ts
   * await transport.close();
   * ```
   */
  close(): Promise<void>;
}
