/**
 * Headset semantics over a raw HID device: decode input reports into console events and drive the LEDs from the
 * console's call state. Pure (no node-hid): the device is the {@link HidDeviceLike} seam.
 */
import type { TelephonyInput, TelephonyLayout, TelephonyOutputUsage } from './descriptor/telephony-layout';
import { DOUBLED_KEY_WINDOW_MS, type HeadsetQuirks, defaultQuirks } from './headset-quirks';

/** The subset of node-hid's `HID` object the controller needs (node-hid's class satisfies it). */
export interface HidDeviceLike {
  write(report: number[]): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}

/** What the user asked for on the headset. The call service decides what it means for the current calls. */
export type HeadsetEvent = 'hook-off' | 'hook-on' | 'mute-toggle' | 'flash' | 'redial' | 'reject';

/** The console's view of the call the headset is attached to. */
export interface HeadsetCallState {
  ringing: boolean;
  offHook: boolean;
  muted: boolean;
  held: boolean;
}

/**
 * Headset state, derived from the call state the console sets.
 *
 * | from \ to | idle | ringing | in-call | held | closed |
 * |-----------|------|---------|---------|------|--------|
 * | idle      |  ✓   |    ✓    |    ✓    |  ✗   |   ✓    |
 * | ringing   |  ✓   |    ✓    |    ✓    |  ✗   |   ✓    |
 * | in-call   |  ✓   |    ✓    |    ✓    |  ✓   |   ✓    |
 * | held      |  ✓   |    ✓    |    ✓    |  ✓   |   ✓    |
 * | closed    |  ✗   |    ✗    |    ✗    |  ✗   |   ✓    |
 *
 * - `idle`: no call; all LEDs off.
 * - `ringing`: an incoming call and no answered one; Ring LED and Ringer on.
 * - `in-call`: off-hook (a second incoming call may ring: Ring stays on). Off-Hook LED on.
 * - `held`: the call is on hold; Hold LED on and Off-Hook kept on (Jabra ends the call otherwise).
 * - `closed`: {@link HeadsetController.close} was called; terminal.
 * Only a call that exists can be held, so `idle → held` and `ringing → held` are illegal and throw; `in-call →
 * ringing` and `held → ringing` happen when the answered call ends while another one rings.
 */
export type HeadsetState = 'idle' | 'ringing' | 'in-call' | 'held' | 'closed';

const legal: Record<HeadsetState, readonly HeadsetState[]> = {
  idle: ['idle', 'ringing', 'in-call', 'closed'],
  ringing: ['idle', 'ringing', 'in-call', 'closed'],
  'in-call': ['idle', 'ringing', 'in-call', 'held', 'closed'],
  held: ['idle', 'ringing', 'in-call', 'held', 'closed'],
  closed: ['closed'],
};

/** A programming error in the caller (SIP.js style): the console asked for an impossible headset state. */
export class HeadsetStateError extends Error {
  override readonly name = 'HeadsetStateError';
  constructor(
    readonly from: HeadsetState,
    readonly to: HeadsetState,
  ) {
    super(`Invalid state transition from ${from} to ${to}`);
  }
}

export function headsetStateOf(call: HeadsetCallState): Exclude<HeadsetState, 'closed'> {
  if (call.held) return 'held';
  if (call.offHook) return 'in-call';
  if (call.ringing) return 'ringing';
  return 'idle';
}

export interface HeadsetControllerOptions {
  layout: TelephonyLayout;
  quirks?: Partial<HeadsetQuirks>;
  device: HidDeviceLike;
  /** Clock for debouncing; injectable so tests need no timers. */
  now?: () => number;
}

type Listener<T> = (value: T) => void;

const idleCall: HeadsetCallState = { ringing: false, offHook: false, muted: false, held: false };

