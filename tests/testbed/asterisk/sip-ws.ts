/**
 * Just enough of a SIP-over-WebSocket UA (RFC 7118) to prove the Asterisk test bed's WebSocket side from tests:
 * REGISTER and one INVITE dialog with MD5 digest auth (RFC 3261 §22, RFC 2617 qop=auth). Test-only; the product's
 * SIP stack is sip-core (SIP.js). Requests Asterisk sends us (OPTIONS, NOTIFY, BYE) are answered 200 OK.
 */
import { createHash, randomBytes } from 'node:crypto';
import WebSocket from 'ws';

export interface SipMessage {
  /** Request method, or undefined for a response. */
  method?: string;
  status?: number;
  startLine: string;
  /** Lower-case header names; repeated headers keep every value. */
  headers: Map<string, string[]>;
  body: string;
}

export interface SipWsOptions {
  url?: string;
  user: string;
  password?: string;
  domain?: string;
  timeoutMs?: number;
}

export interface InviteResult {
  status: number;
  /** The answer SDP of a 2xx. */
  sdp: string;
  /** Ends the dialog (BYE) and resolves with the BYE's final status. */
  bye: () => Promise<number>;
}

const rand = (n = 8): string => randomBytes(n).toString('hex');
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

export function parseSip(text: string): SipMessage {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const status = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  if (status) return { startLine, status: Number(status[1]), headers, body };
  return { startLine, method: startLine.split(' ')[0], headers, body };
}

const header = (m: SipMessage, name: string): string => m.headers.get(name)?.[0] ?? '';

export class SipWsClient {
  readonly #ws: WebSocket;
  readonly #user: string;
  readonly #password: string;
  readonly #domain: string;
  readonly #timeoutMs: number;
  // RFC 7118 §5.2: a WebSocket client has no reachable address; it invents a .invalid host for Via/Contact.
  readonly #host = `${rand(4)}.invalid`;
  readonly #waiters = new Set<(m: SipMessage) => boolean>();
  #cseq = 0;
  /** RFC 3261 §10.2: one Call-ID for all of this UA's registrations. */
  readonly callId = rand();
  /** Every message received, in order (for assertions and debugging). */
  readonly received: SipMessage[] = [];

  private constructor(ws: WebSocket, options: SipWsOptions) {
    this.#ws = ws;
    this.#user = options.user;
    this.#password = options.password ?? 'secret';
    this.#domain = options.domain ?? '127.0.0.1';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    ws.on('message', (data) => this.#onMessage(data.toString()));
  }

  /** Opens ws://127.0.0.1:8088/ws (subprotocol `sip`, RFC 7118 §4.1). */
  static async connect(options: SipWsOptions): Promise<SipWsClient> {
    const ws = new WebSocket(options.url ?? 'ws://127.0.0.1:8088/ws', 'sip');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new SipWsClient(ws, options);
  }

  get contact(): string {
    return `<sip:${this.#user}@${this.#host};transport=ws>`;
  }

