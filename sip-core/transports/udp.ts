import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import {
  classifyConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  SipConnectionError,
  type SipConnection,
  type SipConnectionOptions,
  type SipEndpoint,
} from './sip-connection';

/**
 * Receive buffer sizes asked of the kernel for the SIP socket, largest first. Hundreds of BLF NOTIFYs (a page of
 * favorites subscribed, a PBX restart, a list's full state) arrive within a fraction of a second, faster than the
 * loop reads them when it is busy; the operating system's default buffer (208 KiB on Linux, less on Windows) then
 * drops datagrams, and each lost NOTIFY comes back only with the server's retransmission 0.5–4 s later. Measured on
 * the presence bench (500 favorites, Kamailio): 1,500–1,700 datagrams dropped on the console's SIP socket
 * (/proc/net/udp), none with this. The kernel caps the size (Linux: net.core.rmem_max, 208 KiB unless raised; macOS
 * refuses sizes above kern.ipc.maxsockbuf, hence the smaller ones).
 */
export const RECEIVE_BUFFER_BYTES: readonly number[] = [4 * 1024 * 1024, 1024 * 1024, 256 * 1024];

/** Grow a bound socket's receive buffer to the first size the system accepts; never shrinks it. Returns the size. */
export function enlargeReceiveBuffer(socket: Pick<dgram.Socket, 'getRecvBufferSize' | 'setRecvBufferSize'>): number {
  let current: number;
  try {
    current = socket.getRecvBufferSize();
  } catch {
    return 0;
  }
  for (const size of RECEIVE_BUFFER_BYTES) {
    if (size <= current) break;
    try {
      socket.setRecvBufferSize(size);
      break;
    } catch {
      // Above what this system allows: the next, smaller size.
    }
  }
  try {
    return socket.getRecvBufferSize();
  } catch {
    return current;
  }
}

/**
 * SIP over UDP (RFC 3261 §18.1) on a *connected* dgram socket: the kernel then reports ICMP port unreachable as
 * ECONNREFUSED, which is how we notice a dead server without waiting for Timer F.
 */
export class UdpSipConnection implements SipConnection {
  readonly kind = 'udp' as const;
  onMessage: ((text: string) => void) | undefined;
  onClose: ((error?: SipConnectionError) => void) | undefined;
  #socket: dgram.Socket | undefined;
  #local: SipEndpoint = { host: '0.0.0.0', port: 0 };
  #closed = false;

  constructor(private readonly options: SipConnectionOptions) {}

  get local(): SipEndpoint {
    return this.#local;
  }
  get remote(): SipEndpoint {
    return { host: this.options.host, port: this.options.port };
  }

  async connect(): Promise<void> {
    const address = this.options.address ?? (await resolve(this.options.host, this.options.connectTimeoutMs));
    let socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    // Same local port as the previous connection: our Contact (host:port) stays the same, so the registrar updates
    // our binding instead of keeping a dead one beside it (which would fork calls to nowhere until it expires).
    const wanted = this.options.localPort;
    if (wanted) {
      const bound = await new Promise<boolean>((resolveBind) => {
        socket.once('error', () => resolveBind(false));
        socket.bind(wanted, () => resolveBind(true));
      });
      if (!bound) {
        socket.close();
        socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
      } else {
        socket.removeAllListeners('error');
      }
    }
    this.#socket = socket;
    await new Promise<void>((resolvePromise, reject) => {
      const onError = (err: Error) => reject(classifyConnectionError(err, 'connect'));
      socket.once('error', onError);
      socket.connect(this.options.port, address, () => {
        socket.off('error', onError);
        resolvePromise();
      });
    });
    enlargeReceiveBuffer(socket);
    const addr = socket.address();
    this.#local = { host: addr.address, port: addr.port };
    const peer = { address: normalizeAddress(address), port: this.options.port };
    socket.on('message', (msg, rinfo) => {
      // Only the server we connected to may talk to us: a connected socket already gets nothing else from the kernel,
      // and the check is repeated here so that no platform difference lets another host's datagram in (what the
      // softphone believes in a request — adapters/sipjs/trust.ts — rests on every request coming from the server).
      if (rinfo.port !== peer.port || normalizeAddress(rinfo.address) !== peer.address) return;
      const text = msg.toString('utf8');
      // RFC 5626 §4.4.1 keep-alive pongs / stray CRLFs are not messages.
      if (text.trim() === '') return;
      this.onMessage?.(text);
    });
    socket.on('error', (err) => {
      if (this.#closed) return;
      // ICMP unreachable on a connected socket: the server is gone; report it like a dropped connection.
      const error = classifyConnectionError(err);
      this.close();
      this.onClose?.(error);
    });
  }

  send(text: string): Promise<void> {
    const socket = this.#socket;
    if (!socket || this.#closed) return Promise.reject(new SipConnectionError('network', 'UDP socket is closed'));
    return new Promise((resolvePromise, reject) => {
      socket.send(Buffer.from(text, 'utf8'), (err) => (err ? reject(classifyConnectionError(err)) : resolvePromise()));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket?.close();
    } catch {
      // already closed
    }
  }
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one IPv4 address; IPv6 in lower case. */
function normalizeAddress(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}

/** DNS lookup with our timeout and error classification (dgram.connect would resolve too, unclassified). */
export async function resolve(host: string, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<string> {
  if (net.isIP(host)) return host;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      lookup(host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SipConnectionError('dns', `DNS lookup of ${host} timed out`, 'EAI_AGAIN')), timeoutMs);
      }),
    ]);
    return result.address;
  } catch (err) {
    throw classifyConnectionError(err, 'connect');
  } finally {
    clearTimeout(timer);
  }
}
