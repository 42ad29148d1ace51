/**
 * Call-quality sampling (issue 5 §6): one reading of a peer connection's getStats() every
 * QUALITY_SAMPLE_INTERVAL_MS, turned into RTT, jitter, packet loss and bit rate, queued and sent to main in batches.
 * Pure functions over plain stats objects (W3C webrtc-stats), so they run in unit tests without a browser.
 */
import type { QualitySampleView } from '../../../electron/contract';
import { MAX_QUALITY_BATCH } from '../../../electron/contract';

/** Cumulative counters of one reading; rates come from the difference between two readings. */
export interface StatsTotals {
  readonly at: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
}

export interface StatsReading {
  readonly totals: StatsTotals;
  readonly rttMs?: number;
  readonly jitterMs?: number;
}

type Stat = Readonly<Record<string, unknown>>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Read the audio figures out of a getStats() report (its values). */
export function readStats(stats: Iterable<Stat>, at: number): StatsReading {
  let bytesIn = 0;
  let bytesOut = 0;
  let packetsReceived = 0;
  let packetsLost = 0;
  let jitter: number | undefined;
  let remoteRtt: number | undefined;
  let pairRtt: number | undefined;
  let selectedPair: string | undefined;
  const pairs = new Map<string, Stat>();
  for (const s of stats) {
    const audio = s.kind === undefined || s.kind === 'audio';
    switch (s.type) {
      case 'inbound-rtp':
        if (!audio) break;
        bytesIn += num(s.bytesReceived) ?? 0;
        packetsReceived += num(s.packetsReceived) ?? 0;
        packetsLost += num(s.packetsLost) ?? 0;
        if (num(s.jitter) !== undefined) jitter = Math.max(jitter ?? 0, num(s.jitter)!);
        break;
      case 'outbound-rtp':
        if (audio) bytesOut += num(s.bytesSent) ?? 0;
        break;
      case 'remote-inbound-rtp':
        // RTCP receiver reports from the far end (RFC 3550 §6.4.1): the media path's own round trip.
        if (audio && num(s.roundTripTime) !== undefined) remoteRtt = num(s.roundTripTime);
        break;
      case 'transport':
        if (typeof s.selectedCandidatePairId === 'string') selectedPair = s.selectedCandidatePairId;
        break;
      case 'candidate-pair':
        if (typeof s.id === 'string') pairs.set(s.id, s);
        break;
      default:
        break;
    }
  }
  // Without RTCP RRs, ICE consent checks (RFC 7675) still time the path: the selected (else nominated) pair.
  const pair = (selectedPair && pairs.get(selectedPair)) ?? [...pairs.values()].find((p) => p.nominated === true && p.state === 'succeeded');
  if (pair) pairRtt = num(pair.currentRoundTripTime);
  const rtt = remoteRtt ?? pairRtt;
  return {
    totals: { at, bytesIn, bytesOut, packetsReceived, packetsLost },
    ...(rtt !== undefined && { rttMs: rtt * 1000 }),
    ...(jitter !== undefined && { jitterMs: jitter * 1000 }),
  };
}

/** A sample from a reading and the previous one (rates need two readings; the first has none). */
export function qualitySample(prev: StatsTotals | undefined, reading: StatsReading): QualitySampleView {
  const { totals } = reading;
  const sample: { -readonly [K in keyof QualitySampleView]: QualitySampleView[K] } = { t: Math.round(totals.at) };
  if (reading.rttMs !== undefined) sample.rttMs = clamp(reading.rttMs, 60_000);
  if (reading.jitterMs !== undefined) sample.jitterMs = clamp(reading.jitterMs, 60_000);
  const dt = prev ? totals.at - prev.at : 0;
  if (prev && dt > 0) {
    const received = totals.packetsReceived - prev.packetsReceived;
    // packetsLost can go down (late packets counted after all); a negative delta is no loss.
    const lost = Math.max(0, totals.packetsLost - prev.packetsLost);
    if (received >= 0 && received + lost > 0) sample.lossPct = clamp((lost / (received + lost)) * 100, 100);
    const bytes = totals.bytesIn - prev.bytesIn + (totals.bytesOut - prev.bytesOut);
    // A new peer (re-INVITE) restarts the counters: skip that one rate rather than report a negative one.
    if (bytes >= 0) sample.kbps = clamp((bytes * 8) / dt, 100_000);
  }
  return sample;
}

/**
 * Did far-end audio reach the peer between two readings (the "line lost" watchdog of WebRTC calls)? Any change of the
 * inbound packet count that leaves it above zero: a new SSRC after a re-INVITE can make the sum go down while packets
 * keep coming. The first reading of a peer counts if it has any (the peer is at most one tick old).
 */
export function inboundArrived(prev: StatsTotals | undefined, next: StatsTotals): boolean {
  return next.packetsReceived > 0 && next.packetsReceived !== (prev?.packetsReceived ?? 0);
}

function clamp(v: number, max: number): number {
  return Math.min(max, Math.max(0, Math.round(v * 10) / 10));
}

/** Samples waiting to be sent: bounded (a long disconnection keeps the newest), taken out in contract-sized batches. */
export class QualityQueue {
  readonly #pending: QualitySampleView[] = [];
  constructor(readonly capacity = 300) {}

  get size(): number {
    return this.#pending.length;
  }

  push(...samples: QualitySampleView[]): void {
    this.#pending.push(...samples);
    if (this.#pending.length > this.capacity) this.#pending.splice(0, this.#pending.length - this.capacity);
  }

  /** The oldest samples, at most one command's worth. */
  take(max = MAX_QUALITY_BATCH): QualitySampleView[] {
    return this.#pending.splice(0, Math.max(0, Math.min(max, MAX_QUALITY_BATCH)));
  }

  /** A batch that could not be sent goes back in front (still bounded). */
  putBack(samples: readonly QualitySampleView[]): void {
    this.#pending.unshift(...samples);
    if (this.#pending.length > this.capacity) this.#pending.splice(0, this.#pending.length - this.capacity);
  }
}
