/** baresip control over its ctrl_tcp module (netstring-framed JSON; one client at a time). Test-bed helper. */
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';

export const BARESIP = {
  '1002': { ctrl: 4442, tone: 440, answer: 'manual' },
  '1003': { ctrl: 4443, tone: 1000, answer: 'auto' },
  '1004': { ctrl: 4444, tone: 2000, answer: 'auto' },
} as const;
export type BaresipUser = keyof typeof BARESIP;

/** ctrl_tcp address of the UAs: 127.0.0.1 (loopback bed) unless changed; the remote bed's UAs are at 198.18.0.2. */
let baresipHost = '127.0.0.1';
/** Point the helpers of this module (baresip, baresipCalls, hangupAll) at another bed's UAs; no argument: default. */
export function setBaresipHost(host = '127.0.0.1'): void {
  baresipHost = host;
}
export function getBaresipHost(): string {
  return baresipHost;
}

export interface BaresipResponse {
  ok: boolean;
  data: string;
}

function netstring(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from(`${b.length}:`), b, Buffer.from(',')]);
}

/** Send one command and wait for its response (events in between are ignored). `host`: see setBaresipHost. */
export function baresip(
  user: BaresipUser,
  command: string,
  params = '',
  timeoutMs = 5000,
  host = baresipHost,
): Promise<BaresipResponse> {
  return baresipCtrl(BARESIP[user].ctrl, command, params, timeoutMs, host, user);
}

/** The same for any baresip's ctrl_tcp port (the demo's colleagues on the Asterisk bed, scripts/demo-peers.ts). */
export function baresipCtrl(
  port: number,
  command: string,
  params = '',
  timeoutMs = 5000,
  host = '127.0.0.1',
  name = String(port),
): Promise<BaresipResponse> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`baresip ${name}: no response to ${command}`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(netstring(JSON.stringify({ command, params, token: 't' }))));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const colon = buf.indexOf(0x3a);
        if (colon < 0) return;
        const n = Number(buf.subarray(0, colon).toString());
        if (buf.length < colon + 1 + n + 1) return;
        const msg = JSON.parse(buf.subarray(colon + 1, colon + 1 + n).toString('utf8')) as {
          response?: boolean;
          ok?: boolean;
          data?: string;
        };
        buf = buf.subarray(colon + 1 + n + 1);
        if (msg.response) {
          clearTimeout(timer);
          sock.end();
          resolve({ ok: msg.ok === true, data: msg.data ?? '' });
          return;
        }
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** `listcalls` output lines, e.g. "ESTABLISHED sip:1001@127.0.0.1". */
export async function baresipCalls(user: BaresipUser, host = baresipHost): Promise<string> {
  return (await baresip(user, 'listcalls', '', 5000, host)).data;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, stepMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Hang up every call of every baresip UA (tests call it to leave the shared bed clean). */
export async function hangupAll(host = baresipHost): Promise<void> {
  for (const u of Object.keys(BARESIP) as BaresipUser[]) {
    for (let i = 0; i < 4; i++) {
      const calls = await baresipCalls(u, host).catch(() => '');
      if (!/sip:/.test(calls)) break;
      await baresip(u, 'hangup', '', 5000, host).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/**
 * A fresh Kamailio (stop.sh/start.sh kamailio; the UAs re-register): presence state lives in its memory, and a
 * colleague's dialog-info can stay "confirmed" after an earlier suite's call whose final PUBLISH never happened.
 * Presence suites start from here so what they assert is what they caused.
 */
export function restartProxy(): void {
  for (const what of ['stop', 'start']) {
    execFileSync('sh', [join(__dirname, `${what}.sh`), 'kamailio'], { stdio: 'pipe', timeout: 60_000 });
  }
}
