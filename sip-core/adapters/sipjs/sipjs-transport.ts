/**
 * SIP.js Transport over our SipConnections. One transport lives as long as the UserAgent; the connection under it
 * is replaced whenever it drops or the softphone moves to another server, so dialogs (calls) survive the loss of a
 * TCP/TLS/WebSocket connection, a PBX restart or a failover.
 *
 * Besides moving strings it repairs a SIP.js limitation in Node: SIP.js writes Via sent-by and Contact as
 * `<viaHost>` without a port, and drops any response whose top Via carries a port. We put our real host:port on the
 * wire (RFC 3261 §18.2.1 needs a reachable sent-by for connection-less transports) and restore the placeholder on
 * the way in, so SIP.js sees what it wrote. The Contact's `transport` parameter follows the connection in use.
 *
 * While the connection is down, requests and responses that belong to dialogs (a BYE, an ACK, a 200 to a re-INVITE)
 * are held and sent as soon as a new connection is up: a call the receptionist ends while the network is away still
 * ends at the far end (issue "Real networks": never an orphaned call).
 */
import { randomBytes } from 'node:crypto';
import { EmitterImpl, TransportState, type Emitter, type Transport } from 'sip.js';
import { formatHostPort, SipConnectionError, type SipConnection } from '../../transports';
import { redactSipMessage } from './redact';

export interface ConnectionTransportOptions {
  /** The placeholder host SIP.js uses in Via/Contact (UserAgentOptions.viaHost). */
  readonly viaHost: string;
  /** Replace viaHost with our real host:port on the wire (UDP/TCP/TLS; WS keeps its RFC 7118 §5 invalid host). */
  readonly rewriteHost: boolean;
  /** Opens a new, connected SipConnection (the softphone picks the server). Rejects with SipConnectionError. */
  readonly open: () => Promise<SipConnection>;
  readonly trace?: (direction: 'in' | 'out', text: string) => void;
  /** Fired with the classified error when the connection in use drops (not after disconnect()). */
  readonly onConnectionLost?: (error: SipConnectionError | undefined) => void;
  /** Fired for every send failure, so a synthesized 503 can be told apart from a real one. */
  readonly onSendError?: (error: SipConnectionError) => void;
  /** Hold dialog messages while disconnected (default true); the softphone turns it off when it stops for good. */
  readonly holdWhileDisconnected?: () => boolean;
  /** Overridable clock for tests. */
  readonly now?: () => number;
}

interface SipJsLogger {
  log(message: string): void;
  warn?(message: string): void;
}

/** Messages kept while disconnected: enough for a few calls' BYEs and ACKs, not a flood of retransmissions. */
export const HELD_MAX_MESSAGES = 64;
/** A held message older than this is dropped: the far end gave up on it long ago. */
export const HELD_MAX_AGE_MS = 5 * 60_000;

/** Out-of-dialog housekeeping the softphone redoes itself after a reconnect: never held. */
const NOT_HELD = /^(?:REGISTER|SUBSCRIBE|PUBLISH|OPTIONS) /;

