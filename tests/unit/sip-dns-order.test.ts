import { defaultSipPort, orderNaptrRecords, orderSrvRecords, pinnedLookup, resolveSipServer, srvPrefix } from '../../sip-core';

/** Deterministic [0, 1) source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

const srv = (name: string, priority: number, weight: number, port = 5060) => ({ name, port, priority, weight });

describe('SRV order (RFC 2782)', () => {
  it('sorts by priority, lowest first, whatever the weights', () => {
    const records = [srv('c', 30, 100), srv('a', 10, 0), srv('b', 20, 5)];
    for (let seed = 1; seed < 20; seed++) {
      expect(orderSrvRecords(records, seeded(seed)).map((r) => r.name)).toEqual(['a', 'b', 'c']);
    }
  });

  it('walks the running sum of weights within a priority', () => {
    // weights 1, 3 → pick drawn from 1..4: 1 → a; 2..4 → b.
    const records = [srv('a', 10, 1), srv('b', 10, 3)];
    expect(orderSrvRecords(records, sequence(0)).map((r) => r.name)).toEqual(['a', 'b']); // pick 1
    expect(orderSrvRecords(records, sequence(0.25)).map((r) => r.name)).toEqual(['b', 'a']); // pick 2
    expect(orderSrvRecords(records, sequence(0.999)).map((r) => r.name)).toEqual(['b', 'a']); // pick 4
  });

  it('follows the weights over many selections', () => {
    const records = [srv('w10', 10, 10), srv('w30', 10, 30), srv('w60', 10, 60), srv('backup', 20, 50)];
    const random = seeded(42);
    const first = new Map<string, number>();
    const runs = 2000;
    for (let i = 0; i < runs; i++) {
      const ordered = orderSrvRecords(records, random);
      expect(ordered).toHaveLength(4);
      expect(ordered[3].name).toBe('backup');
      first.set(ordered[0].name, (first.get(ordered[0].name) ?? 0) + 1);
    }
    expect((first.get('w10') ?? 0) / runs).toBeCloseTo(0.1, 1);
    expect((first.get('w30') ?? 0) / runs).toBeCloseTo(0.3, 1);
    expect((first.get('w60') ?? 0) / runs).toBeCloseTo(0.6, 1);
  });

  it('gives weight 0 a small chance beside weighted records, and a fair one among zeros', () => {
    const records = [srv('heavy', 10, 99), srv('zero', 10, 0)];
    // Weight 0 goes first in the list and wins only when the pick is exactly 0 (1 in sum+1).
    expect(orderSrvRecords(records, sequence(0)).map((r) => r.name)).toEqual(['zero', 'heavy']);
    expect(orderSrvRecords(records, sequence(0.01)).map((r) => r.name)).toEqual(['heavy', 'zero']);
    const random = seeded(7);
    let zeroFirst = 0;
    for (let i = 0; i < 2000; i++) if (orderSrvRecords(records, random)[0].name === 'zero') zeroFirst++;
    expect(zeroFirst).toBeGreaterThan(0);
    expect(zeroFirst).toBeLessThan(60); // ~1%

    const zeros = [srv('a', 10, 0), srv('b', 10, 0)];
    expect(orderSrvRecords(zeros, sequence(0.1)).map((r) => r.name)).toEqual(['a', 'b']);
    expect(orderSrvRecords(zeros, sequence(0.9)).map((r) => r.name)).toEqual(['b', 'a']);
  });

  it('does not change its input and keeps every record', () => {
    const records = [srv('a', 10, 1), srv('b', 5, 1), srv('c', 10, 1)];
    const copy = JSON.parse(JSON.stringify(records));
    const ordered = orderSrvRecords(records, seeded(3));
    expect(records).toEqual(copy);
    expect(ordered.map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
    expect(ordered[0].name).toBe('b');
    expect(orderSrvRecords([], seeded(1))).toEqual([]);
  });
});

describe('NAPTR choice (RFC 3263 §4.1, RFC 3403)', () => {
  const naptr = (order: number, preference: number, service: string, replacement: string, flags = 's') => ({
    flags,
    service,
    regexp: '',
    replacement,
    order,
    preference,
  });

  it('sorts by order, then preference, and maps services to transports', () => {
    const chosen = orderNaptrRecords([
      naptr(20, 10, 'SIP+D2U', '_sip._udp.pbx.test'),
      naptr(10, 50, 'SIPS+D2T', '_sips._tcp.pbx.test'),
      naptr(10, 20, 'SIP+D2T', '_sip._tcp.pbx.test.'),
      naptr(30, 10, 'SIP+D2W', '_sip._ws.pbx.test', 'S'),
      naptr(30, 20, 'SIPS+D2W', '_sips._ws.pbx.test'),
    ]);
    expect(chosen.map((c) => [c.transport, c.srvName])).toEqual([
      ['tcp', '_sip._tcp.pbx.test'],
      ['tls', '_sips._tcp.pbx.test'],
      ['udp', '_sip._udp.pbx.test'],
      ['ws', '_sip._ws.pbx.test'],
      ['wss', '_sips._ws.pbx.test'],
    ]);
  });

  it('drops records that are not SIP, not flag "s", or have no replacement', () => {
    const chosen = orderNaptrRecords([
      naptr(10, 10, 'E2U+sip', '_sip._udp.pbx.test'),
      naptr(10, 10, 'SIP+D2S', '_sip._sctp.pbx.test'), // SCTP: not a transport we speak
      naptr(10, 10, 'SIP+D2U', '_sip._udp.pbx.test', 'u'),
      naptr(10, 10, 'SIP+D2U', ''),
      naptr(10, 10, 'SIP+D2U', '.'),
      naptr(10, 10, 'sip+d2u', '_sip._udp.pbx.test'),
    ]);
    expect(chosen.map((c) => c.transport)).toEqual(['udp']);
  });
});

describe('transport defaults', () => {
  it('has the RFC 3261 / RFC 7118 ports and RFC 3263 SRV names', () => {
    expect(['udp', 'tcp', 'tls', 'ws', 'wss'].map((t) => defaultSipPort(t as 'udp'))).toEqual([5060, 5060, 5061, 80, 443]);
    expect(['udp', 'tcp', 'tls', 'ws', 'wss'].map((t) => srvPrefix(t as 'udp'))).toEqual([
      '_sip._udp',
      '_sip._tcp',
      '_sips._tcp',
      undefined,
      undefined,
    ]);
  });

  it('pinnedLookup answers any name with the address, in both callback styles', () => {
    const lookup = pinnedLookup('::1');
    const single = jest.fn();
    lookup('pbx.test', {}, single);
    expect(single).toHaveBeenCalledWith(null, '::1', 6);
    const all = jest.fn();
    lookup('pbx.test', { all: true }, all);
    expect(all).toHaveBeenCalledWith(null, [{ address: '::1', family: 6 }]);
  });
});

describe('resolveSipServer without DNS', () => {
  it('an IP literal needs no query; a bad DNS server list is a dns error', async () => {
    expect(await resolveSipServer({ host: '192.0.2.7', transport: 'tcp' }, { dnsServers: ['192.0.2.1:1'] })).toEqual([
      { name: '192.0.2.7', address: '192.0.2.7', port: 5060, transport: 'tcp', via: 'ip', label: '192.0.2.7:5060' },
    ]);
    await expect(resolveSipServer({ host: 'pbx.test' }, { dnsServers: ['not an address'] })).rejects.toMatchObject({
      kind: 'dns',
      code: 'ERR_INVALID_IP_ADDRESS',
    });
  });
});
