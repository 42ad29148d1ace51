/**
 * Call quality and the history detail window (issue 5 §6): the renderer's media engine samples getStats() during
 * every call and sends the samples in batches; main keeps them with the call's timeline and stores both with the
 * call's history row. Spread into `contactsCommands` by contacts.ts. Pure TS + zod.
 */
import { z } from 'zod';

/** How often the renderer samples getStats() during a call. */
export const QUALITY_SAMPLE_INTERVAL_MS = 2000;
/** Most samples in one `call.quality` command (a renderer that fell behind sends several batches). */
export const MAX_QUALITY_BATCH = 30;
/** Most samples kept per call: an hour at one every 2 s; longer calls are thinned (every other sample dropped). */
export const MAX_QUALITY_SAMPLES = 1800;
/** Most timeline events kept per call. */
export const MAX_TIMELINE_EVENTS = 200;

/** One getStats() reading; a figure the browser did not report is absent (never 0 by default). */
export interface QualitySampleView {
  /** Epoch ms. */
  readonly t: number;
  /** Round-trip time (RTCP or ICE consent checks). */
  readonly rttMs?: number;
  /** Inbound interarrival jitter. */
  readonly jitterMs?: number;
  /** Packets lost since the previous sample, as a share of those expected. */
  readonly lossPct?: number;
  /** Audio bit rate both ways since the previous sample. */
  readonly kbps?: number;
}

export const TIMELINE_EVENT_KINDS = [
  'dialing',
  'ringing',
  'answered',
  'held',
  'resumed',
  'remote-held',
  'remote-resumed',
  'muted',
  'unmuted',
  'conference',
  'transfer',
  'transferred',
  'transfer-failed',
  'ended',
] as const;
export type TimelineEventKind = (typeof TIMELINE_EVENT_KINDS)[number];

export interface TimelineEventView {
  /** Epoch ms. */
  readonly at: number;
  readonly kind: TimelineEventKind;
  /** Transfer target, end reason… (data, not translated text). */
  readonly detail?: string;
}

/** A figure from a hostile or buggy renderer must still be a plain, bounded number. */
const figure = (max: number) => z.number().min(0).max(max);

export const QualitySampleSchema = z.strictObject({
  t: z.number().int().min(0).max(8.64e15),
  rttMs: figure(60_000).optional(),
  jitterMs: figure(60_000).optional(),
  lossPct: figure(100).optional(),
  kbps: figure(100_000).optional(),
});

function def<R>() {
  return <A extends z.ZodType>(args: A): { readonly args: A; readonly result?: R } => ({ args });
}

export const callQualityCommands = {
  /** Quality samples of a live (or just ended) call, oldest first. */
  'call.quality': def<void>()(
    z.strictObject({
      callId: z.string().min(1).max(128),
      samples: z.array(QualitySampleSchema).min(1).max(MAX_QUALITY_BATCH),
    }),
  ),
} as const;
