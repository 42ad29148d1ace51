/**
 * RFC 3263 "Locating SIP Servers": one configured server (host, optional port and transport) becomes an ordered
 * list of candidate targets (address, port, transport) to try in turn. NAPTR → SRV (RFC 2782 order) → A/AAAA.
 * The DNS queries are Node's (c-ares `dns.promises.Resolver`, or getaddrinfo via `dns.promises.lookup` for plain
 * addresses when no DNS servers are configured, so /etc/hosts is honoured).
 */
import dns from 'node:dns';
import net from 'node:net';
import type { SipTransportKind } from '../api/account';
import { formatHostPort, SipConnectionError } from './sip-connection';

export interface SipServerSpec {
  readonly host: string;
  readonly port?: number;
  readonly transport?: SipTransportKind;
}

export interface SipTarget {
  /** The configured host (domain or IP): TLS SNI and certificate name check use this (RFC 5922 §4), and logs/UI. */
  readonly name: string;
  /** IP address to connect to. */
  readonly address: string;
  readonly port: number;
  readonly transport: SipTransportKind;
  /** How it was found, for the UI and logs: 'ip' | 'a' | 'srv' | 'naptr'. */
  readonly via: 'ip' | 'a' | 'srv' | 'naptr';
  /** e.g. "sip2.pbx.test:5060" (SRV target host and port) or "198.18.0.2:5060". */
  readonly label: string;
}

export interface SipResolverOptions {
  /** DNS servers to ask, "ip" or "ip:port" ("[v6]:port"); default: the system's. */
  readonly dnsServers?: readonly string[];
  /** Per query (ms, default 4000); a query that takes longer counts as unanswered. */
  readonly timeoutMs?: number;
  /** [0, 1) source for the RFC 2782 weighted selection (default Math.random). */
  readonly random?: () => number;
  /** Transport when neither the configuration nor DNS says one (default udp, as RFC 3263 §4.1 says for sip:). */
  readonly defaultTransport?: SipTransportKind;
}

export const DEFAULT_DNS_TIMEOUT_MS = 4000;

/** Default port per transport (RFC 3261 §19.1.2; RFC 7118 uses the HTTP ports for ws/wss). */
export function defaultSipPort(transport: SipTransportKind): number {
  switch (transport) {
    case 'udp':
    case 'tcp':
      return 5060;
    case 'tls':
      return 5061;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
  }
}

/** SRV owner name prefix for a transport (RFC 3263 §4.2); ws/wss have none in practice (RFC 7118 defines none). */
export function srvPrefix(transport: SipTransportKind): string | undefined {
  switch (transport) {
    case 'udp':
      return '_sip._udp';
    case 'tcp':
      return '_sip._tcp';
    case 'tls':
      return '_sips._tcp';
    default:
      return undefined;
  }
}

/** Shape of Node's SrvRecord; declared here so the ordering helpers are usable without dns. */
export interface SrvRecordLike {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

export interface NaptrRecordLike {
  readonly flags: string;
  readonly service: string;
  readonly regexp: string;
  readonly replacement: string;
  readonly order: number;
  readonly preference: number;
}

/**
 * RFC 2782 order: ascending priority; within one priority, repeated weighted random selection. Weight-0 records
 * are placed first and are picked only when the random number is exactly 0 ("a very small chance" when others
 * have weights); without weight-0 records the number is drawn from 1..sum so the proportions follow the weights
 * exactly. When all remaining weights are 0 the choice is uniform.
 */
export function orderSrvRecords<T extends SrvRecordLike>(records: readonly T[], random: () => number = Math.random): T[] {
  const byPriority = new Map<number, T[]>();
  for (const r of records) {
    const group = byPriority.get(r.priority);
    if (group) group.push(r);
    else byPriority.set(r.priority, [r]);
  }
  const out: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const group = byPriority.get(priority) ?? [];
    // Weight 0 first, keeping the given order otherwise (stable sort).
    const remaining = [...group].sort((a, b) => Number(a.weight > 0) - Number(b.weight > 0));
    while (remaining.length > 0) {
      const sum = remaining.reduce((s, r) => s + Math.max(0, r.weight), 0);
      let index: number;
      if (sum === 0) {
        index = Math.min(remaining.length - 1, Math.floor(unit(random) * remaining.length));
      } else {
        const hasZero = remaining.some((r) => r.weight <= 0);
        const pick = hasZero ? Math.floor(unit(random) * (sum + 1)) : 1 + Math.floor(unit(random) * sum);
        let running = 0;
        index = remaining.length - 1;
        for (let i = 0; i < remaining.length; i++) {
          running += Math.max(0, remaining[i].weight);
          if (running >= pick) {
            index = i;
            break;
          }
        }
      }
      out.push(remaining[index]);
      remaining.splice(index, 1);
    }
  }
  return out;
}

