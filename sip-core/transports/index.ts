/** Raw SIP connections (UDP, TCP, TLS, WebSocket), RFC 3263 server location and a liveness probe. */
export * from './sip-connection';
export * from './resolver';
export { SipStreamFramer, SipFramingError } from './stream-framer';
export { createSipConnection } from './create';
export { probeSipServer, optionsRequest, type ProbeOptions } from './probe';
