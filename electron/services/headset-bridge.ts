/**
 * What a headset press means for the calls on the console, and what the calls mean for the headset's LEDs.
 * Pure functions over the contract's CallView: the headset service (headset-service.ts) feeds them and runs the
 * resulting command through the console's own dispatch, exactly as a click would.
 *
 * Rules (a receptionist never loses a caller because of an ambiguous press):
 * - hook lifted: answer the ringing call (the talking one is held first); no ringing call but callers on hold:
 *   take the line back (resume).
 * - hook put down / end button: a call ringing while another is up ⇒ answer it, the other is held (call waiting:
 *   the press is the "answer" the receptionist means); else hang up the talking call (a conference: end it); only
 *   held callers ⇒ take the line back, never drop a held caller.
 * - mute: toggle the talking call's mute (mute only means something off-hook: nothing to do otherwise).
 * - flash: a ringing call ⇒ answer it (hold the other); talking + held ⇒ swap to the next held line; talking only ⇒
 *   hold; held only ⇒ resume.
 * - redial: `call.redial`. Reject button: decline the ringing call.
 */
import type { CallView } from '../contract/dto';
import type { HeadsetActionName, HeadsetButtonName } from '../contract/headset';
import type { HeadsetCallState } from '../../hid/headset-controller';

const LIVE: ReadonlySet<CallView['state']> = new Set(['dialing', 'ringing', 'incoming', 'connecting', 'active', 'held']);
/** States in which the receptionist is on the line (off-hook): answered, being answered, or calling out. */
const TALKING: ReadonlySet<CallView['state']> = new Set(['dialing', 'ringing', 'connecting', 'active']);
/** Which talking call is "the current one" when there are several: the answered one first. */
const TALKING_RANK: Readonly<Record<string, number>> = { active: 0, connecting: 1, ringing: 2, dialing: 3 };

/** A console command the press maps to, in the contract's own terms. */
export type HeadsetStep =
  | { readonly name: 'call.answer' | 'call.hangup' | 'call.hold' | 'call.select' | 'call.decline'; readonly args: { readonly callId: string } }
  | { readonly name: 'call.mute'; readonly args: { readonly callId: string; readonly muted: boolean } }
  | { readonly name: 'call.leaveConference'; readonly args: { readonly conferenceId: string; readonly end: true } }
  | { readonly name: 'call.redial'; readonly args: Record<string, never> };

export interface HeadsetPlan {
  readonly action: HeadsetActionName;
  readonly step?: HeadsetStep;
}

const byAge = (a: CallView, b: CallView): number => a.createdAt - b.createdAt || a.line - b.line;
const byLine = (a: CallView, b: CallView): number => a.line - b.line || a.createdAt - b.createdAt;

/** The console's calls as the headset sees them. */
export interface CallPicture {
  /** The call to answer first (the longest-ringing one). */
  readonly ringing?: CallView;
  /** The call the receptionist is on. */
  readonly talking?: CallView;
  /** Callers on hold, by line. */
  readonly held: readonly CallView[];
}

export function pictureOf(calls: Iterable<CallView>): CallPicture {
  const live = [...calls].filter((c) => LIVE.has(c.state));
  const ringing = live.filter((c) => c.state === 'incoming').sort(byAge)[0];
  const talking = live
    .filter((c) => TALKING.has(c.state) && !(c.direction === 'incoming' && c.state === 'ringing'))
    .sort((a, b) => (TALKING_RANK[a.state] ?? 9) - (TALKING_RANK[b.state] ?? 9) || byLine(a, b))[0];
  const held = live.filter((c) => c.state === 'held').sort(byLine);
  return { ...(ringing && { ringing }), ...(talking && { talking }), held };
}

/**
 * The LED state for these calls: Ring while a call rings (also over a call in progress), Off-Hook while a call is up
 * or on hold (the controller keeps Off-Hook on under Hold), Hold when every answered call is held, Mute when the
 * talking call is muted.
 */
export function headsetCallStateOf(calls: Iterable<CallView>): HeadsetCallState {
  const p = pictureOf(calls);
  const held = p.talking === undefined && p.held.length > 0;
  return {
    ringing: p.ringing !== undefined,
    offHook: p.talking !== undefined || held,
    muted: p.talking?.muted ?? false,
    held,
  };
}

const select = (c: CallView): HeadsetPlan => ({ action: 'resume', step: { name: 'call.select', args: { callId: c.id } } });
const answer = (c: CallView): HeadsetPlan => ({ action: 'answer', step: { name: 'call.answer', args: { callId: c.id } } });
const nothing: HeadsetPlan = { action: 'none' };

function hangUp(c: CallView): HeadsetPlan {
  return c.conferenceId !== undefined
    ? { action: 'hangup', step: { name: 'call.leaveConference', args: { conferenceId: c.conferenceId, end: true } } }
    : { action: 'hangup', step: { name: 'call.hangup', args: { callId: c.id } } };
}

/** What a press does with these calls (see the rules at the top of this file). */
export function planHeadsetAction(button: HeadsetButtonName, calls: Iterable<CallView>): HeadsetPlan {
  const { ringing, talking, held } = pictureOf(calls);
  switch (button) {
    case 'hook-off':
      if (ringing) return answer(ringing);
      if (!talking && held[0]) return select(held[0]);
      return nothing;
    case 'hook-on':
      if (ringing && (talking || held.length > 0)) return answer(ringing);
      if (talking) return hangUp(talking);
      if (held[0]) return select(held[0]);
      return nothing;
    case 'mute-toggle':
      if (!talking) return nothing;
      return {
        action: talking.muted ? 'unmute' : 'mute',
        step: { name: 'call.mute', args: { callId: talking.id, muted: !talking.muted } },
      };
    case 'flash': {
      if (ringing) return answer(ringing);
      if (talking && held.length > 0) {
        const next = held.find((c) => c.line > talking.line) ?? held[0]!;
        return { action: 'swap', step: { name: 'call.select', args: { callId: next.id } } };
      }
      if (talking) return { action: 'hold', step: { name: 'call.hold', args: { callId: talking.id } } };
      if (held[0]) return select(held[0]);
      return nothing;
    }
    case 'redial':
      return { action: 'redial', step: { name: 'call.redial', args: {} } };
    case 'reject':
      return ringing ? { action: 'reject', step: { name: 'call.decline', args: { callId: ringing.id } } } : nothing;
    default: {
      const never: never = button;
      return never;
    }
  }
}
