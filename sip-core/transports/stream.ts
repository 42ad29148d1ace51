import net from 'node:net';
import tls from 'node:tls';
import { SipFramingError, SipStreamFramer } from './stream-framer';
import {
  classifyConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  SipConnectionError,
  type SipConnection,
  type SipConnectionOptions,
  type SipEndpoint,
} from './sip-connection';
import { resolve } from './udp';

/** SIP over TCP (RFC 3261 §18.3) or TLS (RFC 3261 §26.2; certificate verified unless tlsVerify is false). */
export class StreamSipConnection implements SipConnection {
  onMessage: ((text: string) => void) | undefined;
  onClose: ((error?: SipConnectionError) => void) | undefined;
  onPong: (() => void) | undefined;
  #socket: net.Socket | undefined;
  #local: SipEndpoint = { host: '0.0.0.0', port: 0 };
  #closed = false;
  readonly #framer = new SipStreamFramer();

  constructor(
    readonly kind: 'tcp' | 'tls',
    private readonly options: SipConnectionOptions,
  ) {}

  get local(): SipEndpoint {
    return this.#local;
  }
  get remote(): SipEndpoint {
    return { host: this.options.host, port: this.options.port };
  }

  async connect(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const address = this.options.address ?? (await resolve(this.options.host, timeoutMs));
    const socket = await new Promise<net.Socket>((resolvePromise, reject) => {
      let stage: 'connect' | 'tls' = 'connect';
      let s: net.Socket;
      const ready = () => {
        clearTimeout(timer);
        s.off('error', onError);
        resolvePromise(s);
      };
      if (this.kind === 'tls') {
        s = tls.connect({
          host: address,
          port: this.options.port,
          // SNI and certificate name check use the configured name, not the resolved address.
          servername: net.isIP(this.options.host) ? undefined : this.options.host,
          rejectUnauthorized: this.options.tlsVerify !== false,
          ca: this.options.tlsCa ? [...tls.rootCertificates, this.options.tlsCa] : undefined,
        });
        s.once('connect', () => (stage = 'tls'));
        s.once('secureConnect', ready);
      } else {
        s = net.connect({ host: address, port: this.options.port });
        s.once('connect', ready);
      }
      const onError = (err: Error) => {
        clearTimeout(timer);
        s.destroy();
        reject(classifyConnectionError(err, stage));
      };
      s.once('error', onError);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new SipConnectionError('timeout', `${this.kind.toUpperCase()} connect to ${this.options.host}:${this.options.port} timed out`, 'ETIMEDOUT'));
      }, timeoutMs);
    });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    this.#local = { host: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 };
    let lastError: SipConnectionError | undefined;
    let pongs = 0;
    socket.on('data', (chunk: Buffer) => {
      let messages: string[];
      try {
        messages = this.#framer.push(chunk);
      } catch (err) {
        lastError = new SipConnectionError('network', err instanceof SipFramingError ? err.message : String(err));
        socket.destroy();
        return;
      }
      if (this.#framer.pongs !== pongs) {
        pongs = this.#framer.pongs;
        this.onPong?.();
      }
      for (const m of messages) this.onMessage?.(m);
    });
    socket.on('error', (err) => (lastError = classifyConnectionError(err)));
    socket.on('close', () => {
      if (this.#closed) return;
      this.#closed = true;
      this.onClose?.(lastError ?? new SipConnectionError('network', 'Connection closed by peer', 'ECONNRESET'));
    });
  }

  send(text: string): Promise<void> {
    const socket = this.#socket;
    if (!socket || this.#closed || socket.destroyed) {
      return Promise.reject(new SipConnectionError('network', `${this.kind.toUpperCase()} connection is closed`));
    }
    return new Promise((resolvePromise, reject) => {
      socket.write(text, 'utf8', (err) => (err ? reject(classifyConnectionError(err)) : resolvePromise()));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.destroy();
  }
}
