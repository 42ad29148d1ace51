/**
 * Keeps one headset driven across unplug/replug: follows the watcher, (re)opens the chosen headset, replays the
 * console's call state onto the fresh controller, and forwards its events. No node-hid here: `open` is injected.
 */
import {
  type HeadsetCallState,
  HeadsetController,
  type HeadsetEvent,
  HeadsetStateError,
  type HidDeviceLike,
} from '../headset-controller';
import type { ResolvedLayout } from './layout-source';
import { type HeadsetChoice, type HeadsetInfo, chooseHeadset } from './headset-info';
import type { HeadsetWatcher } from './headset-watcher';

export interface OpenedHeadset extends ResolvedLayout {
  device: HidDeviceLike;
}

export interface HeadsetConnectionOptions {
  watcher: HeadsetWatcher;
  open: (info: HeadsetInfo) => Promise<OpenedHeadset>;
  choice?: HeadsetChoice;
  now?: () => number;
}

type Listener<T> = (value: T) => void;

const idle: HeadsetCallState = { ringing: false, offHook: false, muted: false, held: false };

export class HeadsetConnection {
  readonly #options: HeadsetConnectionOptions;
  readonly #events = new Set<Listener<HeadsetEvent>>();
  readonly #changes = new Set<Listener<HeadsetInfo | null>>();
  readonly #errors = new Set<Listener<Error>>();
  readonly #disposers: Array<() => void> = [];
  #choice: HeadsetChoice;
  #current: { info: HeadsetInfo; controller: HeadsetController; source: ResolvedLayout['source'] } | null = null;
  #opening: Promise<void> | null = null;
  #call: HeadsetCallState = idle;

  constructor(options: HeadsetConnectionOptions) {
    this.#options = options;
    this.#choice = options.choice ?? {};
    this.#disposers.push(
      options.watcher.onDidDetach((info) => {
        if (this.#current && this.#current.info.path === info.path) this.#drop();
      }),
      // Every poll, not only attach: a headset dropped after a read error but still enumerated gets reopened.
      options.watcher.onDidPoll(() => void this.#reconcile()),
    );
  }

  /** The headset being driven, or null. */
  get connected(): { info: HeadsetInfo; source: ResolvedLayout['source'] } | null {
    return this.#current ? { info: this.#current.info, source: this.#current.source } : null;
  }

  onEvent(listener: Listener<HeadsetEvent>): () => void {
    this.#events.add(listener);
    return () => this.#events.delete(listener);
  }

  onDidChangeHeadset(listener: Listener<HeadsetInfo | null>): () => void {
    this.#changes.add(listener);
    return () => this.#changes.delete(listener);
  }

  onError(listener: Listener<Error>): () => void {
    this.#errors.add(listener);
    return () => this.#errors.delete(listener);
  }

  /** Settings changed (saved headset or audio device): switch headsets if another one now fits better. */
  setChoice(choice: HeadsetChoice): Promise<void> {
    this.#choice = choice;
    return this.#reconcile();
  }

  /**
   * Mirror the console's call state on the headset. A jump the controller calls illegal (idle → held: the console
   * was not watched while the call was answered) goes through off-hook first, as after a replug.
   */
  setCallState(call: HeadsetCallState): void {
    this.#call = { ...call };
    const controller = this.#current?.controller;
    if (!controller) return;
    try {
      controller.setCallState(call);
    } catch (error) {
      if (!(error instanceof HeadsetStateError)) throw error;
      this.#replay(controller);
    }
  }

  /** Re-send the LED state unchanged: acknowledges a press that changed nothing, so the device drops its own toggle. */
  refresh(): void {
    this.#current?.controller.refresh();
  }

  /** The call state last mirrored (what a replugged headset is brought back to). */
  get callState(): HeadsetCallState {
    return { ...this.#call };
  }

  dispose(): void {
    for (const d of this.#disposers.splice(0)) d();
    this.#drop();
  }

  /** Waits for a pending open; for tests and orderly shutdown. */
  async settled(): Promise<void> {
    while (this.#opening) await this.#opening;
  }

  #reconcile(): Promise<void> {
    this.#opening ??= this.#reconcileOnce().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  async #reconcileOnce(): Promise<void> {
    const wanted = chooseHeadset(this.#options.watcher.headsets, this.#choice);
    if (this.#current && wanted && this.#current.info.path === wanted.path) return;
    if (this.#current) this.#drop();
    if (!wanted) return;
    let opened: OpenedHeadset;
    try {
      opened = await this.#options.open(wanted);
    } catch (error) {
      this.#emitError(error); // e.g. permissions on /dev/hidrawN; the next attach retries
      return;
    }
    const controller = new HeadsetController({
      layout: opened.layout,
      quirks: opened.quirks,
      device: opened.device,
      ...(this.#options.now ? { now: this.#options.now } : {}),
    });
    controller.onEvent((e) => {
      for (const l of [...this.#events]) l(e);
    });
    controller.onError((e) => {
      this.#emitError(e);
      // A read error is how node-hid reports an unplug; the watcher's next poll reattaches it.
      if (this.#current?.controller === controller) this.#drop();
    });
    this.#current = { info: wanted, controller, source: opened.source };
    this.#replay(controller);
    for (const l of [...this.#changes]) l(wanted);
  }

  /** Bring a fresh controller (state idle) to the console's call state through legal transitions. */
  #replay(controller: HeadsetController): void {
    const call = this.#call;
    try {
      if (call.held) controller.setCallState({ ...call, held: false, offHook: true });
      controller.setCallState(call);
    } catch (error) {
      this.#emitError(error);
    }
  }

  #drop(): void {
    const current = this.#current;
    if (!current) return;
    this.#current = null;
    current.controller.close();
    for (const l of [...this.#changes]) l(null);
  }

  #emitError(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    for (const l of [...this.#errors]) l(e);
  }
}
