/**
 * The RTP bridge between a renderer's WebRTC peer and a classic PBX's RTP socket, with both ends real on loopback:
 * - the "renderer" is a werift RTCPeerConnection behind a RendererMediaPort written here (a seam we own); it sends a
 *   440 Hz tone and records what it hears;
 * - the "PBX" is a plain UDP socket that sends a 1000 Hz tone (optionally SDES-SRTP with werift's SrtpSession) and
 *   records what it hears.
 */
import * as dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import {
  MediaStreamTrack,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  SrtpSession,
  type RTCRtpTransceiver,
} from 'werift';
import type { MediaSession } from '../../sip-core/api/media';
import type { RendererMediaPort } from '../../sip-core/ports/renderer-media-port';
import { createRtpBridgeSession } from '../../sip-core/media/rtp-bridge';
import { parseRtp, serializeRtp } from '../../sip-core/media/rtp-packet';
import { parseSdp, pickCrypto, parseSdesKeys } from '../../sip-core/media/sdp';

jest.setTimeout(30_000);

// ---- G.711 (ITU-T G.711, the classic Sun g711.c algorithms) -------------------------------------------------------

function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent -= 1, mask >>= 1);
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 7;
  const s = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -s : s;
}

function linearToAlaw(sample: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask = 0xd5;
  if (pcm < 0) {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const segEnd = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
  const seg = segEnd.findIndex((end) => pcm <= end);
  if (seg < 0) return 0x7f ^ mask;
  const aval = (seg << 4) | ((seg < 2 ? pcm >> 1 : pcm >> seg) & 0x0f);
  return aval ^ mask;
}

function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

type Law = 'PCMU' | 'PCMA';
const PT_OF: Record<Law, number> = { PCMU: 0, PCMA: 8 };

/** 20 ms frames of a sine at 8 kHz, phase-continuous across frames. */
class ToneSource {
  private n = 0;
  constructor(
    private readonly hz: number,
    private readonly law: Law,
  ) {}
  frame(): Buffer {
    const out = Buffer.alloc(160);
    for (let i = 0; i < 160; i += 1, this.n += 1) {
      const s = 12000 * Math.sin((2 * Math.PI * this.hz * this.n) / 8000);
      out[i] = this.law === 'PCMU' ? linearToUlaw(s) : linearToAlaw(s);
    }
    return out;
  }
}

/** Strongest frequency (10 Hz steps) of G.711 payloads, by Goertzel. */
function dominantHz(payloads: readonly Buffer[], law: Law): number {
  const samples = payloads.flatMap((p) => [...p].map((b) => (law === 'PCMU' ? ulawToLinear(b) : alawToLinear(b))));
  let best = 0;
  let bestPower = -1;
  for (let f = 100; f <= 3900; f += 10) {
    const coeff = 2 * Math.cos((2 * Math.PI * f) / 8000);
    let s1 = 0;
    let s2 = 0;
    for (const x of samples) {
      const s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if (power > bestPower) {
      bestPower = power;
      best = f;
    }
  }
  return best;
}

/** RFC 4733 §2.3 event payload: event, E bit + volume, duration. */
function dtmfPayload(event: number, end: boolean, duration: number): Buffer {
  return Buffer.from([event, (end ? 0x80 : 0) | 10, (duration >> 8) & 0xff, duration & 0xff]);
}

interface Heard {
  readonly pt: number;
  readonly ssrc: number;
  readonly seq: number;
  readonly payload: Buffer;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()));
}

// ---- the renderer (RendererMediaPort over a werift peer) ----------------------------------------------------------

class TestRenderer implements RendererMediaPort {
  readonly heard: Heard[] = [];
  answers = 0;
  private pc?: RTCPeerConnection;
  private transceiver?: RTCRtpTransceiver;
  private track?: MediaStreamTrack;
  private readonly listeners = new Set<() => void>();
  private timer?: NodeJS.Timeout;
  private seq = 1000 + Math.floor(Math.random() * 1000);
  private ts = Math.floor(Math.random() * 1e6);
  private tone: ToneSource;
  private law: Law = 'PCMU';

  constructor(private readonly hz: number) {
    this.tone = new ToneSource(hz, 'PCMU');
  }

  async createOffer(): Promise<string> {
    throw new Error('not used by the RTP bridge');
  }

