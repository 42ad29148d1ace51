/**
 * Small inline SVG plots (the call-quality figures of the history detail window): a pure function from points to
 * an SVG path and its min/avg/max, so the drawing is tested without a browser and no chart library is needed.
 */
import type { QualitySampleView } from '../../electron/contract';

export interface PlotPoint {
  readonly t: number;
  readonly v: number;
}

export interface PlotSize {
  readonly width: number;
  readonly height: number;
  /** Inner margin so the stroke is not clipped. */
  readonly pad?: number;
  /** A pause longer than this between two points breaks the line (the call was on hold, the window closed…). */
  readonly gapMs?: number;
}

export interface Sparkline {
  /** The `d` attribute of an SVG <path>: one `M` per unbroken run, then `L`s. */
  readonly path: string;
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  readonly count: number;
  /** The value the top edge stands for (the maximum, or 1 when everything is 0). */
  readonly top: number;
}

export type QualityMetric = 'rttMs' | 'jitterMs' | 'lossPct' | 'kbps';
export const QUALITY_METRICS: readonly QualityMetric[] = ['rttMs', 'jitterMs', 'lossPct', 'kbps'];

/** The points of one metric (samples that did not report it are left out). */
export function seriesOf(samples: readonly QualitySampleView[], metric: QualityMetric): PlotPoint[] {
  return samples.flatMap((s) => {
    const v = s[metric];
    return v !== undefined && Number.isFinite(v) && Number.isFinite(s.t) ? [{ t: s.t, v }] : [];
  });
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * Lay the points out in a width × height box: time left to right, values bottom (0) to top (the maximum).
 * Undefined when there is nothing to draw.
 */
export function sparkline(points: readonly PlotPoint[], size: PlotSize): Sparkline | undefined {
  const pts = points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  if (pts.length === 0) return undefined;
  const pad = size.pad ?? 2;
  const w = Math.max(0, size.width - 2 * pad);
  const h = Math.max(0, size.height - 2 * pad);
  const t0 = pts[0]!.t;
  const span = pts.at(-1)!.t - t0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const p of pts) {
    min = Math.min(min, p.v);
    max = Math.max(max, p.v);
    sum += p.v;
  }
  const top = max > 0 ? max : 1;
  const x = (t: number) => pad + (span > 0 ? ((t - t0) / span) * w : w / 2);
  const y = (v: number) => pad + h - (Math.max(0, v) / top) * h;
  const parts: string[] = [];
  pts.forEach((p, i) => {
    const broken = i === 0 || (size.gapMs !== undefined && p.t - pts[i - 1]!.t > size.gapMs);
    parts.push(`${broken ? 'M' : 'L'}${f(x(p.t))} ${f(y(p.v))}`);
  });
  // A lone point (one sample, or the first after a gap with no follower) still shows: a short flat stroke.
  const path = parts
    .map((seg, i) => (seg.startsWith('M') && !parts[i + 1]?.startsWith('L') ? `${seg} h0.1` : seg))
    .join(' ');
  return { path, min, avg: sum / pts.length, max, count: pts.length, top };
}
