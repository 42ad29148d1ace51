/**
 * The Asterisk parking provider (pbx/asterisk/parking-provider.ts) against the real Asterisk 22 bed
 * (tests/testbed/asterisk: res_parking, parkext 700, slots 701-720). Callers are sipp (phones.ts); Asterisk's own view
 * comes from a separate test AMI connection (`ParkedCalls`). Needs tests/testbed/asterisk/start.sh.
 */
import type { ParkedCall, ParkingEvent, ParkingProvider } from '../../pbx/api/parking';
import { createAsteriskParkingProvider } from '../../pbx/asterisk';
import { connectTestbedAmi, type AmiClient } from '../testbed/asterisk/ami';
import { call, cleanup, dialOut, Recorder } from '../testbed/asterisk/phones';

jest.setTimeout(60_000);

let ami: AmiClient;
let recorder: Recorder;
let provider: ParkingProvider;
let events: ParkingEvent[];

async function until<T>(probe: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const parkedOf = (linkedId: string): ParkedCall | undefined => provider.snapshot().calls.find((c) => c.linkedId === linkedId);
const asteriskSlots = async (): Promise<string[]> => (await ami.list({ Action: 'ParkedCalls' })).filter((e) => e.Event === 'ParkedCall').map((e) => e.ParkingSpace ?? '');

beforeAll(async () => {
  ami = await connectTestbedAmi();
  recorder = new Recorder(ami);
});
afterAll(async () => {
  recorder.detach();
  ami.close();
});
beforeEach(async () => {
  events = [];
  provider = createAsteriskParkingProvider({ ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' } });
  provider.onDidChange((e) => events.push(e));
  await provider.start();
  await until(() => provider.snapshot().connection.state === 'connected', 'the provider connected');
});
afterEach(async () => {
  await provider.stop();
  await cleanup();
  await ami.action({ Action: 'Command', Command: 'channel request hangup all' }).catch(() => undefined);
});

describe('Asterisk parking provider on the real bed', () => {
  it('sees a caller parked on 70x (ParkedCall), listed like Asterisk lists it, then retrieved by dialing the slot (UnParkedCall)', async () => {
    const caller = await call(recorder, '2005', '700', 15_000);
    const parked = await until(() => parkedOf(caller.linkedid), 'the parked call in the provider');
    expect(parked.slot).toMatch(/^7(0[1-9]|1[0-9]|20)$/);
    expect(parked).toMatchObject({ lot: 'default', number: '2005', name: 'Phone 2005', parker: 'PJSIP/2005' });
    expect(Date.now() - parked.parkedAt).toBeLessThan(5000);
    expect((parked.timeoutAt ?? 0) - parked.parkedAt).toBeGreaterThan(110_000); // parkingtime = 120
    expect(await asteriskSlots()).toContain(parked.slot);

    // 2004 dials the slot: Asterisk bridges it with the parked caller and says UnParkedCall.
    const retriever = await dialOut('2004', parked.slot, { holdMs: 2000 });
    await until(() => !parkedOf(caller.linkedid), 'the slot emptied');
    expect(events.find((e) => e.kind === 'left' && e.id === parked.id)).toMatchObject({ outcome: 'retrieved', slot: parked.slot, retriever: expect.stringMatching(/^PJSIP\/2004-/) });
    expect(await asteriskSlots()).not.toContain(parked.slot);
    await retriever.sipp.done;
  });

  it('a parked caller who hangs up leaves the list (ParkedCallGiveUp); one parked with a short timeout times out (ParkedCallTimeOut)', async () => {
    const quitter = await call(recorder, '2005', '700', 2500);
    const parked = await until(() => parkedOf(quitter.linkedid), 'the parked caller');
    await until(() => !parkedOf(quitter.linkedid), 'the caller gone after hanging up');
    expect(events.find((e) => e.kind === 'left' && e.id === parked.id)).toMatchObject({ outcome: 'gave-up' });

    // The AMI Park action with a 3 s limit (the lot's own is 120 s): the PBX gives up on the slot.
    const waiting = await call(recorder, '2004', '9998', 20_000);
    await recorder.waitFor((e) => e.Event === 'Newexten' && e.Linkedid === waiting.linkedid && e.Application === 'MusicOnHold', 'music on hold');
    await ami.action({ Action: 'Park', Channel: waiting.channel, Timeout: '3000' });
    const slot = await until(() => parkedOf(waiting.linkedid), 'parked by the AMI');
    expect((slot.timeoutAt ?? 0) - slot.parkedAt).toBeLessThanOrEqual(3000);
    await until(() => !parkedOf(waiting.linkedid), 'timed out', 10_000);
    expect(events.find((e) => e.kind === 'left' && e.id === slot.id)).toMatchObject({ outcome: 'timed-out' });
  });

  it('a provider started while a call is parked lists it from ParkedCalls, with its wait so far', async () => {
    const caller = await call(recorder, '2005', '700', 15_000);
    const first = await until(() => parkedOf(caller.linkedid), 'parked');
    await new Promise((r) => setTimeout(r, 2100));
    const late = createAsteriskParkingProvider({ ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' } });
    try {
      await late.start();
      const listed = await until(() => late.snapshot().calls.find((c) => c.id === first.id), 'listed by the late provider');
      expect(listed.slot).toBe(first.slot);
      expect(Date.now() - listed.parkedAt).toBeGreaterThanOrEqual(2000);
    } finally {
      await late.stop();
    }
  });
});
