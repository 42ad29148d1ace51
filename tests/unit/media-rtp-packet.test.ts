import { randomBytes } from 'node:crypto';
import { RtpStreamRewriter, isRtcp, parseRtp, serializeRtp } from '../../sip-core/media/rtp-packet';

const packet = (over: Partial<Parameters<typeof serializeRtp>[0]> = {}): Buffer =>
  serializeRtp({ payloadType: 0, marker: false, sequenceNumber: 7, timestamp: 1600, ssrc: 0xdeadbeef, payload: Buffer.alloc(160, 0xff), ...over });

describe('RTP packets on the PBX socket', () => {
  it('round-trips a PCMU packet', () => {
    const p = parseRtp(packet({ marker: true, payloadType: 8 }));
    expect(p).toMatchObject({ payloadType: 8, marker: true, sequenceNumber: 7, timestamp: 1600, ssrc: 0xdeadbeef });
    expect(p?.payload).toHaveLength(160);
  });

  it('skips CSRCs, a header extension and padding (RFC 3550 §5.1, §5.3.1)', () => {
    const payload = Buffer.from([1, 2, 3]);
    const buf = Buffer.concat([
      Buffer.from([0xb1, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]), // V=2 P=1 X=1 CC=1
      Buffer.from([0, 0, 0, 9]), // CSRC
      Buffer.from([0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]), // one-word extension
      payload,
      Buffer.from([0, 0, 3]), // 3 bytes of padding
    ]);
    expect(parseRtp(buf)?.payload).toEqual(payload);
  });

  it('drops garbage: short packets, wrong version, RTCP, bogus lengths — and never throws', () => {
    expect(parseRtp(Buffer.alloc(0))).toBeUndefined();
    expect(parseRtp(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBeUndefined();
    expect(parseRtp(Buffer.from([0x80, 0xc8, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined(); // RTCP SR
    expect(parseRtp(Buffer.from([0x9f, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]))).toBeUndefined(); // 15 CSRCs announced, none there
    expect(parseRtp(Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toBeUndefined(); // padding count 0
    for (let i = 0; i < 5000; i += 1) {
      expect(() => parseRtp(randomBytes(i % 200))).not.toThrow();
    }
  });

  it('recognises muxed RTCP (RFC 5761 §4)', () => {
    expect(isRtcp(Buffer.from([0x81, 0xc9, 0, 7, 0, 0, 0, 1]))).toBe(true);
    expect(isRtcp(packet())).toBe(false);
  });
});

describe('the outgoing PBX stream survives a source change (renderer reload)', () => {
  it('keeps SSRC, continues sequence numbers and advances the timestamp by the wall time that passed', () => {
    let now = 1000;
    const rw = new RtpStreamRewriter(8000, () => now, 0x11223344);
    const base = { payloadType: 0, marker: false, payload: Buffer.alloc(160) };
    const a1 = rw.rewrite({ ...base, ssrc: 1, sequenceNumber: 100, timestamp: 5000 });
    now += 20;
    const a2 = rw.rewrite({ ...base, ssrc: 1, sequenceNumber: 101, timestamp: 5160 });
    expect(a1.ssrc).toBe(0x11223344);
    expect(a1.marker).toBe(true);
    expect(a2.sequenceNumber).toBe((a1.sequenceNumber + 1) & 0xffff);
    expect(a2.timestamp).toBe((a1.timestamp + 160) >>> 0);
    expect(a2.marker).toBe(false);
    now += 500; // the renderer reloads and starts a new random stream
    const b1 = rw.rewrite({ ...base, ssrc: 2, sequenceNumber: 40000, timestamp: 123 });
    expect(b1.ssrc).toBe(0x11223344);
    expect(b1.sequenceNumber).toBe((a2.sequenceNumber + 1) & 0xffff);
    expect(b1.timestamp).toBe((a2.timestamp + 4000) >>> 0);
    expect(b1.marker).toBe(true);
  });
});
