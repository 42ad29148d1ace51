/**
 * Provider-neutral call-parking API (issue 13 item 5, "Park panel"): which calls wait in the PBX's park slots, live.
 * Plain data and one interface; pbx/asterisk implements it over AMI (res_parking). No project imports outside pbx/.
 *
 * A provider keeps a live model: a full snapshot at (re)connect, then events. Retrieving a parked call is not a
 * provider action: the console dials the slot like a phone would, so the call comes back on one of its lines.
 */
import type { QueueConnectionState } from './queues';

export type Disposable = () => void;

/** Same states as the queue connection (the same PBX management link, e.g. Asterisk's AMI). */
export type ParkingConnectionState = QueueConnectionState;

/** One call waiting in a park slot. */
export interface ParkedCall {
  /** Stable id of the parked call (Asterisk: the parked channel's Uniqueid). */
  readonly id: string;
  /** Parking lot (Asterisk: `default` unless res_parking.conf defines others). */
  readonly lot: string;
  /** The slot: the number to dial to retrieve the call (e.g. `701`). */
  readonly slot: string;
  /** Caller number and name as the PBX knows them (sanitised by the provider: no control characters, capped). */
  readonly number: string;
  readonly name?: string;
  /** When the call was parked (epoch ms; from the PBX's parked duration at snapshot). */
  readonly parkedAt: number;
  /** When the PBX gives up on it (epoch ms: rings the parker back or follows its dialplan); absent: no limit. */
  readonly timeoutAt?: number;
  /** Who parked it, as the PBX says (Asterisk: the parker's dial string, e.g. `PJSIP/2001`). */
  readonly parker?: string;
  /** Id shared by every leg of the original call (Asterisk: Linkedid). */
  readonly linkedId?: string;
}

/** Why a call left its slot. */
export type ParkedCallOutcome = 'retrieved' | 'gave-up' | 'timed-out';

export interface ParkingSnapshot {
  readonly connection: ParkingConnectionState;
  /** Ordered by lot, then slot. */
  readonly calls: readonly ParkedCall[];
}

export type ParkingEvent =
  /** Full state (after connect / reconnect / re-query). */
  | { readonly kind: 'snapshot'; readonly snapshot: ParkingSnapshot }
  | { readonly kind: 'connection'; readonly connection: ParkingConnectionState }
  /**
   * A call entered a slot. `swapped`: it took the place of the call that was there (Asterisk ParkedCallSwap, after an
   * attended transfer to the park extension): whatever was in that slot is gone.
   */
  | { readonly kind: 'parked'; readonly call: ParkedCall; readonly swapped?: boolean }
  /** A call left its slot; `retriever` is who took it (Asterisk: the retriever's channel), when retrieved. */
  | {
      readonly kind: 'left';
      readonly id: string;
      readonly lot: string;
      readonly slot: string;
      readonly outcome: ParkedCallOutcome;
      readonly retriever?: string;
    };

export class ParkingError extends Error {
  constructor(
    readonly code: 'unreachable' | 'refused' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'ParkingError';
  }
}

export interface ParkingProvider {
  /** Connect (and keep reconnecting with backoff until stop()). */
  start(): Promise<void>;
  stop(): Promise<void>;
  snapshot(): ParkingSnapshot;
  onDidChange(listener: (event: ParkingEvent) => void): Disposable;
  /** Re-query the whole list now. Rejects with ParkingError. */
  refresh(): Promise<void>;
}
