/**
 * A fake PBX we own, for the hostile-input suite: one registrar/notifier/caller on 127.0.0.1 (random port) over UDP,
 * TCP or WebSocket (RFC 7118, subprotocol "sip").
 *
 * - REGISTER: 401 with a Digest challenge (MD5, qop=auth), then 200 once the response checks out; the flow the
 *   REGISTER came on (UDP source, TCP socket, WebSocket) becomes the flow everything else is sent on.
 * - SUBSCRIBE: 200 and an initial NOTIFY; the subscription dialog is kept per event package so that hostile NOTIFYs
 *   can be sent inside it.
 * - Calls towards the console: a valid INVITE, ACK of every final answer (RFC 3261 §17.1.1.3 / §13.2.2.4), BYE.
 * - OPTIONS ping: proves the console's stack still reads and answers on the flow (and, as messages are processed in
 *   order, that everything sent before it was dealt with).
 * - sendRaw(): any bytes, on the flow. Over TCP the bytes are completed so the console's framer is back at a message
 *   boundary afterwards (see planStreamFraming); bytes that would make it drop the connection are refused unless
 *   `allowKill` is given.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  build,
  cseqOf,
  digestParams,
  header,
  headerAll,
  md5,
  parseSip,
  planStreamFraming,
  responseTo,
  tagOf,
  uriOf,
  viaToken,
  type SipMessage,
  type WireTransport,
} from './sip-wire';

export interface FakePbxOptions {
  readonly user: string;
  readonly password: string;
  readonly realm?: string;
  /** Granted registration expiry (s). */
  readonly expires?: number;
}

/** One SUBSCRIBE dialog as the notifier (us) sees it. */
export interface PbxSubscription {
  readonly event: string;
  readonly callId: string;
  /** The subscriber's From (with its tag): our NOTIFYs' To. */
  readonly subscriber: string;
  /** Our From (the SUBSCRIBE's To with our tag). */
  readonly notifier: string;
  /** The subscriber's Contact: our NOTIFYs' Request-URI. */
  readonly target: string;
  cseq: number;
  /** A NOTIFY of ours in this dialog was answered 481: the console no longer knows it. */
  gone: boolean;
  readonly established: Promise<void>;
}

export interface PbxCall {
  readonly callId: string;
  readonly fromTag: string;
  /** Statuses received for the INVITE, in order. */
  readonly statuses: number[];
  /** Resolves at the first 180/183. */
  readonly ringing: Promise<void>;
  /** Resolves with the final status (after our ACK went out). */
  readonly final: Promise<number>;
  /** After a 2xx: the console's tag and Contact (the dialog's remote target). */
  toTag?: string;
  remoteTarget?: string;
  cseq: number;
}

interface Waiter {
  readonly match: (m: SipMessage) => boolean;
  readonly resolve: (m: SipMessage) => void;
}

type Flow =
  | { readonly kind: 'udp'; readonly address: string; readonly port: number }
  | { readonly kind: 'tcp'; readonly socket: net.Socket }
  | { readonly kind: 'ws'; readonly socket: WebSocket };

const token = (n = 6): string => randomBytes(n).toString('hex');
const SDP_OFFER = [
  'v=0',
  'o=pbx 1000 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  '',
].join('\r\n');

export class FakePbx {
  readonly host = '127.0.0.1';
  port = 0;
  readonly realm: string;
  /** REGISTERs answered 200 with a non-zero expiry. */
  registrations = 0;
  /** Everything the console sent, counted by method or status. */
  readonly counts = new Map<string, number>();
  /** The console's registered Contact URI and the sent-by of its Via (`host:port`, or `xyz.invalid` on WS). */
  contact: string | undefined;
  uaVia: string | undefined;
  /** Our current flow towards the console (undefined before the first REGISTER). */
  #flow: Flow | undefined;
  readonly subscriptions = new Map<string, PbxSubscription>();
  readonly #calls = new Map<string, PbxCall & { onResponse(m: SipMessage): void }>();
  #waiters: Waiter[] = [];
  #nonce = token(12);
  #udp: dgram.Socket | undefined;
  #tcp: net.Server | undefined;
  readonly #tcpSockets = new Set<net.Socket>();
  #wss: WebSocketServer | undefined;
  #closed = false;
  /** Hostile bytes the TCP framing model said would drop the connection (sent only with allowKill). */
  refusedKills = 0;
  /** Sees every message from the console (after parsing), for the suite's outcome table. */
  tap: ((m: SipMessage) => void) | undefined;

