/**
 * What the console believes in an incoming request. Pure rules, unit-tested without a network.
 *
 * Where requests come from. The softphone opens every connection itself, to the configured server: UDP on a
 * *connected* socket (datagrams from any other address are dropped, by the kernel and again in transports/udp.ts),
 * TCP/TLS/WebSocket outbound only, no listening socket. So every request reaches us through the server — which says
 * nothing about who wrote it:
 *  - `server`: the server originated it. One Via: a back-to-back user agent (Asterisk, FreePBX, FreeSWITCH, 3CX, an
 *    SBC) builds each INVITE it sends us and chooses every header in it; our dialogs are with the PBX itself.
 *  - `relayed`: the server forwarded it from another user agent. Two or more Vias: a proxy (Kamailio, OpenSIPS)
 *    adds its own Via on top of the sender's and passes the sender's headers on unless configured to remove them.
 *    A user agent cannot make a proxied request look originated: the proxy always adds its Via (RFC 3261 §16.6).
 *
 * What follows:
 *  - P-Asserted-Identity (RFC 3325) and the auto-answer headers (auto-answer.ts) are believed in `server` requests;
 *    in `relayed` ones only when the account says the proxy polices them (`trustRelayedHeaders`: it removes them from
 *    what user agents send and sets them itself — RFC 3325 §§5, 9.1 trust domain). Otherwise the caller ID comes from
 *    From and no auto-answer is reported.
 *  - INVITE with Replaces (RFC 3891 §7: only from a party authenticated and authorised to replace the dialog): a
 *    `server` request is the PBX's own decision (it is the peer of every dialog we have with it) and is accepted; a
 *    `relayed` one only when the requester is the replaced dialog's peer — its From URI when that is a user of our
 *    own domain (the proxy authenticates requests that claim a local From), or its P-Asserted-Identity when the
 *    proxy is trusted — and is otherwise refused with 403, the call untouched.
 */

export type RequestOrigin = 'server' | 'relayed';

/** A SIP/SIPS/tel URI reduced to what identifies a party. */
export interface PartyUri {
  readonly scheme: 'sip' | 'tel';
  /** Percent-decoded user part (tel: the number); '' when there is none. */
  readonly user: string;
  /** Lower-case host without port (tel: ''). */
  readonly host: string;
}

/** Via values in a request: one per header line and per comma-separated value (RFC 3261 §7.3.1). */
export function viaCount(viaHeaders: readonly string[]): number {
  let n = 0;
  for (const line of viaHeaders) {
    if (typeof line !== 'string' || line.trim() === '') continue;
    // A Via value holds no quoted string with commas in practice; count top-level commas outside quotes anyway.
    let quoted = false;
    n++;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x22 /* " */) quoted = !quoted;
      else if (c === 0x5c /* \ */ && quoted) i++;
      else if (c === 0x2c /* , */ && !quoted) n++;
    }
  }
  return n;
}

/** `server` for exactly one Via, else `relayed` (no Via at all is malformed: believed no more than a relayed one). */
export function requestOrigin(viaHeaders: readonly string[]): RequestOrigin {
  return viaCount(viaHeaders) === 1 ? 'server' : 'relayed';
}

export interface TrustPolicy {
  /** The server is a proxy that removes P-Asserted-Identity and the auto-answer headers from what it relays. */
  readonly trustRelayedHeaders: boolean;
  /** Our domain(s), lower case: the account domain and the configured server names. */
  readonly domains: ReadonlySet<string>;
}

/** P-Asserted-Identity and the auto-answer headers of this request may be believed. */
export function networkHeadersTrusted(origin: RequestOrigin, policy: Pick<TrustPolicy, 'trustRelayedHeaders'>): boolean {
  return origin === 'server' || policy.trustRelayedHeaders;
}

/** Parse `sip:user@host:port;params`, `sips:…`, `tel:+331…;params`. Undefined when it is none of these. */
export function partyUri(uri: string | undefined): PartyUri | undefined {
  if (typeof uri !== 'string') return undefined;
  const text = uri.trim().replace(/^<|>$/g, '').slice(0, 512);
  const tel = /^tel:([^;?]+)/i.exec(text);
  if (tel) return { scheme: 'tel', user: decode(tel[1] ?? ''), host: '' };
  const sip = /^sips?:(?:([^@;?]*)@)?(\[[^\]]*\]|[^:;?]*)/i.exec(text);
  if (!sip) return undefined;
  const host = (sip[2] ?? '').toLowerCase().replace(/\.$/, '');
  if (!host) return undefined;
  return { scheme: 'sip', user: decode(sip[1] ?? ''), host };
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The same party: same user, and the same host — any two of our own domains count as one (a PBX known as
 * `pbx.example.com` and `10.0.0.5`). A tel: URI is the same as a sip: one with its number in our domain.
 */
export function sameParty(a: PartyUri, b: PartyUri, domains: ReadonlySet<string>): boolean {
  if (a.user === '' || a.user !== b.user) return false;
  const ours = (p: PartyUri): boolean => p.scheme === 'tel' || domains.has(p.host);
  if (a.scheme === 'tel' || b.scheme === 'tel') return ours(a) && ours(b);
  return a.host === b.host || (ours(a) && ours(b));
}

export interface ReplacesRequest {
  readonly origin: RequestOrigin;
  /** The INVITE's From URI. */
  readonly from: string | undefined;
  /** Its P-Asserted-Identity URI, if any. */
  readonly assertedIdentity: string | undefined;
}

export type ReplacesDecision =
  | { readonly allowed: true; readonly why: 'pbx' | 'peer-from' | 'peer-asserted' }
  | { readonly allowed: false; readonly why: string };

/**
 * RFC 3891 §7 authorisation of an INVITE with Replaces that matched one of our dialogs, whose peer is `peer` (the
 * party we dialled, or the identity we believed for an incoming call).
 */
export function authorizeReplaces(request: ReplacesRequest, peer: string | undefined, policy: TrustPolicy): ReplacesDecision {
  if (request.origin === 'server') return { allowed: true, why: 'pbx' };
  const peerParty = partyUri(peer);
  if (!peerParty) return { allowed: false, why: 'the replaced call has no known peer identity' };
  if (policy.trustRelayedHeaders) {
    const asserted = partyUri(request.assertedIdentity);
    if (asserted && sameParty(asserted, peerParty, policy.domains)) return { allowed: true, why: 'peer-asserted' };
  }
  const from = partyUri(request.from);
  if (from && from.scheme === 'sip' && policy.domains.has(from.host) && sameParty(from, peerParty, policy.domains)) {
    return { allowed: true, why: 'peer-from' };
  }
  return { allowed: false, why: 'the requester is not the peer of the replaced call' };
}
