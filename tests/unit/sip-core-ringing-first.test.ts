/**
 * Issue 14 (INVITE → 180 latency): the console answers an incoming INVITE with 180 Ringing straight away, without the
 * 100 Trying SIP.js would send first (RFC 3261 §17.2.1: not needed when the TU answers within 200 ms); a retransmitted
 * INVITE gets the 180 again; a CANCEL still ends the call (200 + 487). Against a tiny registrar on a real UDP socket.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { Softphone } from '../../sip-core/api/softphone';
import { loopbackSoftphone, SDP } from './helpers/loopback-softphone';

jest.setTimeout(20_000);

const rand = (): string => randomBytes(6).toString('hex');
const header = (text: string, name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(text)?.[1]?.trim() ?? '';

let socket: dgram.Socket;
let phone: Softphone | undefined;
/** Everything the console sent us, in order. */
const received: string[] = [];
let consoleAddr: { port: number; address: string } | undefined;
let contact = '';

afterEach(async () => {
  await phone?.stop();
  phone = undefined;
  socket.close();
  received.length = 0;
});

async function start(): Promise<void> {
  socket = dgram.createSocket('udp4');
  let registered: () => void = () => undefined;
  const isRegistered = new Promise<void>((r) => (registered = r));
  socket.on('message', (buf, rinfo) => {
    const text = buf.toString('utf8');
    if (text.trim() === '') return;
    received.push(text);
    if (!text.startsWith('REGISTER ')) return;
    consoleAddr = { port: rinfo.port, address: rinfo.address };
    contact = /<([^>]+)>/.exec(header(text, 'Contact'))?.[1] ?? '';
    const reply = [
      'SIP/2.0 200 OK',
      `Via: ${header(text, 'Via')}`,
      `From: ${header(text, 'From')}`,
      `To: ${header(text, 'To')};tag=${rand()}`,
      `Call-ID: ${header(text, 'Call-ID')}`,
      `CSeq: ${header(text, 'CSeq')}`,
      `Contact: <${contact}>;expires=300`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    socket.send(reply, rinfo.port, rinfo.address);
    registered();
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  phone = loopbackSoftphone('acc-ring', socket.address().port);
  await phone.start();
  await isRegistered;
}

function send(text: string): void {
  socket.send(text, consoleAddr!.port, consoleAddr!.address);
}

function invite(callId: string, branch: string, fromTag: string): string {
  return [
    `INVITE ${contact} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=${branch};rport`,
    'Max-Forwards: 69',
    `From: "Caller" <sip:0612345678@127.0.0.1>;tag=${fromTag}`,
    'To: <sip:1001@127.0.0.1>',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:caller@127.0.0.1:${socket.address().port}>`,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(SDP)}`,
    '',
    SDP,
  ].join('\r\n');
}

const responsesTo = (callId: string): string[] =>
  received.filter((m) => m.startsWith('SIP/2.0 ') && header(m, 'Call-ID') === callId).map((m) => `${m.slice(8, 11)} ${/\d+ (\w+)/.exec(header(m, 'CSeq'))?.[1]}`);

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(received.map((m) => m.split('\r\n', 1)[0]))}`);
}

describe('incoming INVITE: 180 Ringing first', () => {
  it('answers 180 without a 100 Trying, repeats it for a retransmission, and a CANCEL ends the call', async () => {
    await start();
    const rang = new Promise<string>((resolve) => phone!.onIncomingCall((c) => resolve(c.snapshot().remote.user)));
    const callId = `${rand()}@fake`;
    const branch = `z9hG4bK${rand()}`;
    const fromTag = rand();
    send(invite(callId, branch, fromTag));
    await until('180', () => responsesTo(callId).includes('180 INVITE'));
    expect(await rang).toBe('0612345678');
    expect(responsesTo(callId)).toEqual(['180 INVITE']); // no 100 Trying before it

    send(invite(callId, branch, fromTag)); // a retransmission (same branch): the last provisional again
    await until('180 again', () => responsesTo(callId).filter((r) => r === '180 INVITE').length === 2);

    send(
      [
        `CANCEL ${contact} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=${branch};rport`,
        'Max-Forwards: 69',
        `From: "Caller" <sip:0612345678@127.0.0.1>;tag=${fromTag}`,
        'To: <sip:1001@127.0.0.1>',
        `Call-ID: ${callId}`,
        'CSeq: 1 CANCEL',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await until('487', () => responsesTo(callId).includes('487 INVITE'));
    expect(responsesTo(callId)).toEqual(['180 INVITE', '180 INVITE', '200 CANCEL', '487 INVITE']);
    expect(responsesTo(callId).some((r) => r.startsWith('100'))).toBe(false);
  });
});
