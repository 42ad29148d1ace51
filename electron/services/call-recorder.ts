/**
 * What the history detail window shows of a call besides its times: the timeline of events (ringing, answered,
 * held, transferred, ended…) read from the successive call views, and the call-quality samples the renderer sends.
 * Kept per call while it lives and for a short grace after it ends (the renderer's last batch can arrive after the
 * call's history row is written). Pure: no storage, no clock of its own.
 */
import type { QualitySampleView, TimelineEventView } from '../contract/call-quality';
import { MAX_QUALITY_SAMPLES, MAX_TIMELINE_EVENTS } from '../contract/call-quality';
import type { CallView } from '../contract/dto';

/** Samples stamped this long before the call started or after it ended are someone else's (or invented). */
const SAMPLE_SLACK_MS = 10_000;
/** How long an ended call still accepts quality samples. */
export const ENDED_GRACE_MS = 60_000;
/** Most calls followed at once (live + grace). */
export const MAX_RECORDS = 256;

/** The events between two successive views of the same call (prev undefined: the first view). */
export function timelineStep(prev: CallView | undefined, next: CallView, now: number): TimelineEventView[] {
  const out: TimelineEventView[] = [];
  if (prev?.state === 'ended') return out;
  if (!prev) {
    if (next.direction === 'outgoing') out.push({ at: next.createdAt, kind: 'dialing', detail: next.remote.user });
    if (next.direction === 'incoming' || next.state === 'ringing') out.push({ at: next.createdAt, kind: 'ringing' });
  } else if (next.direction === 'outgoing' && next.state === 'ringing' && prev.state !== 'ringing') {
    out.push({ at: now, kind: 'ringing' });
  }
  if (next.answeredAt !== undefined && prev?.answeredAt === undefined) out.push({ at: next.answeredAt, kind: 'answered' });
  if (prev && next.state !== 'ended') {
    if (next.state === 'held' && prev.state !== 'held') out.push({ at: now, kind: 'held' });
    if (next.state === 'active' && prev.state === 'held') out.push({ at: now, kind: 'resumed' });
  }
  if (next.state !== 'ended') {
    if (!!next.remoteHold !== !!prev?.remoteHold) out.push({ at: now, kind: next.remoteHold ? 'remote-held' : 'remote-resumed' });
    if (prev && next.muted !== prev.muted) out.push({ at: now, kind: next.muted ? 'muted' : 'unmuted' });
    if (next.conferenceId !== undefined && next.conferenceId !== prev?.conferenceId) out.push({ at: now, kind: 'conference' });
  }
  const t = next.transfer;
  const pt = prev?.transfer;
  if (t) {
    const fresh = !pt || pt.target !== t.target || pt.kind !== t.kind || (pt.state === 'failed' && t.state !== 'failed');
    if (fresh) out.push({ at: now, kind: 'transfer', detail: `${t.kind} ${t.target}` });
    if (t.state === 'done' && (fresh || pt?.state !== 'done')) out.push({ at: now, kind: 'transferred', detail: t.target });
    if (t.state === 'failed' && (fresh || pt?.state !== 'failed')) {
      out.push({ at: now, kind: 'transfer-failed', detail: t.status !== undefined ? `${t.target} ${t.status}` : t.target });
    }
  }
  if (next.state === 'ended') out.push({ at: next.endedAt ?? now, kind: 'ended', detail: next.endReason ?? '' });
  return out;
}

/**
 * `existing` plus the plausible new samples, oldest first: stamped within the call (± slack), strictly after the last
 * kept one (replays and reordering are dropped), and at most `cap` (a long call keeps every other sample).
 */
export function mergeQuality(
  existing: readonly QualitySampleView[],
  incoming: readonly QualitySampleView[],
  window: { readonly from: number; readonly to: number },
  cap = MAX_QUALITY_SAMPLES,
): QualitySampleView[] {
  let out = [...existing];
  let last = out.at(-1)?.t ?? -Infinity;
  const fresh = incoming
    .filter((s) => s.t >= window.from - SAMPLE_SLACK_MS && s.t <= window.to + SAMPLE_SLACK_MS)
    .sort((a, b) => a.t - b.t);
  for (const s of fresh) {
    if (s.t <= last) continue;
    out.push(cleanSample(s));
    last = s.t;
    if (out.length > cap) out = out.filter((_, i) => i % 2 === 0);
  }
  return out;
}

/** Only our fields, rounded (the renderer's doubles carry no meaning past a tenth). */
function cleanSample(s: QualitySampleView): QualitySampleView {
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    t: s.t,
    ...(s.rttMs !== undefined && { rttMs: r(s.rttMs) }),
    ...(s.jitterMs !== undefined && { jitterMs: r(s.jitterMs) }),
    ...(s.lossPct !== undefined && { lossPct: r(s.lossPct) }),
    ...(s.kbps !== undefined && { kbps: r(s.kbps) }),
  };
}

export interface CallRecord {
  view: CallView;
  timeline: TimelineEventView[];
  quality: QualitySampleView[];
  /** Set when the call ended. */
  endedAt?: number;
  /** The history row, once written. */
  historyId?: number;
}

/** The records of live and just-ended calls, keyed by call id. */
export class CallRecorder {
  readonly #records = new Map<string, CallRecord>();

  /** A `call.changed` view: append what changed to the call's timeline. */
  changed(view: CallView, now: number): CallRecord {
    this.#expire(now);
    const rec = this.#records.get(view.id);
    if (rec?.endedAt !== undefined) return rec;
    // A call that vanished without an end (host stopped mid-call) must not keep new calls out: the oldest goes.
    if (!rec && this.#records.size >= MAX_RECORDS) this.#records.delete(this.#records.keys().next().value!);
    const events = timelineStep(rec?.view, view, now);
    const next: CallRecord = rec ?? { view, timeline: [], quality: [] };
    next.view = view;
    for (const e of events) {
      // Over the cap only the end still gets in: a call flapping hold/resume keeps its first events and its end.
      if (next.timeline.length < MAX_TIMELINE_EVENTS - 1 || e.kind === 'ended') next.timeline.push(e);
    }
    if (view.state === 'ended') next.endedAt = view.endedAt ?? now;
    this.#records.set(view.id, next);
    return next;
  }

  /** The call ended (its final view): its record (built from this view alone if earlier views were missed). */
  end(view: CallView, now: number): CallRecord {
    const rec = this.changed(view, now);
    rec.endedAt ??= view.endedAt ?? now;
    return rec;
  }

  /** Quality samples for a call: undefined when the call is unknown (or long gone). */
  quality(callId: string, samples: readonly QualitySampleView[], now: number): CallRecord | undefined {
    this.#expire(now);
    const rec = this.#records.get(callId);
    if (!rec) return undefined;
    rec.quality = mergeQuality(rec.quality, samples, { from: rec.view.createdAt, to: rec.endedAt ?? now });
    return rec;
  }

  get(callId: string): CallRecord | undefined {
    return this.#records.get(callId);
  }

  #expire(now: number): void {
    for (const [id, rec] of this.#records) {
      if (rec.endedAt !== undefined && now - rec.endedAt > ENDED_GRACE_MS) this.#records.delete(id);
    }
  }
}
