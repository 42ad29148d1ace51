import { autoAnswerAfter, MAX_AUTO_ANSWER_DELAY_S } from '../../sip-core/adapters/sipjs/auto-answer';
import { MediaSessionDescriptionHandler } from '../../sip-core/adapters/sipjs/media-sdh';
import { parseSipfrag, transferStateForStatus } from '../../sip-core/adapters/sipjs/sipfrag';
import type { MediaSession } from '../../sip-core/api/media';
import {
  intersectDirections,
  mirrorDirection,
  offerDirection,
  offerHoldsUs,
  sdpAudioDirection,
  withSdpDirection,
} from '../../sip-core/media/sdp-direction';

const SDP = (extra: { session?: string[]; audio?: string[]; c?: string } = {}): string =>
  [
    'v=0',
    'o=- 1 1 IN IP4 10.0.0.1',
    's=-',
    `c=IN IP4 ${extra.c ?? '10.0.0.1'}`,
    't=0 0',
    ...(extra.session ?? []),
    'm=audio 4000 RTP/AVP 0 101',
    'a=rtpmap:0 PCMU/8000',
    ...(extra.audio ?? ['a=sendrecv']),
    '',
  ].join('\r\n');

describe('SDP direction (RFC 3264 §8.4 hold)', () => {
  it('reads media-level, then session-level direction, and c=0.0.0.0', () => {
    expect(sdpAudioDirection(SDP())).toEqual({ direction: 'sendrecv', zeroAddress: false });
    expect(sdpAudioDirection(SDP({ audio: [] }))).toEqual({ direction: 'sendrecv', zeroAddress: false });
    expect(sdpAudioDirection(SDP({ session: ['a=sendonly'], audio: [] }))?.direction).toBe('sendonly');
    expect(sdpAudioDirection(SDP({ session: ['a=sendonly'], audio: ['a=inactive'] }))?.direction).toBe('inactive');
    expect(sdpAudioDirection(SDP({ c: '0.0.0.0' }))?.zeroAddress).toBe(true);
    expect(sdpAudioDirection(SDP({ audio: ['c=IN IP4 0.0.0.0', 'a=sendrecv'] }))?.zeroAddress).toBe(true);
  });

  it('decides remote hold from an offer', () => {
    const holds = (s: string): boolean => offerHoldsUs(sdpAudioDirection(s) ?? { direction: 'sendrecv', zeroAddress: false });
    expect(holds(SDP({ audio: ['a=sendonly'] }))).toBe(true);
    expect(holds(SDP({ session: ['a=inactive'], audio: [] }))).toBe(true);
    expect(holds(SDP({ c: '0.0.0.0' }))).toBe(true);
    expect(holds(SDP({ audio: ['a=recvonly'] }))).toBe(false);
    expect(holds(SDP())).toBe(false);
  });

  it('tolerates garbage without throwing', () => {
    for (const bad of ['', 'garbage', 'm=video 0 RTP/AVP 96', 'x'.repeat(70_000), 'm=audio 0 RTP/AVP 0\r\na=sendonly']) {
      expect(sdpAudioDirection(bad)).toBeUndefined();
    }
    expect(() => withSdpDirection('nonsense', 'sendonly')).not.toThrow();
  });

  it('rewrites every active m-section to one direction and drops session-level ones', () => {
    const sdp = [
      'v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'a=recvonly', 't=0 0',
      'm=audio 4000 RTP/AVP 0', 'a=sendrecv', 'a=ptime:20',
      'm=video 0 RTP/AVP 96',
      'm=audio 4002 RTP/AVP 8',
    ].join('\n');
    const out = withSdpDirection(sdp, 'sendonly');
    expect(out.endsWith('\r\n')).toBe(true);
    expect(out).not.toMatch(/\n(?!\r)[^\r]*\n/); // CRLF everywhere
    const lines = out.trim().split('\r\n');
    expect(lines).not.toContain('a=recvonly');
    expect(lines.filter((l) => l === 'a=sendonly')).toHaveLength(2);
    expect(lines.indexOf('a=sendonly')).toBeGreaterThan(lines.indexOf('m=audio 4000 RTP/AVP 0'));
    expect(lines.indexOf('a=sendonly')).toBeLessThan(lines.indexOf('m=video 0 RTP/AVP 96'));
    expect(lines[lines.length - 1]).toBe('a=sendonly');
    expect(sdpAudioDirection(out)?.direction).toBe('sendonly');
  });

  it('combines local and remote hold as RFC 3264 §8.4 says', () => {
    expect(offerDirection(false, false)).toBe('sendrecv');
    expect(offerDirection(true, false)).toBe('sendonly');
    expect(offerDirection(false, true)).toBe('recvonly');
    expect(offerDirection(true, true)).toBe('inactive');
    expect(mirrorDirection('sendonly')).toBe('recvonly');
    expect(mirrorDirection('inactive')).toBe('inactive');
    expect(intersectDirections('sendonly', 'recvonly')).toBe('inactive');
    expect(intersectDirections('sendrecv', 'recvonly')).toBe('recvonly');
  });
});

