/**
 * CRLF keep-alive on one connection (RFC 5626 §3.5.1 / §4.4.1) and the judgment "this flow is dead".
 *
 * A server that answers our double-CRLF ping with a CRLF pong (Kamailio does on TCP/TLS) tells us a flow is dead when
 * a pong stops coming — long before TCP itself gives up on a cut path. Many servers never answer pings, so missing
 * pongs only count against a server known to answer them: one that ponged on this connection, or on an earlier
 * connection to the same server (`ServerPongMemory`). Without that memory a flow that dies before its first pong (right
 * after a reconnect, or a framer stuck waiting for a body) would only be noticed at the next REGISTER refresh.
 */
import { formatHostPort, SipConnectionError, type SipConnection, type SipTarget } from '../../transports';

/** RFC 5626 §4.4.1: a pong must come within 10 s of a ping. */
export const PONG_TIMEOUT_MS = 10_000;

/** Which server a connection goes to, for the pong memory: transport + address:port (a name may move). */
export function pongServerKey(target: Pick<SipTarget, 'transport' | 'address' | 'port'>): string {
  return `${target.transport}:${formatHostPort({ host: target.address, port: target.port })}`;
}

/** Servers that answered our pings, for one softphone's life. */
export class ServerPongMemory {
  readonly #servers = new Set<string>();
  answers(server: string): boolean {
    return this.#servers.has(server);
  }
  remember(server: string): void {
    this.#servers.add(server);
  }
  forget(server: string): void {
    this.#servers.delete(server);
  }
}

export interface KeepAliveOptions {
  /** Ping interval (ms, > 0). */
  readonly intervalMs: number;
  /** How long a pong may take (ms; default PONG_TIMEOUT_MS). */
  readonly pongTimeoutMs?: number;
  /** pongServerKey of the connection's server. */
  readonly server: string;
  readonly memory: ServerPongMemory;
  /** False once the connection is no longer the one in use: its late verdicts are ignored. */
  readonly isCurrent: () => boolean;
  /** The flow is dead though the socket does not know it: the caller closes it and recovers. Called at most once. */
  readonly onDead: (error: SipConnectionError) => void;
}

/** Ping every intervalMs; the returned timer is the ping interval (clearInterval stops pinging and judging). */
export function startKeepAlive(connection: SipConnection, options: KeepAliveOptions): NodeJS.Timeout {
  const { memory, server } = options;
  const pongTimeoutMs = options.pongTimeoutMs ?? PONG_TIMEOUT_MS;
  let pongAt = 0;
  let pongsSeen = false;
  let dead = false;
  connection.onPong = () => {
    pongsSeen = true;
    pongAt = Date.now();
    memory.remember(server);
  };
  // Errors surface through connection.onClose (ICMP on UDP, reset on TCP); the send result adds nothing.
  const interval = setInterval(() => {
    const sentAt = Date.now();
    void connection.send('\r\n\r\n').catch(() => undefined);
    if (!pongsSeen && !memory.answers(server)) return;
    setTimeout(() => {
      if (dead || pongAt >= sentAt || !options.isCurrent()) return;
      dead = true;
      clearInterval(interval);
      // Judged on memory alone: the server may have stopped answering pings (reconfigured, another node behind the
      // same address). Forget it, so the next connection goes back to judging on its own pongs instead of being
      // declared dead again and again; a pong on it puts the server back in memory.
      if (!pongsSeen) memory.forget(server);
      options.onDead(new SipConnectionError('timeout', `No keep-alive answer from the server within ${pongTimeoutMs / 1000} s`, 'ETIMEDOUT'));
    }, pongTimeoutMs).unref();
  }, options.intervalMs);
  interval.unref();
  return interval;
}
