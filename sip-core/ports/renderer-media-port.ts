/**
 * The renderer's media engine as main sees it: one RTCPeerConnection per call, living in the renderer.
 * Implemented by electron/services (over the IPC contract); used by WebRTC-mode sessions and by the RTP bridge
 * (whose werift peer is the renderer's partner on loopback).
 */
export interface RendererMediaPort {
  /**
   * Renderer creates (or re-creates) its peer for callId and returns its offer (ICE gathering complete).
   * `keep`: re-offer on the existing peer when there is one (WebRTC re-INVITE: hold, resume) instead of a new peer.
   */
  createOffer(callId: string, options?: { readonly keep?: boolean }): Promise<string>;
  /** Renderer applies the remote offer and returns its answer (ICE gathering complete). `keep` as above. */
  createAnswer(callId: string, remoteOffer: string, options?: { readonly keep?: boolean }): Promise<string>;
  /** Renderer applies the remote answer to its pending offer. */
  acceptAnswer(callId: string, remoteAnswer: string): Promise<void>;
  /** Renderer sends RFC 4733 DTMF on the call's RTCDTMFSender. */
  sendDtmf(callId: string, tones: string): Promise<boolean>;
  /** Renderer closes its peer for callId. Fire and forget. */
  close(callId: string): void;
  /** Fires when a (new) renderer attached: live calls must re-negotiate their renderer leg. */
  onDidAttach(listener: () => void): () => void;
}
