/**
 * Small, tolerant SDP helpers for the classic-PBX leg of the RTP bridge (RFC 4566 / RFC 3264 / RFC 4568).
 * Only what the bridge needs: session/media c=, the first audio m-line, rtpmap/fmtp, direction, ptime, rtcp,
 * rtcp-mux and SDES crypto. Anything hostile or malformed ends in an SdpError, never in an unchecked exception.
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
/** Audio codecs the bridge relays without transcoding. */
export type BridgeCodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus';

export type SdpErrorCode =
  | 'empty'
  | 'too-large'
  | 'malformed-line'
  | 'no-audio'
  | 'audio-rejected'
  | 'bad-port'
  | 'bad-payload-type'
  | 'bad-address'
  | 'no-connection'
  | 'no-common-codec'
  | 'unsupported-proto'
  | 'bad-crypto';

/** Expected failure: the peer sent SDP we cannot use. Carries a code the call layer can map to a 488. */
export class SdpError extends Error {
  constructor(
    readonly code: SdpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SdpError';
  }
}

export interface SdpCodec {
  readonly pt: number;
  /** Encoding name as written by the peer (case kept). */
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp?: string;
}

export interface SdpCrypto {
  readonly tag: number;
  readonly suite: string;
  /** Raw key params, e.g. `inline:BASE64|2^31`. */
  readonly keyParams: string;
  readonly sessionParams: readonly string[];
}

export interface SdpAudio {
  readonly port: number;
  readonly proto: string;
  readonly payloadTypes: readonly number[];
  /** One entry per payload type of the m-line, in m-line order (static PTs filled from RFC 3551). */
  readonly codecs: readonly SdpCodec[];
  /** Media-level c= or the session-level one. `undefined` if neither is present. */
  readonly address?: string;
  readonly direction: MediaDirection;
  readonly ptime?: number;
  readonly rtcpMux: boolean;
  /** RFC 3605 `a=rtcp:`; default is port+1 on the same address. */
  readonly rtcpPort?: number;
  readonly rtcpAddress?: string;
  readonly crypto: readonly SdpCrypto[];
}

export interface ParsedSdp {
  readonly sessionId?: string;
  readonly sessionVersion?: string;
  /** The first audio m-line (the bridge handles one audio stream; others get rejected with port 0). */
  readonly audio: SdpAudio;
  /** Total m-lines, so an answer can reject the extra ones in order (RFC 3264 §6). */
  readonly mediaLines: readonly { readonly kind: string; readonly proto: string; readonly formats: string }[];
  readonly audioIndex: number;
}

const MAX_SDP_BYTES = 64 * 1024;
const MAX_LINES = 2000;

// RFC 3551 §6 static payload types we may meet without an rtpmap.
const STATIC_PTS: Readonly<Record<number, { name: string; clockRate: number }>> = {
  0: { name: 'PCMU', clockRate: 8000 },
  3: { name: 'GSM', clockRate: 8000 },
  8: { name: 'PCMA', clockRate: 8000 },
  9: { name: 'G722', clockRate: 8000 },
  18: { name: 'G729', clockRate: 8000 },
};

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$/;

function parsePort(raw: string | undefined, line: string): number {
  if (raw === undefined || !/^\d{1,5}$/.test(raw)) throw new SdpError('bad-port', `bad port in "${clip(line)}"`);
  const port = Number(raw);
  if (port > 65535) throw new SdpError('bad-port', `port out of range in "${clip(line)}"`);
  return port;
}

function parsePt(raw: string | undefined, line: string): number {
  if (raw === undefined || !/^\d{1,3}$/.test(raw) || Number(raw) > 127) {
    throw new SdpError('bad-payload-type', `bad payload type in "${clip(line)}"`);
  }
  return Number(raw);
}