  private constructor(
    readonly transport: WireTransport,
    readonly options: FakePbxOptions,
  ) {
    this.realm = options.realm ?? 'pbx.test';
  }

  static async start(transport: WireTransport, options: FakePbxOptions): Promise<FakePbx> {
    const pbx = new FakePbx(transport, options);
    await pbx.#listen();
    return pbx;
  }

  get hostPort(): string {
    return `${this.host}:${this.port}`;
  }

  /** A new Via for a request of ours. */
  via(branch = `z9hG4bK${token()}`): string {
    return `Via: SIP/2.0/${viaToken(this.transport)} ${this.hostPort};branch=${branch};rport`;
  }

  get ourContact(): string {
    return `<sip:pbx@${this.hostPort}${this.transport === 'udp' ? '' : `;transport=${this.transport}`}>`;
  }

  async #listen(): Promise<void> {
    if (this.transport === 'udp') {
      const udp = dgram.createSocket('udp4');
      this.#udp = udp;
      udp.on('error', () => undefined);
      udp.on('message', (msg, rinfo) => this.#receive(msg.toString('utf8'), { kind: 'udp', address: rinfo.address, port: rinfo.port }));
      await new Promise<void>((r) => udp.bind(0, this.host, () => r()));
      this.port = udp.address().port;
      return;
    }
    if (this.transport === 'tcp') {
      const server = net.createServer((socket) => this.#acceptTcp(socket));
      this.#tcp = server;
      await new Promise<void>((r) => server.listen(0, this.host, () => r()));
      this.port = (server.address() as net.AddressInfo).port;
      return;
    }
    const wss = new WebSocketServer({
      host: this.host,
      port: 0,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    this.#wss = wss;
    wss.on('connection', (socket) => {
      socket.on('error', () => undefined);
      socket.on('message', (data, isBinary) => {
        const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        if (!isBinary && text.trim() === '') return;
        this.#receive(text, { kind: 'ws', socket });
      });
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    this.port = (wss.address() as net.AddressInfo).port;
  }

  #acceptTcp(socket: net.Socket): void {
    this.#tcpSockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#tcpSockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        let start = 0;
        while (start < buffer.length && (buffer[start] === 0x0d || buffer[start] === 0x0a)) start++;
        // RFC 5626 §4.4.1: answer a double-CRLF ping with a CRLF pong, as Kamailio does.
        if (start >= 4) socket.write('\r\n');
        buffer = buffer.subarray(start);
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('utf8');
        const length = Number(/^(?:content-length|l)\s*:\s*(\d+)/im.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const text = buffer.subarray(0, end + 4 + length).toString('utf8');
        buffer = buffer.subarray(end + 4 + length);
        this.#receive(text, { kind: 'tcp', socket });
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiters) w.resolve(undefined as unknown as SipMessage);
    this.#waiters = [];
    if (this.#udp) await new Promise<void>((r) => this.#udp!.close(() => r()));
    if (this.#tcp) {
      for (const s of this.#tcpSockets) s.destroy();
      await new Promise<void>((r) => this.#tcp!.close(() => r()));
    }
    if (this.#wss) {
      for (const c of this.#wss.clients) c.terminate();
      await new Promise<void>((r) => this.#wss!.close(() => r()));
    }
  }

  // ── sending ────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Any bytes on the console's flow. Returns false when nothing was sent: no flow yet, or (TCP) bytes that would make
   * the console drop the connection while `allowKill` is not set.
   */
  async sendRaw(data: string | Buffer, opts: { allowKill?: boolean } = {}): Promise<boolean> {
    const flow = this.#flow;
    if (!flow || this.#closed) return false;
    let bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    switch (flow.kind) {
      case 'udp': {
        if (bytes.length > 65_507) bytes = bytes.subarray(0, 65_507); // the largest IPv4 UDP payload
        await new Promise<void>((r) => this.#udp!.send(bytes, flow.port, flow.address, () => r()));
        return true;
      }
      case 'tcp': {
        const plan = planStreamFraming(bytes);
        if (plan.kills && !opts.allowKill) {
          this.refusedKills++;
          return false;
        }
        const wire = plan.kills ? bytes : Buffer.concat([bytes, plan.suffix]);
        if (flow.socket.destroyed) return false;
        await new Promise<void>((r) => flow.socket.write(wire, () => r()));
        return true;
      }
      case 'ws': {
        if (flow.socket.readyState !== flow.socket.OPEN) return false;
        // Text frames must be UTF-8 (RFC 6455 §5.6; the client would close with 1007): anything else goes binary,
        // which RFC 7118 §5.1 allows for SIP.
        const text = isUtf8(bytes);
        await new Promise<void>((r) => flow.socket.send(bytes, { binary: !text }, () => r()));
        return true;
      }
    }
  }

  /** Whether sendRaw would refuse these bytes on this transport (TCP framing killers). */
  wouldKill(data: string | Buffer): boolean {
    if (this.transport !== 'tcp') return false;
    return planStreamFraming(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).kills;
  }

  /** Resolves with the first message from the console that matches (undefined on timeout). */
  waitFor(match: (m: SipMessage) => boolean, timeoutMs: number): Promise<SipMessage | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve(m);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined as unknown as SipMessage), timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** OPTIONS to the console's Contact, answered 200 within timeoutMs (retried over UDP, where datagrams may drop). */
  async ping(timeoutMs = 5000): Promise<boolean> {
    const tries = this.transport === 'udp' ? 3 : 1;
    for (let i = 0; i < tries; i++) {
      const callId = `ping-${token()}`;
      const answered = this.waitFor((m) => m.status !== undefined && header(m, 'call-id') === callId, timeoutMs / tries);
      const sent = await this.sendRaw(
        build(`OPTIONS ${this.contact} SIP/2.0`, [
          this.via(),
          'Max-Forwards: 70',
          `From: <sip:pbx@${this.host}>;tag=${token()}`,
          `To: <${this.contact}>`,
          `Call-ID: ${callId}`,
          'CSeq: 1 OPTIONS',
          'Accept: application/sdp',
        ]),
      );
      if (!sent) return false;
      const reply = await answered;
      if (reply?.status === 200) return true;
    }
    return false;
  }

  /** A valid INVITE towards the console (RFC 3261 §8.1.1), with a plain RTP/AVP offer. */
  invite(fromUser: string, displayName = 'Front Door', extra: readonly string[] = []): PbxCall {
    const callId = `call-${token(8)}`;
    const fromTag = token();
    const branch = `z9hG4bK${token()}`;
    let resolveRinging!: () => void;
    let resolveFinal!: (n: number) => void;
    const call: PbxCall & { onResponse(m: SipMessage): void } = {
      callId,
      fromTag,
      statuses: [],
      ringing: new Promise<void>((r) => (resolveRinging = r)),
      final: new Promise<number>((r) => (resolveFinal = r)),
      cseq: 1,
      onResponse: (m) => {
        const status = m.status ?? 0;
        call.statuses.push(status);
        if (status === 180 || status === 183) resolveRinging();
        if (status >= 200) {
          if (status < 300) {
            call.toTag = tagOf(header(m, 'to'));
            call.remoteTarget = uriOf(header(m, 'contact'));
          }
          resolveFinal(status);
        }
      },
    };
    this.#calls.set(callId, call);
    void this.sendRaw(
      build(
        `INVITE ${this.contact} SIP/2.0`,
        [
          this.via(branch),
          'Max-Forwards: 70',
          `From: "${displayName}" <sip:${fromUser}@${this.host}>;tag=${fromTag}`,
          `To: <sip:${this.options.user}@${this.host}>`,
          `Call-ID: ${callId}`,
          'CSeq: 1 INVITE',
          `Contact: ${this.ourContact}`,
          'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER',
          'Content-Type: application/sdp',
          ...extra,
        ],
        SDP_OFFER,
      ),
    );
    return call;
  }

  /** A request inside an answered call's dialog (From us, To the console with its tag). Raw: the caller may spoil it. */
  inDialog(call: PbxCall, method: string, extra: readonly string[] = [], body = '', cseq = ++call.cseq): string {
    return build(
      `${method} ${call.remoteTarget ?? this.contact} SIP/2.0`,
      [
        this.via(),
        'Max-Forwards: 70',
        `From: <sip:caller@${this.host}>;tag=${call.fromTag}`,
        `To: <sip:${this.options.user}@${this.host}>;tag=${call.toTag ?? ''}`,
        `Call-ID: ${call.callId}`,
        `CSeq: ${cseq} ${method}`,
        ...extra,
      ],
      body,
    );
  }

  /** BYE in an answered call; resolves with the console's answer (0 on timeout). */
  async bye(call: PbxCall, timeoutMs = 5000): Promise<number> {
    const cseq = ++call.cseq;
    const reply = this.waitFor((m) => m.status !== undefined && m.status >= 200 && header(m, 'call-id') === call.callId && cseqOf(m)?.method === 'BYE' && cseqOf(m)?.seq === cseq, timeoutMs);
    await this.sendRaw(this.inDialog(call, 'BYE', [], '', cseq));
    return (await reply)?.status ?? 0;
  }

  /** A NOTIFY inside the subscription for `event` (valid unless the caller spoils it). */
  notify(event: string, body: string, opts: { contentType?: string; state?: string; extra?: readonly string[]; contentLength?: string | null } = {}): string | undefined {
    const sub = this.subscriptions.get(event);
    if (!sub) return undefined;
    sub.cseq++;
    return build(
      `NOTIFY ${sub.target} SIP/2.0`,
      [
        this.via(),
        'Max-Forwards: 70',
        `From: ${sub.notifier}`,
        `To: ${sub.subscriber}`,
        `Call-ID: ${sub.callId}`,
        `CSeq: ${sub.cseq} NOTIFY`,
        `Contact: ${this.ourContact}`,
        `Event: ${event}`,
        `Subscription-State: ${opts.state ?? 'active;expires=600'}`,
        ...(body !== '' || opts.contentType ? [`Content-Type: ${opts.contentType ?? defaultContentType(event)}`] : []),
        ...(opts.extra ?? []),
      ],
      body,
      opts.contentLength,
    );
  }

  // ── receiving ──────────────────────────────────────────────────────────────────────────────────────────────────

  #receive(text: string, from: Flow): void {
    if (this.#closed) return;
    const m = parseSip(text);
    if (!m) return;
    const key = m.method ?? String(m.status);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.tap?.(m);
    for (const w of [...this.#waiters]) if (w.match(m)) w.resolve(m);
    if (m.status !== undefined) {
      this.#onResponse(m);
      return;
    }
    switch (m.method) {
      case 'REGISTER':
        this.#onRegister(m, from);
        return;
      case 'SUBSCRIBE':
        this.#onSubscribe(m);
        return;
      case 'ACK':
        return;
      default:
        // BYE, CANCEL, INFO, NOTIFY, OPTIONS…: a plain 200 keeps the console's transactions short.
        void this.sendRaw(responseTo(m, 200, 'OK', [], token()));
    }
  }

  #onRegister(m: SipMessage, from: Flow): void {
    this.#flow = from;
    const auth = header(m, 'authorization');
    if (!auth) {
      this.#nonce = token(12);
      void this.sendRaw(
        responseTo(m, 401, 'Unauthorized', [`WWW-Authenticate: Digest realm="${this.realm}", nonce="${this.#nonce}", algorithm=MD5, qop="auth"`], token()),
      );
      return;
    }
    const p = digestParams(auth);
    const ha1 = md5(`${this.options.user}:${this.realm}:${this.options.password}`);
    const ha2 = md5(`REGISTER:${p.uri ?? ''}`);
    const expected = p.qop ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
    if (p.username !== this.options.user || p.nonce !== this.#nonce || p.response !== expected) {
      void this.sendRaw(responseTo(m, 403, 'Forbidden', [], token()));
      return;
    }
    const contact = header(m, 'contact') ?? '';
    const requested = Number(/;\s*expires=(\d+)/i.exec(contact)?.[1] ?? header(m, 'expires') ?? 600);
    if (requested === 0) {
      void this.sendRaw(responseTo(m, 200, 'OK', [], token()));
      return;
    }
    const expires = this.options.expires ?? requested;
    this.contact = uriOf(contact);
    this.uaVia = /^SIP\/2\.0\/[A-Za-z]+\s+([^;\s]+)/.exec(headerAll(m, 'via')[0] ?? '')?.[1];
    this.registrations++;
    const granted = contact.replace(/;\s*expires=\d+/i, '') + `;expires=${expires}`;
    void this.sendRaw(responseTo(m, 200, 'OK', [`Contact: ${granted}`, `Date: ${new Date().toUTCString()}`], token()));
  }

  #onSubscribe(m: SipMessage): void {
    const event = (header(m, 'event') ?? '').split(';')[0]!.trim().toLowerCase();
    const expires = Number(header(m, 'expires') ?? 600);
    const existing = [...this.subscriptions.values()].find((s) => s.callId === header(m, 'call-id'));
    const ourTag = existing ? tagOf(existing.notifier)! : token();
    void this.sendRaw(responseTo(m, 200, 'OK', [`Contact: ${this.ourContact}`, `Expires: ${expires}`], ourTag));
    if (expires === 0) {
      if (this.subscriptions.get(event)?.callId === header(m, 'call-id')) this.subscriptions.delete(event);
      return;
    }
    let resolveEstablished!: () => void;
    const sub: PbxSubscription = {
      event,
      callId: header(m, 'call-id') ?? '',
      subscriber: header(m, 'from') ?? '',
      notifier: `${header(m, 'to') ?? ''}${tagOf(header(m, 'to')) ? '' : `;tag=${ourTag}`}`,
      target: uriOf(header(m, 'contact')) ?? this.contact ?? '',
      cseq: existing?.cseq ?? 0,
      gone: false,
      established: new Promise<void>((r) => (resolveEstablished = r)),
    };
    this.subscriptions.set(event, sub);
    const initial = this.notify(event, initialBody(event, this.options.user, this.host))!;
    const cseq = sub.cseq;
    void this.waitFor((r) => r.status !== undefined && header(r, 'call-id') === sub.callId && cseqOf(r)?.seq === cseq && cseqOf(r)?.method === 'NOTIFY', 10_000).then(
      (r) => r?.status === 200 && resolveEstablished(),
    );
    void this.sendRaw(initial);
  }

  #onResponse(m: SipMessage): void {
    const callId = header(m, 'call-id') ?? '';
    const cseq = cseqOf(m);
    if (cseq?.method === 'NOTIFY') {
      for (const s of this.subscriptions.values()) {
        if (s.callId !== callId) continue;
        // The console's dialog keeps the highest CSeq it saw (RFC 3261 §12.2.2): ours must stay above it. A hostile
        // CSeq beyond 2**31 leaves no room for valid ones, and a 481 says the console dropped the dialog: re-watch.
        if (cseq.seq > s.cseq) s.cseq = cseq.seq;
        if (m.status === 481 || cseq.seq >= 2 ** 31) s.gone = true;
      }
    }
    if (cseq?.method !== 'INVITE' || (m.status ?? 0) < 200) {
      if (cseq?.method === 'INVITE') this.#calls.get(callId)?.onResponse(m);
      return;
    }
    // A final answer to one of our INVITEs (a hostile one included): ACK it, or the console retransmits it.
    void this.sendRaw(this.#ack(m));
    this.#calls.get(callId)?.onResponse(m);
  }

  /** RFC 3261 §17.1.1.3 (non-2xx: same branch, same Request-URI) and §13.2.2.4 (2xx: new transaction to the Contact). */
  #ack(m: SipMessage): string {
    const ok = (m.status ?? 0) < 300;
    const topVia = headerAll(m, 'via')[0];
    return build(`ACK ${ok ? (uriOf(header(m, 'contact')) ?? this.contact) : this.contact} SIP/2.0`, [
      ok || !topVia ? this.via() : `Via: ${topVia}`,
      'Max-Forwards: 70',
      `From: ${header(m, 'from') ?? ''}`,
      `To: ${header(m, 'to') ?? ''}`,
      `Call-ID: ${header(m, 'call-id') ?? ''}`,
      `CSeq: ${cseqOf(m)?.seq ?? 1} ACK`,
    ]);
  }
}

export function defaultContentType(event: string): string {
  return event === 'dialog' ? 'application/dialog-info+xml' : 'application/simple-message-summary';
}

/** First NOTIFY body of a subscription: the colleague idle, or an empty mailbox. */
export function initialBody(event: string, user: string, host: string): string {
  if (event === 'dialog') {
    return `<?xml version="1.0"?>\r\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:1002@${host}"></dialog-info>\r\n`;
  }
  return `Messages-Waiting: no\r\nMessage-Account: sip:${user}@${host}\r\nVoice-Message: 0/0 (0/0)\r\n`;
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
