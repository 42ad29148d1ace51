/**
 * SIP.js SessionDescriptionHandler over our MediaSession: SIP.js drives offer/answer (RFC 3264), the MediaSession
 * (renderer peer or RTP bridge) produces and consumes the SDP.
 */
import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import type { MediaSession } from '../../api/media';

type OfferState = 'stable' | 'have-local-offer' | 'have-remote-offer';

export class MediaSessionDescriptionHandler implements SessionDescriptionHandler {
  #state: OfferState = 'stable';
  #remoteOffer: string | undefined;
  #closed = false;

  constructor(
    readonly media: MediaSession,
    private readonly onDtmfError: (error: unknown) => void = () => undefined,
  ) {}

  async getDescription(): Promise<BodyAndContentType> {
    if (this.#closed) throw new Error('Media session closed');
    if (this.#state === 'have-remote-offer' && this.#remoteOffer !== undefined) {
      const answer = await this.media.createAnswer(this.#remoteOffer);
      this.#remoteOffer = undefined;
      this.#state = 'stable';
      return { body: answer, contentType: 'application/sdp' };
    }
    const offer = await this.media.createOffer();
    this.#state = 'have-local-offer';
    return { body: offer, contentType: 'application/sdp' };
  }

  async setDescription(sdp: string): Promise<void> {
    if (this.#closed) throw new Error('Media session closed');
    if (this.#state === 'have-local-offer') {
      await this.media.acceptAnswer(sdp);
      this.#state = 'stable';
      return;
    }
    this.#remoteOffer = sdp;
    this.#state = 'have-remote-offer';
  }

  hasDescription(contentType: string): boolean {
    return contentType.split(';')[0]?.trim().toLowerCase() === 'application/sdp';
  }

  /** Our offer was refused (e.g. 488 to a re-INVITE): back to stable, the previous media stays. */
  async rollbackDescription(): Promise<void> {
    this.#state = 'stable';
    this.#remoteOffer = undefined;
  }

  /** SIP.js wants a sync answer; the MediaSession's result arrives later (Call.sendDtmf awaits it directly). */
  sendDtmf(tones: string): boolean {
    this.media.sendDtmf(tones).catch(this.onDtmfError);
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.media.close();
  }
}

/** RFC 5763/8842: WebRTC media is DTLS-SRTP with AVPF feedback; plain phones offer RTP/AVP. */
export function offerLooksWebRtc(sdp: string | undefined): boolean {
  if (!sdp) return false;
  return /^m=audio \d+ (?:UDP\/TLS\/)?RTP\/SAVPF /m.test(sdp) && /^a=fingerprint:/m.test(sdp);
}