function parseConnection(value: string, line: string): string {
  // c=<nettype> <addrtype> <address>[/ttl][/count] (RFC 4566 §5.7)
  const parts = value.trim().split(/\s+/);
  if (parts.length < 3 || parts[0] !== 'IN') throw new SdpError('bad-address', `bad c= line "${clip(line)}"`);
  const addr = (parts[2] ?? '').split('/')[0] ?? '';
  const ok = parts[1] === 'IP4' ? IPV4.test(addr) || HOSTNAME.test(addr) : parts[1] === 'IP6' && IPV6.test(addr) && addr.includes(':');
  if (!ok) throw new SdpError('bad-address', `bad address in "${clip(line)}"`);
  return addr;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

interface MediaDraft {
  kind: string;
  port: number;
  proto: string;
  formats: string;
  payloadTypes: number[];
  rtpmap: Map<number, { name: string; clockRate: number; channels: number }>;
  fmtp: Map<number, string>;
  address?: string;
  direction?: MediaDirection;
  ptime?: number;
  rtcpMux: boolean;
  rtcpPort?: number;
  rtcpAddress?: string;
  crypto: SdpCrypto[];
}

export interface ParseSdpOptions {
  /** Also accept `UDP/TLS/RTP/SAVPF` (the renderer leg's WebRTC SDP); the PBX leg only takes RTP/AVP(F)/SAVP(F). */
  readonly webrtc?: boolean;
}

/** Parse an SDP body. Throws SdpError when it is unusable for an audio call. */
export function parseSdp(text: string, options: ParseSdpOptions = {}): ParsedSdp {
  if (typeof text !== 'string' || text.trim() === '') throw new SdpError('empty', 'empty SDP');
  if (text.length > MAX_SDP_BYTES) throw new SdpError('too-large', 'SDP larger than 64 KiB');
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) throw new SdpError('too-large', 'too many SDP lines');

  let sessionAddress: string | undefined;
  let sessionDirection: MediaDirection | undefined;
  let sessionId: string | undefined;
  let sessionVersion: string | undefined;
  const media: MediaDraft[] = [];

  for (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === '') continue; // tolerate blank lines and a trailing CRLF
    if (line.length < 2 || line[1] !== '=') throw new SdpError('malformed-line', `malformed line "${clip(line)}"`);
    const type = line[0];
    const value = line.slice(2);
    const current = media[media.length - 1];
    switch (type) {
      case 'o': {
        const o = value.split(/\s+/);
        sessionId = o[1];
        sessionVersion = o[2];
        break;
      }
      case 'c': {
        const addr = parseConnection(value, line);
        if (current) current.address = addr;
        else sessionAddress = addr;
        break;
      }
      case 'm': {
        // m=<media> <port>[/<count>] <proto> <fmt> ... (RFC 4566 §5.14)
        const parts = value.trim().split(/\s+/);
        if (parts.length < 3) throw new SdpError('malformed-line', `bad m= line "${clip(line)}"`);
        const port = parsePort((parts[1] ?? '').split('/')[0], line);
        const proto = parts[2] ?? '';
        const isRtp = /RTP\//i.test(proto);
        const formats = parts.slice(3);
        media.push({
          kind: parts[0] ?? '',
          port,
          proto,
          formats: formats.join(' '),
          payloadTypes: isRtp ? formats.map((f) => parsePt(f, line)) : [],
          rtpmap: new Map(),
          fmtp: new Map(),
          rtcpMux: false,
          crypto: [],
        });
        break;
      }
      case 'a':
        parseAttribute(value, line, current, (d) => {
          sessionDirection = d;
        });
        break;
      default:
        break; // v, s, t, b, k, i, u, e, p, z, r: not needed
    }
  }

  const audioIndex = media.findIndex((m) => m.kind === 'audio');
  const draft = media[audioIndex];
  if (!draft) throw new SdpError('no-audio', 'no audio m-line');
  if (draft.port === 0) throw new SdpError('audio-rejected', 'audio m-line has port 0');
  const protoOk = /^RTP\/S?AVPF?$/i.test(draft.proto) || (options.webrtc === true && /^UDP\/TLS\/RTP\/SAVPF$/i.test(draft.proto));
  if (!protoOk) {
    throw new SdpError('unsupported-proto', `unsupported transport "${clip(draft.proto)}"`);
  }
  const address = draft.address ?? sessionAddress;
  if (address === undefined) throw new SdpError('no-connection', 'no c= line for the audio stream');

  const codecs: SdpCodec[] = [];
  for (const pt of draft.payloadTypes) {
    const map = draft.rtpmap.get(pt) ?? (STATIC_PTS[pt] ? { ...STATIC_PTS[pt], channels: 1 } : undefined);
    if (!map) continue; // dynamic PT without rtpmap: unusable, skip (RFC 4566 §6 requires rtpmap)
    const fmtp = draft.fmtp.get(pt);
    codecs.push({ pt, name: map.name, clockRate: map.clockRate, channels: map.channels, ...(fmtp !== undefined ? { fmtp } : {}) });
  }

  const audio: SdpAudio = {
    port: draft.port,
    proto: draft.proto,
    payloadTypes: draft.payloadTypes,
    codecs,
    address,
    direction: draft.direction ?? sessionDirection ?? 'sendrecv',
    rtcpMux: draft.rtcpMux,
    crypto: draft.crypto,
    ...(draft.ptime !== undefined ? { ptime: draft.ptime } : {}),
    ...(draft.rtcpPort !== undefined ? { rtcpPort: draft.rtcpPort } : {}),
    ...(draft.rtcpAddress !== undefined ? { rtcpAddress: draft.rtcpAddress } : {}),
  };
  return {
    ...(sessionId !== undefined ? { sessionId } : {}),
    ...(sessionVersion !== undefined ? { sessionVersion } : {}),
    audio,
    mediaLines: media.map((m) => ({ kind: m.kind, proto: m.proto, formats: m.formats })),
    audioIndex,
  };
}

