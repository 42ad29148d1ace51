/**
 * The Asterisk queue provider's model, driven by a fake AMI server (a seam we own) that replays a session recorded on
 * the Asterisk 22 bed: QueueStatus snapshot, two callers joining (the second with QUEUE_PRIO=2 jumps ahead), one
 * abandoning, members paused, an agent answering, a take, a priority change, and a reconnect that re-syncs.
 */
import { QueueError, type QueueEvent, type QueueProvider } from '../../pbx/api/queues';
import { createAsteriskQueueProvider, type AsteriskQueueConfig } from '../../pbx/asterisk';
import { sanitizeText } from '../../pbx/asterisk/queue-provider';
import { FakeAmi, recordedStatus } from './pbx-fake-ami';

// Recorded on the bed (tests/testbed/asterisk, Asterisk 22.10.1), trimmed of fields the provider ignores.
const channelFields = (channel: string, uniqueid: string, num: string, name: string, prio: string) => ({
  Privilege: 'agent,all', Channel: channel, ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: num, CallerIDName: name,
  ConnectedLineNum: '<unknown>', ConnectedLineName: '<unknown>', Language: 'en', AccountCode: '', Context: 'internal', Exten: '600',
  Priority: '8', Uniqueid: uniqueid, Linkedid: uniqueid, ChanVariable: `QUEUE_PRIO=${prio}`,
});
const alice = channelFields('PJSIP/2004-00000013', '1796289134.21', '0611223344', 'Alice Martin', '');
const bob = channelFields('PJSIP/2004-00000014', '1796289135.22', '0655667788', 'Bob', '2');
const joinAlice = { Event: 'QueueCallerJoin', ...alice, Queue: 'support', Position: '1', Count: '1' };
const joinBob = { Event: 'QueueCallerJoin', ...bob, Queue: 'support', Position: '1', Count: '2' };
const abandonAlice = { Event: 'QueueCallerAbandon', ...alice, Queue: 'support', Position: '2', OriginalPosition: '1', HoldTime: '2' };
const leaveAlice = { Event: 'QueueCallerLeave', ...alice, Queue: 'support', Position: '2', Count: '1' };
const leaveBob = { Event: 'QueueCallerLeave', ...bob, Queue: 'support', Position: '1', Count: '0' };
const member2002 = {
  Queue: 'support', MemberName: 'Agent 2002', Interface: 'PJSIP/2002', StateInterface: 'PJSIP/2002', Membership: 'static', Penalty: '0',
  CallsTaken: '0', LastCall: '0', LastPause: '1796289134', LoginTime: '1796286362', InCall: '0', Status: '5', Paused: '1',
  PausedReason: 'test', Ringinuse: '0', Wrapuptime: '0',
};
const pause2002 = { Event: 'QueueMemberPause', Privilege: 'agent,all', ...member2002 };
const entry = (pos: number, c: typeof alice, wait: number, prio: number) => ({
  Event: 'QueueEntry', Queue: 'support', Position: String(pos), Channel: c.Channel, Uniqueid: c.Uniqueid, CallerIDNum: c.CallerIDNum,
  CallerIDName: c.CallerIDName, ConnectedLineNum: 'unknown', ConnectedLineName: 'unknown', Wait: String(wait), Priority: String(prio),
});

let server: FakeAmi;
let provider: QueueProvider;
let events: QueueEvent[];

function make(extra: Partial<AsteriskQueueConfig> = {}): QueueProvider {
  const p = createAsteriskQueueProvider({
    ami: { host: '127.0.0.1', port: server.port, user: 'console', secret: 'secret' },
    context: 'internal',
    extension: '2001',
    timing: { backoffInitialMs: 50, backoffMaxMs: 100, requeryDelayMs: 20, outcomeGraceMs: 200, actionTimeoutMs: 1000 },
    ...extra,
  });
  p.onDidChange((e) => events.push(e));
  return p;
}

