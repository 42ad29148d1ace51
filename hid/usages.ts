/**
 * HID usage pages and usage ids the headset bridge cares about (HID Usage Tables 1.5: §11 LED page 0x08,
 * §12 Button page 0x09, §14 Telephony Device page 0x0B).
 */

export const UsagePage = {
  GenericDesktop: 0x01,
  LED: 0x08,
  Button: 0x09,
  Telephony: 0x0b,
  Consumer: 0x0c,
} as const;

/** Telephony Device page (0x0B). */
export const TelephonyUsage = {
  Phone: 0x01,
  AnsweringMachine: 0x02,
  MessageControls: 0x03,
  Handset: 0x04,
  Headset: 0x05,
  TelephonyKeyPad: 0x06,
  ProgrammableButton: 0x07,
  HookSwitch: 0x20,
  Flash: 0x21,
  Feature: 0x22,
  Hold: 0x23,
  Redial: 0x24,
  Transfer: 0x25,
  Drop: 0x26,
  Park: 0x27,
  ForwardCalls: 0x28,
  AlternateFunction: 0x29,
  Line: 0x2a,
  SpeakerPhone: 0x2b,
  Conference: 0x2c,
  RingEnable: 0x2d,
  RingSelect: 0x2e,
  PhoneMute: 0x2f,
  CallerId: 0x30,
  Send: 0x31,
  SpeedDial: 0x50,
  StoreNumber: 0x51,
  RecallNumber: 0x52,
  PhoneDirectory: 0x53,
  VoiceMail: 0x70,
  ScreenCalls: 0x71,
  DoNotDisturb: 0x72,
  Message: 0x73,
  AnswerOnOff: 0x74,
  LineBusyTone: 0x97,
  Ringer: 0x9e,
} as const;

/** LED page (0x08), telephony subset. */
export const LedUsage = {
  Mute: 0x09,
  OffHook: 0x17,
  Ring: 0x18,
  MessageWaiting: 0x19,
  DataMode: 0x1a,
  BatteryOperation: 0x1b,
  BatteryOk: 0x1c,
  BatteryLow: 0x1d,
  Speaker: 0x1e,
  HeadSet: 0x1f,
  Hold: 0x20,
  Microphone: 0x21,
} as const;

/** Collection types (HID 1.11 §6.2.2.6). */
export const CollectionType = {
  Physical: 0x00,
  Application: 0x01,
  Logical: 0x02,
  Report: 0x03,
  NamedArray: 0x04,
  UsageSwitch: 0x05,
  UsageModifier: 0x06,
} as const;

/** A 32-bit extended usage: page in the high 16 bits, id in the low 16 bits (HID 1.11 §6.2.2.8). */
export function extendedUsage(page: number, id: number): number {
  return ((page & 0xffff) * 0x10000 + (id & 0xffff)) >>> 0;
}

export function usagePageOf(usage: number): number {
  return Math.floor(usage / 0x10000) & 0xffff;
}

export function usageIdOf(usage: number): number {
  return usage & 0xffff;
}

const pageNames: Record<number, string> = {
  [UsagePage.GenericDesktop]: 'Generic Desktop',
  [UsagePage.LED]: 'LED',
  [UsagePage.Button]: 'Button',
  [UsagePage.Telephony]: 'Telephony',
  [UsagePage.Consumer]: 'Consumer',
};

function invert(table: Record<string, number>): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [name, id] of Object.entries(table)) out[id] = name;
  return out;
}

const telephonyNames = invert(TelephonyUsage);
const ledNames = invert(LedUsage);

/** Human-readable name of a usage page, for logs and the support CLI. */
export function usagePageName(page: number): string {
  return pageNames[page] ?? (page >= 0xff00 ? `Vendor 0x${hex4(page)}` : `Page 0x${hex4(page)}`);
}

/** Human-readable name of a usage, e.g. `Telephony.HookSwitch`, `Button 7`. */
export function usageName(page: number, id: number): string {
  if (page === UsagePage.Telephony && telephonyNames[id]) return `Telephony.${telephonyNames[id]}`;
  if (page === UsagePage.LED && ledNames[id]) return `LED.${ledNames[id]}`;
  if (page === UsagePage.Button) return `Button ${id}`;
  return `${usagePageName(page)}:0x${hex4(id)}`;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
