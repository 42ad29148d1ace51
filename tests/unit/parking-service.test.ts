/**
 * The park panel's service: which slot a call the console parked went to ("Parked on 701"), the panel's view and
 * Retrieve. The provider is a fake at our own seam (pbx/api/parking.ts) fed with events mapped from the recorded
 * Asterisk session (tests/fixtures/asterisk-parking/ami-events.json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Events } from '../../electron/contract';
import { DEFAULT_PREFERENCES } from '../../electron/contract';
import { CommandFailure } from '../../electron/services/console-service';
import { matchParked, ParkingService, type PendingPark } from '../../electron/services/parking-service';
import type { PbxConfig } from '../../electron/services/provisioning';
import { parseParkSlots } from '../../electron/contract/parking';
import type { ParkedCall, ParkingEvent, ParkingProvider, ParkingSnapshot } from '../../pbx/api/parking';
import type { PresenceStatus, Watch } from '../../sip-core/api/presence';
import type { Softphone } from '../../sip-core/api/softphone';
import { parkedCallFromAmi, parkingEventFromAmi } from '../../pbx/asterisk/parking-provider';
import { callView } from './helpers/call-view';

const recorded = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/asterisk-parking/ami-events.json'), 'utf8')) as Record<string, Record<string, string>>;

class FakeProvider implements ParkingProvider {
  readonly #listeners = new Set<(e: ParkingEvent) => void>();
  #snapshot: ParkingSnapshot = { connection: { state: 'connected' }, calls: [] };
  started = false;
  stopped = false;
  async start(): Promise<void> {
    this.started = true;
    this.push({ kind: 'snapshot', snapshot: this.#snapshot });
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  snapshot(): ParkingSnapshot {
    return this.#snapshot;
  }
  onDidChange(l: (e: ParkingEvent) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  async refresh(): Promise<void> {}
  push(e: ParkingEvent): void {
    for (const l of this.#listeners) l(e);
  }
}

const PBX: PbxConfig = { type: 'asterisk', ami: { host: '127.0.0.1', user: 'console', secret: 'secret' }, context: 'internal', pauseReasons: [] } as PbxConfig;

async function setup(config: PbxConfig | null = PBX, lookup?: (n: string) => Promise<string | undefined>) {
  const provider = new FakeProvider();
  const parked: { slot: string; who: string }[] = [];
  const dialed: string[] = [];
  const sent: Events['parking.changed'][] = [];
  const service = new ParkingService({
    pbx: { pbxConfig: () => config ?? undefined, onDidChangeConfig: () => () => undefined },
    createProvider: () => provider,
    dial: async (t) => {
      dialed.push(t);
      return { callId: `call-${t}` };
    },
    onParked: (slot, who) => parked.push({ slot, who }),
    batchMs: 1,
    ...(lookup && { lookup }),
  });
  service.bind((name, payload) => {
    if (name === 'parking.changed') sent.push(payload as Events['parking.changed']);
  });
  service.start({ preferences: () => DEFAULT_PREFERENCES, primaryAccount: () => ({ user: '2001' }) });
  await new Promise((r) => setTimeout(r, 5));
  return { provider, service, parked, dialed, sent };
}

/** The recorded ParkedCall as the console's park would produce it: parked by 2001 (the transferer), now. */
const parkedByConsole = (extra: Partial<ParkedCall> = {}): ParkedCall => ({ ...parkedCallFromAmi(recorded.parkedCall!, Date.now())!, parker: 'PJSIP/2001', ...extra });
const parkingCall = (id: string, user: string) => callView(id, 'active', { remote: { user, uri: `sip:${user}@pbx` }, transfer: { kind: 'blind', target: '700', state: 'trying' } });

describe('matchParked: which of our parks a PBX "parked" event is', () => {
  const at = 1_000_000;
  const p = (callId: string, number: string, dt = 0): PendingPark => ({ callId, number, at: at + dt });
  const call = (number: string, parker?: string): ParkedCall => ({ id: 'x', lot: 'default', slot: '701', number, parkedAt: at + 500, ...(parker && { parker }) });

  it('same caller number within the window; the oldest of two', () => {
    expect(matchParked(call('2005'), [p('b', '2005', 100), p('a', '2005')], '2001')?.callId).toBe('a');
  });
  it('a caller number the PBX rewrote: by timing, only when the parker is us and one park is pending', () => {
    expect(matchParked(call('+33611', 'PJSIP/2001'), [p('a', '0611')], '2001')?.callId).toBe('a');
    expect(matchParked(call('+33611', 'PJSIP/2001'), [p('a', '0611'), p('b', '0622')], '2001')).toBeUndefined();
    expect(matchParked(call('+33611', 'PJSIP/2004'), [p('a', '0611')], '2001')).toBeUndefined();
  });
  it('nothing outside the window', () => {
    expect(matchParked(call('2005'), [p('a', '2005', -60_000)], '2001', 20_000)).toBeUndefined();
  });
});

