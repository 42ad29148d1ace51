/**
 * The renderer leg against the real renderer engine: headless Chromium (Debian /usr/bin/chromium) answers the
 * bridge's werift offer, sends its fake microphone (a 440 Hz file) and RFC 4733 DTMF from RTCDTMFSender; the PBX is a
 * plain UDP socket sending a 1000 Hz μ-law tone.
 */
import * as dgram from 'node:dgram';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { MediaSession } from '../../sip-core/api/media';
import type { RendererMediaPort } from '../../sip-core/ports/renderer-media-port';
import { createRtpBridgeSession } from '../../sip-core/media/rtp-bridge';
import { parseRtp, serializeRtp } from '../../sip-core/media/rtp-packet';
import { parseSdp } from '../../sip-core/media/sdp';

jest.setTimeout(60_000);

const TONE_440 = join(__dirname, '..', 'testbed', 'media', 'tone440_48k.wav');
const PAGE_URL = 'http://127.0.0.1:9/renderer.html'; // served by page.route, never by the network (localhost = secure context)

function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 7;
  const s = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -s : s;
}

function linearToUlaw(sample: number): number {
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent -= 1, mask >>= 1);
  return ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff;
}

function dominantHz(payloads: readonly Buffer[]): number {
  const samples = payloads.flatMap((p) => [...p].map(ulawToLinear));
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

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The page's side: plain browser JS served with the page (our tsconfig has no DOM lib, so the code stays a string and
 * the test talks to it through the small RendererPage interface).
 */
const PAGE_SCRIPT = `
let pc;
let analyser;
window.rendererAnswer = async (offer) => {
  if (pc) pc.close();
  pc = new RTCPeerConnection({ iceServers: [] });
  // Before setRemoteDescription: the track event fires inside it.
  pc.ontrack = (ev) => {
    // Chromium only pulls remote WebRTC audio into WebAudio when the stream also has a media element sink.
    const stream = new MediaStream([ev.track]);
    const el = document.createElement('audio');
    el.muted = true;
    el.autoplay = true;
    el.srcObject = stream;
    document.body.appendChild(el);
    const ac = new AudioContext();
    analyser = ac.createAnalyser();
    analyser.fftSize = 8192;
    ac.createMediaStreamSource(stream).connect(analyser);
  };
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  for (const t of stream.getAudioTracks()) pc.addTrack(t, stream);
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()));
  }
  return pc.localDescription.sdp;
};
window.rendererDtmf = (tones) => {
  const sender = pc && pc.getSenders()[0];
  if (!sender || !sender.dtmf || !sender.dtmf.canInsertDTMF) return false;
  sender.dtmf.insertDTMF(tones, 100, 70);
  return true;
};
window.rendererPeakHz = () => {
  if (!analyser) return 0;
  const d = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(d);
  let b = 1;
  for (let i = 1; i < d.length; i++) if (d[i] > d[b]) b = i;
  return d[b] > -100 ? Math.round((b * analyser.context.sampleRate) / analyser.fftSize) : 0;
};
window.rendererClose = () => { if (pc) pc.close(); };
window.rendererInbound = async () => {
  if (!pc) return { packets: 0, energy: 0, codec: '', connection: 'none' };
  const stats = await pc.getStats();
  let packets = 0, energy = 0, codecId = '';
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      packets = s.packetsReceived || 0;
      energy = s.totalAudioEnergy || 0;
      codecId = s.codecId || '';
    }
  });
  const codec = stats.get(codecId);
  return { packets, energy, codec: codec ? codec.mimeType : '', connection: pc.connectionState };
};
`;

interface InboundStats {
  readonly packets: number;
  readonly energy: number;
  readonly codec: string;
  readonly connection: string;
}

interface RendererPage {
  rendererAnswer(offer: string): Promise<string>;
  rendererDtmf(tones: string): boolean;
  rendererClose(): void;
  rendererPeakHz(): number;
  rendererInbound(): Promise<InboundStats>;
}

/**
 * RendererMediaPort implemented by a Chromium page, the way renderer/lib/media will do it. The evaluated arrow
 * functions run in the page, so they may only reference their argument and the page's globals.
 */
