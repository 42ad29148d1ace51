/**
 * SIP.js SessionDescriptionHandler over our MediaSession: SIP.js drives offer/answer (RFC 3264), the MediaSession
 * (renderer peer or RTP bridge) produces and consumes the SDP.
 *
 * Hold (RFC 3264 §8.4, RFC 6337 §5) is decided here, on the way out: the MediaSession always produces its normal
 * SDP, and the direction of what we send to the PBX is rewritten from `localHold` and the far end's last offer.
 */
import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import type { MediaSession } from '../../api/media';
import type { MediaDirection } from '../../media/sdp';
import {
  intersectDirections,
  mirrorDirection,
  offerDirection,
  offerHoldsUs,
  sdpAudioDirection,
  withSdpDirection,
} from '../../media/sdp-direction';

type OfferState = 'stable' | 'have-local-offer' | 'have-remote-offer';

export interface MediaSdhHooks {
  /** A DTMF send through SIP.js's sync API failed later. */
  readonly onDtmfError?: (error: unknown) => void;
  /** The far end offered (initial INVITE or re-INVITE); `holdsUs` says whether the offer puts us on hold. */
  readonly onRemoteOffer?: (holdsUs: boolean) => void;
}

export class MediaSessionDescriptionHandler implements SessionDescriptionHandler {
  #state: OfferState = 'stable';
  #remoteOffer: string | undefined;
  #closed = false;
  /** We hold the call: our offers say sendonly/inactive, our answers never receive. */
  localHold = false;
  /** The far end's last offer held us (sendonly/inactive or c=0.0.0.0). */
  #remoteHold = false;
  readonly #hooks: MediaSdhHooks;

  constructor(
    readonly media: MediaSession,
    hooks: MediaSdhHooks = {},
  ) {
    this.#hooks = hooks;
  }

  get remoteHold(): boolean {
    return this.#remoteHold;
  }

  async getDescription(): Promise<BodyAndContentType> {
    if (this.#closed) throw new Error('Media session closed');
    if (this.#state === 'have-remote-offer' && this.#remoteOffer !== undefined) {
      const offer = this.#remoteOffer;
      const answer = await this.media.createAnswer(offer);
      this.#remoteOffer = undefined;
      this.#state = 'stable';
      return { body: this.#answerWithDirection(offer, answer), contentType: 'application/sdp' };
    }
    const offer = await this.media.createOffer();
    this.#state = 'have-local-offer';
    const own = sdpAudioDirection(offer)?.direction ?? 'sendrecv';
    const direction = intersectDirections(own, offerDirection(this.localHold, this.#remoteHold));
    // Untouched unless hold changes it: the renderer's WebRTC SDP goes out exactly as produced.
    return { body: direction === own ? offer : withSdpDirection(offer, direction), contentType: 'application/sdp' };
  }

  async setDescription(sdp: string): Promise<void> {
    if (this.#closed) throw new Error('Media session closed');
    if (this.#state === 'have-local-offer') {
      await this.media.acceptAnswer(sdp);
      this.#state = 'stable';
      return;
    }
    const info = sdpAudioDirection(sdp);
    this.#remoteHold = info !== undefined && offerHoldsUs(info);
    this.#remoteOffer = sdp;
    this.#state = 'have-remote-offer';
    this.#hooks.onRemoteOffer?.(this.#remoteHold);
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
    this.media.sendDtmf(tones).catch((err: unknown) => this.#hooks.onDtmfError?.(err));
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.media.close();
  }

  /**
   * RFC 3264 §6.1: the answer may only narrow what the offer allows (sendonly → recvonly, inactive → inactive); on
   * local hold we do not receive either. Whatever the MediaSession answered is narrowed, never widened.
   */
  #answerWithDirection(offer: string, answer: string): string {
    const offered = sdpAudioDirection(offer);
    if (!offered) return answer;
    // c=0.0.0.0 with sendrecv (RFC 2543 hold): the far end will not receive, so we only listen.
    const effective: MediaDirection =
      offered.zeroAddress && offered.direction === 'sendrecv' ? 'sendonly' : offered.direction;
    const own = sdpAudioDirection(answer)?.direction ?? 'sendrecv';
    const wish: MediaDirection = this.localHold ? 'sendonly' : 'sendrecv';
    const direction = intersectDirections(intersectDirections(mirrorDirection(effective), wish), own);
    return direction === own ? answer : withSdpDirection(answer, direction);
  }
}

/** RFC 5763/8842: WebRTC media is DTLS-SRTP with AVPF feedback; plain phones offer RTP/AVP. */
export function offerLooksWebRtc(sdp: string | undefined): boolean {
  if (!sdp) return false;
  return /^m=audio \d+ (?:UDP\/TLS\/)?RTP\/SAVPF /m.test(sdp) && /^a=fingerprint:/m.test(sdp);
}