describe('ParkingService', () => {
  it('the console parks a call: its slot is told once, shown on the call and in the panel', async () => {
    const { provider, service, parked, sent } = await setup();
    service.callChanged(parkingCall('c1', '2005'));
    service.callChanged({ ...parkingCall('c1', '2005'), transfer: { kind: 'blind', target: '700', state: 'done' } });
    provider.push({ kind: 'parked', call: parkedByConsole() });
    expect(parked).toEqual([{ slot: '701', who: 'Phone 2005' }]);
    const v = service.view();
    expect(v.parkedFrom).toEqual({ c1: '701' });
    expect(v.calls).toMatchObject([{ slot: '701', number: '2005', name: 'Phone 2005', fromCallId: 'c1' }]);
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.at(-1)?.calls).toHaveLength(1);

    // Retrieved (recorded UnParkedCall): gone from the list and from the call.
    provider.push(parkingEventFromAmi(recorded.unParkedCall!, Date.now())!);
    expect(service.view()).toMatchObject({ calls: [], parkedFrom: {} });
  });

  it('the PBX announces the slot before our call hears its transfer went through: still matched', async () => {
    const { provider, service, parked } = await setup();
    provider.push({ kind: 'parked', call: parkedByConsole() });
    expect(parked).toEqual([]);
    service.callChanged(parkingCall('c1', '2005'));
    expect(parked).toEqual([{ slot: '701', who: 'Phone 2005' }]);
  });

  it("someone else's parked call is listed but not labelled as ours", async () => {
    const { provider, service, parked } = await setup();
    service.callChanged(parkingCall('c1', '0611223344'));
    service.callChanged(parkingCall('c2', '0655667788'));
    provider.push(parkingEventFromAmi(recorded.parkedCall!, Date.now())!); // 2005 parked itself (parker PJSIP/2005)
    expect(parked).toEqual([]);
    expect(service.view()).toMatchObject({ calls: [{ slot: '701' }], parkedFrom: {} });
    expect(service.view().calls[0]).not.toHaveProperty('fromCallId');
  });

  it('a transfer elsewhere is no park', async () => {
    const { provider, service, parked } = await setup();
    service.callChanged(callView('c1', 'active', { remote: { user: '2005', uri: 'sip:2005@pbx' }, transfer: { kind: 'blind', target: '2003', state: 'trying' } }));
    provider.push({ kind: 'parked', call: parkedByConsole() });
    expect(parked).toEqual([]);
  });

  it('Retrieve dials the slot; a slot emptied meanwhile is refused with a clear reason', async () => {
    const { provider, service, dialed } = await setup();
    provider.push({ kind: 'parked', call: parkedByConsole() });
    const retrieve = service.handlers['parking.retrieve']!;
    const conn = { id: 't', send: () => undefined };
    await expect(retrieve({ slot: '701' }, conn)).resolves.toEqual({ callId: 'call-701' });
    expect(dialed).toEqual(['701']);
    provider.push(parkingEventFromAmi(recorded.unParkedCall!, Date.now())!);
    const refused = (async () => retrieve({ slot: '701' }, conn))();
    await expect(refused).rejects.toBeInstanceOf(CommandFailure);
    await expect(refused).rejects.toMatchObject({ code: 'not-found', key: 'park.error.gone', params: { slot: '701' } });
  });

  it('without the PBX connection the panel says it is not set up and Retrieve is refused', async () => {
    const { service } = await setup(null);
    expect(service.view().connection.state).toBe('not-configured');
    await expect((async () => service.handlers['parking.retrieve']!({ slot: '701' }, { id: 't', send: () => undefined }))()).rejects.toMatchObject({
      code: 'not-configured',
      key: 'park.error.notConfigured',
    });
  });

  it('a failed park is forgotten: a slot taken afterwards by the same number is not this call', async () => {
    const { provider, service, parked } = await setup();
    service.callChanged(parkingCall('c1', '2005'));
    service.callChanged({ ...parkingCall('c1', '2005'), transfer: { kind: 'blind', target: '700', state: 'failed', status: 403 } });
    provider.push({ kind: 'parked', call: parkedByConsole() });
    expect(parked).toEqual([]);
    expect(service.view().parkedFrom).toEqual({});
  });

  it('the parked caller is named from the directories when they know the number', async () => {
    const { provider, service, sent } = await setup(PBX, async (n) => (n === '2005' ? 'Alice Martin' : undefined));
    provider.push({ kind: 'parked', call: parkedByConsole() });
    expect(service.view().calls[0]?.name).toBe('Phone 2005'); // caller ID until the directory answers
    await new Promise((r) => setTimeout(r, 20));
    expect(service.view().calls[0]?.name).toBe('Alice Martin');
    expect(sent.at(-1)?.calls[0]?.name).toBe('Alice Martin');
  });

  it('stop() stops the provider', async () => {
    const { provider, service } = await setup();
    await service.stop();
    expect(provider.stopped).toBe(true);
  });
});

