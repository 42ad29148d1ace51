/**
 * The Asterisk queue provider (pbx/asterisk) against the real Asterisk 22 bed (tests/testbed/asterisk, queue `support`
 * on 600, members PJSIP/2002 + PJSIP/2003). Callers are sipp processes (queue-callers.ts); Asterisk's own view comes
 * from a separate test AMI connection. Between the provider and Asterisk sits a small TCP proxy (a seam we own) so the
 * test can cut the AMI connection. Needs tests/testbed/asterisk/start.sh.
 */
import net from 'node:net';
import type { QueueEvent, QueueProvider } from '../../pbx/api/queues';
import { createAsteriskQueueProvider } from '../../pbx/asterisk';
import { connectTestbedAmi, type AmiClient, type AmiMessage } from '../testbed/asterisk/ami';
import { startQueueCallers, type QueueCallers } from '../testbed/asterisk/queue-callers';

jest.setTimeout(90_000);

/** TCP proxy 127.0.0.1:<port> → Asterisk AMI; `cut()` kills every proxied connection (as a network drop would). */
class AmiProxy {
  readonly #server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: 5038 });
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.#pairs.add(pair);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
    this.connections++;
  });
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  connections = 0;
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return (this.#server.address() as net.AddressInfo).port;
  }
  cut(): void {
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
  }
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

const QUEUE = 'support';
const CONSOLE = 'PJSIP/2001';
let ami: AmiClient;
let proxy: AmiProxy;
let provider: QueueProvider;
let callers: QueueCallers | undefined;
const events: QueueEvent[] = [];
const wasPaused = new Map<string, boolean>();

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const support = () => provider.snapshot().queues.find((q) => q.name === QUEUE);
const asteriskStatus = () => ami.list({ Action: 'QueueStatus', Queue: QUEUE });
const asteriskEntries = async () => (await asteriskStatus()).filter((e) => e.Event === 'QueueEntry');
const asteriskMember = async (iface: string): Promise<AmiMessage | undefined> =>
  (await asteriskStatus()).find((e) => e.Event === 'QueueMember' && e.Location === iface);

beforeAll(async () => {
  ami = await connectTestbedAmi();
  // Both agents paused: callers stay waiting.
  for (const iface of ['PJSIP/2002', 'PJSIP/2003']) {
    wasPaused.set(iface, (await asteriskMember(iface))?.Paused === '1');
    await ami.action({ Action: 'QueuePause', Interface: iface, Queue: QUEUE, Paused: 'true', Reason: 'pbx-queues test' });
  }
  await ami.action({ Action: 'QueueRemove', Queue: QUEUE, Interface: CONSOLE }); // leftover of an aborted run, if any
  proxy = new AmiProxy();
  const port = await proxy.listen();
  provider = createAsteriskQueueProvider({
    ami: { host: '127.0.0.1', port, user: 'console', secret: 'secret' },
    context: 'internal',
    extension: '2001',
    queues: [QUEUE],
    timing: { backoffInitialMs: 500, backoffMaxMs: 2000 },
  });
  provider.onDidChange((e) => events.push(e));
  await provider.start();
  await until(() => provider.snapshot().connection.state === 'connected' || undefined, 'the provider to connect');
});

afterAll(async () => {
  await callers?.stop();
  await provider?.stop();
  await proxy?.close();
  if (ami) {
    await ami.action({ Action: 'QueueRemove', Queue: QUEUE, Interface: CONSOLE });
    for (const [iface, paused] of wasPaused) {
      await ami.action({ Action: 'QueuePause', Interface: iface, Queue: QUEUE, Paused: paused ? 'true' : 'false' });
    }
    await ami.close();
  }
});

