/**
 * The console's SIP engine (sip-core) against the Asterisk test bed: as 2001 over UDP with plain RTP, and as its
 * WebRTC identity 2011 over SIP-over-WebSocket with ICE + DTLS-SRTP. The media sessions here are seams we own
 * (sip-core's MediaSession); Asterisk, its Echo() and AMI are real. Needs tests/testbed/asterisk/start.sh.
 */
import dgram from 'node:dgram';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { createSoftphone } from '../../sip-core';
import type { SipAccountConfig } from '../../sip-core/api/account';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { MediaSession, MediaSessionFactory } from '../../sip-core/api/media';
import type { Call, Softphone } from '../../sip-core/api/softphone';
import { connectTestbedAmi, type AmiClient, type AmiMessage } from '../testbed/asterisk/ami';
import { waitForRegistration } from './sip-core-helpers';

jest.setTimeout(60_000);

let ami: AmiClient;
beforeAll(async () => {
  ami = await connectTestbedAmi();
});
afterAll(async () => {
  await ami?.close();
});

const overUdp: SipAccountConfig = {
  id: 'acc-asterisk-udp',
  server: '127.0.0.1',
  port: 5070,
  transport: 'udp',
  user: '2001',
  password: 'secret',
  domain: '127.0.0.1',
  media: 'rtp',
  registerExpires: 60,
};
const overWs: SipAccountConfig = {
  ...overUdp,
  id: 'acc-asterisk-ws',
  port: 8088,
  transport: 'ws',
  wsPath: '/ws',
  user: '2011',
  media: 'webrtc',
};

/** Echo payloads are recognisable: 160 bytes of PCMU starting with our sequence number. */
function frame(seq: number): Buffer {
  const payload = Buffer.alloc(160, 0x7f);
  payload.writeUInt16BE(seq, 0);
  return payload;
}

/** Plain RTP/AVP PCMU on a UDP socket (what the werift bridge offers a classic PBX); sends 20 ms frames. */
class RtpEchoProbe implements MediaSession {
  answer = '';
  readonly sent = new Set<string>();
  readonly echoed: Buffer[] = [];
  readonly #socket = dgram.createSocket('udp4');
  readonly #ready = new Promise<void>((r) => this.#socket.bind(0, '127.0.0.1', () => r()));
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor() {
    this.#socket.on('message', (msg) => {
      if (msg.length > 12 && msg[0] !== undefined && msg[0] >> 6 === 2) this.echoed.push(msg.subarray(12));
    });
  }
  async createOffer(): Promise<string> {
    await this.#ready;
    const port = this.#socket.address().port;
    return [
      'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'a=sendrecv', '',
    ].join('\r\n');
  }
  async createAnswer(): Promise<string> {
    throw new Error('not used: the console makes the offer in these scenarios');
  }
  async acceptAnswer(answer: string): Promise<void> {
    this.answer = answer;
    const port = Number(/^m=audio (\d+)/m.exec(answer)?.[1]);
    const host = /^c=IN IP4 (\S+)/m.exec(answer)?.[1] ?? '127.0.0.1';
    let seq = 0;
    this.#timer = setInterval(() => {
      const payload = frame(seq);
      this.sent.add(payload.toString('hex'));
      const header = Buffer.alloc(12);
      header[0] = 0x80; // RFC 3550 §5.1: version 2; payload type 0 = PCMU
      header.writeUInt16BE(seq, 2);
      header.writeUInt32BE(seq * 160, 4);
      header.writeUInt32BE(0x5eed, 8);
      this.#socket.send(Buffer.concat([header, payload]), port, host);
      seq++;
    }, 20);
  }
  async sendDtmf(): Promise<boolean> {
    return false;
  }
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#socket.close();
  }
}

