/**
 * SIP on the wire for the hostile-input suite's fake PBX: a small, forgiving parser for what the console sends, message
 * builders, a seeded PRNG and a model of the console's TCP framing (so hostile bytes never desynchronise the stream
 * by accident). Test code: written for clarity, not speed.
 */
import { createHash } from 'node:crypto';

export type WireTransport = 'udp' | 'tcp' | 'ws';

/** Via transport token (RFC 3261 §20.42, RFC 7118 §5). */
export function viaToken(t: WireTransport): string {
  return t.toUpperCase();
}

export interface SipMessage {
  readonly raw: string;
  readonly firstLine: string;
  /** Requests only. */
  readonly method?: string;
  readonly uri?: string;
  /** Responses only. */
  readonly status?: number;
  /** Header lines in order, names lower-cased and expanded from their compact form. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

const COMPACT: Readonly<Record<string, string>> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  o: 'event',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  u: 'allow-events',
  r: 'refer-to',
};

/** Parse a message the console sent (well-formed: SIP.js wrote it). Undefined when there is no start line. */
export function parseSip(raw: string): SipMessage | undefined {
  const end = raw.indexOf('\r\n\r\n');
  const head = end >= 0 ? raw.slice(0, end) : raw;
  const body = end >= 0 ? raw.slice(end + 4) : '';
  const lines = head.split('\r\n');
  const firstLine = lines.shift() ?? '';
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last[1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
  }
  const response = /^SIP\/2\.0 (\d{3})/.exec(firstLine);
  if (response) return { raw, firstLine, status: Number(response[1]), headers, body };
  const request = /^([A-Za-z]+) (\S+) SIP\/2\.0$/.exec(firstLine);
  if (request) return { raw, firstLine, method: request[1], uri: request[2], headers, body };
  return undefined;
}

export function header(msg: SipMessage, name: string): string | undefined {
  const n = name.toLowerCase();
  return msg.headers.find(([k]) => k === n)?.[1];
}

export function headerAll(msg: SipMessage, name: string): string[] {
  const n = name.toLowerCase();
  return msg.headers.filter(([k]) => k === n).map(([, v]) => v);
}

/** `CSeq: 12 INVITE` → { seq: 12, method: 'INVITE' }. */
export function cseqOf(msg: SipMessage): { seq: number; method: string } | undefined {
  const m = /^(\d+)\s+([A-Za-z]+)/.exec(header(msg, 'cseq') ?? '');
  return m ? { seq: Number(m[1]), method: (m[2] ?? '').toUpperCase() } : undefined;
}

/** The URI inside a name-addr (`"x" <sip:a@b>;tag=1` → `sip:a@b`), or the addr-spec before any parameter. */
export function uriOf(nameAddr: string | undefined): string | undefined {
  if (!nameAddr) return undefined;
  const angle = /<([^>]*)>/.exec(nameAddr);
  if (angle) return angle[1];
  return nameAddr.split(';')[0]?.trim();
}

export function tagOf(nameAddr: string | undefined): string | undefined {
  if (!nameAddr) return undefined;
  const afterUri = nameAddr.includes('>') ? nameAddr.slice(nameAddr.lastIndexOf('>')) : nameAddr;
  return /;\s*tag=([^;\s,]+)/i.exec(afterUri)?.[1];
}

/** Assemble a message; Content-Length is computed unless given (null: left out). */
export function build(firstLine: string, headers: readonly string[], body = '', contentLength?: string | null): string {
  const lines = [firstLine, ...headers];
  if (contentLength !== null) lines.push(`Content-Length: ${contentLength ?? Buffer.byteLength(body, 'utf8')}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** A response to `req`: its Vias, From, Call-ID and CSeq copied; To gets `toTag` when it has none (RFC 3261 §8.2.6.2). */
export function responseTo(req: SipMessage, status: number, reason: string, extra: readonly string[] = [], toTag?: string, body = ''): string {
  const to = header(req, 'to') ?? '';
  const headers = [
    ...headerAll(req, 'via').map((v) => `Via: ${v}`),
    `From: ${header(req, 'from') ?? ''}`,
    `To: ${to}${toTag && !tagOf(to) ? `;tag=${toTag}` : ''}`,
    `Call-ID: ${header(req, 'call-id') ?? ''}`,
    `CSeq: ${header(req, 'cseq') ?? ''}`,
    ...extra,
  ];
  return build(`SIP/2.0 ${status} ${reason}`, headers, body);
}

export const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** `Digest a="b", c=d` → { a: 'b', c: 'd' }. */
export function digestParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value.replace(/^\s*Digest\s+/i, ''))) !== null) out[(m[1] ?? '').toLowerCase()] = m[2] ?? m[3] ?? '';
  return out;
}

// ── seeded randomness ─────────────────────────────────────────────────────────────────────────────────────────────

/** mulberry32: small, fast, good enough to drive a fuzzer; the same seed gives the same run. */
export class Rng {
  #state: number;
  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }
  /** [0, 1) */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i++) s += this.int(0, 255).toString(16).padStart(2, '0');
    return s;
  }
}

/** Seed from SIP_HOSTILE_SEED (decimal or 0x-hex) when set, else a fresh one; always printed by the suite. */
export function suiteSeed(env: string | undefined): number {
  if (env && env.trim() !== '') {
    const n = Number(env.trim());
    if (Number.isFinite(n)) return n >>> 0;
  }
  return (Math.floor(Math.random() * 0x1_0000_0000) ^ Date.now()) >>> 0;
}

/** A per-purpose seed derived from the suite's (stable per label, so one transport can be replayed alone). */
export function deriveSeed(seed: number, label: string): number {
  return createHash('sha256').update(`${seed}:${label}`).digest().readUInt32BE(0);
}

// ── the console's TCP framing, as a model ─────────────────────────────────────────────────────────────────────────

/**
 * Mirror of sip-core/transports/stream-framer.ts (its limits and its Content-Length rule). Over TCP the console cuts
 * messages by Content-Length (RFC 3261 §18.3): a hostile message whose declared length is wrong would swallow or
 * spill into the next one. The fake PBX asks this model what the console will make of the bytes and appends what
 * brings the stream back to a message boundary (a blank line, filler body bytes), so each hostile message is judged
 * on its own. Bytes that make the framer give up on the connection (header section over 64 KiB without its end,
 * body over 1 MiB) are reported as `kills`: the suite sends those only where it expects the flow to be dropped.
 */
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export type FramingPlan = { readonly kills: false; readonly suffix: Buffer; readonly messages: number } | { readonly kills: true; readonly reason: string };

export function planStreamFraming(bytes: Buffer): FramingPlan {
  let buffer = bytes;
  const suffix: Buffer[] = [];
  let messages = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    let start = 0;
    while (start < buffer.length && (buffer[start] === 0x0d || buffer[start] === 0x0a)) start++;
    buffer = buffer.subarray(start);
    if (buffer.length === 0) return { kills: false, suffix: Buffer.concat(suffix), messages };
    const headerEnd = buffer.indexOf(HEADER_END);
    // A header section over 64 KiB (blank line included, ours when it has none): the framer drops the connection.
    if ((headerEnd < 0 ? buffer.length : headerEnd) + HEADER_END.length > MAX_HEADER_BYTES) {
      return { kills: true, reason: 'header section over 64 KiB' };
    }
    if (headerEnd < 0) {
      suffix.push(HEADER_END);
      buffer = Buffer.concat([buffer, HEADER_END]);
      continue;
    }
    const head = buffer.subarray(0, headerEnd).toString('utf8');
    const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(head);
    const length = m ? Number(m[1]) : 0;
    if (length > MAX_BODY_BYTES) return { kills: true, reason: `Content-Length ${m?.[1]} over 1 MiB` };
    const total = headerEnd + HEADER_END.length + length;
    if (buffer.length < total) {
      const filler = Buffer.alloc(total - buffer.length, 0x78); // 'x'
      suffix.push(filler);
      buffer = Buffer.concat([buffer, filler]);
    }
    buffer = buffer.subarray(total);
    messages++;
  }
  return { kills: true, reason: 'framing model did not settle' };
}