  async createAnswer(_callId: string, remoteOffer: string): Promise<string> {
    this.stopPeer();
    this.answers += 1;
    // Chromium's payload types; the answer reuses the offer's numbers (RFC 3264 §6.1).
    const pc = new RTCPeerConnection({
      codecs: {
        audio: [
          new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, payloadType: 0, channels: 1 }),
          new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, payloadType: 8, channels: 1 }),
          new RTCRtpCodecParameters({ mimeType: 'audio/G722', clockRate: 8000, payloadType: 9, channels: 1 }),
          new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, payloadType: 126 }),
        ],
      },
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceUseTcp: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
    });
    this.pc = pc;
    pc.ontrack = (ev) => {
      ev.track.onReceiveRtp.subscribe((p) => {
        this.heard.push({ pt: p.header.payloadType, ssrc: p.header.ssrc, seq: p.header.sequenceNumber, payload: Buffer.from(p.payload) });
      });
    };
    await pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer });
    const transceiver = pc.getTransceivers()[0];
    if (!transceiver) throw new Error('no transceiver');
    const track = new MediaStreamTrack({ kind: 'audio' });
    await transceiver.sender.replaceTrack(track);
    transceiver.setDirection('sendrecv');
    this.transceiver = transceiver;
    this.track = track;
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    const answer = pc.localDescription?.sdp ?? '';
    // The bridge offers exactly one audio codec.
    this.law = /^m=audio \d+ \S+ 8\b/m.test(answer) ? 'PCMA' : 'PCMU';
    this.tone = new ToneSource(this.hz, this.law);
    // A new renderer peer starts a new random stream, like a reloaded page would.
    this.seq = Math.floor(Math.random() * 60000);
    this.ts = Math.floor(Math.random() * 1e9);
    this.timer = setInterval(() => this.sendFrame(), 20);
    return answer;
  }

  async acceptAnswer(): Promise<void> {
    throw new Error('not used by the RTP bridge');
  }

  async sendDtmf(_callId: string, tones: string): Promise<boolean> {
    const sender = this.transceiver?.sender;
    if (!sender) return false;
    // werift's writeRtp would force the audio PT, so events go straight to the DTLS-SRTP transport (as Chromium's
    // RTCDTMFSender puts them on the wire with the negotiated telephone-event PT 126).
    for (const tone of tones) {
      const event = '0123456789*#'.indexOf(tone);
      const ts = this.ts;
      for (let i = 0; i < 3; i += 1) {
        const header = new RtpHeader({ payloadType: 126, marker: i === 0, sequenceNumber: this.seq++ & 0xffff, timestamp: ts, ssrc: sender.ssrc });
        await sender.dtlsTransport.sendRtp(dtmfPayload(event, i === 2, 160 * (i + 1)), header);
      }
    }
    return true;
  }

  close(): void {
    this.stopPeer();
  }

  onDidAttach(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Page reload: the old peer vanishes, a new renderer attaches. */
  reload(): void {
    this.stopPeer();
    for (const l of this.listeners) l();
  }

  audio(law: Law): Heard[] {
    return this.withPt(PT_OF[law]);
  }

  withPt(pt: number): Heard[] {
    return this.heard.filter((h) => h.pt === pt);
  }

  private sendFrame(): void {
    this.track?.writeRtp(
      new RtpPacket(new RtpHeader({ payloadType: PT_OF[this.law], sequenceNumber: this.seq++ & 0xffff, timestamp: this.ts, ssrc: 1 }), this.tone.frame()),
    );
    this.ts = (this.ts + 160) >>> 0;
  }

  private stopPeer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.pc?.close().catch(() => undefined);
    this.pc = undefined;
    this.transceiver = undefined;
    this.track = undefined;
  }
}

// ---- the PBX (a plain RTP socket) -------------------------------------------------------------------------------

class TestPbx {
  readonly heard: Heard[] = [];
  readonly ssrc = 0x50b0c0d0;
  /** SDES key of the PBX (it is the local key of its SrtpSession). */
  readonly key = randomBytes(30);
  srtp?: SrtpSession;
  target?: { address: string; port: number };
  private timer?: NodeJS.Timeout;
  private seq = 500;
  private ts = 90000;
  private tone: ToneSource;

