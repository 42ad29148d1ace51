/**
 * The headset bridge end to end inside main: a scripted headset at the node-hid seam (input reports in as bytes,
 * output reports captured as bytes, its layout parsed from the real report descriptor under tests/fixtures/hid)
 * drives the real ConsoleService over a fake Softphone (our sip-core seam). The SIP side itself is covered by the
 * integration and E2E suites.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleService, type HostConnection } from '../../electron/services/console-service';
import { HeadsetService, type HeadsetDevices, headsetChoiceOf, headsetIdOf } from '../../electron/services/headset-service';
import { loadNodeHidDevices } from '../../electron/services/composition';
import type { CallView, Events, HeadsetPressView, HeadsetView } from '../../electron/contract';
import { parseHexBytes } from '../../hid/descriptor/hex';
import { HeadsetConnection, type HeadsetInfo, HeadsetWatcher, type RawHidDevice, resolveLayout, telephonyHeadsetsOf } from '../../hid/device';
import type { HidDeviceLike } from '../../hid/headset-controller';
import { FakeSoftphone } from './helpers/fake-softphone';

const fixture = (name: string) => parseHexBytes(readFileSync(join(__dirname, '..', 'fixtures', 'hid', name), 'utf8'));
const DESCRIPTORS: Record<number, Uint8Array> = {
  0x0b0e: fixture('jabra-evolve-link.hex'),
  0x047f: fixture('poly-blackwire-3220-telephony.hex'),
  0x6993: fixture('yealink-uh3x.hex'),
};

/** A headset as node-hid's HID object: bytes in, bytes out. */
class ScriptedHeadset extends EventEmitter implements HidDeviceLike {
  readonly written: number[][] = [];
  closed = false;
  constructor(readonly info: HeadsetInfo) {
    super();
  }
  write(report: number[]): number {
    if (this.closed) throw new Error('device closed');
    this.written.push([...report]);
    return report.length;
  }
  close(): void {
    this.closed = true;
  }
  /** An input report exactly as the headset sends it (report id first). */
  send(...bytes: number[]): void {
    this.emit('data', Buffer.from(bytes));
  }
  take(): number[][] {
    return this.written.splice(0);
  }
  last(reportId?: number): number[] | undefined {
    return this.written.filter((r) => reportId === undefined || r[0] === reportId).at(-1);
  }
}

const jabra = (serial = 'A1B2', n = 1): RawHidDevice[] => [
  { vendorId: 0x0b0e, productId: 0x0305, path: `hid#vid_0b0e&col01#${n}`, product: 'Jabra EVOLVE LINK', serialNumber: serial, interface: 3, usagePage: 0x0c, usage: 0x01 },
  { vendorId: 0x0b0e, productId: 0x0305, path: `hid#vid_0b0e&col02#${n}`, product: 'Jabra EVOLVE LINK', serialNumber: serial, interface: 3, usagePage: 0x0b, usage: 0x05 },
];
const poly: RawHidDevice[] = [
  { vendorId: 0x047f, productId: 0xc056, path: '/dev/hidraw7', product: 'Plantronics Blackwire 3220 Series', manufacturer: 'Plantronics', serialNumber: 'D1CE', interface: 3, usagePage: 0x0b, usage: 0x05 },
];

