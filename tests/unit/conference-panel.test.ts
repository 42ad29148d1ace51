/**
 * Issue 13 item 4, the conference panel: what Leave does given the parties and the PBX conference room (planLeave,
 * pure), and the console service carrying it out — plus Mute and Drop of one party — against the fake Softphone
 * (our own seam; the real PBX side is tests/e2e/conference.e2e.ts on the Asterisk bed).
 */
import { canLeave, planLeave, PreferencesPatchSchema, type CallView } from '../../electron/contract';
import { ConsoleService, type HostConnection } from '../../electron/services/console-service';
import type { SoftphoneOptions } from '../../sip-core/api/softphone';
import { FakeSoftphone, type FakeCall } from './helpers/fake-softphone';

describe('planLeave: what Leave does', () => {
  it('one party left: leaving is hanging up (nobody to stay together with)', () => {
    expect(planLeave(['a'], '8000')).toEqual({ kind: 'hangup', callIds: ['a'] });
    expect(planLeave([], '')).toEqual({ kind: 'hangup', callIds: [] });
  });

  it('two parties: connect them to each other, room or not', () => {
    expect(planLeave(['a', 'b'], '')).toEqual({ kind: 'connect', callIds: ['a', 'b'] });
    expect(planLeave(['a', 'b'], '8000')).toEqual({ kind: 'connect', callIds: ['a', 'b'] });
  });

  it('three or more with a room: each is sent to the room', () => {
    expect(planLeave(['a', 'b', 'c'], '8000')).toEqual({ kind: 'room', room: '8000', callIds: ['a', 'b', 'c'] });
    expect(planLeave(['a', 'b', 'c', 'd'], ' 8000 ')).toEqual({ kind: 'room', room: '8000', callIds: ['a', 'b', 'c', 'd'] });
  });

  it('three or more and no room (unset, empty or blank): it cannot be done, and says how many parties', () => {
    for (const room of [undefined, '', '   ']) expect(planLeave(['a', 'b', 'c'], room)).toEqual({ kind: 'no-room', parties: 3 });
    expect(canLeave(3, '')).toBe(false);
    expect(canLeave(2, '')).toBe(true);
    expect(canLeave(5, '8000')).toBe(true);
  });

  it('the room preference takes digits, * and #, or empty for none; nothing else', () => {
    expect(PreferencesPatchSchema.safeParse({ conferenceRoom: '8000' }).success).toBe(true);
    expect(PreferencesPatchSchema.safeParse({ conferenceRoom: '' }).success).toBe(true);
    for (const bad of ['8000;evil', 'sip:8000@x', '<8000>', '8'.repeat(17)]) {
      expect(PreferencesPatchSchema.safeParse({ conferenceRoom: bad }).success).toBe(false);
    }
  });
});

async function setup(preferences: Record<string, unknown> = {}) {
  const phone = new FakeSoftphone();
  const service = new ConsoleService({
    host: 'web',
    createSoftphone: (_o: SoftphoneOptions) => phone,
    createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    endedCallLingerMs: 10,
  });
  await service.applyProvisioning({ accounts: [{ server: '127.0.0.1', user: '2001', password: 'x', transport: 'udp', media: 'auto' }], preferences });
  const conn: HostConnection = { id: 'w1', send: () => undefined };
  service.connect(conn);
  const cmd = async (name: string, args: unknown) => service.dispatch(conn, name, args);
  const view = (id: string): CallView => service.callViews().find((v) => v.id === id)!;
  await flush();
  return { phone, service, cmd, view };
}
const flush = () => new Promise((r) => setImmediate(r));

/** The receptionist answers 2002, then calls 2003 and 2004 into the conference: four people, three remote parties. */
async function conferenceOfFour(preferences: Record<string, unknown> = {}) {
  const s = await setup(preferences);
  const first = s.phone.ring('2002');
  await s.cmd('call.answer', { callId: first.id });
  await s.cmd('call.addToConference', { callId: first.id, target: '2003' });
  await s.cmd('call.addToConference', { callId: first.id, target: '2004' });
  await flush();
  const parties = [first, ...s.phone.dialed] as FakeCall[];
  const conferenceId = s.view(first.id).conferenceId!;
  expect(parties.map((c) => s.view(c.id))).toEqual(parties.map(() => expect.objectContaining({ state: 'active', conferenceId })));
  return { ...s, parties, conferenceId };
}

