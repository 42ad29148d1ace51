import {
  SdpError,
  answerDirection,
  buildPlainSdp,
  chooseCodec,
  DEFAULT_OFFER_CODECS,
  parseSdesKeys,
  parseSdp,
  pickCrypto,
  rejectedMediaLines,
} from '../../sip-core/media/sdp';

const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

// Asterisk 20 chan_pjsip offer (allow=ulaw,alaw,g722; dtmf_mode=rfc4733).
const ASTERISK_OFFER = crlf([
  'v=0',
  'o=- 1703080951 1703080951 IN IP4 192.0.2.10',
  's=Asterisk',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 17022 RTP/AVP 0 8 9 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
]);

// Kamailio + rtpengine toward a UDP phone (flags "ICE=remove RTP/AVP rtcp-mux-demux"): media-level c=, a=rtcp.
const RTPENGINE_OFFER = [
  'v=0',
  'o=- 3867470186 3867470187 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 30010 RTP/AVP 8 0 96 101',
  'c=IN IP4 127.0.0.1',
  'a=label:1',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 stereo=1;sprop-stereo=1',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendonly',
  'a=rtcp:30011',
  'a=ptime:20',
].join('\n'); // bare LF, as some stacks send

// SDES-SRTP offer (Grandstream/Yealink style: 32-bit tag suite first, then the 80-bit one).
const SAVP_OFFER = crlf([
  'v=0',
  'o=- 20518 0 IN IP4 198.51.100.7',
  's=SDP data',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 11780 RTP/SAVP 9 0 101',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^31',
  'a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31',
  'a=sendrecv',
  'm=video 0 RTP/SAVP 96',
]);

