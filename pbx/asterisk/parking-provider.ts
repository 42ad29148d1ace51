/**
 * ParkingProvider for Asterisk's res_parking over AMI. AMI field names stay in this file: everything leaves as
 * pbx/api/parking.ts types.
 *
 * Model: `ParkedCalls` at every (re)connect, then the live events of res/parking/parking_manager.c: `ParkedCall`,
 * `ParkedCallSwap`, `UnParkedCall`, `ParkedCallGiveUp`, `ParkedCallTimeOut`. Each carries the parked channel as
 * `Parkee*` fields (channel snapshot), `ParkerDialString`, `Parkinglot`, `ParkingSpace`, `ParkingTimeout` (seconds
 * left) and `ParkingDuration` (seconds parked); `UnParkedCall` adds `Retriever*`. The XML docs also promise `Parker*`
 * snapshot fields, but manager_build_parked_call_string() never writes them (checked on Asterisk 22.10, fixtures in
 * tests/fixtures/asterisk-parking/): the parker is known only by its dial string.
 */
import {
  ParkingError,
  type Disposable,
  type ParkedCall,
  type ParkingConnectionState,
  type ParkingEvent,
  type ParkingProvider,
  type ParkingSnapshot,
} from '../api/parking';
import { amiClientFor, type AmiClient, AmiError, type AmiConnectionState, type AmiLogger, type AmiMessage, type AmiServerConfig } from './ami-client';
import { sanitizeText } from './queue-provider';
import { Listeners } from './listeners';

export interface AsteriskParkingConfig extends AmiServerConfig {
  /** Parking lots to follow (default: every lot). */
  readonly lots?: readonly string[];
}

export type ParkingLogger = AmiLogger;

const MAX_NUMBER = 64;
const MAX_NAME = 80;
/** Events held during one ParkedCalls; beyond that a new query is cheaper than the backlog. */
const MAX_HELD_EVENTS = 5000;
/** Parked calls kept (res_parking lots are a few dozen slots; a hostile or broken peer cannot grow us further). */
const MAX_PARKED = 1000;

const silent: ParkingLogger = { debug() {}, info() {}, warn() {}, error() {} };