/** The node-hid seam: what is plugged, and every device opened (layout from the real descriptor, as on Linux). */
class FakeHidBus implements HeadsetDevices {
  plugged: RawHidDevice[] = [];
  readonly opened: ScriptedHeadset[] = [];
  async list(): Promise<HeadsetInfo[]> {
    return telephonyHeadsetsOf(this.plugged);
  }
  async open(info: HeadsetInfo) {
    const device = new ScriptedHeadset(info);
    this.opened.push(device);
    return { device, ...resolveLayout(info, () => DESCRIPTORS[info.vendorId] ?? null) };
  }
  get device(): ScriptedHeadset {
    return this.opened.at(-1)!;
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

async function setup(plugged: RawHidDevice[] = jabra(), preferences: Record<string, unknown> = {}) {
  const phone = new FakeSoftphone();
  const bus = new FakeHidBus();
  bus.plugged = plugged;
  let clock = 10_000;
  const logs: string[] = [];
  const headset = new HeadsetService({
    devices: bus,
    pollMs: 3_600_000,
    now: () => clock,
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(`WARN ${m}`) },
  });
  const service = new ConsoleService({
    host: 'web',
    createSoftphone: () => phone,
    createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    endedCallLingerMs: 5,
    extensions: [headset],
  });
  await service.applyProvisioning({ accounts: [{ server: '127.0.0.1', user: '1001', password: 'x', transport: 'udp', media: 'auto' }], preferences });
  const events: { name: keyof Events; payload: unknown }[] = [];
  const window: HostConnection = { id: 'w1', send: (name, payload) => events.push({ name, payload }) };
  service.connect(window);
  await headset.start(service);
  await headset.settled();
  await flush();
  const view = (id: string): CallView => service.callViews().find((v) => v.id === id)!;
  /** A press: time moves on past the debounce window first, like a human between two presses. */
  const press = async (...bytes: number[]) => {
    clock += 1_000;
    bus.device.send(...bytes);
    await headset.settled();
    await flush();
  };
  const cmd = (name: string, args: unknown) => service.dispatch(window, name, args);
  const pressed = () => events.filter((e) => e.name === 'headset.pressed').map((e) => e.payload as HeadsetPressView);
  const headsetEvents = () => events.filter((e) => e.name === 'headset.changed').map((e) => e.payload as HeadsetView);
  return { phone, bus, headset, service, view, press, cmd, events, pressed, headsetEvents, logs, advance: (ms: number) => (clock += ms) };
}

// Jabra EVOLVE LINK, report 2 — input bits: 0 hook, 1 busy, 2 mute, 3 flash, 4 redial, 5 speed dial, 10 reject;
// output bits: 0 off-hook, 1 mute, 2 ring, 3 hold, 4 microphone, 5 ringer.
const OFF_HOOK = 0b0000_0001;
const MUTE_LEDS = 0b0001_0010;
const RING = 0b0010_0100;
const HOLD = 0b0000_1000;

describe('headset bridge: Jabra EVOLVE LINK (layout from its report descriptor) driving the console', () => {
  test('ring → Ring LED; lift → answered, Off-Hook; mute → muted + Mute LED; again → unmuted; hang up → call ended, LEDs off', async () => {
    const t = await setup();
    expect(t.headset.view).toMatchObject({ connected: true, name: 'Jabra EVOLVE LINK', vendor: 'Jabra', layoutSource: 'descriptor' });
    t.bus.device.take();

    const call = t.phone.ring('1002');
    await flush();
    expect(t.bus.device.take()).toEqual([[2, RING, 0]]);
    expect(t.headset.view).toMatchObject({ ringing: true, hookOff: false });

    await t.press(2, 0b0000_0001, 0); // boom lifted: hook switch = 1 (absolute)
    expect(call.log).toEqual(['answer']);
    expect(t.view(call.id).state).toBe('active');
    expect(t.bus.device.take()).toEqual([[2, OFF_HOOK, 0]]);
    expect(t.headset.view).toMatchObject({ ringing: false, hookOff: true, muted: false });

    await t.press(2, 0b0000_0101, 0); // mute pressed (relative: a toggle request)
    await t.press(2, 0b0000_0001, 0); // released
    expect(t.view(call.id).muted).toBe(true);
    expect(t.bus.device.take()).toEqual([[2, OFF_HOOK | MUTE_LEDS, 0]]); // the echo the headset waits for
    expect(t.headset.view.muted).toBe(true);

    await t.press(2, 0b0000_0101, 0);
    await t.press(2, 0b0000_0001, 0);
    expect(t.view(call.id).muted).toBe(false);
    expect(t.bus.device.take()).toEqual([[2, OFF_HOOK, 0]]);

    await t.press(2, 0b0000_0000, 0); // boom down: hook = 0
    expect(call.log).toEqual(['answer', 'hangup']);
    expect(t.view(call.id).state).toBe('ended');
    expect(t.bus.device.take()).toEqual([[2, 0, 0]]);
    expect(t.headset.view).toMatchObject({ hookOff: false, ringing: false, muted: false, held: false });
    expect(t.pressed().map((p) => `${p.button}:${p.action}`)).toEqual([
      'hook-off:answer',
      'mute-toggle:mute',
      'mute-toggle:unmute',
      'hook-on:hangup',
    ]);
  });

  test('answering from the screen lights Off-Hook, and the headset following it is not taken for a press', async () => {
    const t = await setup();
    const call = t.phone.ring('1002');
    await flush();
    await t.cmd('call.answer', { callId: call.id });
    await flush();
    expect(t.bus.device.last()).toEqual([2, OFF_HOOK, 0]);
    await t.press(2, 0b0000_0001, 0); // the headset acknowledges Off-Hook
    expect(t.pressed()).toEqual([]);
    expect(call.log).toEqual(['answer']);
    // The far end hangs up: LEDs off, and the headset following us is again no press.
    call.set('ended', { endReason: 'remote-hangup' });
    await flush();
    expect(t.bus.device.last()).toEqual([2, 0, 0]);
    await t.press(2, 0, 0);
    expect(t.pressed()).toEqual([]);
  });

  test('two calls: the hook answers the one ringing (the other is held, never dropped), flash swaps', async () => {
    const t = await setup();
    const a = t.phone.ring('1002');
    await flush();
    await t.press(2, 0b0000_0001, 0);
    expect(t.view(a.id).state).toBe('active');

    const b = t.phone.ring('1003');
    await flush();
    // Ringing over a call in progress: Ring on, Off-Hook kept.
    expect(t.bus.device.last()).toEqual([2, OFF_HOOK | RING, 0]);

    await t.press(2, 0b0000_0000, 0); // the answer/end button while the second call rings
    expect(a.log).toEqual(['answer', 'hold']);
    expect(b.log).toEqual(['answer']);
    expect(t.view(a.id).state).toBe('held');
    expect(t.view(b.id).state).toBe('active');
    expect(t.bus.device.last()).toEqual([2, OFF_HOOK, 0]);
    await t.press(2, 0b0000_0001, 0); // the headset follows our Off-Hook LED: no press

    await t.press(2, 0b0000_1001, 0); // flash
    await t.press(2, 0b0000_0001, 0);
    expect(t.view(a.id).state).toBe('active');
    expect(t.view(b.id).state).toBe('held');
    await t.press(2, 0b0000_1001, 0); // flash again: back to b
    await t.press(2, 0b0000_0001, 0);
    expect(t.view(a.id).state).toBe('held');
    expect(t.view(b.id).state).toBe('active');
    expect(t.pressed().map((p) => `${p.button}:${p.action}`)).toEqual(['hook-off:answer', 'hook-on:answer', 'flash:swap', 'flash:swap']);

    // Hang up b: a stays held, the headset shows Hold with Off-Hook still on (Jabra ends the call otherwise).
    await t.press(2, 0b0000_0000, 0);
    expect(b.log.at(-1)).toBe('hangup');
    expect(t.view(a.id).state).toBe('held');
    expect(t.bus.device.last()).toEqual([2, OFF_HOOK | HOLD, 0]);
    expect(t.headset.view).toMatchObject({ held: true, hookOff: true });
  });

  test('flash holds a single call with Hold LED and Off-Hook kept; flash or hook takes it back', async () => {
    const t = await setup();
    const a = t.phone.ring('1002');
    await flush();
    await t.press(2, 0b0000_0001, 0);
    await t.press(2, 0b0000_1001, 0);
    await t.press(2, 0b0000_0001, 0);
    expect(t.view(a.id).state).toBe('held');
    expect(t.bus.device.last()).toEqual([2, OFF_HOOK | HOLD, 0]);
    await t.press(2, 0b0000_1001, 0);
    await t.press(2, 0b0000_0001, 0);
    expect(t.view(a.id).state).toBe('active');
    expect(t.bus.device.last()).toEqual([2, OFF_HOOK, 0]);
    // On hold, the end button takes the caller back rather than dropping them.
    await t.press(2, 0b0000_1001, 0);
    await t.press(2, 0b0000_0001, 0);
    await t.press(2, 0b0000_0000, 0);
    expect(t.view(a.id).state).toBe('active');
    expect(a.log).toEqual(['answer', 'hold', 'unhold', 'hold', 'unhold']);
  });

  test('reject button declines the ringing call; redial calls the last number again', async () => {
    const t = await setup();
    const a = t.phone.ring('1002');
    await flush();
    await t.press(2, 0, 0b0000_0100); // bit 10: reject
    await t.press(2, 0, 0);
    expect(a.log).toEqual(['decline 486']);
    expect(t.bus.device.last()).toEqual([2, 0, 0]);

    await t.press(2, 0b0001_0000, 0); // redial with nothing dialed yet: nothing happens, LEDs re-sent
    await t.press(2, 0, 0);
    expect(t.phone.dialed).toHaveLength(0);
    expect(t.pressed().at(-1)).toMatchObject({ button: 'redial', action: 'none' });

    await t.cmd('call.dial', { target: '1003' });
    await flush();
    await t.cmd('call.hangup', { callId: t.phone.dialed[0]!.id });
    await flush();
    await t.press(2, 0b0001_0000, 0);
    await t.press(2, 0, 0);
    expect(t.phone.dialed.map((c) => c.snapshot().remote.user)).toEqual(['1003', '1003']);
    expect(t.bus.device.last()).toEqual([2, OFF_HOOK, 0]); // calling out: off-hook
  });

  test('a press that changes nothing is acknowledged: the LEDs are written again so the headset drops its own toggle', async () => {
    const t = await setup();
    t.bus.device.take();
    await t.press(2, 0b0000_0001, 0); // boom lifted with no call
    expect(t.pressed()).toEqual([expect.objectContaining({ button: 'hook-off', action: 'none' })]);
    expect(t.bus.device.take()).toEqual([[2, 0, 0]]);
    await t.press(2, 0b0000_0000, 0); // the headset falls back on-hook: not a press
    expect(t.pressed()).toHaveLength(1);

    // Mute while idle: mute only means something off-hook; the LED stays off (echoed).
    await t.press(2, 0b0000_0100, 0);
    await t.press(2, 0, 0);
    expect(t.pressed().at(-1)).toMatchObject({ button: 'mute-toggle', action: 'none' });
    expect(t.bus.device.take()).toEqual([[2, 0, 0]]);
  });

  test('unplugging mid-call keeps the call; replugging writes the call state back (Off-Hook + Mute)', async () => {
    const t = await setup();
    const a = t.phone.ring('1002');
    await flush();
    await t.press(2, 0b0000_0001, 0);
    await t.press(2, 0b0000_0101, 0);
    await t.press(2, 0b0000_0001, 0);
    expect(t.view(a.id)).toMatchObject({ state: 'active', muted: true });
    const first = t.bus.device;

    // Unplug: node-hid reports a read error, then the headset is gone from the enumeration.
    first.emit('error', new Error('could not read from HID device'));
    t.bus.plugged = [];
    await t.headset.settled();
    await flush();
    expect(first.closed).toBe(true);
    expect(t.view(a.id)).toMatchObject({ state: 'active', muted: true });
    expect(a.log).toEqual(['answer']);
    expect(t.headset.view).toMatchObject({ connected: false, available: [] });
    const changes = t.headsetEvents();
    expect(changes.at(-1)).toMatchObject({ connected: false });

    // Replugged (Windows gives it a new instance path).
    t.bus.plugged = jabra('A1B2', 2);
    await t.headset.settled();
    await flush();
    const second = t.bus.device;
    expect(second).not.toBe(first);
    expect(second.take()).toEqual([[2, OFF_HOOK | MUTE_LEDS, 0]]);
    expect(t.headset.view).toMatchObject({ connected: true, hookOff: true, muted: true });

    // And its buttons work: boom down hangs up.
    await t.press(2, 0b0000_0001, 0); // follows our Off-Hook: no press
    await t.press(2, 0b0000_0000, 0);
    expect(a.log).toEqual(['answer', 'hangup']);
  });

  test('test mode: presses are reported live but reach no call; a ringing call ends test mode', async () => {
    const t = await setup();
    expect(await t.cmd('headset.test', { active: 'yes' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await t.cmd('headset.test', { active: true })).toEqual({ ok: true, value: null });
    expect(t.headset.view.testing).toBe(true);
    await t.press(2, 0b0000_1000, 0); // flash
    await t.press(2, 0, 0);
    await t.press(2, 0b0000_0100, 0); // mute
    await t.press(2, 0, 0);
    expect(t.pressed().map((p) => `${p.button}:${p.action}`)).toEqual(['flash:test', 'mute-toggle:test']);
    expect(t.pressed().map((p) => p.seq)).toEqual([1, 2]);

    const a = t.phone.ring('1002');
    await flush();
    expect(t.headset.view.testing).toBe(false);
    await t.press(2, 0b0000_0001, 0);
    expect(a.log).toEqual(['answer']);
  });

  test('headset state is in the snapshot and pushed to windows as it changes', async () => {
    const t = await setup();
    expect(t.service.snapshot().headset).toMatchObject({
      enabled: true,
      connected: true,
      name: 'Jabra EVOLVE LINK',
      available: [{ id: 'sn:A1B2', name: 'Jabra EVOLVE LINK', vendor: 'Jabra' }],
    });
    t.phone.ring('1002');
    await flush();
    expect(t.headsetEvents().at(-1)).toMatchObject({ ringing: true });
  });
});

describe('headset choice and settings', () => {
  test('"off" releases the headset (LEDs off, device closed); "auto" takes it again', async () => {
    const t = await setup();
    const a = t.phone.ring('1002');
    await flush();
    expect(await t.cmd('preferences.update', { headset: 'off' })).toMatchObject({ ok: true });
    await flush();
    expect(t.bus.device.closed).toBe(true);
    expect(t.bus.device.last()).toEqual([2, 0, 0]);
    expect(t.headset.view).toMatchObject({ enabled: false, connected: false, ringing: false });
    expect(t.headset.view.available).toHaveLength(1); // still listed, for the settings
    await t.cmd('preferences.update', { headset: 'auto' });
    await t.headset.settled();
    await flush();
    expect(t.bus.opened).toHaveLength(2);
    expect(t.bus.device.take()).toEqual([[2, RING, 0]]);
    expect(a.log).toEqual([]);
  });

  test('with two headsets, the one named like the chosen microphone is driven; a saved choice wins', async () => {
    const t = await setup([...jabra(), ...poly], { audioDeviceName: 'Headset (Plantronics Blackwire 3220 Series)' });
    expect(t.headset.view).toMatchObject({ connected: true, vendor: 'Poly/Plantronics', layoutSource: 'descriptor' });
    await t.cmd('preferences.update', { headset: 'sn:A1B2' });
    await t.headset.settled();
    await flush();
    expect(t.headset.view).toMatchObject({ connected: true, name: 'Jabra EVOLVE LINK' });
    expect(t.bus.opened[0]!.closed).toBe(true);
  });

  test('headset ids and choices', () => {
    expect(headsetIdOf({ serialNumber: 'X1', product: 'P' })).toBe('sn:X1');
    expect(headsetIdOf({ serialNumber: '', product: 'Jabra EVOLVE LINK' })).toBe('name:Jabra EVOLVE LINK');
    expect(headsetChoiceOf({ headset: 'auto', audioDeviceName: 'Jabra' })).toEqual({ audioDeviceName: 'Jabra' });
    expect(headsetChoiceOf({ headset: 'name:Foo' })).toEqual({ saved: { product: 'Foo' } });
    expect(headsetChoiceOf({ headset: 'sn:1' })).toEqual({ saved: { serialNumber: '1' } });
  });
});

describe('Poly Blackwire 3220 (real descriptor: one output report per LED, doubled mute keys)', () => {
  test('answer, mute with the doubled key counted once, LEDs in their own reports, hang up', async () => {
    const t = await setup(poly);
    const a = t.phone.ring('1002');
    await flush();
    expect(t.bus.device.last(0x18)).toEqual([0x18, 1]); // Ring
    // Report 8: bit 0 mute (relative), bit 1 hook (absolute), bit 2 flash.
    await t.press(8, 0b010);
    expect(t.view(a.id).state).toBe('active');
    expect(t.bus.device.last(0x17)).toEqual([0x17, 1]); // Off-Hook
    expect(t.bus.device.last(0x18)).toEqual([0x18, 0]);
    await t.press(8, 0b011);
    t.bus.device.send(8, 0b010);
    t.advance(150); // Poly sends the same press again ~150 ms later
    t.bus.device.send(8, 0b011);
    t.bus.device.send(8, 0b010);
    await t.headset.settled();
    await flush();
    expect(t.view(a.id).muted).toBe(true);
    expect(t.bus.device.last(9)).toEqual([9, 1]); // Mute LED echoed
    await t.press(8, 0b000);
    expect(a.log).toEqual(['answer', 'hangup']);
    expect(t.bus.device.last(0x17)).toEqual([0x17, 0]);
    expect(t.bus.device.last(9)).toEqual([9, 0]);
  });
});

describe('no headset, no node-hid', () => {
  test('node-hid here lists nothing: the service starts, the slot says "not connected"', async () => {
    const headset = new HeadsetService({ devices: loadNodeHidDevices, pollMs: 3_600_000 });
    const desk = { connect: () => () => undefined, dispatch: async () => ({ ok: true as const, value: null }) };
    await headset.start(desk);
    await headset.settled();
    expect(headset.view).toMatchObject({ enabled: true, connected: false });
    await headset.stop();
  });

  test('a device layer that cannot load is logged once and leaves the console working', async () => {
    const warnings: string[] = [];
    const headset = new HeadsetService({
      devices: async () => {
        throw new Error('libusb-1.0.so.0: cannot open shared object file');
      },
      logger: { info: () => undefined, warn: (m) => warnings.push(m) },
    });
    const desk = { connect: () => () => undefined, dispatch: async () => ({ ok: true as const, value: null }) };
    await headset.start(desk);
    await headset.settled();
    expect(headset.view.connected).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('libusb-1.0.so.0')]);
    await headset.stop();
  });

  test('enumeration failing every poll is logged once', async () => {
    const warnings: string[] = [];
    const headset = new HeadsetService({
      devices: { list: async () => Promise.reject(new Error('hid_enumerate failed')), open: async () => Promise.reject(new Error('x')) },
      pollMs: 3_600_000,
      logger: { info: () => undefined, warn: (m) => warnings.push(m) },
    });
    await headset.start({ connect: () => () => undefined, dispatch: async () => ({ ok: true as const, value: null }) });
    await headset.settled();
    await headset.settled();
    expect(warnings).toEqual(['headset: enumeration: hid_enumerate failed']);
    await headset.stop();
  });
});

describe('HeadsetConnection under the bridge', () => {
  test('a jump the controller calls illegal (idle → held) goes through Off-Hook instead of throwing', async () => {
    const bus = new FakeHidBus();
    bus.plugged = jabra();
    const watcher = new HeadsetWatcher({ list: () => bus.list() });
    const connection = new HeadsetConnection({ watcher, open: (info) => bus.open(info) });
    await watcher.poll();
    await connection.settled();
    bus.device.take();
    expect(() => connection.setCallState({ ringing: false, offHook: false, muted: false, held: true })).not.toThrow();
    expect(bus.device.take()).toEqual([
      [2, OFF_HOOK, 0],
      [2, OFF_HOOK | HOLD, 0],
    ]);
    connection.refresh(); // the acknowledgement of a press that changed nothing: same bytes again
    expect(bus.device.take()).toEqual([[2, OFF_HOOK | HOLD, 0]]);
    connection.dispose();
    expect(bus.device.take()).toEqual([[2, 0, 0]]);
  });
});
