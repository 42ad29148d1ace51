/**
 * SIP.js Transport over one of our SipConnections. Besides moving strings it repairs a SIP.js limitation in Node:
 * SIP.js writes Via sent-by and Contact as `<viaHost>` without a port, and drops any response whose top Via
 * carries a port. We put our real host:port on the wire (RFC 3261 §18.2.1 needs a reachable sent-by for
 * connection-less transports) and restore the placeholder on the way in, so SIP.js sees what it wrote.
 */
import { EmitterImpl, TransportState, type Emitter, type Transport } from 'sip.js';
import { formatHostPort, type SipConnection, type SipConnectionError } from '../../transports';
import { redactSipMessage } from './redact';

export interface ConnectionTransportOptions {
  readonly connection: SipConnection;
  /** The placeholder host SIP.js uses in Via/Contact (UserAgentOptions.viaHost). */
  readonly viaHost: string;
  /** Replace viaHost with our real host:port on the wire (UDP/TCP/TLS; WS keeps its RFC 7118 §5 invalid host). */
  readonly rewriteHost: boolean;
  readonly trace?: (direction: 'in' | 'out', text: string) => void;
  /** Fired with the classified error when the connection drops (after connect). */
  readonly onConnectionLost?: (error: SipConnectionError | undefined) => void;
  /** Fired for every send failure, so a synthesized 503 can be told apart from a real one. */
  readonly onSendError?: (error: SipConnectionError) => void;
}

interface SipJsLogger {
  log(message: string): void;
}

export class ConnectionTransport implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  readonly #stateChange = new EmitterImpl<TransportState>();
  #state: TransportState = TransportState.Disconnected;
  readonly #opts: ConnectionTransportOptions;

  constructor(_logger: SipJsLogger, options: ConnectionTransportOptions) {
    this.#opts = options;
    options.connection.onMessage = (text) => this.#receive(text);
    options.connection.onClose = (error) => {
      this.#setState(TransportState.Disconnected);
      options.onConnectionLost?.(error);
      this.onDisconnect?.(error);
    };
  }

  get protocol(): string {
    // Via transport token, RFC 3261 §20.42 / RFC 7118 §5.
    return this.#opts.connection.kind.toUpperCase();
  }
  get state(): TransportState {
    return this.#state;
  }
  get stateChange(): Emitter<TransportState> {
    return this.#stateChange;
  }

  async connect(): Promise<void> {
    if (this.#state === TransportState.Connected) return;
    this.#setState(TransportState.Connecting);
    try {
      await this.#opts.connection.connect();
    } catch (err) {
      this.#setState(TransportState.Disconnected);
      throw err;
    }
    this.#setState(TransportState.Connected);
    this.onConnect?.();
  }

  async disconnect(): Promise<void> {
    if (this.#state === TransportState.Disconnected) return;
    this.#setState(TransportState.Disconnecting);
    this.#opts.connection.close();
    this.#setState(TransportState.Disconnected);
    this.onDisconnect?.();
  }

  async dispose(): Promise<void> {
    this.#opts.connection.onMessage = undefined;
    this.#opts.connection.onClose = undefined;
    await this.disconnect();
  }

  isConnected(): boolean {
    return this.#state === TransportState.Connected;
  }

  async send(message: string): Promise<void> {
    const wire = this.#opts.rewriteHost ? rewriteHeaders(message, this.#opts.viaHost, this.#hostPort()) : message;
    this.#opts.trace?.('out', redactSipMessage(wire));
    try {
      await this.#opts.connection.send(wire);
    } catch (err) {
      this.#opts.onSendError?.(err as SipConnectionError);
      throw err;
    }
  }

  #receive(text: string): void {
    this.#opts.trace?.('in', redactSipMessage(text));
    const message = this.#opts.rewriteHost ? rewriteHeaders(text, this.#hostPort(), this.#opts.viaHost) : text;
    this.onMessage?.(message);
  }

  #hostPort(): string {
    return formatHostPort(this.#opts.connection.local);
  }

  #setState(state: TransportState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#stateChange.emit(state);
  }
}

/** Replace `from` by `to` in the header section only (bodies, e.g. SDP, are not ours to touch). */
export function rewriteHeaders(message: string, from: string, to: string): string {
  const end = message.indexOf('\r\n\r\n');
  const head = end >= 0 ? message.slice(0, end) : message;
  const rest = end >= 0 ? message.slice(end) : '';
  if (!head.includes(from)) return message;
  // Not followed by a digit: 127.0.0.1:4151 must not match inside 127.0.0.1:41519.
  const pattern = new RegExp(`${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\d)`, 'g');
  return head.replace(pattern, () => to) + rest;
}