describe('conference panel commands', () => {
  it('Leave with three parties and a room: each is blind-transferred to the room, the console is out', async () => {
    const { cmd, view, parties, conferenceId } = await conferenceOfFour({ conferenceRoom: '8000' });
    expect(await cmd('call.leaveConference', { conferenceId })).toEqual({ ok: true, value: null });
    for (const c of parties) {
      expect(c.log.at(-1)).toBe('transfer 8000');
      expect(view(c.id)).toMatchObject({ state: 'ended', endReason: 'transferred' });
    }
  });

  it('Leave with three parties and no room: refused with the reason, nobody is hung up or moved', async () => {
    const { cmd, view, parties, conferenceId } = await conferenceOfFour();
    expect(await cmd('call.leaveConference', { conferenceId })).toMatchObject({
      ok: false,
      error: { code: 'not-configured', key: 'error.conferenceNoRoom' },
    });
    for (const c of parties) {
      expect(c.log.filter((l) => l.startsWith('transfer') || l === 'hangup')).toEqual([]);
      expect(view(c.id)).toMatchObject({ state: 'active', conferenceId });
    }
    // End (the other choice offered) hangs up all.
    await cmd('call.leaveConference', { conferenceId, end: true });
    for (const c of parties) expect(c.log.at(-1)).toBe('hangup');
  });

  it('a party whose transfer to the room fails stays with us; the others still go', async () => {
    const { cmd, view, parties, conferenceId } = await conferenceOfFour({ conferenceRoom: '8000' });
    parties[1]!.failTransfer = true;
    await cmd('call.leaveConference', { conferenceId });
    expect(view(parties[0]!.id).endReason).toBe('transferred');
    expect(view(parties[2]!.id).endReason).toBe('transferred');
    expect(view(parties[1]!.id).state).toBe('active');
  });

  it('Drop one party: the other two stay in the conference, and Leave then connects them without a room', async () => {
    const { cmd, view, parties, conferenceId } = await conferenceOfFour();
    await cmd('call.hangup', { callId: parties[2]!.id });
    expect(view(parties[0]!.id).conferenceId).toBe(conferenceId);
    expect(view(parties[1]!.id).conferenceId).toBe(conferenceId);
    await cmd('call.leaveConference', { conferenceId });
    expect(parties[0]!.log.at(-1)).toBe(`transferTo ${parties[1]!.id}`);
  });

  it('Mute one party: only that party is flagged, the receptionist keeps her microphone; a call out of any conference cannot be', async () => {
    const { cmd, view, parties, phone } = await conferenceOfFour();
    await cmd('call.muteParty', { callId: parties[1]!.id, muted: true });
    expect(parties.map((c) => view(c.id).partyMuted === true)).toEqual([false, true, false]);
    expect(parties.map((c) => view(c.id).muted)).toEqual([false, false, false]);
    await cmd('call.muteParty', { callId: parties[1]!.id, muted: false });
    expect(view(parties[1]!.id).partyMuted).toBeUndefined();
    const lone = phone.ring('2005');
    expect(await cmd('call.muteParty', { callId: lone.id, muted: true })).toMatchObject({ ok: false, error: { key: 'error.notInConference' } });
  });

  it('Hold / Resume of the conference: every party is held, then every party is back', async () => {
    const { cmd, view, parties } = await conferenceOfFour();
    await cmd('call.hold', { callId: parties[0]!.id });
    expect(parties.map((c) => view(c.id).state)).toEqual(['held', 'held', 'held']);
    await cmd('call.resume', { callId: parties[2]!.id });
    expect(parties.map((c) => view(c.id).state)).toEqual(['active', 'active', 'active']);
  });
});
