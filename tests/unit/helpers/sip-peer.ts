/**
 * A scripted SIP peer on UDP 127.0.0.1 for presence state-machine tests: it accepts REGISTER, hands every other
 * request to the test's handler, and can answer SUBSCRIBEs and send NOTIFYs in their dialog. Just enough SIP for
 * sip-core's subscription client (no auth, no retransmissions: loopback).
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface SipRequest {
  readonly method: string;
  readonly uri: string;
  readonly headers: ReadonlyMap<string, string[]>;
  header(name: string): string | undefined;
  readonly at: number;
  /** Our To tag for this request's dialog (set when answered). */
  toTag?: string;
  notifyCseq?: number;
}

export class ScriptedSipPeer {
  readonly requests: SipRequest[] = [];
  #socket = dgram.createSocket('udp4');
  #client: { address: string; port: number } | undefined;
  port = 0;

  constructor(readonly onRequest: (req: SipRequest, peer: ScriptedSipPeer) => void) {}

  async start(): Promise<void> {
    this.#socket.on('message', (buf, rinfo) => this.#receive(buf.toString('utf8'), rinfo));
    await new Promise<void>((r) => this.#socket.bind(0, '127.0.0.1', () => r()));
    this.port = this.#socket.address().port;
  }

  close(): void {
    this.#socket.close();
  }

  #receive(text: string, rinfo: dgram.RemoteInfo): void {
    if (!text.trim() || text.startsWith('SIP/2.0')) return; // keep-alives and answers to our NOTIFYs
    this.#client = { address: rinfo.address, port: rinfo.port };
    const [head = ''] = text.split('\r\n\r\n');
    const [start = '', ...lines] = head.split('\r\n');
    const [method = '', uri = ''] = start.split(' ');
    const headers = new Map<string, string[]>();
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i <= 0) continue;
      const name = l.slice(0, i).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), l.slice(i + 1).trim()]);
    }
    const req: SipRequest = { method, uri, headers, header: (n) => headers.get(n.toLowerCase())?.[0], at: Date.now() };
    this.requests.push(req);
    if (method === 'REGISTER') {
      this.reply(req, 200, 'OK', [`Contact: ${req.header('contact')};expires=300`, 'Expires: 300']);
      return;
    }
    if (method === 'ACK') return;
    this.onRequest(req, this);
  }

  #send(text: string): void {
    if (this.#client) this.#socket.send(text, this.#client.port, this.#client.address);
  }

  reply(req: SipRequest, code: number, reason: string, extra: string[] = []): void {
    req.toTag ??= randomBytes(4).toString('hex');
    const vias = (req.headers.get('via') ?? []).map((v) => `Via: ${v}`);
    const to = req.header('to') ?? '';
    const lines = [
      `SIP/2.0 ${code} ${reason}`,
      ...vias,
      `From: ${req.header('from')}`,
      `To: ${/;tag=/.test(to) ? to : `${to};tag=${req.toTag}`}`,
      `Call-ID: ${req.header('call-id')}`,
      `CSeq: ${req.header('cseq')}`,
      ...(req.method === 'SUBSCRIBE' && code < 300 ? [`Contact: <sip:peer@127.0.0.1:${this.port}>`] : []),
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ];
    this.#send(lines.join('\r\n'));
  }

  /** A NOTIFY in the dialog that `subscribe` (answered with 2xx) created. */
  notify(subscribe: SipRequest, subscriptionState: string, body = '', contentType = 'application/dialog-info+xml'): void {
    subscribe.notifyCseq = (subscribe.notifyCseq ?? 0) + 1;
    const contact = /<([^>]+)>/.exec(subscribe.header('contact') ?? '')?.[1] ?? '';
    const to = subscribe.header('to') ?? '';
    const bytes = Buffer.byteLength(body);
    const lines = [
      `NOTIFY ${contact} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${randomBytes(6).toString('hex')}`,
      'Max-Forwards: 70',
      `From: ${/;tag=/.test(to) ? to : `${to};tag=${subscribe.toTag}`}`,
      `To: ${subscribe.header('from')}`,
      `Call-ID: ${subscribe.header('call-id')}`,
      `CSeq: ${subscribe.notifyCseq} NOTIFY`,
      `Contact: <sip:peer@127.0.0.1:${this.port}>`,
      `Event: ${subscribe.header('event')}`,
      `Subscription-State: ${subscriptionState}`,
      ...(bytes ? [`Content-Type: ${contentType}`] : []),
      `Content-Length: ${bytes}`,
      '',
      body,
    ];
    this.#send(lines.join('\r\n'));
  }
}