async function until<T>(probe: () => T | undefined, what: string, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const connected = () => until(() => provider.snapshot().connection.state === 'connected' || undefined, 'connected');
const support = () => provider.snapshot().queues.find((q) => q.name === 'support');
const callerNumbers = () => support()?.callers.map((c) => `${c.position}:${c.number}`);

beforeEach(async () => {
  server = await FakeAmi.start();
  events = [];
});
afterEach(async () => {
  await provider?.stop();
  await server.close();
});

describe('Asterisk queue provider (recorded AMI session)', () => {
  it('maps the QueueStatus snapshot: stats, members, callers in position order with their wait', async () => {
    server.status = [...recordedStatus(), entry(1, bob, 1, 2), entry(2, alice, 42, 0)];
    server.status[0] = { ...server.status[0], Calls: '2', Completed: '7', Abandoned: '3', Holdtime: '12', ServicelevelPerf: '85.7' } as Record<string, string>;
    server.status[1] = { ...server.status[1], Paused: '1', PausedReason: 'lunch' } as Record<string, string>;
    provider = make();
    await provider.start();
    await connected();
    const snap = events.find((e) => e.kind === 'snapshot');
    expect(snap).toBeDefined();
    const q = support();
    expect(q?.stats).toEqual({ strategy: 'ringall', completed: 7, abandoned: 3, holdTimeS: 12, serviceLevelPct: 85.7 });
    expect(q?.members).toEqual([
      { interface: 'PJSIP/2002', name: 'Agent 2002', status: 'unavailable', paused: true, pausedReason: 'lunch', dynamic: false, callsTaken: 0 },
      { interface: 'PJSIP/2003', name: 'Agent 2003', status: 'idle', paused: false, dynamic: false, callsTaken: 0 },
    ]);
    expect(q?.callers).toMatchObject([
      { id: '1796289135.22', queue: 'support', position: 1, number: '0655667788', name: 'Bob', priority: 2 },
      { id: '1796289134.21', position: 2, number: '0611223344', name: 'Alice Martin', priority: 0 },
    ]);
    const waitedS = (Date.now() - (q?.callers[1]?.joinedAt ?? 0)) / 1000;
    expect(waitedS).toBeGreaterThanOrEqual(42);
    expect(waitedS).toBeLessThan(44);
    // No AMI field name leaks out of the provider.
    expect(JSON.stringify(provider.snapshot())).not.toMatch(/Uniqueid|CallerIDNum|Channel|PJSIP\/2004/);
  });

  it('follows joins (priority jumps ahead), abandon + leave, member pause and an answered call', async () => {
    provider = make();
    await provider.start();
    await connected();
    events = [];
    server.emit(joinAlice);
    server.emit(joinBob);
    await until(() => callerNumbers()?.length === 2 || undefined, 'two callers');
    expect(callerNumbers()).toEqual(['1:0655667788', '2:0611223344']);
    expect(support()?.callers[0]).toMatchObject({ priority: 2, dialled: '600' });
    expect(events.map((e) => e.kind)).toEqual(['caller-joined', 'caller-joined', 'caller-updated']);

    server.emit(abandonAlice);
    server.emit(leaveAlice);
    const left = await until(() => events.find((e) => e.kind === 'caller-left'), 'caller-left');
    expect(left).toEqual({ kind: 'caller-left', queue: 'support', id: '1796289134.21', outcome: 'abandoned' });
    expect(callerNumbers()).toEqual(['1:0655667788']);

    server.emit(pause2002);
    const m = await until(() => events.find((e) => e.kind === 'member-updated'), 'member-updated');
    expect(m).toMatchObject({ queue: 'support', member: { interface: 'PJSIP/2002', paused: true, pausedReason: 'test' } });

    // app_queue publishes QueueCallerLeave before AgentConnect.
    events = [];
    server.emit(leaveBob);
    server.emit({ Event: 'AgentConnect', ...bob, Queue: 'support', MemberName: 'Agent 2003', Interface: 'PJSIP/2003', HoldTime: '9', RingTime: '2' });
    const answered = await until(() => events.find((e) => e.kind === 'caller-left'), 'answered');
    expect(answered).toEqual({ kind: 'caller-left', queue: 'support', id: '1796289135.22', outcome: 'answered', answeredBy: 'Agent 2003' });
    expect(support()?.callers).toEqual([]);

    // As on a real Asterisk, a re-query (the debounced one after the leave may still be in flight) sees the change too.
    const added = { ...member2002, MemberName: '2001', Interface: 'PJSIP/2001', Membership: 'dynamic', Paused: '0', PausedReason: '', Status: '1' };
    server.status = [...recordedStatus(), { Event: 'QueueMember', ...added, Name: added.MemberName, Location: added.Interface }];
    server.emit({ Event: 'QueueMemberAdded', ...added });
    await until(() => support()?.members.find((x) => x.interface === 'PJSIP/2001'), 'member added');
    expect(support()?.members.find((x) => x.interface === 'PJSIP/2001')).toMatchObject({ dynamic: true, status: 'idle', paused: false });
    server.status = recordedStatus();
    server.emit({ Event: 'QueueMemberRemoved', ...member2002, Interface: 'PJSIP/2001' });
    await until(() => events.find((e) => e.kind === 'member-removed'), 'member removed');
    expect(support()?.members.map((x) => x.interface)).toEqual(['PJSIP/2002', 'PJSIP/2003']);
  });

  it('strips control and bidi characters from caller IDs and caps their length', async () => {
    provider = make();
    await provider.start();
    await connected();
    const hostile = '\u202eevil\u0000\u001b[31m\u2066name\u200b' + 'x'.repeat(500);
    server.emit({ ...joinAlice, CallerIDName: hostile, CallerIDNum: '06\u200f1122\r' });
    const c = await until(() => support()?.callers[0], 'caller');
    expect(c.number).toBe('061122');
    expect(c.name).toBe(`evil[31mname${'x'.repeat(80 - 12)}`);
    expect(c.name).toHaveLength(80);
    expect(sanitizeText('<unknown>', 10)).toBe('<unknown>');
    server.emit({ ...joinBob, CallerIDNum: '<unknown>', CallerIDName: '<unknown>' });
    const anon = await until(() => support()?.callers.find((x) => x.id === bob.Uniqueid), 'anonymous caller');
    expect(anon.number).toBe('');
    expect(anon.name).toBeUndefined();
  });

  it('take redirects the caller channel to extension@context; a later leave is "withdrawn"', async () => {
    server.status = [...recordedStatus(), entry(1, alice, 3, 0)];
    provider = make();
    await provider.start();
    await connected();
    await provider.take('support', alice.Uniqueid);
    expect(server.actions.find((a) => a.Action === 'Redirect')).toEqual({
      Action: 'Redirect', Channel: 'PJSIP/2004-00000013', Context: 'internal', Exten: '2001', Priority: '1',
    });
    server.emit(abandonAlice);
    server.emit(leaveAlice);
    const left = await until(() => events.find((e) => e.kind === 'caller-left'), 'caller-left');
    expect(left).toMatchObject({ outcome: 'withdrawn' });
    await expect(provider.take('support', 'nobody')).rejects.toEqual(new QueueError('not-found', 'no caller nobody waiting in queue support'));
  });

  it('take with takeMethod "withdraw" sends QueueWithdrawCaller; refusals become QueueError', async () => {
    server.status = [...recordedStatus(), entry(1, alice, 3, 0)];
    provider = make({ takeMethod: 'withdraw' });
    await provider.start();
    await connected();
    await provider.take('support', alice.Uniqueid);
    expect(server.actions.find((a) => a.Action === 'QueueWithdrawCaller')).toMatchObject({ Queue: 'support', Caller: 'PJSIP/2004-00000013' });
    server.answers.set('QueueWithdrawCaller', { Response: 'Error', Message: 'Unable to request withdraw from queue: Already requested' });
    await expect(provider.take('support', alice.Uniqueid)).rejects.toMatchObject({ code: 'refused' });
  });

  it('setPriority sends QueueChangePriorityCaller (Immediate) and re-queries: positions come back as events', async () => {
    server.status = [...recordedStatus(), entry(1, alice, 10, 0), entry(2, bob, 5, 0)];
    provider = make();
    await provider.start();
    await connected();
    events = [];
    server.status = [...recordedStatus(), entry(1, bob, 5, 5), entry(2, alice, 10, 0)];
    await provider.setPriority('support', bob.Uniqueid, 5);
    expect(server.actions.find((a) => a.Action === 'QueueChangePriorityCaller')).toEqual({
      Action: 'QueueChangePriorityCaller', Queue: 'support', Caller: 'PJSIP/2004-00000014', Priority: '5', Immediate: 'yes',
    });
    expect(server.actions.at(-1)).toEqual({ Action: 'QueueStatus', Queue: 'support' });
    expect(callerNumbers()).toEqual(['1:0655667788', '2:0611223344']);
    expect(events.filter((e) => e.kind === 'caller-updated').map((e) => e.kind === 'caller-updated' && [e.caller.number, e.caller.position, e.caller.priority])).toEqual([
      ['0655667788', 1, 5],
      ['0611223344', 2, 0],
    ]);
  });

  it('agent actions: QueueAdd / QueueRemove / QueuePause with reason, default interface PJSIP/<extension>', async () => {
    provider = make();
    await provider.start();
    await connected();
    await provider.login('support');
    await provider.pause('support', 'lunch\r\nAction: Logoff');
    await provider.pause(undefined);
    await provider.resume(undefined, 'PJSIP/2002');
    await provider.logout('support');
    const mine = server.actions.filter((a) => /^Queue(Add|Remove|Pause)$/.test(a.Action ?? ''));
    expect(mine).toEqual([
      { Action: 'QueueAdd', Queue: 'support', Interface: 'PJSIP/2001', MemberName: '2001', Paused: 'false' },
      { Action: 'QueuePause', Interface: 'PJSIP/2001', Paused: 'true', Queue: 'support', Reason: 'lunchAction: Logoff' },
      { Action: 'QueuePause', Interface: 'PJSIP/2001', Paused: 'true' },
      { Action: 'QueuePause', Interface: 'PJSIP/2002', Paused: 'false' },
      { Action: 'QueueRemove', Queue: 'support', Interface: 'PJSIP/2001' },
    ]);
    server.answers.set('QueueRemove', { Response: 'Error', Message: 'Unable to remove interface: Not there' });
    await expect(provider.logout('support')).rejects.toMatchObject({ code: 'refused' });
  });

  it('a cut connection says unreachable, then reconnects with a fresh snapshot (what changed meanwhile)', async () => {
    server.status = [...recordedStatus(), entry(1, alice, 3, 0)];
    provider = make();
    await provider.start();
    await connected();
    expect(callerNumbers()).toEqual(['1:0611223344']);
    events = [];
    server.status = [...recordedStatus(), entry(1, bob, 1, 2)];
    server.cutAll();
    await until(() => events.find((e) => e.kind === 'connection' && e.connection.state === 'unreachable'), 'unreachable');
    await until(() => events.find((e) => e.kind === 'snapshot'), 'fresh snapshot');
    expect(provider.snapshot().connection).toEqual({ state: 'connected' });
    expect(callerNumbers()).toEqual(['1:0655667788']);
    expect(events.map((e) => (e.kind === 'connection' ? e.connection.state : e.kind))).toEqual(['unreachable', 'connecting', 'connected', 'snapshot']);
  });

  it('actions while disconnected fail as unreachable; a wrong secret is auth-failed', async () => {
    provider = make({ ami: { host: '127.0.0.1', port: server.port, user: 'console', secret: 'nope' } });
    await provider.start();
    await until(() => provider.snapshot().connection.state === 'auth-failed' || undefined, 'auth-failed');
    await expect(provider.login('support')).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('an event right behind the snapshot in the same read is applied after it, not overwritten by it', async () => {
    server.status = [...recordedStatus(), entry(1, alice, 3, 0)];
    server.trailing = [joinBob, pause2002];
    provider = make();
    await provider.start();
    await connected();
    await until(() => callerNumbers()?.length === 2 || undefined, 'the trailing join');
    expect(callerNumbers()).toEqual(['1:0655667788', '2:0611223344']);
    expect(support()?.members[0]).toMatchObject({ paused: true, pausedReason: 'test' });
  });

  it('follows only the configured queues', async () => {
    server.status = [...recordedStatus(), { ...recordedStatus()[0], Queue: 'sales' } as Record<string, string>];
    provider = make({ queues: ['sales'] });
    await provider.start();
    await connected();
    expect(provider.snapshot().queues.map((q) => q.name)).toEqual(['sales']);
    server.emit(joinAlice);
    await new Promise((r) => setTimeout(r, 100));
    expect(events.some((e) => e.kind === 'caller-joined')).toBe(false);
  });
});