class ChromiumRenderer implements RendererMediaPort {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly page: Page) {}

  /** The window reloads (its peer is gone), then the new page attaches, as the host would announce it. */
  async reload(): Promise<void> {
    await this.page.reload();
    for (const l of this.listeners) l();
  }

  createOffer(): Promise<string> {
    throw new Error('not used by the RTP bridge');
  }

  createAnswer(_callId: string, remoteOffer: string): Promise<string> {
    return this.page.evaluate((offer) => (globalThis as unknown as RendererPage).rendererAnswer(offer), remoteOffer);
  }

  async acceptAnswer(): Promise<void> {
    throw new Error('not used by the RTP bridge');
  }

  sendDtmf(_callId: string, tones: string): Promise<boolean> {
    return this.page.evaluate((t) => (globalThis as unknown as RendererPage).rendererDtmf(t), tones);
  }

  close(): void {
    this.page.evaluate(() => (globalThis as unknown as RendererPage).rendererClose()).catch(() => undefined);
  }

  onDidAttach(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Strongest frequency of the remote audio as WebAudio hears it (0 while silent). */
  peakHz(): Promise<number> {
    return this.page.evaluate(() => (globalThis as unknown as RendererPage).rendererPeakHz());
  }

  /** Inbound audio as Chromium's stats see it. */
  inbound(): Promise<InboundStats> {
    return this.page.evaluate(() => (globalThis as unknown as RendererPage).rendererInbound());
  }
}

describe('RTP bridge with Chromium as the renderer', () => {
  let browser: Browser | undefined;
  let session: MediaSession | undefined;
  let pbxSocket: dgram.Socket | undefined;
  let pbxTimer: NodeJS.Timeout | undefined;

  afterEach(async () => {
    if (pbxTimer) clearInterval(pbxTimer);
    session?.close();
    pbxSocket?.close();
    await browser?.close();
    browser = undefined;
    session = undefined;
    pbxSocket = undefined;
  });

  it('a call through Chromium: PCMU both ways, RTCDTMFSender digits reach the PBX as PT 101, and the call survives a page reload', async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${TONE_440}`,
        '--allow-loopback-in-peer-connection',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    const page = await browser.newPage();
    await page.route(PAGE_URL, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><title>renderer</title><script>${PAGE_SCRIPT}</script>` }));
    await page.goto(PAGE_URL);
    const renderer = new ChromiumRenderer(page);

    const heard: { pt: number; ssrc: number; payload: Buffer }[] = [];
    const pbx = dgram.createSocket('udp4');
    pbxSocket = pbx;
    await new Promise<void>((r) => pbx.bind(0, '127.0.0.1', () => r()));
    pbx.on('message', (msg) => {
      const p = parseRtp(msg);
      if (p) heard.push({ pt: p.payloadType, ssrc: p.ssrc, payload: Buffer.from(p.payload) });
    });

    session = createRtpBridgeSession('call-chromium', renderer);
    const offer = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${pbx.address().port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=sendrecv',
      '',
    ].join('\r\n');
    const answer = await session.createAnswer(offer);
    const bridge = parseSdp(answer).audio;

    let n = 0;
    let seq = 1;
    pbxTimer = setInterval(() => {
      const payload = Buffer.alloc(160);
      for (let i = 0; i < 160; i += 1, n += 1) payload[i] = linearToUlaw(12000 * Math.sin((2 * Math.PI * 1000 * n) / 8000));
      pbx.send(serializeRtp({ payloadType: 0, marker: false, sequenceNumber: seq++, timestamp: n, ssrc: 4242, payload }), bridge.port, '127.0.0.1');
    }, 20);

    await waitFor('Chromium audio at the PBX', () => heard.filter((h) => h.pt === 0).length >= 60);
    expect(dominantHz(heard.filter((h) => h.pt === 0).slice(20, 60).map((h) => h.payload))).toBe(440);
    await waitFor('PBX audio at Chromium', async () => (await renderer.inbound()).packets >= 50);
    expect((await renderer.inbound()).codec).toBe('audio/PCMU');
    // WebAudio's FFT bins are ~6 Hz wide at 48 kHz / 8192.
    await waitFor('the 1000 Hz PBX tone in Chromium', async () => Math.abs((await renderer.peakHz()) - 1000) <= 10);

    await expect(session.sendDtmf('5#')).resolves.toBe(true);
    await waitFor('both digits at the PBX', () => {
      const ends = heard.filter((h) => h.pt === 101 && (h.payload[1]! & 0x80) !== 0).map((h) => h.payload[0]);
      return ends.includes(5) && ends.includes(11);
    });

    // Reload: a new page, a new peer; the PBX leg (its port, SSRC) stays and audio flows again both ways.
    await renderer.reload();
    const mark = heard.length;
    await waitFor('Chromium audio at the PBX after the reload', () => heard.slice(mark).filter((h) => h.pt === 0).length >= 60);
    expect(dominantHz(heard.slice(mark).filter((h) => h.pt === 0).slice(-40).map((h) => h.payload))).toBe(440);
    expect(new Set(heard.map((h) => h.ssrc)).size).toBe(1); // one stream for the whole call, DTMF included
    await waitFor('the 1000 Hz PBX tone in the reloaded page', async () => Math.abs((await renderer.peakHz()) - 1000) <= 10);
  });
});
