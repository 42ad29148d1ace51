/**
 * Media seams. sip-core negotiates SDP with the PBX through a MediaSession per call; what sits behind it
 * (the renderer's RTCPeerConnection, or the werift RTP bridge) is chosen by the caller of sip-core.
 */

/** One call's media, as seen from the SIP side (offer/answer with the PBX, RFC 3264). */
export interface MediaSession {
  /** Produce our SDP offer for the PBX (outgoing INVITE, or re-INVITE without SDP). */
  createOffer(): Promise<string>;
  /** The PBX offered; produce our answer. */
  createAnswer(remoteOffer: string): Promise<string>;
  /** The PBX answered our offer. */
  acceptAnswer(remoteAnswer: string): Promise<void>;
  /** RFC 4733 DTMF, if the session can send it; resolves false if not. */
  sendDtmf(tones: string): Promise<boolean>;
  /** Release sockets/peer connections. Idempotent. */
  close(): void;
  /**
   * When audio from the far end last arrived (epoch ms), if this session can tell; used by the call's "line lost"
   * watchdog. Undefined: the session cannot see the media (e.g. WebRTC, where the renderer receives it).
   */
  lastReceivedAt?(): number | undefined;
}

/** What the softphone knows when a call's media is created. */
export interface MediaContext {
  /** IP address of the SIP server in use: our media address is the one that routes to it (until the SDP says more). */
  readonly signallingPeer?: string;
}

export interface MediaSessionFactory {
  create(callId: string, mode: 'webrtc' | 'rtp', context?: MediaContext): MediaSession;
}
