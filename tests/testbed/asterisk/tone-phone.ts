/**
 * A phone that talks and listens, for proving who hears whom (issue 13 item 4: the conference of four, then the same
 * parties in Asterisk's ConfBridge). sipp does the SIP side (register, answer, re-INVITEs, BYE: phones.ts's `answer`
 * UAS); its SDP names a UDP socket of this process instead of sipp's own media port, so here we
 *   - send a steady sine of `freq` Hz as PCMU, 20 ms a packet, from that socket (the bed's endpoints use
 *     rtp_symmetric, so Asterisk answers where our packets come from);
 *   - decode what arrives (PCMU or PCMA) and keep the last second, to measure how much of it is a given frequency
 *     (Goertzel) — "2002 hears 2003" is "2002's last second holds 2003's tone".
 * Stop it (or phones.ts `cleanup()`, which kills the sipp) after use; `stop()` also un-registers.
 */
import dgram from 'node:dgram';
import { register, scenarioFile, spawnSipp, UAS_XML, type SippProcess } from './phones';
import { freeUdpPort } from './sipp';

const RATE = 8000;
const FRAME = 160; // 20 ms

export interface TonePhone {
  readonly user: string;
  readonly freq: number;
  readonly uas: SippProcess;
  /** RTP packets received so far (any source). */
  packetsIn(): number;
  packetsOut(): number;
  /** Share (0..1) of the last second's signal power at `freq` ± a few Hz; ~0 when absent. */
  share(freq: number): number;
  /** RMS of the last second (0..1): silence is ~0. */
  level(): number;
  stop(): Promise<void>;
}

export async function tonePhone(user: string, freq: number): Promise<TonePhone> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const mediaPort = socket.address().port;
  const sipPort = await freeUdpPort();
  const reg = await register(user, sipPort, 120);
  if (reg.code !== 0) {
    socket.close();
    throw new Error(`REGISTER ${user} failed:\n${reg.output}`);
  }
  // phones.ts's answering UAS with our socket in its SDP (PCMU first: what we send).
  const xml = UAS_XML('answer').replace(/\[media_port\]/g, String(mediaPort));
  let uas: SippProcess;
  try {
    uas = await spawnSipp(scenarioFile(`uas-tone-${user}`, xml), user, { sipPort, calls: 20, traceMessages: true });
  } catch (e) {
    socket.close();
    await register(user, sipPort, 0);
    throw e;
  }

  const ring = new Float32Array(RATE);
  let ringAt = 0;
  let packetsIn = 0;
  let packetsOut = 0;
  let peer: { address: string; port: number } | undefined;
  socket.on('message', (msg, rinfo) => {
    const samples = rtpPayload(msg);
    if (!samples) return;
    packetsIn += 1;
    peer = { address: rinfo.address, port: rinfo.port };
    for (const s of samples) {
      ring[ringAt] = s;
      ringAt = (ringAt + 1) % RATE;
    }
  });

  /** Where to send before Asterisk's first packet: the c=/m= of the newest INVITE's SDP. */
  const sdpPeer = (): { address: string; port: number } | undefined => {
    const invite = uas.received().filter((m) => m.startsWith('INVITE ')).at(-1);
    const addr = /^c=IN IP4 (\S+)/m.exec(invite ?? '')?.[1];
    const port = /^m=audio (\d+)/m.exec(invite ?? '')?.[1];
    return addr && port ? { address: addr, port: Number(port) } : undefined;
  };

  const ssrc = (Math.random() * 0xffffffff) >>> 0;
  let seq = Math.floor(Math.random() * 0xffff);
  let ts = Math.floor(Math.random() * 0xffffffff);
  let phase = 0;
  const step = (2 * Math.PI * freq) / RATE;
  const timer = setInterval(() => {
    const to = peer ?? sdpPeer();
    if (!to) return;
    const packet = Buffer.alloc(12 + FRAME);
    packet[0] = 0x80;
    packet[1] = 0; // PCMU
    packet.writeUInt16BE(seq, 2);
    packet.writeUInt32BE(ts >>> 0, 4);
    packet.writeUInt32BE(ssrc, 8);
    for (let i = 0; i < FRAME; i++) {
      packet[12 + i] = linearToUlaw(Math.round(0.2 * 32767 * Math.sin(phase)));
      phase = (phase + step) % (2 * Math.PI);
    }
    seq = (seq + 1) & 0xffff;
    ts = (ts + FRAME) >>> 0;
    socket.send(packet, to.port, to.address, () => undefined);
    packetsOut += 1;
  }, 20);

  const lastSecond = (): Float32Array => {
    const out = new Float32Array(RATE);
    for (let i = 0; i < RATE; i++) out[i] = ring[(ringAt + i) % RATE]!;
    return out;
  };

  let stopped: Promise<void> | undefined;
  return {
    user,
    freq,
    uas,
    packetsIn: () => packetsIn,
    packetsOut: () => packetsOut,
    share: (f) => toneShare(lastSecond(), f),
    level: () => {
      const x = lastSecond();
      let sum = 0;
      for (const v of x) sum += v * v;
      return Math.sqrt(sum / x.length);
    },
    stop: () => {
      stopped ??= (async () => {
        clearInterval(timer);
        socket.close();
        await uas.kill();
        await register(user, sipPort, 0);
      })();
      return stopped;
    },
  };
}

