/**
 * USB headset (issue 6): the part of the contract the headset slot of the info pane, the "test your headset" dialog
 * and the headset setting speak. Kept in its own file and spread into `commands` / `Events` by contract.ts. Pure TS + zod.
 */
import { z } from 'zod';

/** What the receptionist did on the headset (the HID Telephony page, decoded in main). */
export const HEADSET_BUTTON_NAMES = ['hook-off', 'hook-on', 'mute-toggle', 'flash', 'redial', 'reject'] as const;
export type HeadsetButtonName = (typeof HEADSET_BUTTON_NAMES)[number];

/** What the console did about a press (`none`: nothing to do, e.g. mute with no call; `test`: the test dialog is open). */
export const HEADSET_ACTION_NAMES = ['answer', 'hangup', 'mute', 'unmute', 'hold', 'resume', 'swap', 'redial', 'reject', 'none', 'test'] as const;
export type HeadsetActionName = (typeof HEADSET_ACTION_NAMES)[number];

/** A plugged telephony headset, as the settings list offers it. */
export interface HeadsetDeviceView {
  /** Stable across replugs: `sn:<serial>` when the headset has one, else `name:<product>`. */
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
}

/** The headset slot of the info pane. */
export interface HeadsetView {
  /** False when the receptionist turned headset control off in the settings. */
  readonly enabled: boolean;
  /** A headset is open and driven. */
  readonly connected: boolean;
  readonly name?: string;
  readonly vendor?: string;
  /** Where its button/LED layout came from: its own report descriptor (Linux) or our vendor profile. */
  readonly layoutSource?: 'descriptor' | 'vendor-profile';
  /** What the LEDs show (the console's call state mirrored on the headset). */
  readonly hookOff: boolean;
  readonly ringing: boolean;
  readonly muted: boolean;
  readonly held: boolean;
  /** Every telephony headset plugged in (for the settings choice). */
  readonly available: readonly HeadsetDeviceView[];
  /** The "test your headset" dialog is open: presses are shown, not acted on. */
  readonly testing: boolean;
}

export const HEADSET_ABSENT: HeadsetView = {
  enabled: true,
  connected: false,
  hookOff: false,
  ringing: false,
  muted: false,
  held: false,
  available: [],
  testing: false,
};

/** One press, live (the test dialog lists them). */
export interface HeadsetPressView {
  readonly seq: number;
  readonly at: number;
  readonly button: HeadsetButtonName;
  readonly action: HeadsetActionName;
}

interface Def<A extends z.ZodType, R> {
  readonly args: A;
  readonly result?: R;
}
const def =
  <R>() =>
  <A extends z.ZodType>(args: A): Def<A, R> => ({ args });

export const headsetCommands = {
  /**
   * The test dialog opened (`active: true`, re-sent while it stays open) or closed. While testing, presses are only
   * reported; the mode ends by itself after a minute without renewal, and when a call rings.
   */
  'headset.test': def<void>()(z.strictObject({ active: z.boolean() })),
} as const;

export type HeadsetCommandName = keyof typeof headsetCommands;

export interface HeadsetEvents {
  'headset.changed': HeadsetView;
  'headset.pressed': HeadsetPressView;
}
export const HEADSET_EVENT_NAMES = ['headset.changed', 'headset.pressed'] as const;

/** How long a `headset.test {active: true}` lasts without renewal (ms). */
export const HEADSET_TEST_TTL_MS = 60_000;
