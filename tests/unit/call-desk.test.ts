/**
 * The console's call handling (lines, hold-others, consult/complete/cancel, conference, call waiting, auto-answer)
 * against a fake Softphone (tests/unit/helpers/fake-softphone.ts): the Softphone/Call interfaces are our own seam; the real SIP side is covered by the
 * integration and E2E suites.
 */
import { ConsoleService, type HostConnection } from '../../electron/services/console-service';
import type { CallView, Events } from '../../electron/contract';
import type { SoftphoneOptions } from '../../sip-core/api/softphone';
import { FakeSoftphone } from './helpers/fake-softphone';

async function setup(preferences: Record<string, unknown> = {}) {
  const phone = new FakeSoftphone();
  const service = new ConsoleService({
    host: 'web',
    createSoftphone: (_o: SoftphoneOptions) => phone,
    createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    endedCallLingerMs: 10,
  });
  await service.applyProvisioning({ accounts: [{ server: '127.0.0.1', user: '1001', password: 'x', transport: 'udp', media: 'auto' }], preferences });
  const events: { name: keyof Events; payload: unknown }[] = [];
  const conn: HostConnection = { id: 'w1', send: (name, payload) => events.push({ name, payload }) };
  service.connect(conn);
  const cmd = async (name: string, args: unknown) => service.dispatch(conn, name, args);
  const view = (id: string): CallView => service.callViews().find((v) => v.id === id)!;
  await new Promise((r) => setImmediate(r));
  return { phone, service, cmd, view, events };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('call desk', () => {
  it('puts calls on the lowest free line and holds the talking call when dialing another', async () => {
    const { phone, cmd, view } = await setup();
    const a = await cmd('call.dial', { target: '1003' });
    await flush();
    const first = phone.dialed[0]!;
    expect(view(first.id)).toMatchObject({ line: 1, state: 'active', muted: false, volume: 1 });
    await cmd('call.dial', { target: '1004' });
    await flush();
    expect(first.log).toEqual(['hold']);
    expect(view(phone.dialed[1]!.id).line).toBe(2);
    expect(a.ok).toBe(true);
  });

  it('selecting a held line holds the active one and resumes the chosen one; ringing ⇒ answer', async () => {
    const { phone, cmd, view } = await setup();
    await cmd('call.dial', { target: '1003' });
    await flush();
    const first = phone.dialed[0]!;
    const caller = phone.ring('1002');
    expect(view(caller.id)).toMatchObject({ line: 2, state: 'incoming' });
    await cmd('call.select', { callId: caller.id });
    expect(first.log).toEqual(['hold']);
    expect(caller.log).toEqual(['answer']);
    await cmd('call.select', { callId: first.id });
    expect(caller.log).toEqual(['answer', 'hold']);
    expect(first.log).toEqual(['hold', 'unhold']);
    expect(view(first.id).state).toBe('active');
  });

  it('call waiting off: a second caller gets 486 and the receptionist is told', async () => {
    const { phone, cmd, service } = await setup({ callWaiting: false });
    await cmd('call.dial', { target: '1003' });
    await flush();
    const second = phone.ring('1002');
    expect(second.log).toEqual(['decline 486']);
    expect(service.messagesList().at(-1)).toMatchObject({ key: 'call.rejectedBusy', params: { number: '1002' } });
  });

  it('refuses to dial when every line is busy, in words', async () => {
    const { cmd } = await setup({ lines: 1 });
    await cmd('call.dial', { target: '1003' });
    await flush();
    const r = await cmd('call.dial', { target: '1004' });
    expect(r).toMatchObject({ ok: false, error: { code: 'lines-busy', message: expect.stringMatching(/All lines are busy/) } });
  });

  it('attended transfer: consult holds the caller, complete sends REFER/Replaces for the right pair, cancel goes back', async () => {
    const { phone, cmd, view } = await setup();
    const caller = phone.ring('1002');
    await cmd('call.answer', { callId: caller.id });
    const r = (await cmd('call.consult', { callId: caller.id, target: '1003' })) as { ok: true; value: { callId: string } };
    await flush();
    const consult = phone.dialed[0]!;
    expect(r.value.callId).toBe(consult.id);
    expect(caller.log).toEqual(['answer', 'hold']);
    expect(view(consult.id).consultFor).toBe(caller.id);
    // Cancel: the consultation ends, the caller is back.
    await cmd('call.cancelTransfer', { callId: consult.id });
    expect(consult.log).toEqual(['hangup']);
    expect(caller.log.at(-1)).toBe('unhold');
    // Consult again and complete, from the caller's side this time.
    await cmd('call.consult', { callId: caller.id, target: '1004' });
    await flush();
    const second = phone.dialed[1]!;
    await cmd('call.completeTransfer', { callId: caller.id });
    expect(caller.log.at(-1)).toBe(`transferTo ${second.id}`);
    expect(view(caller.id)).toMatchObject({ state: 'ended', endReason: 'transferred' });
  });

  it('a failed blind transfer keeps the call and says why', async () => {
    const { phone, cmd, view, service } = await setup();
    await cmd('call.dial', { target: '1003' });
    await flush();
    const call = phone.dialed[0]!;
    call.failTransfer = true;
    const r = await cmd('call.transfer', { callId: call.id, target: '9999' });
    expect(r).toMatchObject({ ok: false, error: { code: 'transfer-failed' } });
    expect(view(call.id)).toMatchObject({ state: 'active', transfer: { state: 'failed', status: 404 } });
    expect(service.messagesList().at(-1)).toMatchObject({ key: 'transfer.failed', params: { status: 404 } });
  });

  it('conference: members share an id and are all resumed; leaving a two-party conference transfers them together', async () => {
    const { phone, cmd, view } = await setup();
    const caller = phone.ring('1002');
    await cmd('call.answer', { callId: caller.id });
    await cmd('call.dial', { target: '1003' });
    await flush();
    const other = phone.dialed[0]!;
    expect(view(caller.id).state).toBe('held');
    const r = (await cmd('call.conference', { callIds: [caller.id, other.id] })) as { ok: true; value: { conferenceId: string } };
    expect(view(caller.id)).toMatchObject({ state: 'active', conferenceId: r.value.conferenceId });
    expect(view(other.id).conferenceId).toBe(r.value.conferenceId);
    // Mute applies to the whole conference (one microphone).
    await cmd('call.mute', { callId: other.id, muted: true });
    expect(view(caller.id).muted).toBe(true);
    await cmd('call.leaveConference', { conferenceId: r.value.conferenceId });
    expect(caller.log.at(-1)).toBe(`transferTo ${other.id}`);
  });

  it('conference of two of three lines: the line left out is held, not mixed in; adding it later resumes it', async () => {
    const { phone, cmd, view } = await setup();
    await cmd('call.dial', { target: '1003' });
    await flush();
    await cmd('call.dial', { target: '1004' });
    await flush();
    const [a, b] = phone.dialed as [(typeof phone.dialed)[number], (typeof phone.dialed)[number]];
    const caller = phone.ring('1002');
    await cmd('call.answer', { callId: caller.id });
    expect([view(a.id).state, view(b.id).state, view(caller.id).state]).toEqual(['held', 'held', 'active']);
    const r = (await cmd('call.conference', { callIds: [a.id, b.id] })) as { ok: true; value: { conferenceId: string } };
    expect(view(a.id)).toMatchObject({ state: 'active', conferenceId: r.value.conferenceId });
    expect(view(b.id)).toMatchObject({ state: 'active', conferenceId: r.value.conferenceId });
    expect(view(caller.id).state).toBe('held');
    expect(view(caller.id).conferenceId).toBeUndefined();
    // Later she adds the waiting caller: it joins the same conference and talks again.
    const again = (await cmd('call.conference', { callIds: [a.id, b.id, caller.id] })) as { ok: true; value: { conferenceId: string } };
    expect(again.value.conferenceId).toBe(r.value.conferenceId);
    expect(view(caller.id)).toMatchObject({ state: 'active', conferenceId: r.value.conferenceId });
    expect(view(a.id).state).toBe('active');
  });

  it('auto-answer after N seconds, only when no other call is up; the PBX request is honoured only if allowed', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask'] });
    try {
      const { phone, view } = await setup({ autoAnswerAfter: 2 });
      const c = phone.ring('1002');
      expect(view(c.id).autoAnswerAt).toBeGreaterThan(Date.now());
      jest.advanceTimersByTime(2100);
      await flush();
      expect(c.log).toEqual(['answer']);
      expect(view(c.id)).toMatchObject({ autoAnswered: true, state: 'active' });
      // A second caller while talking is never auto-answered.
      const d = phone.ring('1004');
      jest.advanceTimersByTime(5000);
      expect(d.log).toEqual([]);

      const other = await setup({ serverAutoAnswer: false });
      const e = other.phone.ring('1005', { autoAnswerAfter: 0 });
      jest.advanceTimersByTime(1000);
      expect(e.log).toEqual([]);
      const allowed = await setup({ serverAutoAnswer: true });
      const f = allowed.phone.ring('1005', { autoAnswerAfter: 0 });
      jest.advanceTimersByTime(10);
      await flush();
      expect(f.log).toEqual(['answer']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('pickup dials prefix + extension, park transfers to the park extension, redial repeats the last number', async () => {
    const { phone, cmd } = await setup({ pickupPrefix: '*8', parkExtension: '701' });
    await cmd('call.pickup', { extension: '2003' });
    await flush();
    expect(phone.dialed[0]!.snapshot().remote.user).toBe('*82003');
    await cmd('call.park', { callId: phone.dialed[0]!.id });
    expect(phone.dialed[0]!.log).toEqual(['transfer 701']);
    await cmd('call.redial', {});
    expect(phone.dialed[1]!.snapshot().remote.user).toBe('*82003');
  });

  it('rejects hostile arguments to the new commands without touching calls', async () => {
    const { cmd } = await setup();
    expect(await cmd('call.volume', { callId: 'x', volume: 7 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await cmd('call.pickup', { extension: '20<script>' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await cmd('call.conference', { callIds: ['only-one'] })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await cmd('call.transfer', { callId: 'gone', target: '1004' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('a call that replaced one of ours (INVITE with Replaces) takes its line without ringing or call-waiting checks', async () => {
    const { phone, cmd, view } = await setup({ callWaiting: false });
    const first = phone.ring('1002');
    await cmd('call.answer', { callId: first.id });
    const takeover = phone.ring('1003', { replaces: first.id, state: 'connecting' });
    first.set('ended', { endReason: 'replaced' });
    expect(takeover.log).toEqual([]);
    expect(view(takeover.id)).toMatchObject({ line: 1, state: 'connecting' });
  });

  it('links: from outside they only fill the Number field by default; clicked in the console they dial; a foreign SIP host is always confirmed', async () => {
    const { phone, service, cmd, events } = await setup();
    expect(await service.dialUrl('tel:1003')).toEqual({});
    expect(events.filter((e) => e.name === 'dial.prefill').at(-1)?.payload).toEqual({ target: '1003' });
    expect(phone.dialed).toHaveLength(0);
    expect((await cmd('call.dialUrl', { url: 'tel:1003' })).ok).toBe(true);
    expect(phone.dialed).toHaveLength(1);
    await cmd('preferences.update', { confirmLinkDial: false });
    await service.dialUrl('sip:boss@premium.example.net;transport=tcp');
    expect(phone.dialed).toHaveLength(1);
    expect(events.filter((e) => e.name === 'dial.prefill').at(-1)?.payload).toEqual({ target: 'sip:boss@premium.example.net' });
    await service.dialUrl('sip:1004@127.0.0.1');
    expect(phone.dialed).toHaveLength(2);
  });
});
