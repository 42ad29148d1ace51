/**
 * Park panel (issue 13 item 5): the calls waiting in the PBX's park slots, live from the PBX management connection
 * (Asterisk AMI, res_parking), and Retrieve. Kept in its own file and spread into `commands` / `Events` by
 * contract.ts. Pure TS + zod.
 */
import { z } from 'zod';

function def<R>() {
  return <A extends z.ZodType>(args: A): { readonly args: A; readonly result?: R } => ({ args });
}

/** How the panel's source is doing. `not-configured`: no PBX connection (Settings › PBX): the panel says so. */
export type ParkingConnectionName = 'not-configured' | 'connecting' | 'connected' | 'unreachable' | 'auth-failed';

/** One parked call. */
export interface ParkedCallView {
  /** Stable id (Asterisk: the parked channel's Uniqueid). */
  readonly id: string;
  readonly lot: string;
  /** The number to dial to retrieve it (e.g. `701`). */
  readonly slot: string;
  /** Caller number (may be empty: anonymous) and name (the directories' name when known, else the caller ID's). */
  readonly number: string;
  readonly name?: string;
  /** Epoch ms when it was parked (the panel's wait time ticks from here). */
  readonly parkedAt: number;
  /** Epoch ms when the PBX gives up on it (rings the parker back); absent: no limit. */
  readonly timeoutAt?: number;
  /** This console parked it: the id of the (ended) call it was. */
  readonly fromCallId?: string;
}

export interface ParkingView {
  readonly connection: { readonly state: ParkingConnectionName; readonly retryAt?: number };
  /** Ordered by lot, then slot. */
  readonly calls: readonly ParkedCallView[];
  /** Calls this console parked, by call id → slot ("Parked on 701" on the call's line while it lingers). */
  readonly parkedFrom: Readonly<Record<string, string>>;
  /**
   * `blf`: no PBX connection, the list comes from the busy lamps of the park slots (preference `parkSlots`): the PBX
   * says a slot is taken, not by whom, and the wait counts from when the console saw the lamp turn busy.
   */
  readonly source?: 'pbx' | 'blf';
}

export const NOT_CONFIGURED_PARKING: ParkingView = { connection: { state: 'not-configured' }, calls: [], parkedFrom: {} };

/** At most this many park slots are watched by BLF (each is one SUBSCRIBE). */
export const MAX_PARK_SLOTS = 50;

/** `701-720`, `701, 702, 750-755`: the park slots, in order, without repeats; undefined when malformed or too many. */
export function parseParkSlots(text: string): string[] | undefined {
  const out: string[] = [];
  const trimmed = text.trim();
  if (trimmed === '') return [];
  for (const part of trimmed.split(/\s*,\s*/)) {
    const m = /^(\d{1,8})(?:\s*-\s*(\d{1,8}))?$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from >= MAX_PARK_SLOTS) return undefined;
    // Keep the typed width (a slot `0701` stays `0701`).
    for (let n = from; n <= to; n++) out.push(String(n).padStart(m[1]!.length, '0'));
    if (out.length > MAX_PARK_SLOTS) return undefined;
  }
  return [...new Set(out)];
}

/** Preference `parkSlots`: the slots whose busy lamps the panel watches when there is no PBX connection ('' = none). */
export const parkSlotsSchema = z.string().max(200).refine((t) => parseParkSlots(t) !== undefined, `must be slot numbers or ranges such as 701-720 (at most ${MAX_PARK_SLOTS})`);

const slotSchema = z.string().trim().regex(/^[0-9A-Za-z*#+_.-]{1,32}$/, 'must be a park slot such as 701');

export const parkingCommands = {
  /**
   * Retrieve a parked call: the console dials its slot and the caller comes back on a line. Refused with
   * `park.error.gone` when the slot no longer holds a call (the caller hung up or was retrieved elsewhere meanwhile).
   */
  'parking.retrieve': def<{ readonly callId: string }>()(z.strictObject({ slot: slotSchema, lot: z.string().max(80).optional() })),
} as const;
export type ParkingCommandName = keyof typeof parkingCommands;

export interface ParkingEvents {
  /** The park panel changed (coalesced). */
  'parking.changed': ParkingView;
}
export const PARKING_EVENT_NAMES = ['parking.changed'] as const;
