/**
 * "Is this SIP server alive?" — one OPTIONS request (RFC 3261 §11) on a short-lived connection of its own. Any SIP
 * response counts (401, 404, 405 included): a server that answers is up. Used while on a backup server to notice
 * that the first one is back, without touching the connection in use.
 */
import { randomBytes } from 'node:crypto';
import type { SipTarget } from './resolver';
import { createSipConnection } from './create';
import { formatHostPort } from './sip-connection';

export interface ProbeOptions {
  /** Our AOR's domain and user (From/To). */
  readonly domain: string;
  readonly user: string;
  readonly tlsVerify?: boolean;
  readonly tlsCa?: string;
  readonly wsPath?: string;
  /** How long to wait for the connection and the answer (ms, default 4000). */
  readonly timeoutMs?: number;
}

const token = (bytes: number): string => randomBytes(bytes).toString('hex');

export function optionsRequest(target: SipTarget, via: string, opts: Pick<ProbeOptions, 'domain' | 'user'>, callId: string): string {
  const kind = target.transport === 'wss' ? 'WSS' : target.transport.toUpperCase();
  const uriTransport = target.transport === 'udp' ? '' : `;transport=${target.transport === 'wss' ? 'ws' : target.transport}`;
  return [
    `OPTIONS sip:${formatHostPort({ host: target.address, port: target.port })}${uriTransport} SIP/2.0`,
    `Via: SIP/2.0/${kind} ${via};branch=z9hG4bK${token(8)};rport`,
    'Max-Forwards: 70',
    `From: <sip:${opts.user}@${opts.domain}>;tag=${token(6)}`,
    `To: <sip:${opts.user}@${opts.domain}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Accept: application/sdp',
    'User-Agent: ReceptionistConsole',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export async function probeSipServer(target: SipTarget, opts: ProbeOptions): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 4000;
  const connection = createSipConnection({
    kind: target.transport,
    host: target.name,
    address: target.address,
    port: target.port,
    connectTimeoutMs: timeoutMs,
    ...(opts.tlsVerify !== undefined && { tlsVerify: opts.tlsVerify }),
    ...(opts.tlsCa !== undefined && { tlsCa: opts.tlsCa }),
    ...(opts.wsPath !== undefined && { wsPath: opts.wsPath }),
  });
  const callId = `probe-${token(10)}`;
  try {
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      connection.onMessage = (text) => {
        if (/^SIP\/2\.0 \d{3}/.test(text) && text.includes(callId)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      connection.onClose = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
    await connection.connect();
    const ws = target.transport === 'ws' || target.transport === 'wss';
    const via = ws ? `${token(6)}.invalid` : formatHostPort(connection.local);
    await connection.send(optionsRequest(target, via, opts, callId));
    return await answered;
  } catch {
    return false;
  } finally {
    connection.close();
  }
}
