/**
 * Issue 14 (INVITE → 180 Ringing): a hand-written reader for the header values SIP.js parses on every message — the
 * request or status line, the top Via, From, To, Call-ID, CSeq, Contact, Record-Route, Max-Forwards, Content-Type,
 * Content-Length, and a NOTIFY's Event and Subscription-State — in their common shapes, in front of SIP.js's PEG
 * grammar (`Grammar.parse`). A CPU profile of the console being rung put ~70 % of its work before the 180 in that
 * grammar (~130 µs per INVITE when hot, several times that in a process idle between calls).
 *
 * The rule is exactness: for an input it reads, `fastParse` returns what `Grammar.parse` returns — the same classes
 * (URI, NameAddrHeader), the same own keys in the same order (they are serialized again in that order: a Record-Route
 * becomes a Route), the same values, and SIP.js's quirks with them (a `received` turns `host_type` into 'IPv4'; a
 * From's tag is its last parameter; a Contact's `position` is where it ends). For anything else — a quoted pair, an
 * escaped character, IPv6, several Vias in one header, a quoted parameter value, a parameter that the grammar reads
 * specially (`ttl`, `maddr`, `method`, a contact's `q`, `lr=…`) or rejects after a known prefix (`transport=udpx`,
 * `expires=12x`) — it returns `undefined` and the grammar reads the input as before.
 * tests/unit/sip-core-fast-grammar.test.ts compares both on the messages of our test beds and on thousands of
 * generated and mutated values.
 */
import { Grammar, NameAddrHeader, URI } from 'sip.js';

/** The rules read here (SIP.js's start-rule names). */
type Rule =
  | 'Request_Response'
  | 'Via'
  | 'From'
  | 'To'
  | 'Call_ID'
  | 'CSeq'
  | 'Contact'
  | 'Record_Route'
  | 'Max_Forwards'
  | 'Content_Type'
  | 'Content_Length'
  | 'Event'
  | 'Subscription_State';

