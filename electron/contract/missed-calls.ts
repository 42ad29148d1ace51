/**
 * Missed calls (issue 13 item 8): the counter main keeps (and saves) of calls that rang on this console and were
 * answered by nobody, the event that raises notifications / badge / taskbar flash, and the command that clears it when
 * the receptionist looks at the History. Kept in its own file and spread into `commands` / `Events` by contract.ts.
 * Pure TS + zod.
 */
import { z } from 'zod';

/** The latest missed call (caller data as received: sanitised by sip-core, cleaned again where the OS shows it). */
export interface MissedCallView {
  readonly callId: string;
  readonly number: string;
  readonly name?: string;
  /** Epoch ms at which it stopped ringing. */
  readonly at: number;
}

/** The counter shown on the History tab, the window title and the taskbar. */
export interface MissedCallsView {
  /** Missed calls since the receptionist last viewed the History. */
  readonly count: number;
  readonly last?: MissedCallView;
}

function def<R>() {
  return <A extends z.ZodType>(args: A): { readonly args: A; readonly result?: R } => ({ args });
}

export const missedCallsCommands = {
  /** The receptionist viewed the History (or its Missed filter): the counter goes back to 0. */
  'missed.seen': def<MissedCallsView>()(z.strictObject({})),
} as const;

export type MissedCallsCommandName = keyof typeof missedCallsCommands;

export interface MissedCallsEvents {
  /** The counter changed (a call missed, or the History viewed). */
  'missed.changed': MissedCallsView;
  /** A call was just missed: notify (OS notification, flash). Never re-sent in a snapshot, so a reload does not notify. */
  'missed.added': MissedCallView & { readonly count: number };
}
export const MISSED_CALLS_EVENT_NAMES = ['missed.changed', 'missed.added'] as const;