  /** REGISTER with the given expiry (0 removes our binding); resolves with the final status. */
  async register(expires: number): Promise<number> {
    const callId = this.callId;
    const fromTag = rand(4);
    const uri = `sip:${this.#domain}`;
    const build = (auth?: string): string =>
      this.#request('REGISTER', uri, [
        `From: <sip:${this.#user}@${this.#domain}>;tag=${fromTag}`,
        `To: <sip:${this.#user}@${this.#domain}>`,
        `Call-ID: ${callId}`,
        `Contact: ${this.contact};expires=${expires}`,
        `Expires: ${expires}`,
        ...(auth ? [auth] : []),
      ]);
    let response = await this.#transaction(build());
    if (response.status === 401) response = await this.#transaction(build(this.#authorize('REGISTER', uri, response)));
    return response.status ?? 0;
  }

  /** INVITE `target` with an SDP offer; ACKs the final answer. Rejects on a non-2xx final response. */
  async invite(target: string, sdp: string): Promise<InviteResult> {
    const callId = rand();
    const fromTag = rand(4);
    const uri = `sip:${target}@${this.#domain}`;
    const from = `From: <sip:${this.#user}@${this.#domain}>;tag=${fromTag}`;
    const build = (auth?: string): { text: string; branch: string; cseq: number } => {
      const branch = `z9hG4bK${rand()}`;
      const cseq = ++this.#cseq;
      const text = this.#message(`INVITE ${uri} SIP/2.0`, branch, cseq, 'INVITE', [
        from,
        `To: <${uri}>`,
        `Call-ID: ${callId}`,
        `Contact: ${this.contact}`,
        'Content-Type: application/sdp',
        ...(auth ? [auth] : []),
      ], sdp);
      return { text, branch, cseq };
    };
    let sent = build();
    let response = await this.#transaction(sent.text);
    if (response.status === 401) {
      // RFC 3261 §17.1.1.3: a non-2xx final response is ACKed in the same transaction (same branch).
      this.#send(this.#message(`ACK ${uri} SIP/2.0`, sent.branch, sent.cseq, 'ACK', [
        from, `To: ${header(response, 'to')}`, `Call-ID: ${callId}`,
      ]));
      sent = build(this.#authorize('INVITE', uri, response));
      response = await this.#transaction(sent.text);
    }
    const status = response.status ?? 0;
    if (status < 200 || status >= 300) throw new Error(`INVITE ${target} failed: ${response.startLine}`);
    // RFC 3261 §13.2.2.4: the 2xx ACK is a new transaction sent to the remote target (the answer's Contact).
    const remoteTarget = /<([^>]+)>/.exec(header(response, 'contact'))?.[1] ?? uri;
    const to = `To: ${header(response, 'to')}`;
    this.#send(this.#message(`ACK ${remoteTarget} SIP/2.0`, `z9hG4bK${rand()}`, sent.cseq, 'ACK', [
      from, to, `Call-ID: ${callId}`,
    ]));
    return {
      status,
      sdp: response.body,
      bye: async () => {
        const cseq = ++this.#cseq;
        const r = await this.#transaction(this.#message(`BYE ${remoteTarget} SIP/2.0`, `z9hG4bK${rand()}`, cseq,
          'BYE', [from, to, `Call-ID: ${callId}`]));
        return r.status ?? 0;
      },
    };
  }

  close(): void {
    this.#ws.close();
  }

  #request(method: string, uri: string, lines: string[], body = ''): string {
    return this.#message(`${method} ${uri} SIP/2.0`, `z9hG4bK${rand()}`, ++this.#cseq, method, lines, body);
  }

  #message(startLine: string, branch: string, cseq: number, method: string, lines: string[], body = ''): string {
    return [
      startLine,
      `Via: SIP/2.0/WS ${this.#host};branch=${branch};rport`,
      'Max-Forwards: 70',
      ...lines,
      `CSeq: ${cseq} ${method}`,
      'User-Agent: rc-testbed-ws',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
  }

  /** Sends a request and resolves with its final response (provisional ones are skipped). */
  #transaction(text: string): Promise<SipMessage> {
    const request = parseSip(text);
    const cseq = header(request, 'cseq');
    const callId = header(request, 'call-id');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(match);
        reject(new Error(`no final response to ${request.startLine} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const match = (m: SipMessage): boolean => {
        if (m.status === undefined || m.status < 200) return false;
        if (header(m, 'cseq') !== cseq || header(m, 'call-id') !== callId) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      this.#waiters.add(match);
      this.#send(text);
    });
  }

  /** RFC 2617 §3.2.2 digest with qop=auth; Asterisk 22 may offer several algorithms, we answer the MD5 one. */
  #authorize(method: string, uri: string, challenge: SipMessage): string {
    const offers = challenge.headers.get('www-authenticate') ?? [];
    const offer = offers.find((h) => !/algorithm=/i.test(h) || /algorithm="?MD5"?(,|$)/i.test(h)) ?? offers[0] ?? '';
    const p = Object.fromEntries([...offer.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
    const ha1 = md5(`${this.#user}:${p.realm}:${this.#password}`);
    const ha2 = md5(`${method}:${uri}`);
    const cnonce = rand(4);
    const nc = '00000001';
    const qop = p.qop?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
    const response = qop
      ? md5(`${ha1}:${p.nonce}:${nc}:${cnonce}:auth:${ha2}`)
      : md5(`${ha1}:${p.nonce}:${ha2}`);
    return (
      `Authorization: Digest username="${this.#user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", ` +
      `response="${response}", algorithm=MD5` +
      (qop ? `, qop=auth, nc=${nc}, cnonce="${cnonce}"` : '') +
      (p.opaque ? `, opaque="${p.opaque}"` : '')
    );
  }

  #send(text: string): void {
    this.#ws.send(text);
  }

  #onMessage(text: string): void {
    if (!text.trim()) return; // CRLF keep-alive (RFC 5626 §4.4.1) from pjsip
    const m = parseSip(text);
    this.received.push(m);
    if (m.method !== undefined) {
      if (m.method !== 'ACK') this.#reply200(m);
      return;
    }
    for (const w of this.#waiters) if (w(m)) this.#waiters.delete(w);
  }

  #reply200(request: SipMessage): void {
    const copy = (name: string, label: string): string[] => (request.headers.get(name) ?? []).map((v) => `${label}: ${v}`);
    const to = header(request, 'to');
    this.#send([
      'SIP/2.0 200 OK',
      ...copy('via', 'Via'),
      ...copy('from', 'From'),
      `To: ${to}${/;tag=/.test(to) ? '' : `;tag=${rand(4)}`}`,
      ...copy('call-id', 'Call-ID'),
      ...copy('cseq', 'CSeq'),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'));
  }
}
