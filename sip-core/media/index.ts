// Public surface of sip-core/media (the RTP bridge for classic PBXs and its SDP helpers).
export { createRtpBridgeSession, type RtpBridgeLogger, type RtpBridgeOptions } from './rtp-bridge';
export {
  SdpError,
  chooseCodec,
  parseSdp,
  type BridgeCodecName,
  type MediaDirection,
  type NegotiatedCodec,
  type ParsedSdp,
  type SdpErrorCode,
} from './sdp';