describe('SDP for the classic-PBX leg', () => {
  it('reads an Asterisk offer and picks its first codec (PCMU) with telephone-event 101', () => {
    const sdp = parseSdp(ASTERISK_OFFER);
    expect(sdp.audio).toMatchObject({ port: 17022, proto: 'RTP/AVP', address: '192.0.2.10', direction: 'sendrecv', ptime: 20 });
    expect(sdp.audio.payloadTypes).toEqual([0, 8, 9, 101]);
    expect(chooseCodec(sdp.audio)).toEqual({
      name: 'PCMU',
      pt: 0,
      clockRate: 8000,
      channels: 1,
      telephoneEvent: { pt: 101, clockRate: 8000, fmtp: '0-16' },
    });
  });

  it('reads rtpengine RTP/AVP with media-level c=, a=rtcp, sendonly and LF line ends; PCMA comes first', () => {
    const sdp = parseSdp(RTPENGINE_OFFER);
    expect(sdp.audio).toMatchObject({ port: 30010, address: '127.0.0.1', direction: 'sendonly', rtcpPort: 30011, rtcpMux: false });
    expect(chooseCodec(sdp.audio)).toMatchObject({ name: 'PCMA', pt: 8, telephoneEvent: { pt: 101 } });
    expect(answerDirection(sdp.audio.direction)).toBe('recvonly');
  });

  it('chooses opus/48000/2 when it is first, and only a 48 kHz telephone-event goes with it (RFC 4733 §2.5.1.2)', () => {
    const sdp = parseSdp(
      crlf(['v=0', 'c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/AVP 111 0 101', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:101 telephone-event/8000']),
    );
    const codec = chooseCodec(sdp.audio);
    expect(codec).toMatchObject({ name: 'opus', pt: 111, clockRate: 48000, channels: 2 });
    expect(codec.telephoneEvent).toBeUndefined();
  });

  it('takes the supported SDES suite from a SAVP offer and decodes its 30-byte key', () => {
    const sdp = parseSdp(SAVP_OFFER);
    expect(sdp.audio.proto).toBe('RTP/SAVP');
    expect(chooseCodec(sdp.audio).name).toBe('G722');
    const crypto = pickCrypto(sdp.audio);
    expect(crypto).toMatchObject({ tag: 2, suite: 'AES_CM_128_HMAC_SHA1_80' });
    const keys = parseSdesKeys(crypto!);
    expect(keys.masterKey).toHaveLength(16);
    expect(keys.masterSalt).toHaveLength(14);
    // The video m-line is answered with port 0 in its place (RFC 3264 §6).
    expect(rejectedMediaLines(sdp)).toEqual({ before: [], after: ['m=video 0 RTP/SAVP 96'] });
  });

  it('refuses SDES with an MKI or session parameters (werift has no MKI support)', () => {
    const base = { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', sessionParams: [] as string[] };
    expect(() => parseSdesKeys({ ...base, keyParams: 'inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4' })).toThrow(
      expect.objectContaining({ code: 'bad-crypto' }),
    );
    expect(() =>
      parseSdesKeys({ ...base, keyParams: 'inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz', sessionParams: ['UNENCRYPTED_SRTP'] }),
    ).toThrow(SdpError);
    expect(() => parseSdesKeys({ ...base, keyParams: 'inline:c2hvcnQ=' })).toThrow(SdpError);
  });

  it('builds our offer: RTP/AVP with PCMU, PCMA, G722, opus, then telephone-event, RTCP on port+1', () => {
    const text = buildPlainSdp({ sessionId: '42', sessionVersion: 1, address: '127.0.0.1', port: 20000, codecs: DEFAULT_OFFER_CODECS, ptime: 20 });
    expect(text).toContain('m=audio 20000 RTP/AVP 0 8 9 111 101 110\r\n');
    expect(text).toContain('a=rtpmap:111 opus/48000/2\r\n');
    expect(text).toContain('a=rtcp:20001\r\n');
    const back = parseSdp(text);
    expect(back.audio.codecs.map((c) => c.name)).toEqual(['PCMU', 'PCMA', 'G722', 'opus', 'telephone-event', 'telephone-event']);
    expect(chooseCodec(back.audio).telephoneEvent?.pt).toBe(101);
  });

  it('builds a SAVP answer carrying our a=crypto line', () => {
    const text = buildPlainSdp({
      sessionId: '1',
      sessionVersion: 2,
      address: '127.0.0.1',
      port: 20002,
      codecs: [{ pt: 0, name: 'PCMU', clockRate: 8000 }],
      direction: 'recvonly',
      crypto: { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: 'inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR' },
    });
    const back = parseSdp(text);
    expect(back.audio).toMatchObject({ proto: 'RTP/SAVP', direction: 'recvonly' });
    expect(pickCrypto(back.audio)?.tag).toBe(2);
  });

  describe('hostile or broken SDP ends in a typed SdpError', () => {
    const cases: [string, string, string][] = [
      ['empty body', '', 'empty'],
      ['binary garbage', '\u0000\u0001\u0002garbage', 'malformed-line'],
      ['no audio', crlf(['v=0', 'c=IN IP4 127.0.0.1', 'm=video 5000 RTP/AVP 96']), 'no-audio'],
      ['audio rejected', crlf(['v=0', 'c=IN IP4 127.0.0.1', 'm=audio 0 RTP/AVP 0']), 'audio-rejected'],
      ['port out of range', crlf(['v=0', 'c=IN IP4 127.0.0.1', 'm=audio 99999 RTP/AVP 0']), 'bad-port'],
      ['payload type 300', crlf(['v=0', 'c=IN IP4 127.0.0.1', 'm=audio 5000 RTP/AVP 300']), 'bad-payload-type'],
      ['no c= anywhere', crlf(['v=0', 'm=audio 5000 RTP/AVP 0']), 'no-connection'],
      ['bad address', crlf(['v=0', 'c=IN IP4 300.1.1.1;rm -rf', 'm=audio 5000 RTP/AVP 0']), 'bad-address'],
      ['WebRTC profile on the PBX leg', crlf(['v=0', 'c=IN IP4 127.0.0.1', 'm=audio 9 UDP/TLS/RTP/SAVPF 111']), 'unsupported-proto'],
      ['too large', `v=0\r\n${'a=x\r\n'.repeat(20000)}`, 'too-large'],
    ];
    it.each(cases)('%s', (_name, text, code) => {
      expect(() => parseSdp(text)).toThrow(expect.objectContaining({ name: 'SdpError', code }));
    });

    it('no codec in common (G729 only)', () => {
      const sdp = parseSdp(crlf(['v=0', 'c=IN IP4 127.0.0.1', 'm=audio 5000 RTP/AVP 18', 'a=rtpmap:18 G729/8000']));
      expect(() => chooseCodec(sdp.audio)).toThrow(expect.objectContaining({ code: 'no-common-codec' }));
    });

    it('tolerates odd attributes it does not need (broken rtpmap, unknown lines, broken crypto)', () => {
      const sdp = parseSdp(
        crlf(['v=0', 'c=IN IP4 127.0.0.1', 'm=audio 5000 RTP/AVP 0 97', 'a=rtpmap:97 ???', 'a=crypto:x', 'a=foo', 'x=bar']),
      );
      expect(sdp.audio.codecs.map((c) => c.name)).toEqual(['PCMU']);
      expect(sdp.audio.crypto).toEqual([]);
    });
  });
});