/** A werift peer standing in for the renderer's RTCPeerConnection (WebRTC mode), loopback candidates only. */
class WebRtcEchoProbe implements MediaSession {
  answer = '';
  readonly sent = new Set<string>();
  readonly echoed: Buffer[] = [];
  readonly pc = new RTCPeerConnection({
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })],
    },
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  readonly #track = new MediaStreamTrack({ kind: 'audio' });
  #timer: NodeJS.Timeout | undefined;

  constructor() {
    const transceiver = this.pc.addTransceiver(this.#track, { direction: 'sendrecv' });
    transceiver.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((rtp) => this.echoed.push(rtp.payload)));
  }
  async createOffer(): Promise<string> {
    const gathered = this.pc.iceGatheringStateChange.watch((s) => s === 'complete');
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gathered;
    // Only loopback may be a network target on the test machines.
    return (this.pc.localDescription?.sdp ?? '')
      .split('\r\n')
      .filter((l) => !l.startsWith('a=candidate:') || / 127\.0\.0\.1 /.test(l))
      .join('\r\n');
  }
  async createAnswer(): Promise<string> {
    throw new Error('not used: the console makes the offer in these scenarios');
  }
  async acceptAnswer(answer: string): Promise<void> {
    this.answer = answer;
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    void this.pc.connectionStateChange.watch((s) => s === 'connected').then(() => {
      let seq = 0;
      this.#timer = setInterval(() => {
        const payload = frame(seq);
        this.sent.add(payload.toString('hex'));
        this.#track.writeRtp(
          new RtpPacket(new RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160 }), payload),
        );
        seq = (seq + 1) & 0xffff;
      }, 20);
    });
  }
  async sendDtmf(): Promise<boolean> {
    return false;
  }
  close(): void {
    clearInterval(this.#timer);
    void this.pc.close();
  }
}

function waitForCall(call: Call, predicate: (s: CallSnapshot) => boolean, timeoutMs = 15_000): Promise<CallSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(call.snapshot())) return resolve(call.snapshot());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`Timed out; call is ${JSON.stringify(call.snapshot())}`));
    }, timeoutMs);
    const off = call.onDidChange((s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function contactsOf(aor: string): Promise<AmiMessage[]> {
  const all = await ami.list({ Action: 'PJSIPShowContacts' });
  return all.filter((c) => c.ObjectName?.startsWith(`${aor};@`));
}

const phones: Softphone[] = [];
const probes: MediaSession[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()));
  for (const m of probes.splice(0)) m.close();
});

function consoleAs(account: SipAccountConfig, probe: () => RtpEchoProbe | WebRtcEchoProbe): Softphone {
  const media: MediaSessionFactory = {
    create(_callId, mode) {
      expect(mode).toBe(account.media);
      const m = probe();
      probes.push(m);
      return m;
    },
  };
  const phone = createSoftphone({ account, media });
  phones.push(phone);
  return phone;
}

describe.each([
  ['2001 over UDP with the RTP bridge', overUdp, () => new RtpEchoProbe(), /^m=audio \d+ RTP\/AVP 0\b/m],
  // RFC 5764 DTLS-SRTP profile, as Asterisk answers a webrtc=yes endpoint
  ['2011 over WebSocket with WebRTC', overWs, () => new WebRtcEchoProbe(), /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0\b/m],
] as const)('receptionist console as %s on Asterisk', (_name, account, probe, profile) => {
  it('registers, shows up in AMI, and un-registers on stop', async () => {
    const phone = consoleAs(account, probe);
    await phone.start();
    await waitForRegistration(phone, (s) => s.state === 'registered');
    const [contact] = await contactsOf(account.user);
    expect(contact).toMatchObject({ Endpoint: account.user });
    if (account.transport === 'ws') expect(contact?.Uri).toMatch(/;transport=ws/i);

    await phone.stop();
    expect(await contactsOf(account.user)).toEqual([]);
  });

  it('calls the echo test 9999 and hears its own audio back', async () => {
    const phone = consoleAs(account, probe);
    await phone.start();
    await waitForRegistration(phone, (s) => s.state === 'registered');

    const call = phone.dial('9999');
    await waitForCall(call, (s) => s.state === 'active');
    const media = probes[0] as RtpEchoProbe | WebRtcEchoProbe;
    await until(() => media.echoed.length >= 50, '50 echoed RTP packets');
    expect(media.echoed.filter((p) => media.sent.has(p.toString('hex'))).length).toBeGreaterThanOrEqual(25);

    // Asterisk sees the console's channel in Echo() with the media profile of this transport.
    const channels = await ami.list({ Action: 'CoreShowChannels' });
    const mine = channels.find((c) => c.Channel?.startsWith(`PJSIP/${account.user}-`) && c.Application === 'Echo');
    expect(mine).toBeDefined();
    expect(media.answer).toMatch(profile);

    const hangup = ami.waitForEvent((e) => e.Event === 'Hangup' && e.Channel === mine?.Channel);
    await call.hangup();
    expect((await waitForCall(call, (s) => s.state === 'ended')).endReason).toBe('local-hangup');
    await hangup;
  });
});
