/**
 * Park panel (issue 13 item 5): the calls waiting in the PBX's park slots, with Retrieve, and the slot a call this
 * console parked went to. A ConsoleExtension: it answers `parking.*`, builds the `parking` part of the snapshot and
 * pushes `parking.changed`.
 *
 * The PBX side is a provider-neutral ParkingProvider (pbx/api/parking.ts) on the same PBX management connection as the
 * queues (Settings › PBX); the Asterisk one is loaded lazily from pbx/asterisk. Without that connection, when the
 * preference `parkSlots` lists the slots, the panel watches their busy lamps instead (RFC 4235 dialog-info on the
 * primary account; Asterisk: `parkinghints = yes` in res_parking.conf): a slot is listed while its lamp is busy, with
 * no caller identity (Asterisk's dialog-info for a park hint names nobody) and a wait counted from when the console
 * saw the lamp turn busy. Otherwise the panel says it is not set up.
 *
 * `call.park` itself stays a blind transfer to the park extension (console-service.ts); which slot the PBX chose comes
 * back only as a PBX event, matched to our call by the rule in `matchParked()`.
 */
import type { EventName, Events } from '../contract/contract';
import type { CallView, Preferences, Snapshot } from '../contract/dto';
import { NOT_CONFIGURED_PARKING, parseParkSlots, type ParkedCallView, type ParkingConnectionName, type ParkingView } from '../contract/parking';
import type { ParkedCall, ParkingConnectionState, ParkingEvent, ParkingProvider } from '../../pbx/api/parking';
import type { PresenceStatus, Watch } from '../../sip-core/api/presence';
import type { SipLogger, Softphone } from '../../sip-core/api/softphone';
import { CommandFailure, type ConsoleExtension } from './console-service';
import type { PbxConnectionSource } from './call-services';
import type { PbxConfig } from './provisioning';
import { CallerNames } from './caller-names';

type Broadcast = <E extends EventName>(event: E, payload: Events[E]) => void;

export type ParkingProviderFactory = (config: PbxConfig, logger?: SipLogger) => ParkingProvider | Promise<ParkingProvider>;

/** The real one: pbx/asterisk, imported on first use. */
export const asteriskParkingFactory: ParkingProviderFactory = async (config, logger) => {
  const { createAsteriskParkingProvider } = await import('../../pbx/asterisk');
  return createAsteriskParkingProvider({ ami: { ...config.ami } }, logger);
};

/** Coalescing window of provider events into one `parking.changed`. */
export const BATCH_MS = 50;
/** How long after the console asked to park a call a PBX "parked" event may still be matched to it (and back). */
export const MATCH_WINDOW_MS = 20_000;

/** What the parking service needs from the call desk (ConsoleService implements it). */
export interface ParkingHost {
  preferences(): Preferences;
  primaryAccount(): { readonly user: string } | undefined;
}

export interface ParkingServiceOptions {
  /** The PBX connection (owned by the queue service, Settings › PBX). */
  readonly pbx?: PbxConnectionSource;
  readonly createProvider?: ParkingProviderFactory;
  /** Dial a number as the receptionist (Retrieve dials the slot: the call comes back on a line). */
  readonly dial?: (target: string) => Promise<{ readonly callId?: string }>;
  /** A call this console parked landed in `slot` (the call desk says so in the message area). */
  readonly onParked?: (slot: string, who: string) => void;
  /** The directories' name for a number (ContactsService.lookupNumber), looked up once per number off the hot path. */
  readonly lookup?: (number: string) => Promise<string | undefined>;
  readonly logger?: SipLogger;
  readonly batchMs?: number;
  readonly matchWindowMs?: number;
}

/** A park the console asked for (blind transfer to the park extension), not yet seen in a slot. */
export interface PendingPark {
  readonly callId: string;
  /** The caller's number as our call knows it (From / P-Asserted-Identity user part). */
  readonly number: string;
  readonly at: number;
}

/**
 * Which pending park a PBX "parked" event belongs to — the rule:
 * 1. Only parks asked for within `windowMs` of the event count (a blind transfer lands in a slot within a second or
 *    two; an older one failed or was matched already).
 * 2. Same caller: the parked channel's caller number equals our call's remote number (Asterisk: ParkeeCallerIDNum
 *    is the number the PBX presented to us for that caller). If several pending parks share it, the oldest wins.
 * 3. Otherwise, by timing: the PBX says the parker is us (Asterisk: ParkerDialString `PJSIP/<our extension>`, the
 *    transferer) and exactly one park is pending — a caller whose number the PBX rewrote still gets its slot. A slot
 *    seen by BLF names neither caller nor parker: it too is matched by timing, when exactly one park is pending.
 * Anything else stays unmatched: the slot is listed, but no call of ours is labelled with a guess.
 */