function unit(random: () => number): number {
  const x = random();
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1 - Number.EPSILON) : 0;
}

const NAPTR_SERVICES: Readonly<Record<string, SipTransportKind>> = {
  'SIP+D2U': 'udp',
  'SIP+D2T': 'tcp',
  'SIPS+D2T': 'tls',
  'SIP+D2W': 'ws', // RFC 7118 §10.2
  'SIPS+D2W': 'wss',
};

export interface SipNaptrChoice<T extends NaptrRecordLike = NaptrRecordLike> {
  readonly record: T;
  readonly transport: SipTransportKind;
  /** The SRV owner name to query next. */
  readonly srvName: string;
}

/**
 * RFC 3263 §4.1: the NAPTR records we can use (flag "s", a SIP service we speak, a replacement), sorted by order
 * then preference (RFC 3403 §4.1), each with its transport.
 */
export function orderNaptrRecords<T extends NaptrRecordLike>(records: readonly T[]): SipNaptrChoice<T>[] {
  const usable: SipNaptrChoice<T>[] = [];
  for (const record of records) {
    if (record.flags.toLowerCase() !== 's') continue;
    const transport = NAPTR_SERVICES[record.service.toUpperCase()];
    const srvName = stripDot(record.replacement);
    if (!transport || srvName === '') continue;
    usable.push({ record, transport, srvName });
  }
  return usable.sort((a, b) => a.record.order - b.record.order || a.record.preference - b.record.preference);
}

function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** One configured server → ordered candidate targets (RFC 3263 §4). Throws SipConnectionError('dns', ...) if nothing resolves. */
export async function resolveSipServer(spec: SipServerSpec, options: SipResolverOptions = {}): Promise<SipTarget[]> {
  return new ServerLocator(options).locate(spec);
}

/** Several configured servers in order → concatenated candidates, duplicates (same address+port+transport) removed; a spec that fails to resolve is skipped unless all fail (then throw the first error). */
export async function resolveSipServers(specs: readonly SipServerSpec[], options: SipResolverOptions = {}): Promise<SipTarget[]> {
  if (specs.length === 0) throw new SipConnectionError('dns', 'No SIP server configured', 'ENOTFOUND');
  const locator = new ServerLocator(options);
  const results = await Promise.allSettled(specs.map((spec) => locator.locate(spec)));
  const targets: SipTarget[] = [];
  let firstError: unknown;
  for (const result of results) {
    if (result.status === 'fulfilled') targets.push(...result.value);
    else firstError ??= result.reason;
  }
  if (targets.length === 0) throw firstError;
  return dedupe(targets);
}

function dedupe(targets: readonly SipTarget[]): SipTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.transport} ${formatHostPort({ host: t.address, port: t.port })}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Addr = { readonly address: string; readonly family: 4 | 6 };

class ServerLocator {
  readonly #resolver: dns.promises.Resolver;
  readonly #useLookup: boolean;
  readonly #timeoutMs: number;
  readonly #random: () => number;
  readonly #defaultTransport: SipTransportKind;