describe('BLF on the park slots (no PBX connection)', () => {
  /** A softphone that only watches (the seam the presence service uses too); lamps are set by the test. */
  function lamps() {
    const watches = new Map<string, { status: PresenceStatus; listeners: Set<(s: PresenceStatus) => void>; disposed: boolean }>();
    const softphone = {
      watch(extension: string): Watch {
        const w = { status: { state: 'unknown', since: Date.now() } as PresenceStatus, listeners: new Set<(s: PresenceStatus) => void>(), disposed: false };
        watches.set(extension, w);
        return {
          extension,
          status: () => w.status,
          onDidChange: (l) => {
            w.listeners.add(l);
            return () => w.listeners.delete(l);
          },
          dispose: () => {
            w.disposed = true;
          },
        };
      },
    } as unknown as Softphone;
    const set = (slot: string, state: PresenceStatus['state']): void => {
      const w = watches.get(slot)!;
      w.status = { state, since: Date.now() };
      for (const l of w.listeners) l(w.status);
    };
    return { softphone, watches, set };
  }

  async function blfSetup(parkSlots = '701-703') {
    const { softphone, watches, set } = lamps();
    const parked: { slot: string; who: string }[] = [];
    const dialed: string[] = [];
    const service = new ParkingService({
      pbx: { pbxConfig: () => undefined, onDidChangeConfig: () => () => undefined },
      createProvider: () => {
        throw new Error('no provider without a PBX connection');
      },
      dial: async (t) => {
        dialed.push(t);
        return { callId: `call-${t}` };
      },
      onParked: (slot, who) => parked.push({ slot, who }),
      batchMs: 1,
    });
    service.start({ preferences: () => ({ ...DEFAULT_PREFERENCES, parkSlots }), primaryAccount: () => ({ user: '2001' }) });
    service.primarySoftphone(softphone);
    return { service, watches, set, parked, dialed };
  }

  it('the slots typed in the preference: ranges and lists, refused when malformed or too many', () => {
    expect(parseParkSlots('701-703, 750')).toEqual(['701', '702', '703', '750']);
    expect(parseParkSlots('')).toEqual([]);
    expect(parseParkSlots('701-')).toBeUndefined();
    expect(parseParkSlots('703-701')).toBeUndefined();
    expect(parseParkSlots('1-1000')).toBeUndefined();
  });

  it('watches each slot; a busy lamp lists the slot (caller unknown), our park is matched by timing, idle removes it', async () => {
    const { service, watches, set, parked, dialed } = await blfSetup();
    expect([...watches.keys()]).toEqual(['701', '702', '703']);
    expect(service.view()).toMatchObject({ connection: { state: 'connecting' }, calls: [], source: 'blf' });
    for (const slot of ['701', '702', '703']) set(slot, 'idle');
    expect(service.view().connection.state).toBe('connected');

    service.callChanged(parkingCall('c1', '2005'));
    set('702', 'busy');
    expect(parked).toEqual([{ slot: '702', who: '2005' }]);
    expect(service.view()).toMatchObject({ calls: [{ slot: '702', number: '', fromCallId: 'c1' }], parkedFrom: { c1: '702' } });

    await service.handlers['parking.retrieve']!({ slot: '702' }, { id: 't', send: () => undefined });
    expect(dialed).toEqual(['702']);
    set('702', 'idle');
    expect(service.view()).toMatchObject({ calls: [], parkedFrom: {} });
  });

  it('two parks pending and a nameless busy lamp: listed, but no call is labelled with a guess', async () => {
    const { service, set, parked } = await blfSetup();
    set('701', 'idle');
    service.callChanged(parkingCall('c1', '2005'));
    service.callChanged(parkingCall('c2', '2004'));
    set('703', 'busy');
    expect(parked).toEqual([]);
    expect(service.view().calls).toMatchObject([{ slot: '703' }]);
    expect(service.view().parkedFrom).toEqual({});
  });

  it('no slots in the preference: not set up, nothing watched; stop() disposes the watches', async () => {
    const none = await blfSetup('');
    expect(none.watches.size).toBe(0);
    expect(none.service.view().connection.state).toBe('not-configured');
    const some = await blfSetup();
    await some.service.stop();
    expect([...some.watches.values()].every((w) => w.disposed)).toBe(true);
  });
});