export function matchParked(call: ParkedCall, pending: readonly PendingPark[], ownExtension: string | undefined, windowMs = MATCH_WINDOW_MS): PendingPark | undefined {
  const recent = pending.filter((p) => Math.abs(call.parkedAt - p.at) <= windowMs);
  const sameCaller = recent.filter((p) => p.number !== '' && p.number === call.number).sort((a, b) => a.at - b.at);
  if (sameCaller[0]) return sameCaller[0];
  const parkerIsUs = ownExtension !== undefined && call.parker !== undefined && call.parker.split('/').pop() === ownExtension;
  const nobodyNamed = call.parker === undefined && call.number === '';
  return (parkerIsUs || nobodyNamed) && recent.length === 1 ? recent[0] : undefined;
}

const slotKey = (lot: string, slot: string): string => `${lot}\u0000${slot}`;

function connectionName(c: ParkingConnectionState | undefined): { state: ParkingConnectionName; retryAt?: number } {
  if (!c) return { state: 'connecting' };
  switch (c.state) {
    case 'connected':
      return { state: 'connected' };
    case 'connecting':
    case 'stopped':
      return { state: 'connecting' };
    case 'unreachable':
    case 'auth-failed':
      return { state: c.state, ...(c.retryAt !== undefined && { retryAt: c.retryAt }) };
    default: {
      const never: never = c;
      return never;
    }
  }
}

export class ParkingService implements ConsoleExtension {
  #broadcast: Broadcast = () => undefined;
  #host: ParkingHost | undefined;
  readonly #options: ParkingServiceOptions;
  readonly #createProvider: ParkingProviderFactory;
  #provider: ParkingProvider | undefined;
  #providerKey: string | undefined;
  #providerOff: (() => void) | undefined;
  #lifecycle: Promise<void> = Promise.resolve();
  #connection: ParkingConnectionState | undefined;
  /** Parked calls by lot + slot. */
  #model = new Map<string, ParkedCall>();
  /** Parked call id → the id of our call it was. */
  readonly #fromCall = new Map<string, string>();
  #pending: PendingPark[] = [];
  /** Calls already seen going to the park extension (a transfer's later states must not re-arm it). */
  readonly #parkAsked = new Set<string>();
  /** Recently parked calls no park of ours claimed yet (the PBX event may come before our call's update). */
  #unclaimed: ParkedCall[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastSent = '';
  #stopped = false;
  /** BLF mode: the primary account's softphone and one watch per park slot. */
  #softphone: Softphone | undefined;
  readonly #blf = new Map<string, { readonly watch: Watch; readonly off: () => void; parked?: ParkedCall }>();
  #blfKey = '';
  readonly #names: CallerNames;

