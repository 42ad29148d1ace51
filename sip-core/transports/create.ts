import type { SipConnection, SipConnectionOptions } from './sip-connection';
import { StreamSipConnection } from './stream';
import { UdpSipConnection } from './udp';
import { WsSipConnection } from './ws';

/** One raw SIP connection of the requested kind; call connect() before send(). */
export function createSipConnection(options: SipConnectionOptions): SipConnection {
  switch (options.kind) {
    case 'udp':
      return new UdpSipConnection(options);
    case 'tcp':
    case 'tls':
      return new StreamSipConnection(options.kind, options);
    case 'ws':
    case 'wss':
      return new WsSipConnection(options.kind, options);
    default:
      return missingCase(options.kind);
  }
}

function missingCase(x: never): never {
  throw new Error(`Unhandled transport kind: ${String(x)}`);
}