export class HeadsetController {
  readonly #layout: TelephonyLayout;
  readonly #quirks: HeadsetQuirks;
  readonly #device: HidDeviceLike;
  readonly #now: () => number;
  readonly #eventListeners = new Set<Listener<HeadsetEvent>>();
  readonly #errorListeners = new Set<Listener<Error>>();
  /** Last seen value of each input bit, keyed by usage. */
  readonly #inputBits = new Map<string, boolean>();
  readonly #lastPress = new Map<HeadsetEvent, number>();
  /** Current bytes of each output report (without the id byte): we own every bit we ever wrote. */
  readonly #outputReports = new Map<number, Uint8Array>();
  #call: HeadsetCallState = idleCall;
  #state: HeadsetState = 'idle';

  constructor(options: HeadsetControllerOptions) {
    this.#layout = options.layout;
    this.#quirks = { ...defaultQuirks, ...options.quirks };
    this.#device = options.device;
    this.#now = options.now ?? Date.now;
    for (const { reportId, byteLength } of this.#reportSizes()) {
      this.#outputReports.set(reportId, new Uint8Array(byteLength));
    }
    this.#device.on('data', (data) => this.#onData(data));
    this.#device.on('error', (error) => this.#emitError(error));
  }

  get state(): HeadsetState {
    return this.#state;
  }