  constructor(options: ParkingServiceOptions = {}) {
    this.#options = options;
    this.#names = new CallerNames({
      lookup: options.lookup,
      onNamed: () => this.#schedule(),
      onError: (e) => this.#log('warn', `parked caller lookup: ${String(e)}`),
    });
    this.#createProvider = options.createProvider ?? asteriskParkingFactory;
    options.pbx?.onDidChangeConfig(() => this.#reconcile());
  }

  readonly handlers: ConsoleExtension['handlers'] = {
    'parking.retrieve': async ({ slot, lot }) => {
      if (!this.#provider && this.#blf.size === 0) throw new CommandFailure('not-configured', 'No PBX connection is set up for parked calls', 'park.error.notConfigured');
      const parked = [...this.#model.values()].find((c) => c.slot === slot && (lot === undefined || c.lot === lot));
      if (!parked) throw new CommandFailure('not-found', `Nothing is parked on ${slot} any more`, 'park.error.gone', { slot });
      const dial = this.#options.dial;
      if (!dial) throw new CommandFailure('not-configured', 'This host cannot dial', 'park.error.notConfigured');
      const { callId } = await dial(parked.slot);
      if (callId === undefined) throw new CommandFailure('invalid-state', `Could not dial ${slot}`, 'park.error.gone', { slot });
      return { callId };
    },
  };

  start(host: ParkingHost): void {
    this.#host = host;
    this.#reconcile();
    this.#reconcileBlf();
  }

  primarySoftphone(softphone: Softphone | undefined): void {
    this.#softphone = softphone;
    this.#reconcileBlf();
  }

  preferencesChanged(): void {
    this.#reconcileBlf();
  }

  bind(broadcast: Broadcast): void {
    this.#broadcast = broadcast;
  }

  snapshot(): Partial<Snapshot> {
    return { parking: this.view() };
  }

  /** The park panel as the renderer shows it. */
  view(): ParkingView {
    if (!this.#providerKey && this.#blf.size === 0) return NOT_CONFIGURED_PARKING;
    const calls: ParkedCallView[] = [...this.#model.values()].map((c) => {
      const fromCallId = this.#fromCall.get(c.id);
      const name = this.#nameOf(c);
      return {
        id: c.id,
        lot: c.lot,
        slot: c.slot,
        number: c.number,
        ...(name !== undefined && { name }),
        parkedAt: c.parkedAt,
        ...(c.timeoutAt !== undefined && { timeoutAt: c.timeoutAt }),
        ...(fromCallId !== undefined && { fromCallId }),
      };
    });
    const parkedFrom: Record<string, string> = {};
    for (const c of calls) if (c.fromCallId !== undefined) parkedFrom[c.fromCallId] = c.slot;
    return { connection: connectionName(this.#connection), calls, parkedFrom, source: this.#providerKey ? 'pbx' : 'blf' };
  }

  /** A call went to the park extension (blind transfer asked by `call.park`, or typed by hand): remember it. */
  callChanged(call: CallView): void {
    const park = this.#host?.preferences().parkExtension;
    const t = call.transfer;
    if (t?.state === 'failed') {
      // The PBX refused the park: a later slot is not this call's.
      this.#pending = this.#pending.filter((p) => p.callId !== call.id);
      return;
    }
    if (!park || !t || t.kind !== 'blind' || t.target !== park || this.#parkAsked.has(call.id)) return;
    this.#parkAsked.add(call.id);
    if (this.#parkAsked.size > 200) this.#parkAsked.delete(this.#parkAsked.values().next().value as string);
    const p: PendingPark = { callId: call.id, number: call.remote.user, at: Date.now() };
    this.#pending = [...this.#prune(this.#pending), p];
    // The PBX may have announced the slot before our call heard its transfer was accepted.
    const own = this.#host?.primaryAccount()?.user;
    const hit = this.#prune(this.#unclaimed).find((c) => matchParked(c, [p], own, this.#window()) === p);
    if (hit) this.#claim(hit, p);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#providerKey = undefined;
    this.#disposeBlf();
    await this.#lifecycle;
    await this.#swap(undefined);
  }

  /** The directory's name when known (looked up once per number, in the background), else the caller ID name. */
  #nameOf(c: ParkedCall): string | undefined {
    return this.#names.nameOf(c.number, c.name);
  }

  #window(): number {
    return this.#options.matchWindowMs ?? MATCH_WINDOW_MS;
  }

  #prune<T extends { readonly at?: number; readonly parkedAt?: number }>(list: readonly T[]): T[] {
    const oldest = Date.now() - this.#window();
    return list.filter((x) => (x.at ?? x.parkedAt ?? 0) >= oldest);
  }

  #claim(call: ParkedCall, p: PendingPark): void {
    this.#pending = this.#pending.filter((x) => x !== p);
    this.#unclaimed = this.#unclaimed.filter((c) => c.id !== call.id);
    this.#fromCall.set(call.id, p.callId);
    this.#options.onParked?.(call.slot, this.#nameOf(call) ?? (call.number || p.number));
    this.#schedule();
  }

  #onProviderEvent(e: ParkingEvent): void {
    switch (e.kind) {
      case 'snapshot':
        this.#connection = e.snapshot.connection;
        this.#model = new Map(e.snapshot.calls.map((c) => [slotKey(c.lot, c.slot), c]));
        for (const id of [...this.#fromCall.keys()]) if (![...this.#model.values()].some((c) => c.id === id)) this.#fromCall.delete(id);
        break;
      case 'connection':
        this.#connection = e.connection;
        break;
      case 'parked': {
        const key = slotKey(e.call.lot, e.call.slot);
        const before = this.#model.get(key);
        if (before && before.id !== e.call.id) this.#fromCall.delete(before.id);
        this.#model.set(key, e.call);
        const own = this.#host?.primaryAccount()?.user;
        const p = matchParked(e.call, this.#prune(this.#pending), own, this.#window());
        if (p) this.#claim(e.call, p);
        else this.#unclaimed = [...this.#prune(this.#unclaimed), e.call].slice(-20);
        break;
      }
      case 'left': {
        const key = slotKey(e.lot, e.slot);
        if (this.#model.get(key)?.id === e.id) this.#model.delete(key);
        this.#fromCall.delete(e.id);
        this.#unclaimed = this.#unclaimed.filter((c) => c.id !== e.id);
        break;
      }
      default: {
        const never: never = e;
        return never;
      }
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#options.batchMs ?? BATCH_MS);
    this.#timer.unref?.();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const view = this.view();
    const text = JSON.stringify(view);
    if (text === this.#lastSent) return;
    this.#lastSent = text;
    this.#broadcast('parking.changed', view);
  }

  // ───────────────────────────── provider lifecycle ─────────────────────────────

  #reconcile(): void {
    if (this.#stopped || !this.#host) return;
    const config = this.#options.pbx?.pbxConfig();
    const key = config && JSON.stringify(config.ami);
    if (key === this.#providerKey) return;
    this.#providerKey = key;
    this.#lifecycle = this.#lifecycle
      .then(() => this.#swap(config))
      .catch((e: unknown) => this.#log('error', `parking provider: ${String(e)}`))
      .then(() => this.#reconcileBlf());
    this.#flush();
  }

  // ───────────────────────────── BLF on the park slots (no PBX connection) ─────────────────────────────

  #reconcileBlf(): void {
    if (this.#stopped || !this.#host) return;
    const sp = this.#softphone;
    // The PBX connection, when configured, is the better source (caller, parker, timeout): BLF only without it.
    const slots = this.#providerKey || !sp?.watch ? [] : (parseParkSlots(this.#host.preferences().parkSlots ?? '') ?? []);
    const key = slots.join(',');
    if (key === this.#blfKey && (slots.length === 0 || this.#blf.size > 0)) return;
    this.#disposeBlf();
    this.#blfKey = key;
    if (slots.length === 0 || !sp?.watch) {
      this.#flush();
      return;
    }
    this.#connection = { state: 'connecting', attempt: 1 };
    for (const slot of slots) {
      const watch = sp.watch(slot);
      const off = watch.onDidChange((s) => this.#onLamp(slot, s));
      this.#blf.set(slot, { watch, off });
      this.#onLamp(slot, watch.status());
    }
    this.#flush();
  }

  #disposeBlf(): void {
    for (const { watch, off } of this.#blf.values()) {
      off();
      watch.dispose();
    }
    const hadBlf = this.#blf.size > 0;
    this.#blf.clear();
    this.#blfKey = '';
    if (hadBlf) {
      this.#model.clear();
      this.#fromCall.clear();
      this.#connection = undefined;
    }
  }

  /** A park slot's lamp: busy or held = a call waits there; idle = nobody; offline/stale/unknown = no news. */
  #onLamp(slot: string, s: PresenceStatus): void {
    const entry = this.#blf.get(slot);
    if (!entry || this.#providerKey) return;
    const known = s.state === 'idle' || s.state === 'busy' || s.state === 'held' || s.state === 'ringing';
    if (known && this.#connection?.state !== 'connected') {
      this.#connection = { state: 'connected' };
      this.#schedule();
    }
    if ((s.state === 'busy' || s.state === 'held') && !entry.parked) {
      const parkedAt = Date.now();
      const peer = s.peer;
      entry.parked = {
        id: `blf:${slot}:${parkedAt}`,
        lot: 'default',
        slot,
        number: peer?.user ?? '',
        ...(peer?.name !== undefined && { name: peer.name }),
        parkedAt,
      };
      this.#onProviderEvent({ kind: 'parked', call: entry.parked });
    } else if (s.state === 'idle' && entry.parked) {
      const gone = entry.parked;
      delete entry.parked;
      this.#onProviderEvent({ kind: 'left', id: gone.id, lot: gone.lot, slot, outcome: 'retrieved' });
    }
  }

  async #swap(config: PbxConfig | undefined): Promise<void> {
    this.#providerOff?.();
    this.#providerOff = undefined;
    const old = this.#provider;
    this.#provider = undefined;
    this.#connection = undefined;
    this.#model.clear();
    this.#fromCall.clear();
    await old?.stop().catch(() => undefined);
    if (!config || this.#stopped) {
      this.#flush();
      return;
    }
    const provider = await this.#createProvider(config, this.#options.logger);
    if (this.#stopped || JSON.stringify(config.ami) !== this.#providerKey) {
      await provider.stop().catch(() => undefined);
      return;
    }
    this.#provider = provider;
    this.#providerOff = provider.onDidChange((e) => this.#onProviderEvent(e));
    await provider.start();
    this.#flush();
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#options.logger?.[level](message);
  }
}
