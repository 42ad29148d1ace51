import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HidDescriptorError, HidError, TelephonyLayoutError } from '../../hid/descriptor/errors';
import { parseHexBytes } from '../../hid/descriptor/hex';
import { parseReportDescriptor, usageAt } from '../../hid/descriptor/parser';
import { telephonyLayoutFromDescriptor, type TelephonyLayout } from '../../hid/descriptor/telephony-layout';
import { extendedUsage } from '../../hid/usages';

const fixture = (name: string): Uint8Array =>
  parseHexBytes(readFileSync(join(__dirname, '..', 'fixtures', 'hid', name), 'utf8'));

const poly = fixture('poly-blackwire-3220-telephony.hex');
const jabra = fixture('jabra-evolve-link.hex');
const yealink = fixture('yealink-uh3x.hex');

describe('telephony layout of real headset descriptors', () => {
  test('Poly Blackwire 3220: relative mute and absolute hook/flash in report 8, one LED per report', () => {
    const layout = telephonyLayoutFromDescriptor(poly);
    expect(layout).toEqual<TelephonyLayout>({
      inputs: [
        { usage: 'phone-mute', reportId: 8, bit: 0, relative: true },
        { usage: 'hook-switch', reportId: 8, bit: 1, relative: false },
        { usage: 'flash', reportId: 8, bit: 2, relative: false },
      ],
      outputs: [
        { usage: 'mute', reportId: 9, bit: 0 },
        { usage: 'off-hook', reportId: 0x17, bit: 0 },
        { usage: 'ring', reportId: 0x18, bit: 0 },
      ],
      usesReportIds: true,
      outputReports: [
        { reportId: 9, byteLength: 1 },
        { reportId: 0x17, byteLength: 1 },
        { reportId: 0x18, byteLength: 1 },
      ],
    });
  });

  test('Jabra EVOLVE LINK: report 2 carries every control; Button 7 declared before its page is the reject key', () => {
    const layout = telephonyLayoutFromDescriptor(jabra);
    expect(layout.inputs).toEqual([
      { usage: 'hook-switch', reportId: 2, bit: 0, relative: false },
      { usage: 'line-busy', reportId: 2, bit: 1, relative: false },
      { usage: 'phone-mute', reportId: 2, bit: 2, relative: true },
      { usage: 'flash', reportId: 2, bit: 3, relative: true },
      { usage: 'redial', reportId: 2, bit: 4, relative: true },
      { usage: 'speed-dial', reportId: 2, bit: 5, relative: true },
      // bits 6-9: the keypad array, which is not an on/off control
      { usage: 'reject', reportId: 2, bit: 10, relative: false },
    ]);
    expect(layout.outputs).toEqual([
      { usage: 'off-hook', reportId: 2, bit: 0 },
      { usage: 'mute', reportId: 2, bit: 1 },
      { usage: 'ring', reportId: 2, bit: 2 },
      { usage: 'hold', reportId: 2, bit: 3 },
      { usage: 'microphone', reportId: 2, bit: 4 },
      { usage: 'ringer', reportId: 2, bit: 5 },
    ]);
    expect(layout.outputReports).toEqual([{ reportId: 2, byteLength: 2 }]);
  });

  test('Yealink: consumer mute and the vendor collection are ignored; ranges, push/pop, extended usage resolve', () => {
    const layout = telephonyLayoutFromDescriptor(yealink);
    expect(layout.inputs).toEqual([
      { usage: 'hook-switch', reportId: 2, bit: 0, relative: false },
      { usage: 'line-busy', reportId: 2, bit: 1, relative: false },
      { usage: 'phone-mute', reportId: 2, bit: 3, relative: true },
      { usage: 'flash', reportId: 2, bit: 4, relative: true },
      { usage: 'redial', reportId: 2, bit: 5, relative: true },
      { usage: 'speed-dial', reportId: 2, bit: 6, relative: true },
      { usage: 'reject', reportId: 2, bit: 7, relative: false },
    ]);
    expect(layout.outputs).toEqual([
      { usage: 'off-hook', reportId: 2, bit: 0 },
      { usage: 'ring', reportId: 2, bit: 1 },
      { usage: 'mute', reportId: 2, bit: 2 },
      { usage: 'hold', reportId: 2, bit: 3 },
      { usage: 'microphone', reportId: 2, bit: 4 },
      { usage: 'ringer', reportId: 2, bit: 6 },
    ]);
    expect(layout.outputReports).toEqual([{ reportId: 2, byteLength: 2 }]);
  });
});