describe('Asterisk queues through the provider', () => {
  it('two callers wait in join order, their wait grows, and Asterisk agrees; raising the second moves it to the top', async () => {
    callers = await startQueueCallers([
      { number: '0611000001', name: 'Alice Queue' },
      { number: '0611000002', name: 'Bob Queue' },
    ], { ami });
    const [first, second] = callers.callers;
    if (!first || !second) throw new Error('callers did not start');

    const listed = await until(() => {
      const c = support()?.callers ?? [];
      return c.length === 2 ? c : undefined;
    }, 'both callers in the provider');
    expect(listed.map((c) => [c.position, c.number, c.name, c.id])).toEqual([
      [1, '0611000001', 'Alice Queue', first.uniqueid],
      [2, '0611000002', 'Bob Queue', second.uniqueid],
    ]);
    expect(listed[0]?.joinedAt).toBeLessThan(listed[1]?.joinedAt ?? 0);

    const before = await asteriskEntries();
    await new Promise((r) => setTimeout(r, 2100));
    const after = await asteriskEntries();
    expect(after.map((e) => [e.Position, e.Uniqueid])).toEqual([['1', first.uniqueid], ['2', second.uniqueid]]);
    expect(Number(after[0]?.Wait)).toBeGreaterThan(Number(before[0]?.Wait));
    // The provider's wait (now - joinedAt) matches Asterisk's Wait (whole seconds).
    for (const e of after) {
      const mine = support()?.callers.find((c) => c.id === e.Uniqueid);
      expect(Math.abs((Date.now() - (mine?.joinedAt ?? 0)) / 1000 - Number(e.Wait))).toBeLessThan(1.6);
    }

    await provider.setPriority(QUEUE, second.uniqueid, 10);
    expect(support()?.callers.map((c) => [c.position, c.number, c.priority])).toEqual([
      [1, '0611000002', 10],
      [2, '0611000001', 0],
    ]);
    const reordered = await asteriskEntries();
    expect(reordered.map((e) => [e.Position, e.Uniqueid, e.Priority])).toEqual([
      ['1', second.uniqueid, '10'],
      ['2', first.uniqueid, '0'],
    ]);
  });

  it('take redirects the waiting caller to 2001@internal and it leaves the queue as withdrawn', async () => {
    const target = callers?.callers[1];
    if (!target) throw new Error('no caller');
    const toReception = ami.waitForEvent((e) => e.Event === 'Newexten' && e.Channel === target.channel && e.Exten === '2001' && e.Context === 'internal');
    events.length = 0;
    await provider.take(QUEUE, target.uniqueid);
    expect(await toReception).toMatchObject({ Exten: '2001', Context: 'internal' });
    const left = await until(() => events.find((e) => e.kind === 'caller-left'), 'caller-left');
    expect(left).toEqual({ kind: 'caller-left', queue: QUEUE, id: target.uniqueid, outcome: 'withdrawn' });
    expect(support()?.callers.map((c) => [c.position, c.number])).toEqual([[1, '0611000001']]);
    expect((await asteriskEntries()).map((e) => e.Uniqueid)).toEqual([callers?.callers[0]?.uniqueid]);
  });

  it('log in, pause with a reason, resume, log out: Asterisk and the provider agree at each step', async () => {
    await provider.login(QUEUE);
    expect(await until(() => support()?.members.find((m) => m.interface === CONSOLE), 'member 2001 in the provider')).toMatchObject({ dynamic: true, paused: false });
    expect(await asteriskMember(CONSOLE)).toMatchObject({ Membership: 'dynamic', Paused: '0' });

    await provider.pause(QUEUE, 'Lunch break');
    expect(await until(() => support()?.members.find((m) => m.interface === CONSOLE && m.paused), 'paused in the provider')).toMatchObject({ pausedReason: 'Lunch break' });
    expect(await asteriskMember(CONSOLE)).toMatchObject({ Paused: '1', PausedReason: 'Lunch break' });

    await provider.resume(QUEUE);
    await until(() => support()?.members.find((m) => m.interface === CONSOLE && !m.paused), 'resumed in the provider');
    expect(await asteriskMember(CONSOLE)).toMatchObject({ Paused: '0' });

    await provider.logout(QUEUE);
    await until(() => (support()?.members.some((m) => m.interface === CONSOLE) ? undefined : true), 'member 2001 gone from the provider');
    expect(await asteriskMember(CONSOLE)).toBeUndefined();
  });

  it('a cut AMI connection shows unreachable, then reconnects with a fresh snapshot', async () => {
    events.length = 0;
    const connections = proxy.connections;
    proxy.cut();
    await until(() => events.find((e) => e.kind === 'connection' && e.connection.state === 'unreachable'), 'unreachable');
    await until(() => events.find((e) => e.kind === 'snapshot'), 'a fresh snapshot', 15_000);
    expect(provider.snapshot().connection).toEqual({ state: 'connected' });
    expect(proxy.connections).toBeGreaterThan(connections);
    expect(support()?.callers.map((c) => c.number)).toEqual(['0611000001']);
    expect(support()?.members.map((m) => [m.interface, m.paused])).toEqual([
      ['PJSIP/2002', true],
      ['PJSIP/2003', true],
    ]);
  });
});

describe('take with takeMethod "withdraw" (QueueWithdrawCaller + the documented dialplan snippet in the bed)', () => {
  let withdrawing: QueueProvider | undefined;
  afterAll(async () => {
    await withdrawing?.stop();
  });

  it('the caller leaves Queue() with QUEUESTATUS=WITHDRAW and the dialplan sends it to 2001', async () => {
    const target = callers?.callers[0];
    if (!target) throw new Error('no caller');
    const seen: QueueEvent[] = [];
    withdrawing = createAsteriskQueueProvider({
      ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' },
      context: 'internal',
      extension: '2001',
      takeMethod: 'withdraw',
    });
    withdrawing.onDidChange((e) => seen.push(e));
    await withdrawing.start();
    await until(() => withdrawing?.snapshot().queues.find((q) => q.name === QUEUE)?.callers.find((c) => c.id === target.uniqueid), 'the caller in the second provider');
    const toReception = ami.waitForEvent((e) => e.Event === 'Newexten' && e.Channel === target.channel && e.Exten === '2001' && e.Context === 'internal');
    await withdrawing.take(QUEUE, target.uniqueid);
    expect(await toReception).toMatchObject({ Exten: '2001' });
    expect(await until(() => seen.find((e) => e.kind === 'caller-left'), 'caller-left')).toEqual({
      kind: 'caller-left', queue: QUEUE, id: target.uniqueid, outcome: 'withdrawn',
    });
    expect(await asteriskEntries()).toEqual([]);
  });
});