function parseAttribute(
  value: string,
  line: string,
  current: MediaDraft | undefined,
  setSessionDirection: (d: MediaDirection) => void,
): void {
  const colon = value.indexOf(':');
  const name = (colon < 0 ? value : value.slice(0, colon)).trim();
  const arg = colon < 0 ? '' : value.slice(colon + 1).trim();
  switch (name) {
    case 'sendrecv':
    case 'sendonly':
    case 'recvonly':
    case 'inactive':
      if (current) current.direction = name;
      else setSessionDirection(name);
      return;
    default:
      break;
  }
  if (!current) return; // other session-level attributes do not matter here
  switch (name) {
    case 'rtpmap': {
      // a=rtpmap:<pt> <name>/<clock>[/<channels>]
      const m = /^(\d{1,3})\s+([A-Za-z0-9_.+-]{1,32})\/(\d{1,6})(?:\/(\d{1,2}))?$/.exec(arg);
      if (!m) return; // tolerate odd rtpmaps of codecs we would not pick anyway
      const pt = parsePt(m[1], line);
      current.rtpmap.set(pt, { name: m[2] ?? '', clockRate: Number(m[3]), channels: m[4] ? Number(m[4]) : 1 });
      return;
    }
    case 'fmtp': {
      const m = /^(\d{1,3})\s+(.{0,512})$/.exec(arg);
      if (m) current.fmtp.set(parsePt(m[1], line), (m[2] ?? '').trim());
      return;
    }
    case 'ptime': {
      const n = Number(arg);
      if (Number.isInteger(n) && n > 0 && n <= 1000) current.ptime = n;
      return;
    }
    case 'rtcp-mux':
      current.rtcpMux = true;
      return;
    case 'rtcp': {
      // RFC 3605: a=rtcp:<port> [IN IP4 <addr>]
      const parts = arg.split(/\s+/);
      current.rtcpPort = parsePort(parts[0], line);
      if (parts.length >= 4) current.rtcpAddress = parseConnection(parts.slice(1).join(' '), line);
      return;
    }
    case 'crypto': {
      // RFC 4568 §9.1: a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
      const parts = arg.split(/\s+/);
      const tag = Number(parts[0]);
      if (parts.length < 3 || !/^\d{1,9}$/.test(parts[0] ?? '')) return; // a broken crypto line is ignored, not fatal
      current.crypto.push({ tag, suite: parts[1] ?? '', keyParams: parts[2] ?? '', sessionParams: parts.slice(3) });
      return;
    }
    default:
      return;
  }
}

export interface TelephoneEvent {
  readonly pt: number;
  readonly clockRate: number;
  readonly fmtp?: string;
}

/** THE codec both legs use (no transcoding), plus telephone-event if the peer has one at the same clock rate. */
export interface NegotiatedCodec {
  readonly name: BridgeCodecName;
  /** Payload type on the PBX leg. */
  readonly pt: number;
  /** RTP clock rate (8000 for G722, RFC 3551 §4.5.2 quirk; 48000 for opus). */
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp?: string;
  readonly telephoneEvent?: TelephoneEvent;
}