export class ConnectionTransport implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  readonly #stateChange = new EmitterImpl<TransportState>();
  #state: TransportState = TransportState.Disconnected;
  readonly #opts: ConnectionTransportOptions;
  #connection: SipConnection | undefined;
  #connecting: Promise<void> | undefined;
  /** Every local host:port this transport has used: a late message naming an earlier one is still ours. */
  readonly #knownLocal = new Set<string>();
  #held: { readonly at: number; readonly text: string }[] = [];
  /** UDP requests awaiting a response, retransmitted by us (SIP.js implements no Timer A/E: it assumes WebSocket). */
  readonly #retransmits = new Map<string, Retransmission>();
  readonly #logger: SipJsLogger;

  constructor(logger: SipJsLogger, options: ConnectionTransportOptions) {
    this.#logger = logger;
    this.#opts = options;
  }

  get protocol(): string {
    // Via transport token, RFC 3261 §20.42 / RFC 7118 §5. Follows the connection in use (failover may change it).
    return (this.#connection?.kind ?? 'udp').toUpperCase();
  }
  get state(): TransportState {
    return this.#state;
  }
  get stateChange(): Emitter<TransportState> {
    return this.#stateChange;
  }
  /** The connection in use, if connected. */
  get connection(): SipConnection | undefined {
    return this.#state === TransportState.Connected ? this.#connection : undefined;
  }
  /** How many messages wait for the next connection. */
  get heldCount(): number {
    return this.#held.length;
  }

  async connect(): Promise<void> {
    if (this.#state === TransportState.Connected) return;
    if (this.#connecting) return this.#connecting;
    this.#connecting = this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    this.#setState(TransportState.Connecting);
    let connection: SipConnection;
    try {
      connection = await this.#opts.open();
    } catch (err) {
      this.#setState(TransportState.Disconnected);
      throw err;
    }
    this.#connection = connection;
    this.#knownLocal.add(formatHostPort(connection.local));
    connection.onMessage = (text) => {
      if (connection === this.#connection) this.#receive(text);
    };
    connection.onClose = (error) => {
      if (connection !== this.#connection) return;
      this.#connection = undefined;
      this.#setState(TransportState.Disconnected);
      this.#opts.onConnectionLost?.(error);
      this.onDisconnect?.(error);
    };
    this.#setState(TransportState.Connected);
    this.onConnect?.();
    this.#flushHeld();
  }

  /** Close the connection in use (the next connect() opens a new one). Held messages stay held. */
  async disconnect(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) {
      connection.onClose = undefined;
      connection.onMessage = undefined;
      connection.close();
    }
    if (this.#state === TransportState.Disconnected) return;
    this.#setState(TransportState.Disconnected);
    this.onDisconnect?.();
  }

  async dispose(): Promise<void> {
    this.#held = [];
    this.#clearRetransmissions();
    await this.disconnect();
  }

  isConnected(): boolean {
    return this.#state === TransportState.Connected;
  }

  /** Drop whatever is held (the softphone stopped: nobody will reconnect). */
  dropHeld(): void {
    this.#held = [];
  }

  async send(message: string): Promise<void> {
    const connection = this.#connection;
    if (!connection || this.#state !== TransportState.Connected) {
      if ((this.#opts.holdWhileDisconnected?.() ?? true) && !NOT_HELD.test(message)) {
        this.#hold(message);
        return;
      }
      const error = new SipConnectionError('network', 'Not connected to the SIP server');
      this.#opts.onSendError?.(error);
      throw error;
    }
    const wire = this.#outgoing(message, connection);
    this.#opts.trace?.('out', redactSipMessage(wire));
    try {
      await connection.send(wire);
    } catch (err) {
      this.#opts.onSendError?.(err as SipConnectionError);
      throw err;
    }
    if (connection.kind === 'udp') this.#trackRetransmission(message);
  }

  /**
   * RFC 3261 §17.1.1.2 / §17.1.2.2 over UDP: an INVITE is sent again after T1, 2·T1, 4·T1… until any response (Timer
   * A, given up after Timer B = 64·T1); another request after T1, 2·T1… capped at T2 until a final response (Timer E,
   * Timer F = 64·T1). Without this one lost datagram leaves a call "dialling" for ever on a lossy network.
   */
  #trackRetransmission(message: string): void {
    const key = requestKey(message);
    if (!key || key.method === 'ACK' || this.#retransmits.has(key.id)) return;
    const started = this.#now();
    const entry: Retransmission = { invite: key.method === 'INVITE', interval: T1_MS, timer: undefined, fire: () => undefined };
    const fire = (): void => {
      const connection = this.#connection;
      if (!connection || connection.kind !== 'udp' || this.#now() - started >= 64 * T1_MS) {
        this.#retransmits.delete(key.id);
        return;
      }
      const wire = this.#outgoing(message, connection);
      this.#opts.trace?.('out', redactSipMessage(wire));
      connection.send(wire).catch(() => undefined);
      entry.interval = entry.invite ? entry.interval * 2 : Math.min(entry.interval * 2, T2_MS);
      entry.timer = setTimeout(fire, entry.interval);
      entry.timer.unref?.();
    };
    entry.fire = fire;
    entry.timer = setTimeout(fire, entry.interval);
    entry.timer.unref?.();
    this.#retransmits.set(key.id, entry);
  }

  /** A response stops the retransmission of its request: any response for an INVITE, a final one otherwise. */
  #responseArrived(message: string): void {
    if (this.#retransmits.size === 0) return;
    const m = /^SIP\/2\.0 (\d{3})/.exec(message);
    if (!m) return;
    const key = responseKey(message);
    if (!key) return;
    const entry = this.#retransmits.get(key.id);
    if (!entry) return;
    const status = Number(m[1]);
    if (entry.invite || status >= 200) {
      clearTimeout(entry.timer);
      this.#retransmits.delete(key.id);
    } else if (entry.interval < T2_MS) {
      // §17.1.2.2: a provisional response to a non-INVITE: retransmit every T2 from now on.
      clearTimeout(entry.timer);
      entry.interval = T2_MS;
      entry.timer = setTimeout(entry.fire, T2_MS);
      entry.timer.unref?.();
    }
  }

  #clearRetransmissions(): void {
    for (const e of this.#retransmits.values()) clearTimeout(e.timer);
    this.#retransmits.clear();
  }

  #hold(message: string): void {
    const now = this.#now();
    this.#held = this.#held.filter((m) => now - m.at < HELD_MAX_AGE_MS);
    // A UDP transaction retransmits while we are away: one copy of each message is enough.
    if (this.#held.some((m) => m.text === message)) return;
    if (this.#held.length >= HELD_MAX_MESSAGES) this.#held.shift();
    this.#held.push({ at: now, text: message });
  }

  #flushHeld(): void {
    const now = this.#now();
    const held = this.#held.filter((m) => now - m.at < HELD_MAX_AGE_MS);
    this.#held = [];
    for (const m of held) {
      this.send(m.text).catch(() => undefined);
    }
  }

  #outgoing(message: string, connection: SipConnection): string {
    if (!this.#opts.rewriteHost) return message;
    const hostPort = formatHostPort(connection.local);
    const transportParam = connection.kind === 'udp' ? '' : `;transport=${connection.kind}`;
    return rewriteOutgoing(message, this.#opts.viaHost, hostPort, transportParam);
  }

  #receive(text: string): void {
    this.#opts.trace?.('in', redactSipMessage(text));
    this.#responseArrived(text);
    let message = text;
    if (this.#opts.rewriteHost) {
      for (const local of this.#knownLocal) message = rewriteIncoming(message, local, this.#opts.viaHost);
    }
    // Hostile-input hardening (issue 15): SIP.js throws synchronously on some messages it cannot handle (a request
    // whose Request-URI did not parse: "Request-URI undefined."; a response whose CSeq did not parse: TypeError in its
    // parser; PRACK inside a call: "Unimplemented."; …). We are called from a socket's data/message handler, so such a
    // throw was an uncaught exception: in Electron's main process a crash dialog, in Node the end of the process, and
    // every call with it. The message is dropped instead, as SIP.js drops messages it cannot parse.
    if (/^PRACK /.test(message)) {
      // We never send reliable provisional responses (no 100rel), so no PRACK can match one: RFC 3262 §3 says 481.
      // Answered here because SIP.js would throw on it (see above) and leave its server transaction behind.
      const response = statelessResponse(message, 481, 'Call/Transaction Does Not Exist');
      if (response) this.send(response).catch(() => undefined);
      return;
    }
    if (message.startsWith('INVITE ')) message = boundInviteExpires(message);
    try {
      this.onMessage?.(message);
    } catch (err) {
      const firstLine = message.slice(0, Math.min(120, (message.indexOf('\r\n') >>> 0) || 120)).replace(/[\u0000-\u001f\u007f]/g, '?');
      this.#logger.warn?.(`Dropped a SIP message SIP.js could not handle (${err instanceof Error ? err.message : String(err)}): ${firstLine}`);
    }
  }

  #now(): number {
    return this.#opts.now?.() ?? Date.now();
  }

  #setState(state: TransportState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#stateChange.emit(state);
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The patterns of the rewrites below, built once per host:port (issue 14: two RegExps were compiled for every message
 * in and out, INVITE → 180 included). Only a few keys ever exist (the placeholder, our few local host:ports); the
 * cache is emptied if that ever stops being true. Global RegExps are safe to share here: String.replace starts them
 * at lastIndex 0 and leaves them there.
 */
const patternCache = new Map<string, { readonly inUri: RegExp; readonly elsewhere: RegExp }>();
function patterns(key: string, make: () => { readonly inUri: RegExp; readonly elsewhere: RegExp }): { readonly inUri: RegExp; readonly elsewhere: RegExp } {
  let p = patternCache.get(key);
  if (!p) {
    if (patternCache.size >= 64) patternCache.clear();
    p = make();
    patternCache.set(key, p);
  }
  return p;
}

/** RFC 3261 §17.1.1.1 defaults. */
const T1_MS = 500;
const T2_MS = 4000;

interface Retransmission {
  readonly invite: boolean;
  interval: number;
  timer: NodeJS.Timeout | undefined;
  fire: () => void;
}

/** Top Via branch + method: what matches a response to its client transaction (RFC 3261 §17.1.3). */
function transactionId(head: string, method: string): { id: string; method: string } | undefined {
  const via = /^(?:Via|v)[ \t]*:[^\r\n]*?;[ \t]*branch=([^;,\s]+)/im.exec(head);
  if (!via) return undefined;
  return { id: `${via[1]}|${method}`, method };
}

function requestKey(message: string): { id: string; method: string } | undefined {
  const m = /^([A-Z]+) \S+ SIP\/2\.0\r?\n/.exec(message);
  return m ? transactionId(message.slice(0, message.indexOf('\r\n\r\n') >>> 0), m[1]!) : undefined;
}

function responseKey(message: string): { id: string; method: string } | undefined {
  const head = message.slice(0, message.indexOf('\r\n\r\n') >>> 0);
  const cseq = /^(?:CSeq)[ \t]*:[ \t]*\d+[ \t]+([A-Z]+)/im.exec(head);
  return cseq ? transactionId(head, cseq[1]!) : undefined;
}

/** The longest a timer holds (2^31 - 1 ms, ~24.8 days), in whole seconds. */
const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);

/**
 * An incoming INVITE with its Expires (RFC 3261 §20.19: how long the offer stands; SIP.js answers 487 when it runs
 * out) dropped when it is not a number of seconds a timer can hold. SIP.js hands the value to setTimeout as it is:
 * "Expires: 99999999999999999999999999" or "Expires: soon" became a 1 ms timer (Node's overflow), and the call was
 * rejected as it started to ring. Such an INVITE now rings until the caller cancels it; valid values are kept.
 */
export function boundInviteExpires(message: string): string {
  const end = message.indexOf('\r\n\r\n');
  const head = end < 0 ? message : message.slice(0, end);
  const m = /\r\nExpires[ \t]*:[ \t]*([^\r\n]*)/i.exec(head);
  // A value folded onto the next line (RFC 3261 §7.3.1) is left to SIP.js's parser.
  if (!m || /^\r\n[ \t]/.test(head.slice(m.index + m[0].length, m.index + m[0].length + 3))) return message;
  const value = m[1]!.trim();
  if (/^\d{1,10}$/.test(value) && Number(value) <= MAX_TIMER_SECONDS) return message;
  return message.slice(0, m.index) + message.slice(m.index + m[0].length);
}

/**
 * A response built from a request's own Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2), for the few requests
 * the transport answers itself. Undefined when the request lacks one of them (then nothing is sent).
 */
export function statelessResponse(request: string, status: number, reason: string): string | undefined {
  const end = request.indexOf('\r\n\r\n');
  const lines = (end >= 0 ? request.slice(0, end) : request).split('\r\n').slice(1);
  const pick = (names: RegExp): string[] => lines.filter((l) => names.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim());
  const via = pick(/^(?:via|v)[ \t]*:/i);
  const from = pick(/^(?:from|f)[ \t]*:/i)[0];
  const to = pick(/^(?:to|t)[ \t]*:/i)[0];
  const callId = pick(/^(?:call-id|i)[ \t]*:/i)[0];
  const cseq = pick(/^cseq[ \t]*:/i)[0];
  if (via.length === 0 || !from || !to || !callId || !cseq) return undefined;
  const toTag = /;\s*tag=/i.test(to.slice(to.lastIndexOf('>') + 1)) ? '' : `;tag=${randomBytes(5).toString('hex')}`;
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...via.map((v) => `Via: ${v}`),
    `From: ${from}`,
    `To: ${to}${toTag}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Replace `from` by `to` in the header section only (bodies, e.g. SDP, are not ours to touch). */
export function rewriteHeaders(message: string, from: string, to: string): string {
  const end = message.indexOf('\r\n\r\n');
  const head = end >= 0 ? message.slice(0, end) : message;
  const rest = end >= 0 ? message.slice(end) : '';
  if (!head.includes(from)) return message;
  // Not followed by a digit: 127.0.0.1:4151 must not match inside 127.0.0.1:41519.
  const pattern = new RegExp(`${escape(from)}(?!\\d)`, 'g');
  return head.replace(pattern, () => to) + rest;
}

/**
 * On the way out: SIP.js's placeholder becomes our host:port; in URIs (`user@host`) the transport parameter is set
 * to the connection's (RFC 3261 §19.1.1: none for UDP).
 */
export function rewriteOutgoing(message: string, viaHost: string, hostPort: string, transportParam: string): string {
  const end = message.indexOf('\r\n\r\n');
  const head = end >= 0 ? message.slice(0, end) : message;
  const rest = end >= 0 ? message.slice(end) : '';
  if (!head.includes(viaHost)) return message;
  const { inUri, elsewhere } = patterns(`out ${viaHost}`, () => ({
    inUri: new RegExp(`@${escape(viaHost)}(?:;transport=[A-Za-z]+)?`, 'g'),
    elsewhere: new RegExp(escape(viaHost), 'g'),
  }));
  return head.replace(inUri, () => `@${hostPort}${transportParam}`).replace(elsewhere, () => hostPort) + rest;
}

/** On the way in: our host:port (and the transport parameter we added after it in URIs) become the placeholder. */
export function rewriteIncoming(message: string, hostPort: string, viaHost: string): string {
  const end = message.indexOf('\r\n\r\n');
  const head = end >= 0 ? message.slice(0, end) : message;
  const rest = end >= 0 ? message.slice(end) : '';
  if (!head.includes(hostPort)) return message;
  const { inUri, elsewhere } = patterns(`in ${hostPort}`, () => ({
    inUri: new RegExp(`@${escape(hostPort)}(?!\\d)(?:;transport=[A-Za-z]+)?`, 'gi'),
    elsewhere: new RegExp(`${escape(hostPort)}(?!\\d)`, 'g'),
  }));
  return head.replace(inUri, () => `@${viaHost}`).replace(elsewhere, () => viaHost) + rest;
}