/** The audio of an RTP packet as samples in -1..1 (PCMU/PCMA only; anything else, e.g. comfort noise: undefined). */
function rtpPayload(msg: Buffer): Float32Array | undefined {
  if (msg.length < 12 || msg[0]! >> 6 !== 2) return undefined;
  const pt = msg[1]! & 0x7f;
  if (pt !== 0 && pt !== 8) return undefined;
  let offset = 12 + 4 * (msg[0]! & 0x0f);
  if (msg[0]! & 0x10) {
    if (msg.length < offset + 4) return undefined;
    offset += 4 + 4 * msg.readUInt16BE(offset + 2);
  }
  let end = msg.length;
  if (msg[0]! & 0x20) end -= msg[msg.length - 1]!;
  if (end <= offset) return undefined;
  const out = new Float32Array(end - offset);
  for (let i = offset; i < end; i++) out[i - offset] = (pt === 0 ? ulawToLinear(msg[i]!) : alawToLinear(msg[i]!)) / 32768;
  return out;
}

/**
 * Share of the signal's power within ±`band` Hz of `freq`: Goertzel power summed over the 1 Hz bins of the band
 * (the window is one second), Hann-windowed, against the total power (Parseval). A pure tone gives ~1.
 */
export function toneShare(x: Float32Array, freq: number, band = 8): number {
  const n = x.length;
  const w = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    w[i] = x[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
    total += w[i]! * w[i]!;
  }
  if (total === 0) return 0;
  let inBand = 0;
  for (let f = Math.max(1, Math.round(freq - band)); f <= Math.round(freq + band); f++) {
    const k = (f * n) / RATE;
    const coeff = 2 * Math.cos((2 * Math.PI * k) / n);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const s0 = w[i]! + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    // |X(k)|² of a one-sided bin; Parseval: Σ|x|² = (1/n) Σ over all n bins of |X|², the two sides of f alike.
    inBand += (2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2)) / n;
  }
  return Math.min(1, inBand / total);
}

// G.711 (ITU-T G.711 reference algorithms).
function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(CLIP, Math.abs(sample)) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  s = ~(sign | (exponent << 4) | mantissa) & 0xff;
  return s;
}

function ulawToLinear(u: number): number {
  const x = ~u & 0xff;
  const sign = x & 0x80;
  const exponent = (x >> 4) & 0x07;
  const mantissa = x & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

function alawToLinear(a: number): number {
  const x = a ^ 0x55;
  const sign = x & 0x80;
  const exponent = (x >> 4) & 0x07;
  const mantissa = x & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  magnitude = magnitude > 32767 ? 32767 : magnitude;
  return sign ? magnitude : -magnitude;
}
