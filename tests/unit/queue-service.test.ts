/**
 * The queue service between a QueueProvider (a fake: the seam we own; the Asterisk one has its own tests) and the
 * contract: snapshot → pane, events → batched `queues.changed`, commands → provider calls, errors in plain words.
 */
import { parseCommand, type EventName, type Events, type QueuesView } from '../../electron/contract';
import { parseProvisioning } from '../../electron/services/provisioning';
import {
  QueueError,
  type QueueCaller,
  type QueueCapabilities,
  type QueueEvent,
  type QueueMember,
  type QueueProvider,
  type QueueSnapshot,
} from '../../pbx/api/queues';
import { QueueService, type QueueProviderConfig } from '../../electron/services/queue-service';
import type { HostConnection } from '../../electron/services/console-service';

class FakeQueueProvider implements QueueProvider {
  readonly capabilities: QueueCapabilities = { take: true, priority: true, login: true, pause: true, pauseReason: true };
  readonly calls: unknown[][] = [];
  readonly listeners = new Set<(e: QueueEvent) => void>();
  state: QueueSnapshot;
  fail: QueueError | undefined;
  constructor(initial: QueueSnapshot) {
    this.state = initial;
  }
  async start(): Promise<void> {
    this.calls.push(['start']);
  }
  async stop(): Promise<void> {
    this.calls.push(['stop']);
  }
  snapshot(): QueueSnapshot {
    return this.state;
  }
  onDidChange(listener: (event: QueueEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(e: QueueEvent): void {
    for (const l of this.listeners) l(e);
  }
  async #record(...args: unknown[]): Promise<void> {
    this.calls.push(args);
    if (this.fail) throw this.fail;
  }
  refresh = () => this.#record('refresh');
  take = (q: string, id: string) => this.#record('take', q, id);
  setPriority = (q: string, id: string, p: number) => this.#record('setPriority', q, id, p);
  login = (q: string, i?: string) => this.#record('login', q, i);
  logout = (q: string, i?: string) => this.#record('logout', q, i);
  pause = (q: string | undefined, r?: string, i?: string) => this.#record('pause', q, r, i);
  resume = (q: string | undefined, i?: string) => this.#record('resume', q, i);
}

const T0 = 1_700_000_000_000;
const caller = (id: string, position: number, extra: Partial<QueueCaller> = {}): QueueCaller => ({
  id,
  queue: 'support',
  position,
  number: `0612345${id.padStart(3, '0')}`,
  joinedAt: T0 + position * 1000,
  priority: 0,
  ...extra,
});
const member = (iface: string, extra: Partial<QueueMember> = {}): QueueMember => ({
  interface: iface,
  name: iface.split('/')[1]!,
  status: 'idle',
  paused: false,
  dynamic: false,
  callsTaken: 0,
  ...extra,
});
const snapshot = (): QueueSnapshot => ({
  connection: { state: 'connected' },
  queues: [
    {
      name: 'support',
      stats: { strategy: 'ringall', completed: 3, abandoned: 1 },
      members: [member('PJSIP/2002', { paused: true, pausedReason: 'Lunch' }), member('PJSIP/2003', { paused: true, autoPaused: true }), member('PJSIP/2004', { status: 'in-call' })],
      callers: [caller('a', 1, { name: 'ACME' }), caller('b', 2)],
    },
    { name: 'sales', stats: {}, members: [], callers: [] },
  ],
});

const provisioning = (pbx: Record<string, unknown> = {}) =>
  parseProvisioning({
    pbx: { type: 'asterisk', ami: { host: '127.0.0.1', user: 'console', secret: 's3cret' }, context: 'from-internal', pauseReasons: ['Lunch', 'Meeting'], ...pbx },
  });

async function setup(options: { pbx?: Record<string, unknown>; user?: string; lookup?: (n: string) => Promise<string | undefined> } = {}) {
  const provider = new FakeQueueProvider(snapshot());
  const configs: QueueProviderConfig[] = [];
  const events: QueuesView[] = [];
  let persisted = 0;
  const service = new QueueService({
    createProvider: (config) => {
      configs.push(config);
      return provider;
    },
    batchMs: 20,
    ...(options.lookup && { lookup: options.lookup }),
  });
  service.bind(<E extends EventName>(event: E, payload: Events[E]) => {
    if (event === 'queues.changed') events.push(payload as QueuesView);
  });
  service.provision(provisioning(options.pbx));
  service.start({ primaryAccount: () => ({ user: options.user ?? '2001' }), persistNow: () => persisted++ });
  await flush();
  return { service, provider, configs, events, persisted: () => persisted };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const conn: HostConnection = { id: 't', send: () => undefined };

async function run(service: QueueService, name: string, args: unknown) {
  const parsed = parseCommand(name, args);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const handler = service.handlers[parsed.name] as (a: unknown, c: HostConnection) => unknown;
  return handler(parsed.args, conn);
}

describe('queue service', () => {
  it('says "not configured" without a pbx section, and does not create a provider', () => {
    const service = new QueueService({ createProvider: () => Promise.reject(new Error('must not be called')) });
    service.provision(parseProvisioning({}));
    service.start({ primaryAccount: () => ({ user: '2001' }) });
    expect(service.view().connection.state).toBe('not-configured');
    expect(service.view().queues).toEqual([]);
  });

  it('creates the provider from the pbx section and the primary account, and maps its snapshot to the pane', async () => {
    const { service, configs } = await setup();
    expect(configs[0]).toEqual({ ami: { host: '127.0.0.1', user: 'console', secret: 's3cret' }, context: 'from-internal', extension: '2001' });
    const view = service.view();
    expect(view.connection).toEqual({ state: 'connected' });
    expect(view.pauseReasons).toEqual(['Lunch', 'Meeting']);
    expect(view.all.map((q) => [q.name, q.waiting])).toEqual([
      ['support', 2],
      ['sales', 0],
    ]);
    const support = view.queues[0]!;
    expect(support).toMatchObject({ name: 'support', strategy: 'ringall', waiting: 2, longestSince: T0 + 1000, available: 0, busy: 1, paused: 2, answered: 3, abandoned: 1 });
    expect(support.callers.map((c) => [c.position, c.number, c.name])).toEqual([
      [1, '061234500a', 'ACME'],
      [2, '061234500b', undefined],
    ]);
    expect(support.members.find((m) => m.interface === 'PJSIP/2002')).toMatchObject({ paused: true, pausedReason: 'Lunch' });
    expect(support.members.find((m) => m.interface === 'PJSIP/2003')).toMatchObject({ paused: true, autoPaused: true });
    expect(support.agent).toEqual({ loggedIn: false, paused: false });
  });

  it('coalesces a burst of provider events into one queues.changed', async () => {
    const { provider, events } = await setup();
    const before = events.length;
    for (let i = 3; i < 40; i++) provider.emit({ kind: 'caller-joined', caller: caller(`c${i}`, i) });
    provider.emit({ kind: 'caller-left', queue: 'support', id: 'a', outcome: 'answered' });
    await wait(40);
    expect(events.length - before).toBe(1);
    const support = events.at(-1)!.queues[0]!;
    expect(support.waiting).toBe(38);
    expect(support.callers).toHaveLength(10); // calls shown per queue (default)
    expect(support.callers[0]).toMatchObject({ id: 'b', position: 1 });
  });

  it('shows no stale data while the queue server is unreachable, and re-syncs on the next snapshot', async () => {
    const { provider, events } = await setup();
    provider.emit({ kind: 'connection', connection: { state: 'unreachable', detail: 'ECONNREFUSED', retryAt: T0 } });
    await wait(40);
    expect(events.at(-1)).toMatchObject({ connection: { state: 'unreachable', retryAt: T0 }, queues: [], all: [] });
    provider.emit({ kind: 'snapshot', snapshot: { ...snapshot(), queues: [{ name: 'support', stats: {}, members: [], callers: [caller('z', 1)] }] } });
    await wait(40);
    expect(events.at(-1)!.connection.state).toBe('connected');
    expect(events.at(-1)!.queues[0]!.callers.map((c) => c.id)).toEqual(['z']);
  });

  it('takes a call, and moves a caller up, down and to the top with priorities', async () => {
    const { service, provider } = await setup();
    await run(service, 'queue.take', { queue: 'support', callerId: 'b' });
    await run(service, 'queue.priority', { queue: 'support', callerId: 'b', change: 'up' });
    await run(service, 'queue.priority', { queue: 'support', callerId: 'b', change: 'down' });
    provider.emit({ kind: 'caller-updated', caller: caller('a', 1, { priority: 4 }) });
    await run(service, 'queue.priority', { queue: 'support', callerId: 'b', change: 'top' });
    expect(provider.calls.filter((c) => c[0] !== 'start')).toEqual([
      ['take', 'support', 'b'],
      ['setPriority', 'support', 'b', 1],
      ['setPriority', 'support', 'b', -1],
      ['setPriority', 'support', 'b', 5],
    ]);
  });

  it('logs in and out of one queue or every shown queue, and pauses with a reason from the list', async () => {
    const { service, provider } = await setup();
    await run(service, 'queue.login', { queue: 'sales' });
    await run(service, 'queue.login', {});
    await run(service, 'queue.pause', { reason: 'Lunch' });
    await run(service, 'queue.resume', {});
    await run(service, 'queue.logout', { queue: 'support' });
    expect(provider.calls.filter((c) => c[0] !== 'start')).toEqual([
      ['login', 'sales', undefined],
      ['login', 'support', undefined],
      ['login', 'sales', undefined],
      ['pause', undefined, 'Lunch', undefined],
      ['resume', undefined, undefined],
      ['logout', 'support', undefined],
    ]);
    await expect(run(service, 'queue.pause', { reason: 'Coffee' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(run(service, 'queue.pause', {})).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('pauses without a reason when the administrator configured none', async () => {
    const { service, provider } = await setup({ pbx: { pauseReasons: [] } });
    await run(service, 'queue.pause', { queue: 'support' });
    expect(provider.calls.at(-1)).toEqual(['pause', 'support', undefined, undefined]);
    await expect(run(service, 'queue.pause', { reason: 'Lunch' })).rejects.toMatchObject({ code: 'bad-request' });
  });

  it("shows the receptionist's own membership (static, paused, auto-paused) and refuses to log out a static member", async () => {
    const { service, provider } = await setup();
    provider.emit({ kind: 'member-updated', queue: 'support', member: member('PJSIP/2001', { paused: true, pausedReason: 'Meeting' }) });
    await wait(40);
    expect(service.view().queues[0]!.agent).toEqual({ loggedIn: true, paused: true, pausedReason: 'Meeting', static: true });
    expect(service.view().queues[0]!.members.find((m) => m.self)?.interface).toBe('PJSIP/2001');
    await expect(run(service, 'queue.logout', { queue: 'support' })).rejects.toMatchObject({ code: 'invalid-state' });
    provider.emit({ kind: 'member-updated', queue: 'sales', member: member('PJSIP/2001', { dynamic: true, paused: true, autoPaused: true }) });
    await wait(40);
    expect(service.view().queues[1]!.agent).toEqual({ loggedIn: true, paused: true, autoPaused: true });
  });

  it('turns provider errors into plain words', async () => {
    const { service, provider } = await setup();
    provider.fail = new QueueError('not-found', 'no caller b waiting in queue support (AMI: Response: Error)');
    await expect(run(service, 'queue.take', { queue: 'support', callerId: 'b' })).rejects.toMatchObject({ code: 'not-found', message: 'This caller is no longer waiting' });
    provider.fail = new QueueError('timeout', 'action timed out after 5000 ms');
    await expect(run(service, 'queue.login', { queue: 'support' })).rejects.toMatchObject({ code: 'network', message: 'The queue server did not answer: try again in a moment' });
    provider.emit({ kind: 'connection', connection: { state: 'unreachable', detail: 'x' } });
    await expect(run(service, 'queue.take', { queue: 'support', callerId: 'b' })).rejects.toMatchObject({ code: 'network' });
    await expect(run(service, 'queue.priority', { queue: 'support', callerId: 'gone', change: 'up' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('keeps the chosen queues and calls shown per queue in the saved settings (secret included, for the codec)', async () => {
    const { service, persisted } = await setup();
    const view = (await run(service, 'queue.select', { queues: ['sales', 'support'], callsShown: 1 })) as QueuesView;
    expect(view.queues.map((q) => q.name)).toEqual(['sales', 'support']);
    expect(view.queues[1]!.callers).toHaveLength(1);
    expect(persisted()).toBe(1);
    const saved = service.persisted();
    expect(saved.queuePane).toEqual({ queues: ['sales', 'support'], callsShown: 1 });
    expect(saved.pbx?.ami.secret).toBe('s3cret');
    // A restart reads them back.
    const again = new QueueService({ createProvider: () => new FakeQueueProvider(snapshot()) });
    again.provision(parseProvisioning(JSON.parse(JSON.stringify(saved)) as unknown));
    again.start({ primaryAccount: () => ({ user: '2001' }) });
    await flush();
    expect(again.view().queues.map((q) => q.name)).toEqual(['sales', 'support']);
    await again.stop();
  });

  it('names waiting callers from the directories, once per number, off the hot path', async () => {
    const asked: string[] = [];
    const { service, events } = await setup({
      lookup: async (n) => {
        asked.push(n);
        return n.endsWith('00b') ? 'Jeanne Martin' : undefined;
      },
    });
    expect(events.find((e) => e.queues.length > 0)!.queues[0]!.callers[1]!.name).toBeUndefined(); // the pane did not wait for the directory
    await wait(40);
    expect(events.at(-1)!.queues[0]!.callers[1]!.name).toBe('Jeanne Martin');
    service.view();
    expect(asked.filter((n) => n.endsWith('00b'))).toHaveLength(1);
  });

  it('restarts the provider when the account changes and stops it on stop()', async () => {
    let user = '2001';
    const providers: FakeQueueProvider[] = [];
    const service = new QueueService({
      createProvider: () => {
        const p = new FakeQueueProvider(snapshot());
        providers.push(p);
        return p;
      },
    });
    service.provision(provisioning());
    service.start({ primaryAccount: () => ({ user }) });
    await flush();
    user = '2005';
    service.primarySoftphone(undefined);
    await flush();
    await flush();
    expect(providers).toHaveLength(2);
    expect(providers[0]!.calls.at(-1)).toEqual(['stop']);
    await service.stop();
    expect(providers[1]!.calls.at(-1)).toEqual(['stop']);
  });
});

describe('queue contract and provisioning', () => {
  it('validates queue commands', () => {
    expect(parseCommand('queue.priority', { queue: 'support', callerId: 'x', change: 'top' }).ok).toBe(true);
    expect(parseCommand('queue.priority', { queue: 'support', callerId: 'x', change: 'sideways' }).ok).toBe(false);
    expect(parseCommand('queue.select', { queues: ['a', 'b', 'c', 'd', 'e', 'f'] }).ok).toBe(false);
    expect(parseCommand('queue.select', { queues: ['a'], callsShown: 0 }).ok).toBe(false);
    expect(parseCommand('queue.pause', { reason: 'Lunch\u0007' }).ok).toBe(false);
    expect(parseCommand('queue.take', { queue: 'support' }).ok).toBe(false);
  });

  it('rejects unknown pbx fields by name and never echoes the secret', () => {
    expect(() => provisioning({ amiHost: 'x' })).toThrow('unknown field pbx.amiHost');
    expect(() =>
      parseProvisioning({ pbx: { type: 'asterisk', ami: { host: 'h', user: 'u', secret: 42 }, context: 'c' } }),
    ).toThrow(/field pbx\.ami\.secret /);
    try {
      parseProvisioning({ pbx: { type: 'asterisk', ami: { host: 'bad host!', user: 'u', secret: 'hunter2' }, context: 'c' } });
    } catch (e) {
      expect((e as Error).message).toContain('pbx.ami.host');
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect(() => provisioning({ takeMethod: 'teleport' })).toThrow('pbx.takeMethod');
    expect(provisioning({ queues: ['support'], takeMethod: 'withdraw' }).pbx).toMatchObject({ queues: ['support'], takeMethod: 'withdraw' });
  });
});

describe('queue service without a provider', () => {
  it('says "not configured" when the provider cannot be loaded (a build without pbx/asterisk)', async () => {
    const service = new QueueService({ createProvider: () => Promise.reject(new Error('Cannot find module')) });
    service.provision(provisioning());
    service.start({ primaryAccount: () => ({ user: '2001' }) });
    expect(service.view().connection.state).toBe('connecting');
    await flush();
    await flush();
    expect(service.view().connection.state).toBe('not-configured');
    await expect(run(service, 'queue.login', {})).rejects.toMatchObject({ code: 'not-configured' });
  });
});

describe('queue service: the PBX connection from Settings › PBX (pbx.configure / pbx.remove)', () => {
  const input = (extra: Record<string, unknown> = {}, ami: Record<string, unknown> = {}) => ({
    type: 'asterisk',
    ami: { host: '127.0.0.1', port: 5038, user: 'console', tls: false, ...ami },
    context: 'internal',
    pauseReasons: ['Lunch'],
    ...extra,
  });

  async function unconfigured() {
    const configs: QueueProviderConfig[] = [];
    const providers: FakeQueueProvider[] = [];
    const events: QueuesView[] = [];
    let persisted = 0;
    const service = new QueueService({
      createProvider: (config) => {
        configs.push(config);
        const p = new FakeQueueProvider(snapshot());
        providers.push(p);
        return p;
      },
      batchMs: 20,
    });
    service.bind(<E extends EventName>(event: E, payload: Events[E]) => {
      if (event === 'queues.changed') events.push(payload as QueuesView);
    });
    service.provision(parseProvisioning({}));
    service.start({ primaryAccount: () => ({ user: '2001' }), persistNow: () => persisted++ });
    await flush();
    return { service, configs, providers, events, persisted: () => persisted };
  }

  it('configures from the renderer: provider started with the new config, saved, the view shows it without the secret', async () => {
    const { service, configs, providers, events, persisted } = await unconfigured();
    expect(service.view().connection.state).toBe('not-configured');
    expect(service.view().pbx).toBeUndefined();
    const view = (await run(service, 'pbx.configure', input({}, { secret: 'n3w-s3cret' }))) as QueuesView;
    await flush();
    await flush();
    expect(configs).toEqual([{ ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'n3w-s3cret', tls: false }, context: 'internal', extension: '2001' }]);
    expect(providers[0]!.calls).toContainEqual(['start']);
    expect(persisted()).toBe(1);
    expect(service.persisted().pbx?.ami.secret).toBe('n3w-s3cret');
    expect(view.pbx).toEqual({ type: 'asterisk', host: '127.0.0.1', port: 5038, user: 'console', hasSecret: true, tls: false, context: 'internal', pauseReasons: ['Lunch'] });
    expect(service.view().connection.state).toBe('connected');
    expect(service.secrets()).toEqual(['n3w-s3cret']);
    await wait(40);
    const everything = JSON.stringify([view, service.view(), service.snapshot(), events]);
    expect(events.length).toBeGreaterThan(0);
    expect(everything).not.toContain('n3w-s3cret');
  });

  it('keeps the stored secret when the field is left empty (same server), and restarts the provider with the change', async () => {
    const { service, configs, provider } = await setup();
    expect(JSON.stringify(service.view())).not.toContain('s3cret');
    expect(service.view().pbx).toMatchObject({ host: '127.0.0.1', user: 'console', hasSecret: true, context: 'from-internal' });
    await run(service, 'pbx.configure', {
      type: 'asterisk',
      ami: { host: '127.0.0.1', user: 'console' },
      context: 'internal',
      pauseReasons: [],
      queues: ['support'],
      takeMethod: 'withdraw',
    });
    await flush();
    await flush();
    expect(configs).toHaveLength(2);
    expect(configs[1]).toEqual({ ami: { host: '127.0.0.1', user: 'console', secret: 's3cret' }, context: 'internal', extension: '2001', queues: ['support'], takeMethod: 'withdraw' });
    expect(provider.calls).toContainEqual(['stop']);
    expect(service.view().pbx).toMatchObject({ context: 'internal', queues: ['support'], takeMethod: 'withdraw', hasSecret: true });
  });

  it('asks for the secret again when the server changes (a stored secret never goes to another server)', async () => {
    const { service, configs } = await setup();
    await expect(run(service, 'pbx.configure', input({}, { host: 'evil.example.com' }))).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('ami.secret') });
    await expect(run(service, 'pbx.configure', input({}, { tls: true }))).rejects.toMatchObject({ message: expect.stringContaining('ami.secret') });
    expect(configs).toHaveLength(1);
    expect(service.persisted().pbx?.ami.host).toBe('127.0.0.1');
  });

  it('refuses a first configuration without a secret, and bad input with the field name', async () => {
    const { service, configs } = await unconfigured();
    await expect(run(service, 'pbx.configure', input())).rejects.toMatchObject({ message: expect.stringContaining('ami.secret') });
    await expect(run(service, 'pbx.configure', input({}, { host: 'bad host!', secret: 'x' }))).rejects.toThrow(/ami\.host/);
    await expect(run(service, 'pbx.configure', input({ context: 'no spaces allowed' }, { secret: 'x' }))).rejects.toThrow(/context/);
    await expect(run(service, 'pbx.configure', input({ agentInterface: '2001' }, { secret: 'x' }))).rejects.toThrow(/agentInterface/);
    await expect(run(service, 'pbx.configure', input({}, { port: 70000, secret: 'x' }))).rejects.toThrow(/ami\.port/);
    await expect(run(service, 'pbx.configure', input({ takeMethod: 'steal' }, { secret: 'x' }))).rejects.toThrow(/takeMethod/);
    await expect(run(service, 'pbx.configure', input({ extra: 1 }, { secret: 'x' }))).rejects.toThrow(/extra|Unrecognized/);
    expect(configs).toEqual([]);
    expect(service.view().connection.state).toBe('not-configured');
  });

  it('remove: provider stopped, not configured, saved without pbx', async () => {
    const { service, provider, persisted } = await setup();
    const view = (await run(service, 'pbx.remove', {})) as QueuesView;
    await flush();
    await flush();
    expect(provider.calls).toContainEqual(['stop']);
    expect(view.connection.state).toBe('not-configured');
    expect(view.pbx).toBeUndefined();
    expect(service.persisted().pbx).toBeUndefined();
    expect(service.secrets()).toEqual([]);
    expect(persisted()).toBe(1);
    await expect(run(service, 'queue.login', {})).rejects.toMatchObject({ code: 'not-configured' });
  });
});

describe('queue service: Test connection (pbx.test)', () => {
  const entered = { type: 'asterisk', ami: { host: '127.0.0.1', user: 'console', secret: 'typed' }, context: 'internal' };
  it('answers ok / wrong password / unreachable from a throw-away provider, stopped after, nothing saved', async () => {
    const providers: FakeQueueProvider[] = [];
    const outcomes: QueueSnapshot['connection'][] = [{ state: 'connected' }, { state: 'auth-failed', detail: 'Authentication failed' }, { state: 'connecting', attempt: 1 }];
    let persisted = 0;
    const service = new QueueService({
      createProvider: () => {
        const p = new FakeQueueProvider({ connection: { state: 'connecting', attempt: 0 }, queues: [] });
        const next = outcomes[providers.length]!;
        p.start = async () => {
          p.calls.push(['start']);
          setTimeout(() => p.emit({ kind: 'connection', connection: next }), 5);
        };
        providers.push(p);
        return p;
      },
      testTimeoutMs: 50,
    });
    service.provision(parseProvisioning({}));
    service.start({ primaryAccount: () => ({ user: '2001' }), persistNow: () => persisted++ });
    expect(await run(service, 'pbx.test', entered)).toEqual({ result: 'ok' });
    expect(await run(service, 'pbx.test', entered)).toEqual({ result: 'auth-failed' });
    expect(await run(service, 'pbx.test', entered)).toEqual({ result: 'unreachable' });
    expect(providers.every((p) => p.calls.some((c) => c[0] === 'stop'))).toBe(true);
    expect(persisted).toBe(0);
    expect(service.view().connection.state).toBe('not-configured');
    await expect(run(service, 'pbx.test', { ...entered, ami: { host: '127.0.0.1', user: 'console' } })).rejects.toMatchObject({ message: expect.stringContaining('ami.secret') });
  });
});
