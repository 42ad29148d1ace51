/**
 * A softphone for sip-core unit tests against a small SIP peer of the test's own on a real UDP socket on 127.0.0.1
 * (a registrar that also sends requests): registered as 1001 over UDP, media that negotiates without sockets.
 */
import { createSoftphone } from '../../../sip-core';
import type { SipAccountConfig } from '../../../sip-core/api/account';
import type { MediaSession, MediaSessionFactory } from '../../../sip-core/api/media';
import type { Softphone } from '../../../sip-core/api/softphone';

/** The one SDP both sides use (PCMU only, nothing listens on its port): offers, answers and INVITE bodies. */
export const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

/** Media that negotiates `SDP` without sockets: the media is not under test here. */
export const fakeMedia: MediaSessionFactory = {
  create(): MediaSession {
    return {
      createOffer: () => Promise.resolve(SDP),
      createAnswer: () => Promise.resolve(SDP),
      acceptAnswer: () => Promise.resolve(),
      sendDtmf: () => Promise.resolve(false),
      close: () => undefined,
    };
  },
};

/** A softphone (not started) for 1001 at the registrar on 127.0.0.1:`port`; no keep-alives, no media timeout. */
export function loopbackSoftphone(id: string, port: number, overrides: Partial<SipAccountConfig> = {}): Softphone {
  return createSoftphone({
    account: {
      id,
      server: '127.0.0.1',
      port,
      transport: 'udp',
      user: '1001',
      password: 'secret',
      domain: '127.0.0.1',
      media: 'rtp',
      keepAliveSeconds: 0,
      mediaTimeoutSeconds: 0,
      ...overrides,
    },
    media: fakeMedia,
    outbound: false,
  });
}