/** MediaSession stub producing fixed SDP (the seam sip-core consumes). */
function media(answer = SDP(), offer = SDP()): MediaSession {
  return {
    createOffer: async () => offer,
    createAnswer: async () => answer,
    acceptAnswer: async () => undefined,
    sendDtmf: async () => true,
    close: () => undefined,
  };
}

describe('MediaSessionDescriptionHandler hold handling', () => {
  it('offers sendonly on local hold, inactive when also held remotely, recvonly when only held remotely', async () => {
    const holds: boolean[] = [];
    const sdh = new MediaSessionDescriptionHandler(media(), { onRemoteOffer: (h) => holds.push(h) });
    sdh.localHold = true;
    expect(sdpAudioDirection((await sdh.getDescription()).body)?.direction).toBe('sendonly');
    await sdh.setDescription(SDP({ audio: ['a=recvonly'] })); // the PBX answers
    expect(holds).toEqual([]); // an answer is not an offer

    await sdh.setDescription(SDP({ audio: ['a=sendonly'] })); // the far end holds us too
    expect(holds).toEqual([true]);
    // Answer: the offer allows only receiving, our hold forbids receiving → inactive.
    expect(sdpAudioDirection((await sdh.getDescription()).body)?.direction).toBe('inactive');
    expect(sdpAudioDirection((await sdh.getDescription()).body)?.direction).toBe('inactive'); // our next offer
    await sdh.rollbackDescription();
    sdh.localHold = false;
    expect(sdpAudioDirection((await sdh.getDescription()).body)?.direction).toBe('recvonly');
  });

  it('narrows a sendrecv MediaSession answer to recvonly for a sendonly or c=0.0.0.0 offer', async () => {
    const sdh = new MediaSessionDescriptionHandler(media());
    await sdh.setDescription(SDP({ audio: ['a=sendonly'] }));
    expect(sdh.remoteHold).toBe(true);
    expect(sdpAudioDirection((await sdh.getDescription()).body)?.direction).toBe('recvonly');
    await sdh.setDescription(SDP({ c: '0.0.0.0' }));
    expect(sdpAudioDirection((await sdh.getDescription()).body)?.direction).toBe('recvonly');
    await sdh.setDescription(SDP());
    expect(sdh.remoteHold).toBe(false);
    const body = (await sdh.getDescription()).body;
    expect(body).toBe(SDP()); // nothing to narrow: the MediaSession's answer goes out untouched
  });
});

