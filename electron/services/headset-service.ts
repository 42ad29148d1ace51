/**
 * The USB headset bridge in the main process (issue 6): headset presses drive the calls, the calls drive the LEDs.
 *
 * - Devices come from the `hid/device` seam ({@link HeadsetDevices}: list + open). The real one is node-hid, loaded
 *   lazily so a machine without libusb or hidraw access still starts (the headset slot then says "no headset");
 *   tests pass a fake that speaks bytes (input reports in, output reports captured).
 * - Calls come from the console itself: the service connects to it like a window does (snapshot, then
 *   `call.changed`/`call.removed`/`preferences.changed`) and runs every press as a contract command through
 *   `dispatch`, so a press does exactly what the same click would (hold the other line, decline code, conferences).
 * - It is a {@link ConsoleExtension}: it answers `headset.test`, pushes `headset.changed` / `headset.pressed`, and
 *   puts the headset slot into the snapshot.
 * - Hot-plug and replug are the watcher's and HeadsetConnection's job: an unplug never touches a call, a replug
 *   gets the current call state written back.
 */
import type { CommandName, Events, EventName, Result } from '../contract/contract';
import type { CallView, Preferences } from '../contract/dto';
import {
  HEADSET_ABSENT,
  HEADSET_TEST_TTL_MS,
  type HeadsetActionName,
  type HeadsetButtonName,
  type HeadsetDeviceView,
  type HeadsetView,
} from '../contract/headset';
import { HeadsetConnection, type OpenedHeadset } from '../../hid/device/headset-connection';
import type { HeadsetChoice, HeadsetInfo } from '../../hid/device/headset-info';
import { HeadsetWatcher } from '../../hid/device/headset-watcher';
import type { HeadsetCallState } from '../../hid/headset-controller';
import { profileForVendor } from '../../hid/vendors';
import type { ConsoleExtension, HostConnection } from './console-service';
import { headsetCallStateOf, planHeadsetAction } from './headset-bridge';

/** The device seam: what `hid/device/node-hid-headsets.ts` provides (and what tests fake). */
export interface HeadsetDevices {
  list(): Promise<HeadsetInfo[]>;
  open(info: HeadsetInfo): Promise<OpenedHeadset>;
}

/** The part of ConsoleService the bridge uses: the same door a window uses. */
export interface CallDesk {
  connect(conn: HostConnection): () => void;
  dispatch(conn: HostConnection, name: unknown, args: unknown): Promise<Result<unknown>>;
}

export interface HeadsetLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface HeadsetServiceOptions {
  /** The device layer, or a loader for it (node-hid is a native module: load it only when the service starts). */
  readonly devices: HeadsetDevices | (() => Promise<HeadsetDevices>);
  /** Hot-plug poll period (ms). */
  readonly pollMs?: number;
  /** Clock for the controller's debouncing (tests). */
  readonly now?: () => number;
  readonly logger?: HeadsetLogger;
}

/** `sn:<serial>` when the headset has a serial number, else `name:<product>`: stable across replugs and ports. */
export function headsetIdOf(info: Pick<HeadsetInfo, 'serialNumber' | 'product'>): string {
  return info.serialNumber ? `sn:${info.serialNumber}` : `name:${info.product}`;
}

function vendorOf(info: HeadsetInfo): string {
  const profile = profileForVendor(info.vendorId);
  return profile.vendorId !== null ? profile.vendor : info.manufacturer;
}

function deviceView(info: HeadsetInfo): HeadsetDeviceView {
  const vendor = vendorOf(info);
  return { id: headsetIdOf(info), name: info.product || vendor || 'USB headset', vendor };
}