describe('report descriptor parser', () => {
  test('the vendor collection keeps its 0..255 logical range although 0xFF was written on one byte', () => {
    const parsed = parseReportDescriptor(yealink);
    const vendorInput = parsed.fields.find((f) => f.kind === 'input' && f.reportId === 0x30);
    expect(vendorInput).toMatchObject({ reportSize: 8, reportCount: 63, logicalMinimum: 0, logicalMaximum: 255 });
    expect(parsed.reportBits.get('input:48')).toBe(63 * 8);
    expect(parsed.collections.map((c) => c.usage)).toEqual([
      extendedUsage(0x0c, 0x01),
      extendedUsage(0x0b, 0x05),
      extendedUsage(0xff00, 0x01),
    ]);
  });

  test('a signed logical minimum, usage ranges and per-report bit offsets', () => {
    const bytes = parseHexBytes(`
      05 01 09 02 a1 01 85 01 05 09 19 01 29 03 15 00 25 01 75 01 95 03 81 02 95 05 81 03
      05 01 09 30 09 31 15 81 25 7f 75 08 95 02 81 06 c0`);
    const parsed = parseReportDescriptor(bytes);
    const [buttons, padding, axes] = parsed.fields;
    expect(buttons).toMatchObject({ reportId: 1, bitOffset: 0, reportCount: 3 });
    expect(usageAt(buttons!, 2)).toBe(extendedUsage(0x09, 3));
    expect(padding).toMatchObject({ bitOffset: 3, usages: [] });
    expect(axes).toMatchObject({ bitOffset: 8, logicalMinimum: -127, logicalMaximum: 127 });
    expect(axes!.flags.relative).toBe(true);
    expect(usageAt(axes!, 1)).toBe(extendedUsage(0x01, 0x31));
  });

  test('preferred state and null state flags are reported', () => {
    const parsed = parseReportDescriptor(jabra);
    const keypad = parsed.fields.find((f) => f.reportSize === 4)!;
    expect(keypad.flags).toMatchObject({ variable: false, nullState: true });
    const hook = parsed.fields[0]!;
    expect(hook.flags).toMatchObject({ variable: true, relative: false, noPreferredState: true });
  });

  test.each([
    ['an empty descriptor', '', 'empty'],
    ['a truncated item', '05 0b 09', 'truncated'],
    ['a truncated long item', 'fe 05 00 01 02', 'truncated'],
    ['End Collection without a collection', 'c0', 'unbalanced-collection'],
    ['a collection never closed', '05 0b 09 05 a1 01', 'unbalanced-collection'],
    ['Pop without Push', 'b4', 'stack'],
    ['Push never popped', 'a4', 'stack'],
    ['Report ID 0', '85 00', 'bad-report-id'],
    ['a reserved item type', '0c', 'bad-item'],
    ['a report of gigabytes', '75 ff 97 ff ff 00 00 81 02', 'report-too-large'],
    ['an inverted usage range', '05 09 19 05 29 01 75 01 95 01 81 02', 'bad-usage-range'],
  ])('rejects %s with a typed error', (_name, hex, code) => {
    const run = (): unknown => parseReportDescriptor(parseHexBytes(hex));
    expect(run).toThrow(HidDescriptorError);
    try {
      run();
    } catch (e) {
      expect((e as HidDescriptorError).code).toBe(code);
    }
  });

  test('a mouse descriptor has no telephony collection', () => {
    const mouse = parseHexBytes('05 01 09 02 a1 01 05 09 19 01 29 03 15 00 25 01 75 01 95 03 81 02 c0');
    expect(() => telephonyLayoutFromDescriptor(mouse)).toThrow(TelephonyLayoutError);
  });

  test('a telephony Phone collection (0x0B/0x01) is not a headset collection', () => {
    const phone = parseHexBytes('05 0b 09 01 a1 01 09 20 15 00 25 01 75 01 95 01 81 22 95 07 81 01 c0');
    expect(() => telephonyLayoutFromDescriptor(phone)).toThrow(/no Telephony Headset application collection/);
  });

  test('hook and mute inputs flagged Constant by the firmware still count (Anker PowerConf marks them so)', () => {
    const bytes = parseHexBytes('05 0b 09 05 a1 01 85 02 15 00 25 01 09 20 09 2f 75 01 95 02 81 23 95 06 81 03 c0');
    expect(telephonyLayoutFromDescriptor(bytes).inputs).toEqual([
      { usage: 'hook-switch', reportId: 2, bit: 0, relative: false },
      { usage: 'phone-mute', reportId: 2, bit: 1, relative: false },
    ]);
  });
});