  private constructor(
    readonly socket: dgram.Socket,
    readonly port: number,
    law: Law,
    private readonly audioPt: number,
  ) {
    this.tone = new ToneSource(1000, law);
    socket.on('message', (msg) => {
      let plain: Buffer = msg;
      if (this.srtp) {
        try {
          plain = this.srtp.decrypt(msg);
        } catch {
          return;
        }
      }
      const p = parseRtp(plain);
      if (p) this.heard.push({ pt: p.payloadType, ssrc: p.ssrc, seq: p.sequenceNumber, payload: Buffer.from(p.payload) });
    });
  }

  static async start(law: Law = 'PCMU', audioPt = PT_OF[law]): Promise<TestPbx> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return new TestPbx(socket, socket.address().port, law, audioPt);
  }

  /** Starts sending to the bridge's SDP address. */
  sendTo(bridgeSdp: string): void {
    const audio = parseSdp(bridgeSdp).audio;
    this.target = { address: audio.address ?? '127.0.0.1', port: audio.port };
    if (this.srtp === undefined && audio.proto === 'RTP/SAVP') {
      const theirs = parseSdesKeys(pickCrypto(audio)!);
      this.srtp = new SrtpSession({
        keys: {
          localMasterKey: this.key.subarray(0, 16),
          localMasterSalt: this.key.subarray(16),
          remoteMasterKey: theirs.masterKey,
          remoteMasterSalt: theirs.masterSalt,
        },
        profile: ProtectionProfileAes128CmHmacSha1_80,
      });
    }
    this.timer = setInterval(() => this.send(this.audioPt, this.tone.frame(), false), 20);
  }

  /** One RFC 4733 event (3 packets, last with the E bit) with the PBX's telephone-event PT. */
  sendDtmf(pt: number, event: number): void {
    for (let i = 0; i < 3; i += 1) this.send(pt, dtmfPayload(event, i === 2, 160 * (i + 1)), i === 0, false);
    this.ts = (this.ts + 480) >>> 0;
  }

  raw(bytes: Buffer): void {
    if (this.target) this.socket.send(bytes, this.target.port, this.target.address);
  }

  audio(): Heard[] {
    return this.heard.filter((h) => h.pt === this.audioPt);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.socket.close();
  }

  private send(pt: number, payload: Buffer, marker: boolean, advance = true): void {
    if (!this.target) return;
    const seq = this.seq++ & 0xffff;
    const wire = this.srtp
      ? this.srtp.encrypt(payload, new RtpHeader({ payloadType: pt, marker, sequenceNumber: seq, timestamp: this.ts, ssrc: this.ssrc }))
      : serializeRtp({ payloadType: pt, marker, sequenceNumber: seq, timestamp: this.ts, ssrc: this.ssrc, payload });
    if (advance) this.ts = (this.ts + 160) >>> 0;
    this.socket.send(wire, this.target.port, this.target.address);
  }
}

