import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHexBytes } from '../../hid/descriptor/hex';
import {
  HeadsetConnection,
  type HeadsetInfo,
  HeadsetWatcher,
  type OpenedHeadset,
  type RawHidDevice,
  chooseHeadset,
  listTelephonyHeadsets,
  readLinuxReportDescriptor,
  resolveLayout,
  telephonyHeadsetsOf,
} from '../../hid/device';
import type { HeadsetEvent, HidDeviceLike } from '../../hid/headset-controller';
import { JabraHeadset, PolyHeadset } from '../../hid/vendors';

const jabraBytes = parseHexBytes(readFileSync(join(__dirname, '..', 'fixtures', 'hid', 'jabra-evolve-link.hex'), 'utf8'));

/** One physical Jabra as node-hid enumerates it on Windows: one entry per top-level collection. */
const jabraCollections = (serial = 'A1B2', n = 1): RawHidDevice[] => [
  { vendorId: 0x0b0e, productId: 0x0305, path: `hid#vid_0b0e&col01#${n}`, product: 'Jabra EVOLVE LINK', serialNumber: serial, interface: 3, usagePage: 0x0c, usage: 0x01 },
  { vendorId: 0x0b0e, productId: 0x0305, path: `hid#vid_0b0e&col02#${n}`, product: 'Jabra EVOLVE LINK', serialNumber: serial, interface: 3, usagePage: 0x0b, usage: 0x05 },
  { vendorId: 0x0b0e, productId: 0x0305, path: `hid#vid_0b0e&col03#${n}`, product: 'Jabra EVOLVE LINK', serialNumber: serial, interface: 3, usagePage: 0xff30, usage: 0x01 },
];
const polyCollections: RawHidDevice[] = [
  { vendorId: 0x047f, productId: 0xc056, path: '/dev/hidraw7', product: 'Plantronics Blackwire 3220 Series', manufacturer: 'Plantronics', serialNumber: 'D1CE', interface: 3, usagePage: 0x0b, usage: 0x05 },
  { vendorId: 0x047f, productId: 0xc056, path: '/dev/hidraw7', product: 'Plantronics Blackwire 3220 Series', manufacturer: 'Plantronics', serialNumber: 'D1CE', interface: 3, usagePage: 0x0c, usage: 0x01 },
];

describe('discovery', () => {
  test('only the telephony headset collection of each headset is listed', () => {
    const headsets = telephonyHeadsetsOf([...jabraCollections(), ...polyCollections]);
    expect(headsets.map((h) => h.path)).toEqual(['hid#vid_0b0e&col02#1', '/dev/hidraw7']);
  });

  test('node-hid loads here and lists only telephony collections (none on this machine: no virtual HID)', async () => {
    const headsets = await listTelephonyHeadsets();
    expect(Array.isArray(headsets)).toBe(true);
    for (const h of headsets) expect([h.usagePage, h.usage]).toEqual([0x0b, 0x05]);
  });

  test('the headset whose name matches the chosen audio device is selected; the saved one wins', () => {
    const headsets = telephonyHeadsetsOf([...jabraCollections(), ...polyCollections]);
    expect(chooseHeadset(headsets, { audioDeviceName: 'Headset (Plantronics Blackwire 3220 Series)' })?.vendorId).toBe(0x047f);
    expect(chooseHeadset(headsets, { audioDeviceName: 'Jabra EVOLVE LINK MS' })?.vendorId).toBe(0x0b0e);
    expect(
      chooseHeadset(headsets, { saved: { serialNumber: 'D1CE' }, audioDeviceName: 'Jabra EVOLVE LINK MS' })?.vendorId,
    ).toBe(0x047f);
    expect(chooseHeadset(headsets, { audioDeviceName: 'Realtek Speakers' })?.vendorId).toBe(0x0b0e);
    expect(chooseHeadset([], {})).toBeUndefined();
  });
});

describe('layout source', () => {
  let sysfs: string;
  beforeEach(() => {
    sysfs = mkdtempSync(join(tmpdir(), 'hidraw-'));
  });
  afterEach(() => rmSync(sysfs, { recursive: true, force: true }));

  const plug = (node: string, bytes: Uint8Array): void => {
    mkdirSync(join(sysfs, node, 'device'), { recursive: true });
    writeFileSync(join(sysfs, node, 'device', 'report_descriptor'), bytes);
  };
  const info = (path: string, vendorId: number): HeadsetInfo => ({
    path, vendorId, productId: 1, product: '', manufacturer: '', serialNumber: '', interface: 0, usagePage: 0x0b, usage: 0x05,
  });

  test('on Linux the real descriptor in sysfs decides the layout', () => {
    plug('hidraw3', jabraBytes);
    expect(readLinuxReportDescriptor('/dev/hidraw3', sysfs)).toEqual(jabraBytes);
    // A Poly vendor id with a Jabra descriptor: the descriptor wins, quirks still come from the vendor.
    const resolved = resolveLayout(info('/dev/hidraw3', 0x047f), (p) => readLinuxReportDescriptor(p, sysfs));
    expect(resolved.source).toBe('descriptor');
    expect(resolved.layout).toEqual(JabraHeadset.layout);
    expect(resolved.quirks.doubledMuteKeys).toBe(true);
  });

  test('a corrupt descriptor, a missing node or a Windows path fall back to the vendor profile', () => {
    plug('hidraw4', jabraBytes.subarray(0, 20));
    const read = (p: string) => readLinuxReportDescriptor(p, sysfs);
    const corrupt = resolveLayout(info('/dev/hidraw4', 0x047f), read);
    expect(corrupt).toMatchObject({ source: 'vendor-profile', layout: PolyHeadset.layout });
    expect(corrupt.fallbackReason).toMatch(/still open|truncated|needs/);
    expect(resolveLayout(info('/dev/hidraw9', 0x0b0e), read)).toMatchObject({ source: 'vendor-profile', layout: JabraHeadset.layout });
    expect(readLinuxReportDescriptor('\\\\?\\hid#vid_0b0e&col02', sysfs)).toBeNull();
  });
});

