/**
 * The Asterisk parking provider: AMI events of res_parking → our parked-call model. The events are the ones recorded
 * on the Asterisk 22 bed (tests/fixtures/asterisk-parking/ami-events.json, verbatim); the live provider is driven by
 * the fake AMI server (a seam we own) replaying them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ParkedCall, ParkingEvent, ParkingProvider } from '../../pbx/api/parking';
import { createAsteriskParkingProvider } from '../../pbx/asterisk';
import { applyParkingEvent, parkedCallFromAmi, parkingEventFromAmi } from '../../pbx/asterisk/parking-provider';
import { FakeAmi } from './pbx-fake-ami';

type Msg = Record<string, string>;
const recorded = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/asterisk-parking/ami-events.json'), 'utf8')) as Record<string, Msg & Msg[]>;
const fx = (name: string): Msg => ({ ...(recorded[name] as Msg) });
const NOW = 1_796_313_181_000;

describe('res_parking AMI events → parked calls (recorded on the Asterisk bed)', () => {
  it('ParkedCall: slot, lot, caller, when parked, when it times out, who parked it', () => {
    expect(parkingEventFromAmi(fx('parkedCall'), NOW)).toEqual({
      kind: 'parked',
      call: {
        id: '1796313180.0',
        lot: 'default',
        slot: '701',
        number: '2005',
        name: 'Phone 2005',
        parkedAt: NOW,
        timeoutAt: NOW + 120_000,
        parker: 'PJSIP/2005',
        linkedId: '1796313180.0',
      },
    });
  });

  it('a ParkedCalls list item two seconds into parking: parked 2 s ago, 118 s left', () => {
    const item = { ...(recorded.parkedCallsList as Msg[])[0]!, ParkingDuration: '2', ParkingTimeout: '118' };
    expect(parkedCallFromAmi(item, NOW)).toMatchObject({ slot: '701', parkedAt: NOW - 2000, timeoutAt: NOW + 118_000 });
  });

  it('UnParkedCall: retrieved, by the retriever channel', () => {
    expect(parkingEventFromAmi(fx('unParkedCall'), NOW)).toEqual({
      kind: 'left',
      id: '1796313180.0',
      lot: 'default',
      slot: '701',
      outcome: 'retrieved',
      retriever: 'PJSIP/2004-00000001',
    });
  });

  it('ParkedCallGiveUp (the caller hung up) and ParkedCallTimeOut (no one took it back)', () => {
    expect(parkingEventFromAmi(fx('parkedCallGiveUp'), NOW)).toEqual({ kind: 'left', id: '1796313185.2', lot: 'default', slot: '702', outcome: 'gave-up' });
    expect(parkingEventFromAmi(fx('parkedCallTimeOut'), NOW)).toEqual({ kind: 'left', id: '1796313188.3', lot: 'default', slot: '703', outcome: 'timed-out' });
  });

  it('a slot parked with a timeout of 3 s says so; ParkingTimeout 0 (no limit) has no timeout', () => {
    expect(parkedCallFromAmi(fx('parkedCall3'), NOW)?.timeoutAt).toBe(NOW + 3000);
    expect(parkedCallFromAmi({ ...fx('parkedCall'), ParkingTimeout: '0' }, NOW)).not.toHaveProperty('timeoutAt');
  });

  it('ParkedCallSwap (same fields as ParkedCall, parking_manager.c) puts the new parkee in the slot', () => {
    const model = new Map<string, ParkedCall>();
    applyParkingEvent(model, parkingEventFromAmi(fx('parkedCall'), NOW)!);
    // Not recorded (needs an attended transfer to 700): the recorded ParkedCall fields with another parkee, as
    // manager_build_parked_call_string() builds every parking event from the same payload.
    const swap = { ...fx('parkedCall'), Event: 'ParkedCallSwap', ParkeeUniqueid: '1796313199.9', ParkeeCallerIDNum: '0611223344', ParkeeCallerIDName: 'Alice' };
    const e = parkingEventFromAmi(swap, NOW)!;
    expect(e).toMatchObject({ kind: 'parked', swapped: true, call: { slot: '701', number: '0611223344' } });
    expect(applyParkingEvent(model, e)).toBe(true);
    expect([...model.values()].map((c) => c.id)).toEqual(['1796313199.9']);
    // The old parkee's later events no longer touch the slot.
    expect(applyParkingEvent(model, parkingEventFromAmi({ ...fx('unParkedCall') }, NOW)!)).toBe(false);
    expect(model.size).toBe(1);
  });

  it('hostile caller ID is cleaned; <unknown> is no name; a bad slot or missing id is dropped', () => {
    const c = parkedCallFromAmi({ ...fx('parkedCall'), ParkeeCallerIDNum: '06\u202e1122\u0007', ParkeeCallerIDName: '<unknown>' }, NOW);
    expect(c).toMatchObject({ number: '061122' });
    expect(c).not.toHaveProperty('name');
    expect(parkedCallFromAmi({ ...fx('parkedCall'), ParkingSpace: '701<script>' }, NOW)).toBeUndefined();
    expect(parkedCallFromAmi({ ...fx('parkedCall'), ParkeeUniqueid: '' }, NOW)).toBeUndefined();
    expect(parkingEventFromAmi({ Event: 'Newchannel' }, NOW)).toBeUndefined();
  });
});

describe('Asterisk parking provider (fake AMI replaying the recorded session)', () => {
  let server: FakeAmi;
  let provider: ParkingProvider;
  let events: ParkingEvent[];

  async function until<T>(probe: () => T | undefined | false, what: string, ms = 3000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const slots = (): string[] => provider.snapshot().calls.map((c) => c.slot);

  beforeEach(async () => {
    server = await FakeAmi.start();
    events = [];
    provider = createAsteriskParkingProvider({
      ami: { host: '127.0.0.1', port: server.port, user: 'console', secret: 'secret' },
      timing: { backoffInitialMs: 50, backoffMaxMs: 100, actionTimeoutMs: 1000 },
    });
    provider.onDidChange((e) => events.push(e));
  });
  afterEach(async () => {
    await provider.stop();
    await server.close();
  });

  it('starts from ParkedCalls, then follows parked / retrieved / given up', async () => {
    server.lists.set('ParkedCalls', { complete: 'ParkedCallsComplete', events: recorded.parkedCallsList as Msg[] });
    await provider.start();
    await until(() => provider.snapshot().connection.state === 'connected', 'connected');
    expect(slots()).toEqual(['701']);
    expect(events.some((e) => e.kind === 'snapshot')).toBe(true);

    server.emit(fx('parkedCall2'));
    await until(() => slots().length === 2, 'slot 702');
    expect(slots()).toEqual(['701', '702']);

    server.emit(fx('unParkedCall'));
    await until(() => slots().length === 1, '701 retrieved');
    expect(events.at(-1)).toMatchObject({ kind: 'left', slot: '701', outcome: 'retrieved' });

    server.emit(fx('parkedCallGiveUp'));
    await until(() => slots().length === 0, '702 given up');
    expect(events.at(-1)).toMatchObject({ kind: 'left', slot: '702', outcome: 'gave-up' });
  });

  it('an event right behind the list (same TCP write) is applied over the snapshot, not lost', async () => {
    server.lists.set('ParkedCalls', { complete: 'ParkedCallsComplete', events: [] });
    server.trailing = [fx('parkedCall')];
    await provider.start();
    await until(() => slots().length === 1, 'the trailing ParkedCall');
    expect(slots()).toEqual(['701']);
  });

  it('re-syncs after the connection drops (a call parked meanwhile shows up)', async () => {
    server.lists.set('ParkedCalls', { complete: 'ParkedCallsComplete', events: [] });
    await provider.start();
    await until(() => provider.snapshot().connection.state === 'connected', 'connected');
    server.lists.set('ParkedCalls', { complete: 'ParkedCallsComplete', events: recorded.parkedCallsList as Msg[] });
    server.cutAll();
    await until(() => provider.snapshot().connection.state !== 'connected', 'dropped');
    await until(() => slots().length === 1, 're-synced list');
    expect(provider.snapshot().connection.state).toBe('connected');
  });
});