function pbxOffer(port: number, opts: { proto?: string; codecs?: string[]; crypto?: string } = {}): string {
  const codecs = opts.codecs ?? ['0 PCMU/8000', '8 PCMA/8000', '101 telephone-event/8000'];
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=Asterisk',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} ${opts.proto ?? 'RTP/AVP'} ${codecs.map((c) => c.split(' ')[0]).join(' ')}`,
    ...codecs.map((c) => `a=rtpmap:${c}`),
    'a=fmtp:101 0-16',
    ...(opts.crypto ? [opts.crypto] : []),
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

// ---- scenarios ----------------------------------------------------------------------------------------------------

describe('RTP bridge between the renderer (WebRTC) and a classic PBX (RTP)', () => {
  let session: MediaSession | undefined;
  let renderer: TestRenderer | undefined;
  let pbx: TestPbx | undefined;

  afterEach(() => {
    session?.close();
    renderer?.close();
    pbx?.stop();
    session = undefined;
    renderer = undefined;
    pbx = undefined;
  });

  it('PBX offers PCMU: the PBX hears the 440 Hz renderer tone and the renderer hears the 1000 Hz PBX tone, PT 0 both ways', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    session = createRtpBridgeSession('call-1', renderer);
    const answer = await session.createAnswer(pbxOffer(pbx.port));
    expect(answer).toMatch(/m=audio \d+ RTP\/AVP 0 101\r\n/);
    pbx.sendTo(answer);

    await waitFor('audio both ways', () => pbx!.audio().length >= 30 && renderer!.audio('PCMU').length >= 30);
    expect(dominantHz(pbx.audio().slice(5, 30).map((h) => h.payload), 'PCMU')).toBeGreaterThanOrEqual(430);
    expect(dominantHz(pbx.audio().slice(5, 30).map((h) => h.payload), 'PCMU')).toBeLessThanOrEqual(450);
    expect(dominantHz(renderer.audio('PCMU').slice(5, 30).map((h) => h.payload), 'PCMU')).toBe(1000);
    expect(new Set(pbx.heard.map((h) => h.pt))).toEqual(new Set([0]));
  });

  it('telephone-event: renderer PT 126 reaches the PBX as its PT 101, and the PBX 101 reaches the renderer as 126', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    session = createRtpBridgeSession('call-dtmf', renderer);
    const answer = await session.createAnswer(pbxOffer(pbx.port));
    pbx.sendTo(answer);
    await waitFor('audio both ways', () => pbx!.audio().length >= 5 && renderer!.audio('PCMU').length >= 5);

    await expect(session.sendDtmf('5')).resolves.toBe(true);
    await waitFor('DTMF at the PBX', () => pbx!.heard.filter((h) => h.pt === 101).length >= 3);
    const events = pbx.heard.filter((h) => h.pt === 101);
    expect(events.map((h) => h.payload[0])).toEqual([5, 5, 5]);
    expect(events[2]!.payload[1]! & 0x80).toBe(0x80); // E bit on the last one
    expect(new Set(events.map((h) => h.ssrc))).toEqual(new Set(pbx.audio().map((h) => h.ssrc)));

    pbx.sendDtmf(101, 11); // '#'
    await waitFor('DTMF at the renderer', () => renderer!.heard.filter((h) => h.pt === 126).length >= 3);
    expect(renderer.heard.filter((h) => h.pt === 126).map((h) => h.payload[0])).toEqual([11, 11, 11]);
  });

  it('we offer, the PBX answers PCMA from another port (symmetric RTP): A-law both ways, sent to where the PBX sends from', async () => {
    pbx = await TestPbx.start('PCMA');
    const decoy = dgram.createSocket('udp4'); // the port the PBX's SDP names, which never sends
    await new Promise<void>((r) => decoy.bind(0, '127.0.0.1', () => r()));
    let decoyHeard = 0;
    decoy.on('message', () => (decoyHeard += 1));
    try {
      renderer = new TestRenderer(440);
      session = createRtpBridgeSession('call-2', renderer, { portRange: [40000, 40999] });
      const offer = await session.createOffer();
      expect(offer).toMatch(/m=audio (\d+) RTP\/AVP 0 8 9 111 101 110\r\n/);
      const ourPort = parseSdp(offer).audio.port;
      expect(ourPort % 2).toBe(0);
      expect(ourPort).toBeGreaterThanOrEqual(40000);
      expect(ourPort).toBeLessThanOrEqual(40999);

      await session.acceptAnswer(pbxOffer(decoy.address().port, { codecs: ['8 PCMA/8000', '101 telephone-event/8000'] }));
      pbx.sendTo(offer);
      await waitFor('audio both ways', () => pbx!.audio().length >= 30 && renderer!.audio('PCMA').length >= 30);
      expect(new Set(pbx.heard.map((h) => h.pt))).toEqual(new Set([8]));
      expect(dominantHz(pbx.audio().slice(5, 30).map((h) => h.payload), 'PCMA')).toBe(440);
      expect(dominantHz(renderer.audio('PCMA').slice(5, 30).map((h) => h.payload), 'PCMA')).toBe(1000);
      // Before the PBX's first packet we could only use its SDP address; after it, only its source address.
      const heardBefore = decoyHeard;
      await waitFor('more audio at the PBX', () => pbx!.audio().length >= 45);
      expect(decoyHeard).toBe(heardBefore);
    } finally {
      decoy.close();
    }
  });

  it('renderer reload: a new renderer peer is negotiated with the same codec while the PBX leg keeps its SSRC and sequence', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    session = createRtpBridgeSession('call-reload', renderer);
    pbx.sendTo(await session.createAnswer(pbxOffer(pbx.port)));
    await waitFor('audio before the reload', () => pbx!.audio().length >= 10 && renderer!.audio('PCMU').length >= 10);
    const ssrcBefore = pbx.audio()[0]!.ssrc;

    renderer.reload();
    const heardAtReload = renderer.heard.length;
    const pbxAtReload = pbx.audio().length;
    await waitFor('renegotiated', () => renderer!.answers === 2);
    await waitFor('audio after the reload', () => pbx!.audio().length >= pbxAtReload + 30 && renderer!.heard.length >= heardAtReload + 30);

    const after = pbx.audio().slice(pbxAtReload);
    expect(new Set(pbx.audio().map((h) => h.ssrc))).toEqual(new Set([ssrcBefore]));
    // Sequence numbers continue: every step is +1 (loopback does not reorder or lose here), no jump at the reload.
    const seqs = pbx.audio().map((h) => h.seq);
    const steps = seqs.slice(1).map((s, i) => (s - seqs[i]! + 0x10000) & 0xffff);
    expect(Math.max(...steps)).toBeLessThanOrEqual(2);
    expect(dominantHz(after.slice(5, 30).map((h) => h.payload), 'PCMU')).toBeGreaterThanOrEqual(430);
    expect(dominantHz(after.slice(5, 30).map((h) => h.payload), 'PCMU')).toBeLessThanOrEqual(450);
    expect(dominantHz(renderer.audio('PCMU').slice(-25).map((h) => h.payload), 'PCMU')).toBe(1000);
  });

  it('SDES-SRTP: the PBX offers RTP/SAVP with a=crypto and both directions are encrypted with the exchanged keys', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    session = createRtpBridgeSession('call-srtp', renderer);
    const crypto = `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${pbx.key.toString('base64')}`;
    const answer = await session.createAnswer(pbxOffer(pbx.port, { proto: 'RTP/SAVP', crypto }));
    expect(answer).toMatch(/m=audio \d+ RTP\/SAVP 0 101\r\n/);
    expect(answer).toMatch(/a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}\r\n/);
    pbx.sendTo(answer);

    await waitFor('SRTP audio both ways', () => pbx!.audio().length >= 30 && renderer!.audio('PCMU').length >= 30);
    expect(dominantHz(pbx.audio().slice(5, 30).map((h) => h.payload), 'PCMU')).toBeGreaterThanOrEqual(430);
    expect(dominantHz(pbx.audio().slice(5, 30).map((h) => h.payload), 'PCMU')).toBeLessThanOrEqual(450);
    expect(dominantHz(renderer.audio('PCMU').slice(5, 30).map((h) => h.payload), 'PCMU')).toBe(1000);
  });

  it('garbage, non-RTP bytes, RTCP and unknown payload types on the PBX socket are dropped and audio keeps flowing', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    session = createRtpBridgeSession('call-garbage', renderer);
    const answer = await session.createAnswer(pbxOffer(pbx.port));
    const intruder = dgram.createSocket('udp4');
    try {
      pbx.sendTo(answer);
      await waitFor('audio', () => renderer!.audio('PCMU').length >= 5);
      const { port } = parseSdp(answer).audio;
      const junk = [
        Buffer.alloc(0),
        Buffer.from('INVITE sip:1001@127.0.0.1 SIP/2.0\r\n\r\n'),
        randomBytes(3),
        randomBytes(1500),
        Buffer.from([0x80, 0xc8, 0, 6, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]), // RTCP SR on the RTP port
        serializeRtp({ payloadType: 13, marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 9, payload: Buffer.from([40]) }), // CN
        Buffer.from([0x9f, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]), // CSRC count beyond the packet
      ];
      for (const j of junk) {
        pbx.raw(j);
        intruder.send(j, port, '127.0.0.1');
      }
      // A well-formed packet from a stranger once the PBX's source is known is not relayed either.
      intruder.send(serializeRtp({ payloadType: 0, marker: false, sequenceNumber: 9, timestamp: 9, ssrc: 77, payload: Buffer.alloc(160, 0x00) }), port, '127.0.0.1');
      const before = renderer.audio('PCMU').length;
      await waitFor('audio after the junk', () => renderer!.audio('PCMU').length >= before + 25);
      expect(renderer.heard.every((h) => h.pt === 0)).toBe(true);
      expect(renderer.heard.some((h) => h.payload.equals(Buffer.alloc(160, 0x00)))).toBe(false);
      expect(dominantHz(renderer.audio('PCMU').slice(-25).map((h) => h.payload), 'PCMU')).toBe(1000);
    } finally {
      intruder.close();
    }
  });

  it('G722 is relayed without transcoding: the payload bytes arrive untouched with PT 9 on both legs', async () => {
    // Both ends put μ-law tone bytes in G722-labelled packets: if the bridge touched the payload, the tones would break.
    pbx = await TestPbx.start('PCMU', 9);
    renderer = new TestRenderer(440);
    session = createRtpBridgeSession('call-g722', renderer);
    const answer = await session.createAnswer(pbxOffer(pbx.port, { codecs: ['9 G722/8000', '0 PCMU/8000', '101 telephone-event/8000'] }));
    expect(answer).toMatch(/m=audio \d+ RTP\/AVP 9 101\r\n/);
    pbx.sendTo(answer);
    await waitFor('G722 both ways', () => pbx!.audio().length >= 30 && renderer!.withPt(9).length >= 30);
    expect(new Set(pbx.heard.map((h) => h.pt))).toEqual(new Set([9]));
    expect(dominantHz(pbx.audio().slice(5, 30).map((h) => h.payload), 'PCMU')).toBe(440);
    expect(dominantHz(renderer.withPt(9).slice(5, 30).map((h) => h.payload), 'PCMU')).toBe(1000);
  });

  it('the PBX puts us on hold (re-INVITE sendonly): we answer recvonly, stop sending, keep relaying its music; resume restores', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    session = createRtpBridgeSession('call-hold', renderer);
    pbx.sendTo(await session.createAnswer(pbxOffer(pbx.port)));
    await waitFor('audio both ways', () => pbx!.audio().length >= 5 && renderer!.audio('PCMU').length >= 5);

    const holdAnswer = await session.createAnswer(pbxOffer(pbx.port).replace('a=sendrecv', 'a=sendonly'));
    expect(holdAnswer).toContain('a=recvonly\r\n');
    expect(renderer.answers).toBe(1); // same codec: the renderer leg is kept
    let mark = renderer.audio('PCMU').length;
    await waitFor('music on hold at the renderer', () => renderer!.audio('PCMU').length >= mark + 5);
    const pbxHeardOnHold = pbx.audio().length;
    mark = renderer.audio('PCMU').length;
    await waitFor('more music on hold', () => renderer!.audio('PCMU').length >= mark + 20);
    expect(pbx.audio().length).toBe(pbxHeardOnHold);

    const resumeAnswer = await session.createAnswer(pbxOffer(pbx.port));
    expect(resumeAnswer).toContain('a=sendrecv\r\n');
    await waitFor('our audio again after resume', () => pbx!.audio().length >= pbxHeardOnHold + 20);
  });

  it('sending to the PBX fails: one WARN line for the whole failure, not one per packet, and one line when it works again', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    const lines: string[] = [];
    const logger = { debug: () => undefined, info: (m: string) => lines.push(`INFO ${m}`), warn: (m: string) => lines.push(`WARN ${m}`) };
    // An IPv6 media address for an IPv4 socket: every send fails (EINVAL), as with a route gone.
    session = createRtpBridgeSession('call-send-fails', renderer, { bindHost: '127.0.0.1', logger });
    await session.createAnswer(pbxOffer(pbx.port).replace('c=IN IP4 127.0.0.1', 'c=IN IP6 ::1'));
    await waitFor('the failure logged', () => lines.some((l) => l.startsWith('WARN')));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // 50 more packets from the renderer, all failing
    const failures = lines.filter((l) => l.startsWith('WARN'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(new RegExp(`cannot send audio to ::1:${pbx.port}: .*EINVAL`));
    expect(pbx.audio()).toHaveLength(0);

    // The PBX's re-INVITE gives its IPv4 address: audio reaches it, and the log says so once.
    pbx.sendTo(await session.createAnswer(pbxOffer(pbx.port)));
    await waitFor('our audio at the PBX', () => pbx!.audio().length >= 20);
    expect(lines.filter((l) => l.startsWith('INFO'))).toEqual([`INFO [rtp-bridge call-send-fails] sending audio to 127.0.0.1:${pbx.port} again`]);
    expect(lines.filter((l) => l.startsWith('WARN'))).toHaveLength(1);
  });

  it('no renderer answers (window gone): the answer fails with a clear error instead of hanging the call', async () => {
    pbx = await TestPbx.start('PCMU');
    const silent: RendererMediaPort = {
      createOffer: () => new Promise<string>(() => undefined),
      createAnswer: () => new Promise<string>(() => undefined),
      acceptAnswer: async () => undefined,
      sendDtmf: async () => false,
      close: () => undefined,
      onDidAttach: () => () => undefined,
    };
    session = createRtpBridgeSession('call-no-renderer', silent, { rendererTimeoutMs: 300 });
    await expect(session.createAnswer(pbxOffer(pbx.port))).rejects.toThrow('renderer did not answer');
  });

  it('RTP from a third address on the network is never played, not even before the PBX sends its first packet', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    session = createRtpBridgeSession('call-inject', renderer);
    const answer = await session.createAnswer(pbxOffer(pbx.port));
    const ours = parseSdp(answer).audio;
    // A colleague's machine (127.0.0.2 is another source address on this host) sends a 3000 Hz tone to our port
    // from the start: the first packet the bridge sees is the stranger's.
    const stranger = dgram.createSocket('udp4');
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.2', () => r()));
    const tone = new ToneSource(3000, 'PCMU');
    let seq = 1;
    const inject = setInterval(() => {
      stranger.send(serializeRtp({ payloadType: 0, marker: false, sequenceNumber: seq++, timestamp: seq * 160, ssrc: 0x0bad0bad, payload: tone.frame() }), ours.port, '127.0.0.1');
    }, 10);
    try {
      await new Promise((r) => setTimeout(r, 600));
      expect(renderer.audio('PCMU')).toHaveLength(0);
      expect(session.lastReceivedAt?.()).toBeUndefined(); // the stranger does not keep a dead line alive either
      pbx.sendTo(answer);
      await waitFor('the PBX audio', () => renderer!.audio('PCMU').length >= 40);
      expect(dominantHz(renderer.audio('PCMU').slice(5, 40).map((h) => h.payload), 'PCMU')).toBe(1000);
      expect(new Set(renderer.audio('PCMU').map((h) => h.seq)).size).toBe(renderer.audio('PCMU').length);
      expect(session.lastReceivedAt?.()).toBeGreaterThan(Date.now() - 1000);
    } finally {
      clearInterval(inject);
      stranger.close();
    }
  });

  it('binds and advertises the local address that routes to the PBX media address of the offer', async () => {
    pbx = await TestPbx.start('PCMU');
    renderer = new TestRenderer(440);
    const asked: string[] = [];
    session = createRtpBridgeSession('call-route', renderer, {
      signallingPeer: '127.0.0.9',
      localAddressFor: async (remote) => {
        asked.push(remote);
        return '127.0.0.1';
      },
    });
    const answer = await session.createAnswer(pbxOffer(pbx.port));
    expect(asked).toEqual(['127.0.0.1']); // the offer's c= line, not the SIP server
    expect(parseSdp(answer).audio.address).toBe('127.0.0.1');
    // Our own offer (no SDP from the PBX yet) routes to the SIP server in use.
    const other = createRtpBridgeSession('call-route-2', new TestRenderer(440), {
      signallingPeer: '127.0.0.9',
      localAddressFor: async (remote) => {
        asked.push(remote);
        return '127.0.0.1';
      },
    });
    try {
      await other.createOffer();
      expect(asked[1]).toBe('127.0.0.9');
    } finally {
      other.close();
    }
  });

  it('a socket on all interfaces advertises the configured address, never the wildcard (c=0.0.0.0 means hold)', async () => {
    renderer = new TestRenderer(440);
    expect(() => createRtpBridgeSession('call-wild', renderer!, { bindHost: '0.0.0.0' })).toThrow('advertisedAddress');
    session = createRtpBridgeSession('call-adv', renderer, { bindHost: '0.0.0.0', advertisedAddress: '192.0.2.33' });
    const offer = parseSdp(await session.createOffer());
    expect(offer.audio.address).toBe('192.0.2.33');
  });

  it('close() releases the port and is idempotent; a closed session refuses new work', async () => {
    renderer = new TestRenderer(440);
    const s = createRtpBridgeSession('call-close', renderer, { portRange: [41000, 41001] });
    const port = parseSdp(await s.createOffer()).audio.port;
    expect(port).toBe(41000);
    s.close();
    s.close();
    await expect(s.createOffer()).rejects.toThrow('closed');
    await expect(s.sendDtmf('1')).resolves.toBe(false);
    // The same single-slot range is free again.
    session = createRtpBridgeSession('call-close-2', renderer, { portRange: [41000, 41001] });
    expect(parseSdp(await session.createOffer()).audio.port).toBe(41000);
  });
});