/** xorshift32: deterministic, so a failing case can be replayed from its index. */
function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

function expectErrorOrLayout(bytes: Uint8Array, label: string): 'layout' | 'error' {
  try {
    const layout = telephonyLayoutFromDescriptor(bytes);
    for (const c of [...layout.inputs, ...layout.outputs]) {
      expect(Number.isInteger(c.bit) && c.bit >= 0).toBe(true);
      expect(c.reportId >= 0 && c.reportId <= 255).toBe(true);
    }
    return 'layout';
  } catch (e) {
    if (!(e instanceof HidError)) throw new Error(`${label}: untyped failure ${String(e)}`);
    expect(e.message.length).toBeGreaterThan(0);
    return 'error';
  }
}

describe('hostile descriptors', () => {
  test('every truncation of the real descriptors is an error, never a crash', () => {
    // Yealink's descriptor is well-formed when cut after the headset collection, after the long item, and after
    // the vendor collection's Usage Page and Usage items (no collection open); every other cut must be rejected.
    const longItem = yealink.indexOf(0xfe);
    const wellFormedCuts: Record<string, number[]> = {
      poly: [],
      jabra: [],
      yealink: [longItem, longItem + 5, longItem + 8, longItem + 10],
    };
    for (const [name, bytes] of [['poly', poly], ['jabra', jabra], ['yealink', yealink]] as const) {
      for (let len = 0; len < bytes.length; len++) {
        const cut = bytes.subarray(0, len);
        const expected = wellFormedCuts[name]!.includes(len) ? 'layout' : 'error';
        expect(`${name}[0..${len}) ${expectErrorOrLayout(cut, `${name}[0..${len})`)}`).toBe(`${name}[0..${len}) ${expected}`);
      }
    }
  });

  test('4000 seeded random descriptors end in a layout or a typed error', () => {
    const next = rng(0x9e3779b9);
    // Prefixes that drive the parser deep: usage page, usage, ranges, size/count/id, main items, collections,
    // push/pop, long items, 4-byte usages, and the telephony/LED pages as data.
    const alphabet = [0x05, 0x09, 0x0b, 0x19, 0x29, 0x15, 0x25, 0x75, 0x95, 0x85, 0x81, 0x91, 0xb1, 0xa1, 0xc0, 0xa4, 0xb4, 0xfe, 0x06, 0x0a, 0x97, 0x27];
    const dataPool = [0x00, 0x01, 0x02, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x17, 0x18, 0x20, 0x21, 0x22, 0x2f, 0x97, 0x9e, 0xff];
    const outcomes = { layout: 0, error: 0 };
    const sources = [poly, jabra, yealink];
    for (let n = 0; n < 4000; n++) {
      let bytes: Uint8Array;
      const mode = n % 4;
      if (mode === 0) {
        // Item-shaped noise.
        const out: number[] = [];
        const items = 1 + (next() % 60);
        for (let i = 0; i < items; i++) {
          const prefix = alphabet[next() % alphabet.length]!;
          out.push(prefix);
          const size = prefix === 0xfe ? 2 : [0, 1, 2, 4][prefix & 3]!;
          for (let k = 0; k < size; k++) out.push(dataPool[next() % dataPool.length]!);
        }
        if (next() % 8 === 0) out.pop();
        bytes = Uint8Array.from(out);
      } else if (mode === 1) {
        // Real descriptors with a few bytes flipped.
        const src = sources[next() % sources.length]!;
        bytes = Uint8Array.from(src);
        const flips = 1 + (next() % 4);
        for (let i = 0; i < flips; i++) bytes[next() % bytes.length] = next() & 0xff;
      } else if (mode === 2) {
        // Real descriptors spliced: a prefix of one, a suffix of another.
        const a = sources[next() % sources.length]!;
        const b = sources[next() % sources.length]!;
        bytes = Uint8Array.from([...a.subarray(0, next() % a.length), ...b.subarray(next() % b.length)]);
      } else {
        // Plain random bytes.
        bytes = Uint8Array.from({ length: next() % 128 }, () => next() & 0xff);
      }
      outcomes[expectErrorOrLayout(bytes, `case ${n}`)]++;
    }
    // Both outcomes occur: the generator reaches the layout code, not only the parser's error paths.
    expect(outcomes.layout).toBeGreaterThan(50);
    expect(outcomes.error).toBeGreaterThan(50);
  });
});
