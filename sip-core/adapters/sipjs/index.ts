/** The SIP.js adapter. Nothing exported here exposes a SIP.js type. */
export { createSoftphone, refreshDelayMs, AUTH_RETRY_MIN_MS } from './softphone';
export { redactSipMessage, scrubSecret } from './redact';
export { sanitizeRemoteParty, sanitizeText, parseNameAddr, type RawIdentity } from './caller-id';
export { dialTargetToUri } from './dial-target';
export { endReasonForStatus } from './sipjs-call';
export { offerLooksWebRtc } from './media-sdh';
export { sipjsVersion } from './version';