function int(value: string | undefined): number | undefined {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function callerIdPart(value: string | undefined, max: number): string | undefined {
  const s = sanitizeText(value, max);
  return s === '' || /^<?unknown>?$/i.test(s) ? undefined : s;
}

/**
 * A `ParkedCall`-shaped AMI message (the event, or one item of the `ParkedCalls` list) → our ParkedCall; undefined
 * when it lacks a slot or channel id. `now` turns the PBX's relative times into instants: parked `ParkingDuration`
 * seconds ago, given up on in `ParkingTimeout` seconds (0 on a slot with no limit: `parkingtime = 0`).
 */
export function parkedCallFromAmi(e: AmiMessage, now: number): ParkedCall | undefined {
  const id = sanitizeText(e.ParkeeUniqueid, 64);
  const slot = sanitizeText(e.ParkingSpace, 32);
  if (id === '' || !/^[0-9A-Za-z*#+_.-]{1,32}$/.test(slot)) return undefined;
  const duration = int(e.ParkingDuration) ?? 0;
  const timeout = int(e.ParkingTimeout);
  const number = callerIdPart(e.ParkeeCallerIDNum, MAX_NUMBER);
  const name = callerIdPart(e.ParkeeCallerIDName, MAX_NAME);
  const parker = sanitizeText(e.ParkerDialString, 128);
  const linkedId = sanitizeText(e.ParkeeLinkedid, 64);
  return {
    id,
    lot: sanitizeText(e.Parkinglot, 80) || 'default',
    slot,
    number: number ?? '',
    ...(name !== undefined && name !== number && { name }),
    parkedAt: now - duration * 1000,
    ...(timeout !== undefined && timeout > 0 && { timeoutAt: now + timeout * 1000 }),
    ...(parker !== '' && { parker }),
    ...(linkedId !== '' && { linkedId }),
  };
}

/** One live AMI event → our event (undefined: not a parking event, or unusable). */
export function parkingEventFromAmi(e: AmiMessage, now: number): ParkingEvent | undefined {
  switch (e.Event) {
    case 'ParkedCall':
    case 'ParkedCallSwap': {
      const call = parkedCallFromAmi(e, now);
      if (!call) return undefined;
      return e.Event === 'ParkedCallSwap' ? { kind: 'parked', call, swapped: true } : { kind: 'parked', call };
    }
    case 'UnParkedCall':
    case 'ParkedCallGiveUp':
    case 'ParkedCallTimeOut': {
      const call = parkedCallFromAmi(e, now);
      if (!call) return undefined;
      const outcome = e.Event === 'UnParkedCall' ? 'retrieved' : e.Event === 'ParkedCallGiveUp' ? 'gave-up' : 'timed-out';
      const retriever = e.Event === 'UnParkedCall' ? sanitizeText(e.RetrieverChannel, 128) : '';
      return { kind: 'left', id: call.id, lot: call.lot, slot: call.slot, outcome, ...(retriever !== '' && { retriever }) };
    }
    default:
      return undefined;
  }
}

const slotKey = (lot: string, slot: string): string => `${lot}\u0000${slot}`;

/** Lot, then slot in numeric order when both are numbers (701, 702, … 710). */
function bySlot(a: ParkedCall, b: ParkedCall): number {
  return a.lot.localeCompare(b.lot) || Number(a.slot) - Number(b.slot) || a.slot.localeCompare(b.slot);
}

/**
 * Folds one event into a slot-keyed model. Returns false when nothing changed. A `left` for a call we don't have
 * in that slot (a replayed event, or one for a call swapped out already) is ignored.
 */
export function applyParkingEvent(model: Map<string, ParkedCall>, e: ParkingEvent): boolean {
  switch (e.kind) {
    case 'snapshot':
      model.clear();
      for (const c of e.snapshot.calls) model.set(slotKey(c.lot, c.slot), c);
      return true;
    case 'connection':
      return false;
    case 'parked': {
      const key = slotKey(e.call.lot, e.call.slot);
      // The same channel re-announced elsewhere (never seen, but cheap to honour): one entry per call.
      for (const [k, c] of model) if (c.id === e.call.id && k !== key) model.delete(k);
      if (!model.has(key) && model.size >= MAX_PARKED) return false;
      model.set(key, e.call);
      return true;
    }
    case 'left': {
      const key = slotKey(e.lot, e.slot);
      if (model.get(key)?.id !== e.id) return false;
      model.delete(key);
      return true;
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}

export class AsteriskParkingProvider implements ParkingProvider {
  readonly #ami: AmiClient;
  readonly #log: ParkingLogger;
  readonly #lots: ReadonlySet<string> | undefined;
  readonly #listeners: Listeners<ParkingEvent>;
  #model = new Map<string, ParkedCall>();
  #connection: ParkingConnectionState = { state: 'stopped' };
  #started = false;
  #generation = 0;
  /** A ParkedCalls query is in flight: live events are held, then replayed over the (older) list. */
  #syncing = 0;
  #held: AmiMessage[] = [];
  #heldOverflow = false;

  constructor(config: AsteriskParkingConfig, logger?: ParkingLogger) {
    this.#log = logger ?? silent;
    this.#listeners = new Listeners('parking', this.#log);
    this.#lots = config.lots && config.lots.length > 0 ? new Set(config.lots) : undefined;
    this.#ami = amiClientFor(config, this.#log);
    this.#ami.onState((s) => this.#onAmiState(s));
    this.#ami.onEvent((e) => this.#onAmiEvent(e));
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#ami.start();
  }

  async stop(): Promise<void> {
    await this.#ami.stop();
  }

  snapshot(): ParkingSnapshot {
    return { connection: this.#connection, calls: [...this.#model.values()].sort(bySlot) };
  }

  onDidChange(listener: (event: ParkingEvent) => void): Disposable {
    return this.#listeners.add(listener);
  }

  async refresh(): Promise<void> {
    try {
      await this.#sync();
    } catch (e) {
      if (e instanceof AmiError) {
        throw new ParkingError(e.code === 'timeout' ? 'timeout' : e.code === 'refused' ? 'refused' : 'unreachable', e.message);
      }
      throw e;
    }
  }

  #emit(e: ParkingEvent): void {
    this.#listeners.emit(e);
  }

  #setConnection(c: ParkingConnectionState): void {
    this.#connection = c;
    this.#emit({ kind: 'connection', connection: c });
  }

  #onAmiState(s: AmiConnectionState): void {
    switch (s.state) {
      case 'connecting':
        this.#setConnection({ state: 'connecting', attempt: s.attempt });
        return;
      case 'connected':
        // 'connected' once the list is in: the panel must not show an empty lot as live.
        this.#sync().catch((e: Error) => {
          this.#log.warn(`parked calls snapshot failed: ${e.message}`);
          this.#ami.reconnect(`ParkedCalls failed: ${e.message}`);
        });
        return;
      case 'unreachable':
      case 'auth-failed':
        this.#setConnection({ state: s.state, detail: s.error.message, retryAt: s.retryAt });
        return;
      case 'stopped':
        this.#setConnection({ state: 'stopped' });
        return;
      default: {
        const never: never = s;
        return never;
      }
    }
  }

  async #sync(): Promise<void> {
    const generation = ++this.#generation;
    this.#syncing++;
    try {
      const events = await this.#ami.list({ Action: 'ParkedCalls' });
      if (generation !== this.#generation) return;
      const now = Date.now();
      const calls: ParkedCall[] = [];
      for (const e of events) {
        if (e.Event !== 'ParkedCall') continue;
        const c = parkedCallFromAmi(e, now);
        if (c && this.#follows(c.lot) && calls.length < MAX_PARKED) calls.push(c);
      }
      const snapshot: ParkingSnapshot = { connection: { state: 'connected' }, calls: calls.sort(bySlot) };
      applyParkingEvent(this.#model, { kind: 'snapshot', snapshot });
      this.#connection = snapshot.connection;
      this.#emit({ kind: 'connection', connection: this.#connection });
      this.#emit({ kind: 'snapshot', snapshot: this.snapshot() });
    } finally {
      this.#syncing--;
      if (this.#syncing === 0) this.#replay();
    }
  }

  #replay(): void {
    const held = this.#held;
    this.#held = [];
    if (this.#heldOverflow) {
      this.#heldOverflow = false;
      this.#sync().catch((e: Error) => this.#log.warn(`parked calls re-sync failed: ${e.message}`));
      return;
    }
    for (const e of held) this.#onAmiEvent(e);
  }

  #follows(lot: string): boolean {
    return this.#lots === undefined || this.#lots.has(lot);
  }

  #onAmiEvent(m: AmiMessage): void {
    if (m.Event === undefined || !/Park/.test(m.Event)) return;
    if (this.#syncing > 0) {
      if (this.#held.length < MAX_HELD_EVENTS) this.#held.push(m);
      else this.#heldOverflow = true;
      return;
    }
    if (this.#connection.state !== 'connected') return;
    const e = parkingEventFromAmi(m, Date.now());
    if (!e || (e.kind !== 'snapshot' && e.kind !== 'connection' && !this.#follows(e.kind === 'parked' ? e.call.lot : e.lot))) return;
    if (applyParkingEvent(this.#model, e)) this.#emit(e);
  }
}
