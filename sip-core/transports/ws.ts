import WebSocket from 'ws';
import tls from 'node:tls';
import {
  classifyConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  SipConnectionError,
  type SipConnection,
  type SipConnectionOptions,
  type SipEndpoint,
} from './sip-connection';
import { pinnedLookup } from './resolver';
import { resolve } from './udp';

/** SIP over WebSocket (RFC 7118): subprotocol "sip", one SIP message per WebSocket message. */
export class WsSipConnection implements SipConnection {
  onMessage: ((text: string) => void) | undefined;
  onClose: ((error?: SipConnectionError) => void) | undefined;
  #socket: WebSocket | undefined;
  #local: SipEndpoint = { host: '0.0.0.0', port: 0 };
  #closed = false;

  constructor(
    readonly kind: 'ws' | 'wss',
    private readonly options: SipConnectionOptions,
  ) {}

  get local(): SipEndpoint {
    return this.#local;
  }
  get remote(): SipEndpoint {
    return { host: this.options.host, port: this.options.port };
  }

  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    const path = this.options.wsPath ?? '/';
    return `${this.kind}://${host}:${this.options.port}${path.startsWith('/') ? path : `/${path}`}`;
  }

  async connect(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    // Resolve first so a bad name is reported as dns, not as a generic ws error.
    // A pre-resolved `address` (RFC 3263 target) is used as is; the URL keeps the name (Host header, SNI).
    const address = this.options.address ?? (await resolve(this.options.host, timeoutMs));
    const socket = new WebSocket(this.url, 'sip', {
      handshakeTimeout: timeoutMs,
      lookup: pinnedLookup(address),
      rejectUnauthorized: this.options.tlsVerify !== false,
      ca: this.options.tlsCa ? [...tls.rootCertificates, this.options.tlsCa] : undefined,
    });
    this.#socket = socket;
    await new Promise<void>((resolvePromise, reject) => {
      const onError = (err: Error) => {
        socket.off('open', onOpen);
        const stage = this.kind === 'wss' ? 'tls' : 'connect';
        const classified = /timed out|timeout/i.test(err.message)
          ? new SipConnectionError('timeout', err.message, 'ETIMEDOUT')
          : classifyConnectionError(err, errorHasCode(err) ? 'connect' : stage);
        reject(classified);
      };
      const onOpen = () => {
        socket.off('error', onError);
        // RFC 7118 §4.1: the server must accept the "sip" subprotocol.
        if (socket.protocol !== 'sip') {
          socket.terminate();
          reject(new SipConnectionError('network', 'WebSocket server did not accept the "sip" subprotocol'));
          return;
        }
        resolvePromise();
      };
      socket.once('error', onError);
      socket.once('open', onOpen);
    });
    const raw = (socket as unknown as { _socket?: { localAddress?: string; localPort?: number } })._socket;
    this.#local = { host: raw?.localAddress ?? '0.0.0.0', port: raw?.localPort ?? 0 };
    let lastError: SipConnectionError | undefined;
    socket.on('message', (data, isBinary) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      if (!isBinary && text.trim() === '') return; // CRLF keep-alive
      this.onMessage?.(text);
    });
    socket.on('error', (err) => (lastError = classifyConnectionError(err)));
    socket.on('close', (code) => {
      if (this.#closed) return;
      this.#closed = true;
      this.onClose?.(lastError ?? new SipConnectionError('network', `WebSocket closed (${code})`, 'ECONNRESET'));
    });
  }

  send(text: string): Promise<void> {
    const socket = this.#socket;
    if (!socket || this.#closed || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new SipConnectionError('network', 'WebSocket is not open'));
    }
    return new Promise((resolvePromise, reject) => {
      socket.send(text, (err) => (err ? reject(classifyConnectionError(err)) : resolvePromise()));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.close(1000);
    // Don't wait for the close handshake of a dead peer.
    const socket = this.#socket;
    setTimeout(() => socket?.terminate(), 2000).unref();
  }
}

function errorHasCode(err: Error): boolean {
  return typeof (err as { code?: unknown }).code === 'string';
}