// Character sets, each a subset of what the grammar accepts at that place (see the rule it stands for).
/** URI user: a subset of `user` (unreserved / user_unreserved), without escapes (so decodeURIComponent changes nothing). */
const USER = /[A-Za-z0-9\-_.!~*'+]/y;
/** Host characters (hostname's labels, or an IPv4 address): checked whole afterwards. */
const HOST = /[A-Za-z0-9\-_.]+/y;
/** URI parameter name and value: a subset of both `paramchar` and `token`. */
const PARAM = /[A-Za-z0-9\-_.!~*'+]+/y;
/** Header parameter name and value (`token`, without "%" and "`"). */
const TOKEN = /[A-Za-z0-9\-_.!*+'~]+/y;
/** `token ( LWS token )*` display name, without tabs or folded lines. */
const DISPLAY_TOKENS = /[A-Za-z0-9\-_.!*+'~]+(?: +[A-Za-z0-9\-_.!*+'~]+)*/y;
/** Quoted display name contents: qdtext without LWS other than spaces, and no quoted pair. */
const QUOTED = /[\x20\x21\x23-\x5B\x5D-\x7E\u0080-\uFFFF]*/y;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)){3}$/;
/** hostname: labels of [A-Za-z0-9_-], the last one a toplabel (a letter first, no "_"); no trailing dot here. */
const DOMAIN = /^(?:[A-Za-z0-9_-]+\.)*[A-Za-z][A-Za-z0-9-]*$/;
/** Call-ID: `word ( "@" word )?`, exactly. */
const CALL_ID = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+(?:@[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+)?$/;
const DIGITS = /^\d+$/;
/** Methods the grammar spells out (its PRACK is misspelt): a longer token starting with one of them fails there. */
const METHODS = ['INVITE', 'ACK', 'VXACH', 'OPTIONS', 'BYE', 'CANCEL', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'PUBLISH'];
const METHOD = /^[A-Za-z]+$/;
/** Status line's reason phrase: reserved / unreserved / SP, no escapes. */
const REASON = /^[A-Za-z0-9 \-_.!~*'();/?:@&=+$,]*$/;
/** Content-Type `type/subtype`, tokens (no parameters). */
const MEDIA_TYPE = /^([A-Za-z0-9\-.!%*_+`'~]+)\/[A-Za-z0-9\-.!%*_+`'~]+$/;
/** discrete_type's literals: "textual/…" would match "text" and then fail at the slash. */
const MEDIA_LITERALS = ['text', 'image', 'audio', 'video', 'application'];

/** `word` starts with one of `literals` (compared as given) without being it: the grammar fails after the literal. */
function strictPrefix(word: string, literals: readonly string[]): boolean {
  return literals.some((l) => word !== l && word.startsWith(l));
}

/** The run of `re` (a sticky pattern) at `i`, or '' */
function run(re: RegExp, s: string, i: number): string {
  re.lastIndex = i;
  const m = re.exec(s);
  return m ? m[0] : '';
}

function userRun(s: string, i: number): number {
  let j = i;
  for (;;) {
    USER.lastIndex = j;
    if (!USER.test(s)) return j;
    j++;
  }
}

/** `;name[=value]` at `i` (a ';'), name and value runs of `chars`; `next` is the index after it. */
function readParam(s: string, i: number, chars: RegExp): { name: string; value: string | undefined; next: number } | undefined {
  const name = run(chars, s, i + 1);
  if (!name) return undefined;
  let next = i + 1 + name.length;
  let value: string | undefined;
  if (s[next] === '=') {
    value = run(chars, s, next + 1);
    if (!value) return undefined;
    next += 1 + value.length;
  }
  return { name, value, next };
}

/** `:port` at `i` (a ':'): 1 to 5 digits, as the grammar's `port` reads them (more digits fail there). */
function readPort(s: string, i: number): { digits: string; next: number } | undefined {
  let j = i + 1;
  while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  if (j === i + 1 || j - i - 1 > 5) return undefined;
  return { digits: s.slice(i + 1, j), next: j };
}

interface Cursor {
  i: number;
  /**
   * What the grammar leaves in `data.password` reading the URI: for `sip:host:port` its userinfo rule reads "host" as
   * a user and the port as a password before failing at the missing "@", and that action's effect stays. Only the
   * request line returns `data` itself (with that key, before `uri`).
   */
  password?: string;
}

/**
 * A `sip:`/`sips:` URI at `c.i` (lower-case scheme), ending before `end` (the character the caller expects next, or ''
 * for the end of the input). Returns the URI and advances `c`, or undefined.
 */
function readUri(s: string, c: Cursor, end: string): URI | undefined {
  let i = c.i;
  let scheme: string;
  if (s.startsWith('sip:', i)) {
    scheme = 'sip';
    i += 4;
  } else if (s.startsWith('sips:', i)) {
    scheme = 'sips';
    i += 5;
  } else return undefined;
  let user: string | undefined;
  const u = userRun(s, i);
  if (u > i && s[u] === '@') {
    user = s.slice(i, u);
    i = u + 1;
  }
  const host = run(HOST, s, i);
  if (!host || !(IPV4.test(host) || DOMAIN.test(host))) return undefined;
  i += host.length;
  let port: number | undefined;
  if (s[i] === ':') {
    const p = readPort(s, i);
    if (!p) return undefined;
    port = parseInt(p.digits);
    if (user === undefined) c.password = p.digits;
    i = p.next;
  }
  let params: Record<string, string | undefined> | undefined;
  while (s[i] === ';') {
    const param = readParam(s, i, PARAM);
    if (!param) return undefined;
    const { name, value } = param;
    i = param.next;
    const lname = name.toLowerCase();
    const key = value === undefined ? lname : `${lname}=`;
    params ??= {};
    if (key === 'transport=') {
      const t = value!.toLowerCase();
      if (strictPrefix(t, ['udp', 'tcp', 'sctp', 'tls'])) return undefined;
      params.transport = t;
    } else if (key === 'user=') {
      const t = value!.toLowerCase();
      if (strictPrefix(t, ['phone', 'ip'])) return undefined;
      params.user = t;
    } else if (key === 'lr') {
      params.lr = undefined;
    } else if (lname.startsWith('lr') || key === 'method=' || key === 'ttl=' || key === 'maddr=') {
      return undefined;
    } else {
      params[lname] = value;
    }
  }
  if (end ? s[i] !== end : i !== s.length) return undefined;
  c.i = i;
  return new URI(scheme, user as string, host, port, params as Record<string, string>);
}

/** `[display-name] <uri>` at `c.i`; advances past '>'. */
function readNameAddr(s: string, c: Cursor): { uri: URI; displayName: string | undefined } | undefined {
  let i = c.i;
  let displayName: string | undefined;
  if (s[i] === '"') {
    const inner = run(QUOTED, s, i + 1);
    if (s[i + 1 + inner.length] !== '"') return undefined;
    displayName = inner;
    i += inner.length + 2;
  } else if (s[i] !== '<') {
    const text = run(DISPLAY_TOKENS, s, i);
    if (!text) return undefined;
    displayName = text;
    i += text.length;
  }
  while (s[i] === ' ') i++;
  if (s[i] !== '<') return undefined;
  const at = { i: i + 1 };
  const uri = readUri(s, at, '>');
  if (!uri) return undefined;
  c.i = at.i + 1;
  return { uri, displayName };
}

/**
 * Header parameters (`;name[=value]`) to the end of the input (or to a comma right after them, with `commaEnds`).
 * `special(lname, value)` returns true when it took the parameter itself, false to decline the whole input, undefined
 * for a generic one, or what to store for it.
 */
function readHeaderParams(
  s: string,
  c: Cursor,
  special?: (lname: string, value: string | undefined) => boolean | { readonly store: unknown } | undefined,
  commaEnds = false,
): { params: Record<string, unknown> | undefined } | undefined {
  let i = c.i;
  let params: Record<string, unknown> | undefined;
  while (s[i] === ';') {
    const param = readParam(s, i, TOKEN);
    if (!param) return undefined;
    const { name, value } = param;
    i = param.next;
    const lname = name.toLowerCase();
    const took = special?.(lname, value);
    if (took === false) return undefined;
    if (took === undefined) (params ??= {})[lname] = value;
    else if (took !== true) (params ??= {})[lname] = took.store;
  }
  if (i !== s.length && !(commaEnds && s[i] === ',')) return undefined;
  c.i = i;
  return { params };
}

/** From / To: name-addr form only (params after a bare URI are the URI's in SIP.js's grammar). */
function fromTo(s: string): NameAddrHeader | undefined {
  const c = { i: 0 };
  const na = readNameAddr(s, c);
  if (!na) return undefined;
  let tag: string | undefined;
  const rest = readHeaderParams(s, c, (lname, value) => {
    if (lname !== 'tag' || value === undefined) return undefined;
    tag = value;
    return true;
  });
  if (!rest) return undefined;
  const header = new NameAddrHeader(na.uri, na.displayName as string, rest.params as Record<string, string>);
  if (tag) header.setParam('tag', tag);
  return header;
}

/**
 * Contact / Record-Route: name-addrs with parameters, comma-separated, as SIP.js's `multi_header` list: each element's
 * `position` is where it ends and `offset` where it starts (so `substring(position, offset)` is its text).
 */
function multiHeader(s: string, rule: 'Contact' | 'Record_Route'): { position: number; offset: number; parsed: NameAddrHeader }[] | undefined {
  // c_p_q / c_p_expires: a q-value is left to the grammar; `expires=<digits>` is stored as a number (the header's
  // parameters turn it back into a string, without leading zeros).
  const contactParam =
    rule === 'Contact'
      ? (lname: string, value: string | undefined) =>
          value === undefined || (lname !== 'q' && lname !== 'expires') ? undefined : lname === 'expires' && DIGITS.test(value) ? { store: parseInt(value) } : false
      : undefined;
  const out: { position: number; offset: number; parsed: NameAddrHeader }[] = [];
  const c = { i: 0 };
  for (;;) {
    const offset = c.i;
    const na = readNameAddr(s, c);
    if (!na) return undefined;
    const rest = readHeaderParams(s, c, contactParam, true);
    if (!rest) return undefined;
    out.push({ position: c.i, offset, parsed: new NameAddrHeader(na.uri, na.displayName as string, rest.params as Record<string, string>) });
    if (c.i === s.length) return out;
    // COMMA: "," then optional spaces (SWS before the comma would belong to the element: not read here).
    c.i++;
    while (s[c.i] === ' ') c.i++;
  }
}

function via(s: string): Record<string, unknown> | undefined {
  const m = /^SIP\/([A-Za-z0-9\-.!%*_+`'~]+)\/([A-Za-z]+) +/.exec(s);
  if (!m) return undefined;
  const transport = m[2]!;
  if (!/^(?:UDP|TCP|TLS|SCTP|WS|WSS)$/i.test(transport)) return undefined;
  let i = m[0].length;
  const host = run(HOST, s, i);
  const hostType = IPV4.test(host) ? 'IPv4' : DOMAIN.test(host) ? 'domain' : undefined;
  if (!hostType) return undefined;
  i += host.length;
  const data: Record<string, unknown> = { protocol: 'SIP', transport, host_type: hostType, host };
  if (s[i] === ':') {
    const p = readPort(s, i);
    if (!p) return undefined;
    data.port = parseInt(p.digits);
    i = p.next;
  }
  const c = { i };
  const rest = readHeaderParams(s, c, (lname, value) => {
    if (lname === 'ttl' || lname === 'maddr') return false;
    if (value === undefined) {
      if (lname === 'branch' || lname === 'received') return false;
    } else if (lname === 'branch') {
      data.branch = value;
      return true;
    } else if (lname === 'received') {
      if (!IPV4.test(value)) return false;
      data.host_type = 'IPv4';
      data.received = value;
      return true;
    } else if (lname === 'rport') {
      if (!DIGITS.test(value)) return false;
      data.rport = value;
      return true;
    }
    // Generic parameters go to data.params, created where the first one comes (its place among the keys).
    ((data.params ??= {}) as Record<string, string | undefined>)[lname] = value;
    return true;
  });
  if (!rest) return undefined;
  return data;
}

/** Event (every NOTIFY): `event-type` (token_nodot words joined by dots), lower-cased, after its parameters. */
const EVENT_TYPE = /^[A-Za-z0-9\-!%*_+`'~]+(?:\.[A-Za-z0-9\-!%*_+`'~]+)*/;
function event(s: string): Record<string, unknown> | undefined {
  const type = EVENT_TYPE.exec(s)?.[0];
  if (!type) return undefined;
  const rest = readHeaderParams(s, { i: type.length });
  if (!rest) return undefined;
  // generic_param's action makes data.params as it reads them; the rule's own action sets data.event at its end.
  return rest.params ? { params: rest.params, event: type.toLowerCase() } : { event: type.toLowerCase() };
}

/** Subscription-State's literal values: a longer token starting with one of them fails there. */
const SUBSTATES = ['active', 'pending', 'terminated'];
const REASONS = ['deactivated', 'probation', 'rejected', 'timeout', 'giveup', 'noresource', 'invariant'];

/** Subscription-State (every NOTIFY): state as written, then reason / expires / retry_after, other parameters apart. */
function subscriptionState(s: string): Record<string, unknown> | undefined {
  const state = run(TOKEN, s, 0);
  if (!state || strictPrefix(state.toLowerCase(), SUBSTATES)) return undefined;
  const data: Record<string, unknown> = { state };
  const rest = readHeaderParams(s, { i: state.length }, (lname, value) => {
    if (value === undefined) {
      if (lname === 'reason' || lname === 'expires' || lname === 'retry_after') return false;
    } else if (lname === 'reason') {
      if (strictPrefix(value.toLowerCase(), REASONS)) return false;
      data.reason = value;
      return true;
    } else if (lname === 'expires' || lname === 'retry_after') {
      if (!DIGITS.test(value)) return false;
      data[lname] = parseInt(value);
      return true;
    }
    // Other parameters go to data.params, created where the first one comes (its place among the keys).
    ((data.params ??= {}) as Record<string, string | undefined>)[lname] = value;
    return true;
  });
  return rest ? data : undefined;
}

function firstLine(s: string): Record<string, unknown> | undefined {
  if (s.startsWith('SIP/2.0 ')) {
    const code = s.slice(8, 11);
    if (!/^\d{3}$/.test(code) || s[11] !== ' ') return undefined;
    const reason = s.slice(12);
    if (!REASON.test(reason)) return undefined;
    return { sip_version: 'SIP/2.0', status_code: parseInt(code), reason_phrase: reason };
  }
  const sp = s.indexOf(' ');
  const method = s.slice(0, sp);
  if (sp < 1 || !METHOD.test(method) || strictPrefix(method, METHODS) || !s.endsWith(' SIP/2.0')) return undefined;
  const c: Cursor = { i: sp + 1 };
  const uri = readUri(s, c, ' ');
  if (!uri || c.i !== s.length - 8) return undefined;
  return c.password === undefined ? { method, uri, sip_version: 'SIP/2.0' } : { method, password: c.password, uri, sip_version: 'SIP/2.0' };
}

/** What SIP.js's `Grammar.parse(input, rule)` returns, or undefined to leave the input to it. */
export function fastParse(input: string, rule: string): unknown {
  switch (rule as Rule) {
    case 'Request_Response':
      return firstLine(input);
    case 'Via':
      return input.includes(',') ? undefined : via(input);
    case 'From':
    case 'To':
      return fromTo(input);
    case 'Contact':
    case 'Record_Route':
      return multiHeader(input, rule as 'Contact' | 'Record_Route');
    case 'Call_ID':
      return CALL_ID.test(input) ? input : undefined;
    case 'CSeq': {
      const m = /^(\d+) +([A-Za-z]+)$/.exec(input);
      if (!m || strictPrefix(m[2]!, METHODS)) return undefined;
      return { value: parseInt(m[1]!), method: m[2] };
    }
    case 'Max_Forwards':
    case 'Content_Length':
      return DIGITS.test(input) ? parseInt(input) : undefined;
    case 'Content_Type': {
      const m = MEDIA_TYPE.exec(input);
      return m && !strictPrefix(m[1]!.toLowerCase(), MEDIA_LITERALS) ? input : undefined;
    }
    case 'Event':
      return event(input);
    case 'Subscription_State':
      return subscriptionState(input);
    default:
      return undefined;
  }
}

let installed = false;

/**
 * Puts fastParse in front of SIP.js's grammar, once per process (every caller of Grammar.parse goes through it). Like
 * the grammar, it never throws: should the fast path ever throw, the grammar reads the input.
 */
export function installFastGrammar(): void {
  if (installed) return;
  installed = true;
  const grammar = Grammar.parse.bind(Grammar);
  (Grammar as { parse: (input: string, startRule: string) => unknown }).parse = (input, startRule) => {
    let fast: unknown;
    try {
      fast = fastParse(input, startRule);
    } catch {
      fast = undefined;
    }
    return fast ?? grammar(input, startRule);
  };
}