function bridgeCodecName(c: SdpCodec): BridgeCodecName | undefined {
  const n = c.name.toUpperCase();
  if (n === 'PCMU' && c.clockRate === 8000) return 'PCMU';
  if (n === 'PCMA' && c.clockRate === 8000) return 'PCMA';
  if (n === 'G722' && c.clockRate === 8000) return 'G722';
  if (n === 'OPUS' && c.clockRate === 48000 && c.channels === 2) return 'opus'; // RFC 7587 §7: always opus/48000/2
  return undefined;
}

/**
 * First codec of the peer's list that we relay (RFC 3264 §6.1: the answerer keeps the offerer's order; an answer's
 * first codec is the one in use). Throws SdpError('no-common-codec').
 */
export function chooseCodec(audio: SdpAudio): NegotiatedCodec {
  for (const c of audio.codecs) {
    const name = bridgeCodecName(c);
    if (!name) continue;
    // RFC 4733 §2.5.1.2: the event clock rate matches the audio codec it goes with.
    const te = audio.codecs.find((t) => t.name.toLowerCase() === 'telephone-event' && t.clockRate === c.clockRate);
    return {
      name,
      pt: c.pt,
      clockRate: c.clockRate,
      channels: c.channels,
      ...(c.fmtp !== undefined ? { fmtp: c.fmtp } : {}),
      ...(te ? { telephoneEvent: { pt: te.pt, clockRate: te.clockRate, ...(te.fmtp !== undefined ? { fmtp: te.fmtp } : {}) } } : {}),
    };
  }
  throw new SdpError('no-common-codec', 'no codec in common (PCMU, PCMA, G722, opus)');
}

export interface SdpCodecLine {
  readonly pt: number;
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
  readonly fmtp?: string;
}