class FakeHeadset extends EventEmitter implements HidDeviceLike {
  readonly written: number[][] = [];
  closed = false;
  write(report: number[]): void {
    this.written.push([...report]);
  }
  close(): void {
    this.closed = true;
  }
}

describe('hot-plug', () => {
  test('the watcher reports headsets that appear and disappear between polls', async () => {
    let plugged: RawHidDevice[] = [];
    const watcher = new HeadsetWatcher({ list: async () => telephonyHeadsetsOf(plugged) });
    const log: string[] = [];
    watcher.onDidAttach((h) => log.push(`+${h.path}`));
    watcher.onDidDetach((h) => log.push(`-${h.path}`));
    await watcher.poll();
    plugged = jabraCollections();
    await watcher.poll();
    await watcher.poll();
    plugged = polyCollections;
    await watcher.poll();
    expect(log).toEqual(['+hid#vid_0b0e&col02#1', '-hid#vid_0b0e&col02#1', '+/dev/hidraw7']);
    expect(watcher.headsets.map((h) => h.vendorId)).toEqual([0x047f]);
  });

  test('an enumeration failure is reported and the next poll carries on', async () => {
    let fail = true;
    const watcher = new HeadsetWatcher({
      list: async () => {
        if (fail) throw new Error('hid_enumerate failed');
        return telephonyHeadsetsOf(jabraCollections());
      },
    });
    const errors: string[] = [];
    watcher.onError((e) => errors.push(e.message));
    await watcher.poll();
    fail = false;
    await watcher.poll();
    expect(errors).toEqual(['hid_enumerate failed']);
    expect(watcher.headsets).toHaveLength(1);
  });

  test('receptionist unplugs the headset mid-call and plugs it back: LEDs come back, buttons work again', async () => {
    let plugged: RawHidDevice[] = jabraCollections('A1B2', 1);
    const watcher = new HeadsetWatcher({ list: async () => telephonyHeadsetsOf(plugged) });
    const devices: FakeHeadset[] = [];
    const open = async (): Promise<OpenedHeadset> => {
      const device = new FakeHeadset();
      devices.push(device);
      return { device, layout: JabraHeadset.layout, quirks: JabraHeadset.quirks, source: 'vendor-profile' };
    };
    const connection = new HeadsetConnection({ watcher, open, choice: { audioDeviceName: 'Jabra EVOLVE LINK' } });
    const events: HeadsetEvent[] = [];
    connection.onEvent((e) => events.push(e));
    const changes: Array<string | null> = [];
    connection.onDidChangeHeadset((h) => changes.push(h?.path ?? null));

    await watcher.poll();
    await connection.settled();
    connection.setCallState({ ringing: false, offHook: true, muted: false, held: false });
    connection.setCallState({ ringing: false, offHook: true, muted: false, held: true });
    expect(devices[0]!.written.at(-1)).toEqual([2, 0b0000_1001, 0]);

    // Unplug: node-hid reports a read error, then the headset leaves the enumeration.
    devices[0]!.emit('error', new Error('could not read from HID device'));
    plugged = [];
    await watcher.poll();
    await connection.settled();
    expect(connection.connected).toBeNull();
    expect(devices[0]!.closed).toBe(true);

    // Replug (Windows gives it a new instance path): reopened, call state replayed through legal transitions.
    plugged = jabraCollections('A1B2', 2);
    await watcher.poll();
    await connection.settled();
    expect(connection.connected?.info.path).toBe('hid#vid_0b0e&col02#2');
    expect(devices).toHaveLength(2);
    expect(devices[1]!.written).toEqual([
      [2, 0b0000_0001, 0],
      [2, 0b0000_1001, 0],
    ]);
    devices[1]!.emit('data', Buffer.from([2, 1, 0])); // the new device follows our Off-Hook LED: no event
    devices[1]!.emit('data', Buffer.from([2, 0, 0])); // boom down
    expect(events).toEqual(['hook-on']);
    expect(changes).toEqual(['hid#vid_0b0e&col02#1', null, 'hid#vid_0b0e&col02#2']);
    connection.dispose();
    expect(devices[1]!.closed).toBe(true);
  });

  test('after a transient read error the still-plugged headset is reopened on the next poll', async () => {
    const watcher = new HeadsetWatcher({ list: async () => telephonyHeadsetsOf(polyCollections) });
    const devices: FakeHeadset[] = [];
    const connection = new HeadsetConnection({
      watcher,
      open: async () => {
        const device = new FakeHeadset();
        devices.push(device);
        return { device, layout: PolyHeadset.layout, quirks: PolyHeadset.quirks, source: 'descriptor' };
      },
    });
    await watcher.poll();
    await connection.settled();
    devices[0]!.emit('error', new Error('could not read from HID device'));
    expect(connection.connected).toBeNull();
    await watcher.poll();
    await connection.settled();
    expect(connection.connected?.source).toBe('descriptor');
    expect(devices).toHaveLength(2);
    connection.dispose();
  });
});
