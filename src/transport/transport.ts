/**
 * Receives what a {@link Transport} reads from the channel.
 */
export interface TransportHandlers {
  /** Bytes arrived. The transport must not reuse `chunk` after the call returns. */
  onData(chunk: Buffer): void;
  /** The channel closed (by the peer, an error, or `close()`); `error` when it was lost. */
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
 */
export interface Transport {
  /** Human-readable name of the channel for error messages, e.g. `unix socket /run/qga.sock`. */
  readonly description: string;
  /**
   * Open the channel and start delivering data to `handlers`. Rejects with a
   * `QgaConnectionError` when the channel cannot be opened, or with `signal.reason` when
   * aborted.
   */
  open(handlers: TransportHandlers, signal?: AbortSignal): Promise<void>;
  /** Write bytes; resolves when they were handed to the OS (respecting backpressure). */
  write(bytes: Uint8Array): Promise<void>;
  /** Close the channel. Idempotent; `onClose` fires once if the channel was open. */
  close(): Promise<void>;
}