/** Codec lines of our own offer, in preference order for classic PBXs (G.711 first), then telephone-event (8/48 kHz). */
export const DEFAULT_OFFER_CODECS: readonly SdpCodecLine[] = [
  { pt: 0, name: 'PCMU', clockRate: 8000 },
  { pt: 8, name: 'PCMA', clockRate: 8000 },
  { pt: 9, name: 'G722', clockRate: 8000 },
  { pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
  { pt: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-16' },
  { pt: 110, name: 'telephone-event', clockRate: 48000, fmtp: '0-16' },
];

export interface PlainSdpOptions {
  readonly sessionId: string;
  readonly sessionVersion: number;
  readonly address: string;
  readonly port: number;
  readonly codecs: readonly SdpCodecLine[];
  readonly direction?: MediaDirection;
  readonly ptime?: number;
  readonly rtcpMux?: boolean;
  /** RTP/SAVP with this a=crypto line (answer to an SDES offer), else RTP/AVP. */
  readonly crypto?: { readonly tag: number; readonly suite: string; readonly keyParams: string };
  /** Other m-lines of the offer, answered with port 0 in their position (RFC 3264 §6). */
  readonly rejected?: { readonly before: readonly string[]; readonly after: readonly string[] };
}

/** Our plain SDP (offer or answer) for the PBX leg. */
export function buildPlainSdp(o: PlainSdpOptions): string {
  const ip = o.address.includes(':') ? 'IP6' : 'IP4';
  const audio = [
    `m=audio ${o.port} ${o.crypto ? 'RTP/SAVP' : 'RTP/AVP'} ${o.codecs.map((c) => c.pt).join(' ')}`,
    `c=IN ${ip} ${o.address}`,
  ];
  for (const c of o.codecs) {
    audio.push(`a=rtpmap:${c.pt} ${c.name}/${c.clockRate}${c.channels && c.channels > 1 ? `/${c.channels}` : ''}`);
    if (c.fmtp) audio.push(`a=fmtp:${c.pt} ${c.fmtp}`);
  }
  if (o.ptime) audio.push(`a=ptime:${o.ptime}`);
  if (o.rtcpMux) audio.push('a=rtcp-mux');
  else audio.push(`a=rtcp:${o.port + 1}`);
  if (o.crypto) audio.push(`a=crypto:${o.crypto.tag} ${o.crypto.suite} ${o.crypto.keyParams}`);
  audio.push(`a=${o.direction ?? 'sendrecv'}`);
  const lines = [
    'v=0',
    `o=- ${o.sessionId} ${o.sessionVersion} IN ${ip} ${o.address}`,
    's=-',
    `c=IN ${ip} ${o.address}`,
    't=0 0',
    ...(o.rejected?.before ?? []),
    ...audio,
    ...(o.rejected?.after ?? []),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** `m=` lines that reject the offer's other streams (port 0, same proto and formats). */
export function rejectedMediaLines(parsed: ParsedSdp): { before: string[]; after: string[] } {
  const line = (m: { kind: string; proto: string; formats: string }): string => `m=${m.kind} 0 ${m.proto} ${m.formats}`.trim();
  return {
    before: parsed.mediaLines.slice(0, parsed.audioIndex).map(line),
    after: parsed.mediaLines.slice(parsed.audioIndex + 1).map(line),
  };
}

/** The direction we answer with (RFC 3264 §6.1): sendonly ⇄ recvonly, the rest unchanged. */
export function answerDirection(offered: MediaDirection): MediaDirection {
  switch (offered) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    case 'sendrecv':
    case 'inactive':
      return offered;
    default:
      return missingCase(offered);
  }
}

function missingCase(x: never): never {
  throw new Error(`Unhandled case: ${String(x)}`);
}

export interface SdesKeys {
  readonly profile: 'AES_CM_128_HMAC_SHA1_80' | 'AEAD_AES_128_GCM';
  readonly masterKey: Buffer;
  readonly masterSalt: Buffer;
}

const SUITES: Readonly<Record<SdesKeys['profile'], { keyLen: number; saltLen: number }>> = {
  AES_CM_128_HMAC_SHA1_80: { keyLen: 16, saltLen: 14 }, // RFC 4568 §6.2.1
  AEAD_AES_128_GCM: { keyLen: 16, saltLen: 12 }, // RFC 7714 §12
};

export function isSupportedSuite(suite: string): suite is SdesKeys['profile'] {
  return Object.hasOwn(SUITES, suite);
}

/**
 * Keys from an `a=crypto` line. Throws SdpError('bad-crypto') for an unsupported suite, a key of the wrong length,
 * an MKI (werift's SrtpSession has no MKI support) or session parameters we do not implement (RFC 4568 §6.3).
 */
export function parseSdesKeys(c: SdpCrypto): SdesKeys {
  if (!isSupportedSuite(c.suite)) throw new SdpError('bad-crypto', `unsupported crypto suite "${clip(c.suite)}"`);
  if (c.sessionParams.length > 0) throw new SdpError('bad-crypto', 'SDES session parameters are not supported');
  const m = /^inline:([A-Za-z0-9+/=]{1,128})(\|[^|]*)?(\|[^|]*)?$/.exec(c.keyParams);
  if (!m) throw new SdpError('bad-crypto', 'bad SDES key-params (one inline key expected)');
  const lifetimeOrMki = [m[2], m[3]].filter((x): x is string => x !== undefined).map((x) => x.slice(1));
  if (lifetimeOrMki.some((x) => x.includes(':'))) throw new SdpError('bad-crypto', 'SDES MKI is not supported');
  const raw = Buffer.from(m[1] ?? '', 'base64');
  const { keyLen, saltLen } = SUITES[c.suite];
  if (raw.length !== keyLen + saltLen) throw new SdpError('bad-crypto', 'SDES key has the wrong length');
  return { profile: c.suite, masterKey: raw.subarray(0, keyLen), masterSalt: raw.subarray(keyLen) };
}

/** `inline:` key-params for our side (fresh random key and salt). */
export function formatSdesKeyParams(keys: SdesKeys): string {
  return `inline:${Buffer.concat([keys.masterKey, keys.masterSalt]).toString('base64')}`;
}

/** First offered crypto line we support, or undefined. */
export function pickCrypto(audio: SdpAudio): SdpCrypto | undefined {
  return audio.crypto.find((c) => {
    try {
      parseSdesKeys(c);
      return true;
    } catch {
      return false;
    }
  });
}

export function isSecureProto(proto: string): boolean {
  return /^RTP\/SAVPF?$/i.test(proto);
}
