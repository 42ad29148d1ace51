/**
 * Minimal RTP helpers for the PBX leg (RFC 3550 §5.1). Parsing never throws: anything that is not a plausible RTP
 * packet comes back as undefined so the bridge can drop it.
 */

export interface RtpView {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Buffer;
}

export function parseRtp(buf: Buffer): RtpView | undefined {
  if (buf.length < 12) return undefined;
  const b0 = buf.readUInt8(0);
  if (b0 >> 6 !== 2) return undefined; // version 2 only
  const b1 = buf.readUInt8(1);
  const payloadType = b1 & 0x7f;
  if (payloadType >= 64 && payloadType <= 95) return undefined; // RFC 5761 §4: RTCP range (mux) is not RTP
  let offset = 12 + (b0 & 0x0f) * 4; // CSRCs
  if (b0 & 0x10) {
    // RFC 3550 §5.3.1 header extension: 16-bit profile, 16-bit length in 32-bit words
    if (buf.length < offset + 4) return undefined;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  let end = buf.length;
  if (b0 & 0x20) {
    const pad = buf.readUInt8(buf.length - 1);
    if (pad === 0) return undefined;
    end -= pad;
  }
  if (offset > end) return undefined;
  return {
    payloadType,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

/** RFC 5761 §4: with rtcp-mux, packet types 192..223 (second byte) are RTCP. */
export function isRtcp(buf: Buffer): boolean {
  if (buf.length < 8 || buf.readUInt8(0) >> 6 !== 2) return false;
  const pt = buf.readUInt8(1);
  return pt >= 192 && pt <= 223;
}

export function serializeRtp(p: RtpView): Buffer {
  const out = Buffer.allocUnsafe(12 + p.payload.length);
  out.writeUInt8(0x80, 0);
  out.writeUInt8((p.marker ? 0x80 : 0) | (p.payloadType & 0x7f), 1);
  out.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(p.timestamp >>> 0, 4);
  out.writeUInt32BE(p.ssrc >>> 0, 8);
  p.payload.copy(out, 12);
  return out;
}

/**
 * Keeps one outgoing RTP stream continuous (own SSRC, sequence and timestamp) while the source behind it changes,
 * e.g. a reloaded renderer starts a new stream with a random SSRC/seq/ts. RFC 3550 §5.1: a receiver may treat an SSRC
 * change as a new participant and a seq/ts jump as loss; the PBX leg must look like one uninterrupted stream.
 */
export class RtpStreamRewriter {
  readonly ssrc: number;
  private inSsrc?: number;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq?: number;
  private lastTs?: number;
  private lastAt = 0;

  constructor(
    private readonly clockRate: number,
    private readonly now: () => number = () => Date.now(),
    ssrc?: number,
  ) {
    this.ssrc = ssrc ?? (Math.random() * 0x100000000) >>> 0;
  }

  /** Rewrites seq/ts/ssrc of one packet; sets the marker on the first packet after a source change. */
  rewrite(p: RtpView): RtpView {
    const at = this.now();
    let marker = p.marker;
    if (this.inSsrc !== p.ssrc) {
      if (this.lastSeq === undefined || this.lastTs === undefined) {
        // First source: start from random values (RFC 3550 §5.1).
        this.seqOffset = (Math.random() * 0x10000) >>> 0;
        this.tsOffset = (Math.random() * 0x100000000) >>> 0;
      } else {
        // New source: continue where we stopped, advancing the clock by the wall time that passed.
        const gap = Math.max(1, Math.round(((at - this.lastAt) * this.clockRate) / 1000));
        this.seqOffset = (this.lastSeq + 1 - p.sequenceNumber) & 0xffff;
        this.tsOffset = (this.lastTs + gap - p.timestamp) >>> 0;
      }
      this.inSsrc = p.ssrc;
      marker = true;
    }
    const sequenceNumber = (p.sequenceNumber + this.seqOffset) & 0xffff;
    const timestamp = (p.timestamp + this.tsOffset) >>> 0;
    this.lastSeq = sequenceNumber;
    this.lastTs = timestamp;
    this.lastAt = at;
    return { ...p, ssrc: this.ssrc, sequenceNumber, timestamp, marker };
  }
}
