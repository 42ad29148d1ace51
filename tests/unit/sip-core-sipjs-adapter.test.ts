import type { MediaSession } from '../../sip-core/api/media';
import { MediaSessionDescriptionHandler, offerLooksWebRtc } from '../../sip-core/adapters/sipjs/media-sdh';
import { rewriteHeaders } from '../../sip-core/adapters/sipjs/sipjs-transport';
import { refreshDelayMs } from '../../sip-core';

class ScriptedMedia implements MediaSession {
  calls: string[] = [];
  async createOffer() {
    this.calls.push('offer');
    return 'v=0 offer';
  }
  async createAnswer(o: string) {
    this.calls.push(`answer(${o})`);
    return 'v=0 answer';
  }
  async acceptAnswer(a: string) {
    this.calls.push(`accept(${a})`);
  }
  async sendDtmf(t: string) {
    this.calls.push(`dtmf(${t})`);
    return true;
  }
  close() {
    this.calls.push('close');
  }
}

describe('SIP.js offer/answer is mapped onto our MediaSession', () => {
  it('outgoing: getDescription offers, setDescription accepts the answer', async () => {
    const media = new ScriptedMedia();
    const sdh = new MediaSessionDescriptionHandler(media);
    expect(await sdh.getDescription()).toEqual({ body: 'v=0 offer', contentType: 'application/sdp' });
    await sdh.setDescription('v=0 pbx');
    sdh.close();
    sdh.close();
    expect(media.calls).toEqual(['offer', 'accept(v=0 pbx)', 'close']);
  });

  it('incoming: setDescription stores the offer, getDescription answers it; re-INVITE offers again', async () => {
    const media = new ScriptedMedia();
    const sdh = new MediaSessionDescriptionHandler(media);
    await sdh.setDescription('v=0 pbx-offer');
    expect((await sdh.getDescription()).body).toBe('v=0 answer');
    await sdh.getDescription();
    expect(sdh.sendDtmf('12#')).toBe(true);
    expect(sdh.hasDescription('application/sdp; charset=utf-8')).toBe(true);
    expect(sdh.hasDescription('text/plain')).toBe(false);
    await Promise.resolve();
    expect(media.calls).toEqual(['answer(v=0 pbx-offer)', 'offer', 'dtmf(12#)']);
  });

  it('recognises WebRTC offers (SAVPF + fingerprint) for media:auto', () => {
    const webrtc = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 AB:CD\r\n';
    expect(offerLooksWebRtc(webrtc)).toBe(true);
    expect(offerLooksWebRtc('v=0\r\nm=audio 4000 RTP/AVP 0\r\n')).toBe(false);
    expect(offerLooksWebRtc('v=0\r\nm=audio 4000 RTP/SAVPF 0\r\n')).toBe(false);
    expect(offerLooksWebRtc(undefined)).toBe(false);
  });
});

describe('Via/Contact host rewriting (SIP.js writes no port)', () => {
  it('rewrites headers only, and not inside a longer port', () => {
    const msg = 'INVITE sip:rc@127.0.0.1:4151 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:41519\r\n\r\nc=IN IP4 127.0.0.1:4151';
    expect(rewriteHeaders(msg, '127.0.0.1:4151', 'abc.invalid')).toBe(
      'INVITE sip:rc@abc.invalid SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:41519\r\n\r\nc=IN IP4 127.0.0.1:4151',
    );
  });

  it('refreshes at 85 % of the expiry and at least 5 s before it', () => {
    expect(refreshDelayMs(300)).toBe(255_000);
    expect(refreshDelayMs(20)).toBe(15_000);
    expect(refreshDelayMs(1)).toBe(1000);
  });
});
