/**
 * Reduce a parsed report descriptor to the few bits a telephony headset exchanges with a softphone.
 * Only fields inside a Telephony/Headset application collection (page 0x0B, usage 0x05) count: the consumer
 * collection of the same device also carries a "Mute" (0x0C/0xE2) that must not be confused with Phone Mute.
 */
import { LedUsage, TelephonyUsage, UsagePage, extendedUsage, usageIdOf, usagePageOf } from '../usages';
import { TelephonyLayoutError } from './errors';
import { parseReportDescriptor, reportKey, usageAt } from './parser';

export type TelephonyInputUsage =
  | 'hook-switch'
  | 'phone-mute'
  | 'flash'
  | 'redial'
  | 'line-busy'
  | 'speed-dial'
  | 'reject'
  | 'programmable-button';

export type TelephonyOutputUsage = 'off-hook' | 'ring' | 'mute' | 'hold' | 'microphone' | 'ringer';

export interface TelephonyInput {
  usage: TelephonyInputUsage;
  /** 0 when the device uses no report ids. */
  reportId: number;
  /** Bit index counted from the first bit after the report-id byte. */
  bit: number;
  /** Relative (a press is a request, e.g. toggle mute) vs absolute (the bit is the state, e.g. hook). */
  relative: boolean;
}

export interface TelephonyOutput {
  usage: TelephonyOutputUsage;
  reportId: number;
  bit: number;
}

export interface TelephonyLayout {
  inputs: TelephonyInput[];
  outputs: TelephonyOutput[];
  /** Whether every report starts with its id byte on the wire. */
  usesReportIds: boolean;
  /** Length in bytes (without the id byte) of each output report the LEDs live in. */
  outputReports: Array<{ reportId: number; byteLength: number }>;
}

const inputByUsage = new Map<number, TelephonyInputUsage>([
  [extendedUsage(UsagePage.Telephony, TelephonyUsage.HookSwitch), 'hook-switch'],
  [extendedUsage(UsagePage.Telephony, TelephonyUsage.PhoneMute), 'phone-mute'],
  [extendedUsage(UsagePage.Telephony, TelephonyUsage.Flash), 'flash'],
  [extendedUsage(UsagePage.Telephony, TelephonyUsage.Redial), 'redial'],
  [extendedUsage(UsagePage.Telephony, TelephonyUsage.LineBusyTone), 'line-busy'],
  [extendedUsage(UsagePage.Telephony, TelephonyUsage.SpeedDial), 'speed-dial'],
  [extendedUsage(UsagePage.Telephony, TelephonyUsage.ProgrammableButton), 'programmable-button'],
]);

const outputByUsage = new Map<number, TelephonyOutputUsage>([
  [extendedUsage(UsagePage.LED, LedUsage.OffHook), 'off-hook'],
  [extendedUsage(UsagePage.LED, LedUsage.Ring), 'ring'],
  [extendedUsage(UsagePage.LED, LedUsage.Mute), 'mute'],
  [extendedUsage(UsagePage.LED, LedUsage.Hold), 'hold'],
  [extendedUsage(UsagePage.LED, LedUsage.Microphone), 'microphone'],
  [extendedUsage(UsagePage.Telephony, TelephonyUsage.Ringer), 'ringer'],
]);

// Jabra and Teams-certified dongles put their reject key on Button 7 (Button page) inside the headset collection;
// other buttons there are vendor programmable keys.
const REJECT_BUTTON = 7;

function inputUsageFor(usage: number): TelephonyInputUsage | undefined {
  if (usagePageOf(usage) === UsagePage.Button) {
    return usageIdOf(usage) === REJECT_BUTTON ? 'reject' : 'programmable-button';
  }
  return inputByUsage.get(usage);
}

const HEADSET_COLLECTION = extendedUsage(UsagePage.Telephony, TelephonyUsage.Headset);

/**
 * Parse `bytes` and return where the telephony controls live.
 * @throws HidDescriptorError when the bytes are not a well-formed descriptor.
 * @throws TelephonyLayoutError when there is no telephony headset collection, or it has no known control.
 */
export function telephonyLayoutFromDescriptor(bytes: Uint8Array): TelephonyLayout {
  const parsed = parseReportDescriptor(bytes);
  const headsetCollections = new Set(
    parsed.collections
      .filter((c) => c.parent === null && c.type === 0x01 && c.usage === HEADSET_COLLECTION)
      .map((c) => c.index),
  );
  if (headsetCollections.size === 0) {
    throw new TelephonyLayoutError(
      'no-telephony-collection',
      'The descriptor has no Telephony Headset application collection (usage page 0x0B, usage 0x05).',
    );
  }

  const inputs: TelephonyInput[] = [];
  const outputs: TelephonyOutput[] = [];
  const seenIn = new Set<TelephonyInputUsage>();
  const seenOut = new Set<TelephonyOutputUsage>();
  const outputReportIds = new Set<number>();

  for (const field of parsed.fields) {
    const app = field.collectionPath[0];
    if (app === undefined || !headsetCollections.has(app)) continue;
    // One bit per control (a variable, 1-bit field) is how every headset we know reports these; array fields
    // (keypads) carry selectors, not on/off controls.
    // Constant fields are padding, except when the firmware names telephony usages on them: Anker PowerConf
    // declares Hook Switch and Phone Mute as Input (Const,Var,…) and still toggles the bits.
    if (field.usages.length === 0 || !field.flags.variable || field.reportSize !== 1) continue;
    for (let i = 0; i < field.reportCount; i++) {
      const usage = usageAt(field, i);
      if (usage === undefined) break;
      const bit = field.bitOffset + i;
      if (field.kind === 'input') {
        const name = inputUsageFor(usage);
        if (!name || seenIn.has(name)) continue; // First declaration wins (HID tools behave the same).
        seenIn.add(name);
        inputs.push({ usage: name, reportId: field.reportId, bit, relative: field.flags.relative });
      } else if (field.kind === 'output') {
        const name = outputByUsage.get(usage);
        if (!name || seenOut.has(name)) continue;
        seenOut.add(name);
        outputs.push({ usage: name, reportId: field.reportId, bit });
        outputReportIds.add(field.reportId);
      }
    }
  }

  if (inputs.length === 0 && outputs.length === 0) {
    throw new TelephonyLayoutError(
      'no-telephony-controls',
      'The Telephony Headset collection declares none of Hook Switch, Phone Mute, Flash, Redial, Line Busy or the LEDs.',
    );
  }

  const outputReports = [...outputReportIds]
    .sort((a, b) => a - b)
    .map((reportId) => ({
      reportId,
      byteLength: Math.ceil((parsed.reportBits.get(reportKey('output', reportId)) ?? 0) / 8),
    }));
  return { inputs, outputs, usesReportIds: parsed.usesReportIds, outputReports };
}