describe('sipfrag (RFC 3420) of REFER NOTIFYs', () => {
  it('parses status lines', () => {
    expect(parseSipfrag('SIP/2.0 100 Trying\r\n')).toEqual({ status: 100, reason: 'Trying' });
    expect(parseSipfrag('SIP/2.0 180 Ringing')).toEqual({ status: 180, reason: 'Ringing' });
    expect(parseSipfrag('\r\nSIP/2.0 200 OK\r\nContent-Length: 0\r\n')).toEqual({ status: 200, reason: 'OK' });
    expect(parseSipfrag('sip/2.0 486 Busy Here')).toEqual({ status: 486, reason: 'Busy Here' });
    expect(parseSipfrag('SIP/2.0 503')).toEqual({ status: 503, reason: '' });
  });

  it('rejects hostile or malformed bodies', () => {
    for (const bad of [undefined, '', 'INVITE sip:x SIP/2.0', 'SIP/2.0 99 Low', 'SIP/2.0 700 High', 'SIP/2.0 2000 OK', 'SIP/3.0 200 OK', 'x'.repeat(10_000)]) {
      expect(parseSipfrag(bad)).toBeUndefined();
    }
    const r = parseSipfrag(`SIP/2.0 200 O\u0007K${'!'.repeat(500)}`);
    expect(r?.reason).not.toMatch(/\u0007/);
    expect(r?.reason.length).toBeLessThanOrEqual(80);
  });

  it('maps statuses to transfer progress', () => {
    expect([100, 181, 183, 180, 200, 202, 300, 404, 603].map(transferStateForStatus)).toEqual([
      'trying', 'ringing', 'ringing', 'ringing', 'done', 'done', 'failed', 'failed', 'failed',
    ]);
  });
});

describe('server-requested auto-answer', () => {
  const none = { callInfo: [], alertInfo: [], answerMode: [] };
  it('reads Call-Info answer-after, Alert-Info and Answer-Mode', () => {
    expect(autoAnswerAfter(none)).toBeUndefined();
    expect(autoAnswerAfter({ ...none, callInfo: ['<sip:pbx.example>;answer-after=0'] })).toBe(0);
    expect(autoAnswerAfter({ ...none, callInfo: ['<http://x/icon.png>;purpose=icon, <sip:x>;answer-after="5"'] })).toBe(5);
    expect(autoAnswerAfter({ ...none, alertInfo: ['<http://www.notused.com>;info=alert-autoanswer;delay=2'] })).toBe(2);
    expect(autoAnswerAfter({ ...none, alertInfo: ['<http://www.notused.com>;info=alert-autoanswer'] })).toBe(0);
    expect(autoAnswerAfter({ ...none, alertInfo: ['Auto Answer'] })).toBe(0);
    expect(autoAnswerAfter({ ...none, alertInfo: ['<sip:pbx>;info=intercom'] })).toBe(0);
    expect(autoAnswerAfter({ ...none, answerMode: ['Auto'] })).toBe(0);
    expect(autoAnswerAfter({ ...none, answerMode: ['auto;require'] })).toBe(0);
    expect(autoAnswerAfter({ ...none, answerMode: ['Manual'] })).toBeUndefined();
    expect(autoAnswerAfter({ ...none, alertInfo: ['<http://pbx/ring1.wav>'] })).toBeUndefined();
  });

  it('caps and sanitises hostile values', () => {
    expect(autoAnswerAfter({ ...none, callInfo: ['<sip:x>;answer-after=99999999999999999999999'] })).toBe(MAX_AUTO_ANSWER_DELAY_S);
    expect(autoAnswerAfter({ ...none, callInfo: ['<sip:x>;answer-after=3601'] })).toBe(3600);
    expect(autoAnswerAfter({ ...none, callInfo: ['<sip:x>;answer-after=-1'] })).toBeUndefined();
    expect(autoAnswerAfter({ ...none, callInfo: ['<sip:x>;answer-after=1e3'] })).toBeUndefined();
    expect(autoAnswerAfter({ ...none, callInfo: ['<sip:x>;answer-after=NaN'] })).toBeUndefined();
    expect(autoAnswerAfter({ ...none, callInfo: ['<sip:x>;answer-after='] })).toBeUndefined();
    expect(autoAnswerAfter({ ...none, callInfo: [`<sip:x>;answer-after=1${'0'.repeat(5000)}`] })).toBeUndefined(); // too long a header
    expect(autoAnswerAfter({ ...none, alertInfo: ['<http://x>;info=alert-autoanswer;delay=abc'] })).toBeUndefined();
    // A delay inside the URI is not a header parameter.
    expect(autoAnswerAfter({ ...none, alertInfo: ['<http://x/;delay=9>;info=alert-autoanswer'] })).toBe(0);
    expect(autoAnswerAfter({ callInfo: Array(1000).fill('<sip:x>;purpose=icon'), alertInfo: [], answerMode: [] })).toBeUndefined();
  });
});