  /** The call state last set, so a re-plugged headset can be brought back to it. */
  get callState(): HeadsetCallState {
    return { ...this.#call };
  }

  /** Subscribe to headset requests; returns the unsubscribe function. */
  onEvent(listener: Listener<HeadsetEvent>): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** Device read/write failures (typically an unplug); the watcher reopens the device. */
  onError(listener: Listener<Error>): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /**
   * Mirror the console's call state on the LEDs: answer ⇒ Off-Hook, ringing ⇒ Ring + Ringer, mute ⇒ Mute +
   * Microphone (the echo the device waits for), hold ⇒ Hold with Off-Hook kept on.
   * @throws HeadsetStateError on an illegal transition (see {@link HeadsetState}).
   */
  setCallState(call: HeadsetCallState): void {
    const next = headsetStateOf(call);
    if (!legal[this.#state].includes(next)) throw new HeadsetStateError(this.#state, next);
    this.#call = { ...call };
    this.#state = next;
    this.#writeLeds();
  }

  /**
   * Write every output report again, changed or not. The host acknowledges a button press this way when the press
   * changes nothing in the console (hook lifted with no call, mute pressed while on hold): a device that toggled its
   * own state on the press falls back to ours instead of drifting (or resetting).
   */
  refresh(): void {
    if (this.#state === 'closed') return;
    this.#writeLeds(true);
  }

  /** Turn the LEDs off and release the device. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    try {
      this.#call = idleCall;
      this.#writeLeds();
      this.#device.close();
    } catch (error) {
      this.#emitError(asError(error));
    }
    this.#state = 'closed';
    this.#eventListeners.clear();
  }

  #reportSizes(): Array<{ reportId: number; byteLength: number }> {
    const sizes = new Map(this.#layout.outputReports.map((r) => [r.reportId, r.byteLength]));
    for (const out of this.#layout.outputs) {
      const needed = Math.floor(out.bit / 8) + 1;
      if ((sizes.get(out.reportId) ?? 0) < needed) sizes.set(out.reportId, needed);
    }
    return [...sizes].map(([reportId, byteLength]) => ({ reportId, byteLength }));
  }

  #desiredLeds(): Record<TelephonyOutputUsage, boolean> {
    const c = this.#call;
    return {
      // Jabra: clearing Off-Hook on hold ends the call, so hold never clears it (unless a vendor quirk says so).
      'off-hook': this.#quirks.holdClearsOffHook ? c.offHook && !c.held : c.offHook || c.held,
      ring: c.ringing,
      ringer: c.ringing,
      mute: c.muted,
      microphone: c.muted,
      hold: c.held,
    };
  }

  #writeLeds(all = false): void {
    const desired = this.#desiredLeds();
    const changed = new Set<number>(all ? this.#outputReports.keys() : []);
    for (const out of this.#layout.outputs) {
      const bytes = this.#outputReports.get(out.reportId);
      if (!bytes) continue;
      const index = out.bit >> 3;
      const mask = 1 << (out.bit & 7);
      const before = bytes[index]!;
      const after = desired[out.usage] ? before | mask : before & ~mask;
      if (after !== before) {
        bytes[index] = after;
        changed.add(out.reportId);
      }
    }
    for (const reportId of [...changed].sort((a, b) => a - b)) {
      const bytes = this.#outputReports.get(reportId)!;
      // node-hid expects the report id first; 0 for devices without numbered reports (hidapi convention).
      try {
        this.#device.write([this.#layout.usesReportIds ? reportId : 0, ...bytes]);
      } catch (error) {
        this.#emitError(asError(error));
      }
    }
  }

  #onData(data: Buffer): void {
    if (this.#state === 'closed' || data.length === 0) return;
    const reportId = this.#layout.usesReportIds ? data[0]! : 0;
    const payload = this.#layout.usesReportIds ? data.subarray(1) : data;
    for (const input of this.#layout.inputs) {
      if (input.reportId !== reportId) continue;
      const index = input.bit >> 3;
      if (index >= payload.length) continue;
      const value = ((payload[index]! >> (input.bit & 7)) & 1) === 1;
      const previous = this.#inputBits.get(input.usage) ?? false;
      this.#inputBits.set(input.usage, value);
      this.#decode(input, previous, value);
    }
  }

  #decode(input: TelephonyInput, previous: boolean, value: boolean): void {
    const pressed = value && !previous; // a report repeating a held key is not a new press
    switch (input.usage) {
      case 'hook-switch':
        if (input.relative || this.#quirks.hookIsToggle) {
          // Toggle hook: a press asks to change the hook; the console's state says which way.
          if (pressed) this.#press(this.#call.offHook || this.#call.held ? 'hook-on' : 'hook-off');
        } else if (value !== previous) {
          // Absolute hook: the bit is the state. A change that matches the console's state is the device
          // acknowledging our Off-Hook LED (answer from the UI, remote hang-up), not a user request.
          const consoleOffHook = this.#call.offHook || this.#call.held;
          if (value !== consoleOffHook) this.#emit(value ? 'hook-off' : 'hook-on');
        }
        return;
      case 'phone-mute':
        if (input.relative) {
          if (pressed) this.#press('mute-toggle');
        } else if (value !== previous && value !== this.#call.muted) {
          // Absolute mute reports the device's mute state; differing from ours is a request to toggle.
          this.#press('mute-toggle');
        }
        return;
      case 'flash':
        if (pressed) this.#press('flash');
        return;
      case 'redial':
        if (pressed) this.#press('redial');
        return;
      case 'reject':
        if (pressed) this.#press('reject');
        return;
      case 'line-busy':
      case 'speed-dial':
      case 'programmable-button':
        return; // Reported by the device, no console action bound to them.
      default:
        return missingCase(input.usage);
    }
  }

  /** A press-like event: drop repeats inside the debounce window (contact bounce, Poly's doubled keys). */
  #press(event: HeadsetEvent): void {
    const window =
      event === 'mute-toggle' && this.#quirks.doubledMuteKeys ? DOUBLED_KEY_WINDOW_MS : this.#quirks.debounceMs;
    const now = this.#now();
    const last = this.#lastPress.get(event);
    if (last !== undefined && now - last < window) return;
    this.#lastPress.set(event, now);
    this.#emit(event);
  }

  #emit(event: HeadsetEvent): void {
    for (const listener of [...this.#eventListeners]) listener(event);
  }

  #emitError(error: Error): void {
    for (const listener of [...this.#errorListeners]) listener(error);
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function missingCase(value: never): never {
  throw new Error(`Unhandled headset input: ${String(value)}`);
}