/** The settings' `headset` value + audio device name → what HeadsetConnection should pick. */
export function headsetChoiceOf(preferences: Pick<Preferences, 'headset' | 'audioDeviceName'>): HeadsetChoice {
  const p = preferences.headset;
  const saved = p.startsWith('sn:') ? { serialNumber: p.slice(3) } : p.startsWith('name:') ? { product: p.slice(5) } : undefined;
  return { ...(saved && { saved }), ...(preferences.audioDeviceName && { audioDeviceName: preferences.audioDeviceName }) };
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export class HeadsetService implements ConsoleExtension {
  readonly handlers: ConsoleExtension['handlers'] = {
    'headset.test': ({ active }) => this.setTesting(active),
  };
  readonly #options: HeadsetServiceOptions;
  readonly #calls = new Map<string, CallView>();
  readonly #conn: HostConnection = { id: 'headset', send: (event, payload) => this.#onConsoleEvent(event, payload) };
  #broadcast: (<E extends EventName>(event: E, payload: Events[E]) => void) | undefined;
  #desk: CallDesk | undefined;
  #disconnect: (() => void) | undefined;
  #devices: HeadsetDevices | undefined;
  #watcher: HeadsetWatcher | undefined;
  #connection: HeadsetConnection | undefined;
  #preferences: Pick<Preferences, 'headset' | 'audioDeviceName'> = { headset: 'auto' };
  #view: HeadsetView = HEADSET_ABSENT;
  #testTimer: ReturnType<typeof setTimeout> | undefined;
  #pressSeq = 0;
  /** Presses run one after the other: a double press never answers twice in parallel. */
  #queue: Promise<void> = Promise.resolve();
  #lastError = '';
  #stopped = false;

  constructor(options: HeadsetServiceOptions) {
    this.#options = options;
  }

  /** The headset slot as the renderer sees it. */
  get view(): HeadsetView {
    return this.#view;
  }

  bind(broadcast: <E extends EventName>(event: E, payload: Events[E]) => void): void {
    this.#broadcast = broadcast;
  }

  snapshot(): { headset: HeadsetView } {
    return { headset: this.#view };
  }

  /**
   * Start following the console's calls and the plugged headsets. A missing or broken device layer (node-hid cannot
   * load) is logged once; the console runs without headset control.
   */
  async start(desk: CallDesk): Promise<void> {
    if (this.#desk) return;
    this.#desk = desk;
    this.#disconnect = desk.connect(this.#conn);
    try {
      const d = this.#options.devices;
      this.#devices = typeof d === 'function' ? await d() : d;
    } catch (error) {
      this.#options.logger?.warn(`headset: USB headset support unavailable: ${String(error)}`);
      return;
    }
    if (this.#stopped) return;
    const watcher = new HeadsetWatcher({
      list: () => this.#devices!.list(),
      ...(this.#options.pollMs !== undefined && { intervalMs: this.#options.pollMs }),
    });
    this.#watcher = watcher;
    watcher.onError((e) => this.#logError('enumeration', e));
    watcher.onDidAttach((h) => this.#options.logger?.info(`headset: plugged ${describe(h)}`));
    watcher.onDidDetach((h) => this.#options.logger?.info(`headset: unplugged ${describe(h)}`));
    watcher.onDidPoll(() => this.#updateView());
    this.#applyPreferences();
    watcher.start();
  }

  /** Waits for the pending enumeration, open and presses (tests, orderly shutdown). */
  async settled(): Promise<void> {
    await this.#watcher?.poll();
    await this.#connection?.settled();
    await this.#queue;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#testTimer);
    this.#watcher?.stop();
    this.#connection?.dispose(); // LEDs off, device closed
    this.#connection = undefined;
    this.#disconnect?.();
    this.#disconnect = undefined;
  }

  /** The test dialog opened or closed (renewed while open; expires by itself). */
  setTesting(active: boolean): void {
    clearTimeout(this.#testTimer);
    this.#testTimer = undefined;
    if (active) {
      this.#testTimer = setTimeout(() => this.setTesting(false), HEADSET_TEST_TTL_MS);
      this.#testTimer.unref?.();
    }
    this.#updateView({ testing: active });
  }

  // ───────────────────────────── console → headset ─────────────────────────────

  #onConsoleEvent<E extends EventName>(event: E, payload: Events[E]): void {
    switch (event) {
      case 'snapshot': {
        const s = payload as Events['snapshot'];
        this.#calls.clear();
        for (const c of s.calls) this.#calls.set(c.id, c);
        this.#setPreferences(s.preferences);
        this.#syncLeds();
        return;
      }
      case 'call.changed': {
        const c = payload as Events['call.changed'];
        const before = this.#calls.get(c.id);
        this.#calls.set(c.id, c);
        // A call rings while the test dialog is open: the headset answers calls again.
        if (c.state === 'incoming' && before?.state !== 'incoming' && this.#view.testing) this.setTesting(false);
        this.#syncLeds();
        return;
      }
      case 'call.removed':
        this.#calls.delete((payload as Events['call.removed']).callId);
        this.#syncLeds();
        return;
      case 'preferences.changed':
        this.#setPreferences(payload as Events['preferences.changed']);
        return;
      default:
        return;
    }
  }

  #setPreferences(p: Preferences): void {
    const next = { headset: p.headset ?? 'auto', ...(p.audioDeviceName !== undefined && { audioDeviceName: p.audioDeviceName }) };
    if (sameJson(next, this.#preferences)) return;
    this.#preferences = next;
    this.#applyPreferences();
  }

  /** Open, switch or release the headset after a settings change. */
  #applyPreferences(): void {
    const watcher = this.#watcher;
    if (!watcher || this.#stopped) return;
    if (this.#preferences.headset === 'off') {
      this.#connection?.dispose();
      this.#connection = undefined;
      this.#updateView();
      return;
    }
    if (!this.#connection) {
      const connection = new HeadsetConnection({
        watcher,
        open: (info) => this.#devices!.open(info),
        ...(this.#options.now && { now: this.#options.now }),
      });
      connection.onEvent((button) => this.#onPress(button));
      connection.onError((e) => this.#logError('device', e));
      connection.onDidChangeHeadset((info) => {
        const c = this.#connection?.connected;
        this.#options.logger?.info(
          info ? `headset: driving ${describe(info)} (layout from ${c?.source ?? '?'})` : 'headset: released',
        );
        this.#updateView();
      });
      connection.setCallState(headsetCallStateOf(this.#calls.values()));
      this.#connection = connection;
    }
    void this.#connection.setChoice(headsetChoiceOf(this.#preferences));
    this.#updateView();
  }

  #syncLeds(): void {
    const state = headsetCallStateOf(this.#calls.values());
    try {
      this.#connection?.setCallState(state);
    } catch (error) {
      this.#logError('LEDs', error);
    }
    this.#updateView(undefined, state);
  }

  // ───────────────────────────── headset → console ─────────────────────────────

  #onPress(button: HeadsetButtonName): void {
    this.#queue = this.#queue.then(() => this.#runPress(button)).catch((e: unknown) => this.#logError('press', e));
  }

  async #runPress(button: HeadsetButtonName): Promise<void> {
    let action: HeadsetActionName;
    if (this.#view.testing) {
      action = 'test';
    } else {
      const plan = planHeadsetAction(button, this.#calls.values());
      action = plan.action;
      if (plan.step && this.#desk) {
        const result = await this.#desk.dispatch(this.#conn, plan.step.name satisfies CommandName, plan.step.args);
        if (!result.ok) {
          this.#options.logger?.warn(`headset: ${button} → ${plan.step.name} failed: ${result.error.message}`);
          action = 'none';
        }
      }
    }
    this.#options.logger?.info(`headset: ${button} → ${action}`);
    // Acknowledge: when the press changed nothing, the device gets our state again instead of keeping its own
    // toggle (an absolute hook left "off-hook" would swallow the next answer; an un-echoed mute resets).
    if (action === 'none' || action === 'test') this.#connection?.refresh();
    this.#broadcast?.('headset.pressed', { seq: ++this.#pressSeq, at: Date.now(), button, action });
  }

  // ───────────────────────────── view ─────────────────────────────

  #updateView(patch: Partial<HeadsetView> = {}, leds?: HeadsetCallState): void {
    const enabled = this.#preferences.headset !== 'off';
    const connected = enabled ? this.#connection?.connected : null;
    const state = leds ?? this.#connection?.callState ?? headsetCallStateOf(this.#calls.values());
    const next: HeadsetView = {
      enabled,
      connected: !!connected,
      ...(connected && { name: deviceView(connected.info).name, vendor: vendorOf(connected.info), layoutSource: connected.source }),
      hookOff: !!connected && (state.offHook || state.held),
      ringing: !!connected && state.ringing,
      muted: !!connected && state.muted,
      held: !!connected && state.held,
      available: (this.#watcher?.headsets ?? []).map(deviceView),
      testing: this.#view.testing,
      ...patch,
    };
    if (sameJson(next, this.#view)) return;
    this.#view = next;
    this.#broadcast?.('headset.changed', next);
  }

  #logError(where: string, error: unknown): void {
    const message = `headset: ${where}: ${error instanceof Error ? error.message : String(error)}`;
    if (message === this.#lastError) return; // an enumeration failing every poll is logged once
    this.#lastError = message;
    this.#options.logger?.warn(message);
  }
}

function describe(h: HeadsetInfo): string {
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return `${h.product || 'headset'} (${hex(h.vendorId)}:${hex(h.productId)}) at ${h.path}`;
}