  constructor(options: SipResolverOptions) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
    this.#random = options.random ?? Math.random;
    this.#defaultTransport = options.defaultTransport ?? 'udp';
    // Our own timer bounds each query (timeoutMs). Within it c-ares retransmits over UDP: first try after a quarter
    // of it, the next after another half (c-ares doubles per try), so a lost datagram is not a failed query.
    this.#resolver = new dns.promises.Resolver({ timeout: Math.max(1, Math.round(this.#timeoutMs / 4)), tries: 3 });
    const servers = options.dnsServers?.filter((s) => s.trim() !== '') ?? [];
    if (servers.length > 0) {
      try {
        this.#resolver.setServers(servers.map((s) => s.trim()));
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'EINVAL';
        throw new SipConnectionError('dns', `Invalid DNS server list ${servers.join(', ')}: ${(err as Error).message}`, code);
      }
    }
    this.#useLookup = servers.length === 0;
  }

  async locate(spec: SipServerSpec): Promise<SipTarget[]> {
    const query = new QueryLog();
    const host = spec.host.trim().replace(/^\[(.*)\]$/, '$1');
    if (host === '') throw new SipConnectionError('dns', 'SIP server host is empty', 'ENOTFOUND');
    const name = stripDot(host);
    let targets: SipTarget[];
    if (net.isIP(name)) {
      // RFC 3263 §4.1/§4.2: a numeric host is used as is.
      const transport = spec.transport ?? this.#defaultTransport;
      const port = spec.port ?? defaultSipPort(transport);
      targets = [{ name, address: name, port, transport, via: 'ip', label: formatHostPort({ host: name, port }) }];
    } else if (spec.port !== undefined) {
      // §4.2: an explicit port means no SRV; A/AAAA of the host, that port.
      targets = await this.#addressTargets(name, spec.port, spec.transport ?? this.#defaultTransport, query);
    } else if (spec.transport !== undefined) {
      targets = await this.#srvOrAddress(name, spec.transport, query);
    } else {
      targets = await this.#naptr(name, query);
    }
    targets = dedupe(targets);
    if (targets.length === 0) throw query.failure(name);
    return targets;
  }

  /** §4.2: transport known, no port: SRV, else A/AAAA at the default port. */
  async #srvOrAddress(name: string, transport: SipTransportKind, query: QueryLog): Promise<SipTarget[]> {
    const prefix = srvPrefix(transport);
    if (prefix !== undefined) {
      const srv = await this.#srvQuery(`${prefix}.${name}`, query);
      if (srv.length > 0) return this.#srvTargets(name, srv, transport, 'srv', query);
    }
    // No SRV records (or ws/wss, for which RFC 7118 defines no SRV use and none is deployed): the host itself.
    return this.#addressTargets(name, defaultSipPort(transport), transport, query);
  }

  /** §4.1: no transport, no port: NAPTR, else SRV for udp, tcp, tls, else A/AAAA. */
  async #naptr(name: string, query: QueryLog): Promise<SipTarget[]> {
    const naptr = orderNaptrRecords(await query.run(`NAPTR ${name}`, () => this.#resolver.resolveNaptr(name), this.#timeoutMs));
    const targets: SipTarget[] = [];
    // Resolve the SRV owners in parallel but keep NAPTR order.
    const perRecord = await Promise.all(
      naptr.map(async (choice) => {
        const srv = await this.#srvQuery(choice.srvName, query);
        return this.#srvTargets(name, srv, choice.transport, 'naptr', query);
      }),
    );
    for (const list of perRecord) targets.push(...list);
    if (targets.length > 0) return targets;
    // §4.1 last paragraph: no (usable) NAPTR → SRV query per transport we support; each answered one is supported.
    const fallback = await Promise.all(
      (['udp', 'tcp', 'tls'] as const).map(async (transport) => {
        const srv = await this.#srvQuery(`${srvPrefix(transport)}.${name}`, query);
        return this.#srvTargets(name, srv, transport, 'srv', query);
      }),
    );
    for (const list of fallback) targets.push(...list);
    if (targets.length > 0) return targets;
    const transport = this.#defaultTransport;
    return this.#addressTargets(name, defaultSipPort(transport), transport, query);
  }

  async #srvQuery(owner: string, query: QueryLog): Promise<dns.SrvRecord[]> {
    return query.run(`SRV ${owner}`, () => this.#resolver.resolveSrv(owner), this.#timeoutMs);
  }

  /** SRV records in RFC 2782 order → their targets' addresses; a "." target means "not offered here". */
  async #srvTargets(
    name: string,
    records: readonly dns.SrvRecord[],
    transport: SipTransportKind,
    via: 'srv' | 'naptr',
    query: QueryLog,
  ): Promise<SipTarget[]> {
    // RFC 2782: a single record with target "." = service decidedly not available; skip any such record.
    const usable = orderSrvRecords(records, this.#random).filter((r) => stripDot(r.name) !== '');
    const addressLists = await Promise.all(usable.map((r) => this.#addresses(stripDot(r.name), query)));
    const targets: SipTarget[] = [];
    usable.forEach((record, i) => {
      const label = `${stripDot(record.name)}:${record.port}`;
      for (const a of addressLists[i]) targets.push({ name, address: a.address, port: record.port, transport, via, label });
    });
    return targets;
  }

  async #addressTargets(name: string, port: number, transport: SipTransportKind, query: QueryLog): Promise<SipTarget[]> {
    const addresses = await this.#addresses(name, query);
    return addresses.map((a) => ({
      name,
      address: a.address,
      port,
      transport,
      via: 'a' as const,
      label: formatHostPort({ host: a.address, port }),
    }));
  }

  /** A then AAAA (IPv4 first). */
  async #addresses(host: string, query: QueryLog): Promise<Addr[]> {
    if (net.isIP(host)) return [{ address: host, family: net.isIPv6(host) ? 6 : 4 }];
    let list: Addr[];
    if (this.#useLookup) {
      // getaddrinfo: honours /etc/hosts and nsswitch, like any other program on this machine.
      const found = await query.run(`A/AAAA ${host}`, () => dns.promises.lookup(host, { all: true }), this.#timeoutMs);
      list = found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
    } else {
      const [v4, v6] = await Promise.all([
        query.run(`A ${host}`, () => this.#resolver.resolve4(host), this.#timeoutMs),
        query.run(`AAAA ${host}`, () => this.#resolver.resolve6(host), this.#timeoutMs),
      ]);
      list = [...v4.map((address) => ({ address, family: 4 as const })), ...v6.map((address) => ({ address, family: 6 as const }))];
    }
    const seen = new Set<string>();
    return list
      .filter((a) => (seen.has(a.address) ? false : (seen.add(a.address), true)))
      .sort((a, b) => a.family - b.family);
  }
}

const NO_RECORDS = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA', 'NXDOMAIN']);

/** Runs queries with a timeout; failures count as "no records" but are remembered for the final error. */
class QueryLog {
  readonly #problems: { what: string; code: string }[] = [];

  async run<T>(what: string, fn: () => Promise<T[]>, timeoutMs: number): Promise<T[]> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out`), { code: 'ETIMEOUT' })), timeoutMs);
        }),
      ]);
    } catch (err) {
      const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'EUNKNOWN';
      this.#problems.push({ what, code });
      return [];
    } finally {
      clearTimeout(timer);
    }
  }

  failure(name: string): SipConnectionError {
    // The most telling code: a server problem (timeout, refused, SERVFAIL) over a plain "no such name".
    const serverProblem = this.#problems.find((p) => !NO_RECORDS.has(p.code));
    const code = serverProblem?.code ?? 'ENOTFOUND';
    const detail = serverProblem
      ? `${serverProblem.what}: ${serverProblem.code}`
      : 'no NAPTR, SRV or address records';
    return new SipConnectionError('dns', `Could not resolve SIP server ${name} (${detail})`, code);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls/http(s) connect options that answers every name with `address`: the socket goes to the
 * pre-resolved address while the request keeps the host name (Host header, TLS SNI and certificate check).
 */
export function pinnedLookup(address: string): (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => void {
  const family = net.isIPv6(address) ? 6 : 4;
  return (_hostname, options, callback) => {
    // Node ≥ 20 asks for `all` (autoSelectFamily); older callers want a single address.
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
