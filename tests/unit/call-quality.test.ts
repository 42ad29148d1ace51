/**
 * Call quality for the history detail window: the renderer's getStats() reading and batching, the contract's
 * validation of what a (possibly hostile) renderer sends, the timeline read from successive call views, and the
 * SVG plot helper. All pure; the whole path runs against a real call in tests/e2e/contacts.e2e.ts.
 */
import { MAX_QUALITY_BATCH, MAX_TIMELINE_EVENTS, parseCommand, type CallView, type QualitySampleView } from '../../electron/contract';
import { CallRecorder, ENDED_GRACE_MS, MAX_RECORDS, mergeQuality, timelineStep } from '../../electron/services/call-recorder';
import { QualityQueue, qualitySample, readStats } from '../../renderer/lib/media/quality';
import { seriesOf, sparkline } from '../../renderer/lib/plot';

const T0 = 1_800_000_000_000;

describe('getStats() → quality sample', () => {
  const report = (o: { rx: number; tx: number; recv: number; lost: number; jitter?: number; remoteRtt?: number; pairRtt?: number }) => [
    { type: 'inbound-rtp', kind: 'audio', bytesReceived: o.rx, packetsReceived: o.recv, packetsLost: o.lost, ...(o.jitter !== undefined && { jitter: o.jitter }) },
    { type: 'inbound-rtp', kind: 'video', bytesReceived: 1e9, packetsReceived: 1e6, packetsLost: 1e6 },
    { type: 'outbound-rtp', kind: 'audio', bytesSent: o.tx },
    ...(o.remoteRtt !== undefined ? [{ type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: o.remoteRtt }] : []),
    { type: 'transport', selectedCandidatePairId: 'CP1' },
    { type: 'candidate-pair', id: 'CP0', nominated: true, state: 'succeeded', currentRoundTripTime: 9 },
    { type: 'candidate-pair', id: 'CP1', nominated: true, state: 'succeeded', ...(o.pairRtt !== undefined && { currentRoundTripTime: o.pairRtt }) },
  ];

  it('a call at 64 kbit/s each way with 2 % loss over 2 s reads as 128 kbit/s, 2 % loss, jitter and RTT in ms', () => {
    const first = readStats(report({ rx: 10_000, tx: 10_000, recv: 100, lost: 0, jitter: 0.004, remoteRtt: 0.02 }), T0);
    const s0 = qualitySample(undefined, first);
    // No rates from one reading.
    expect(s0).toEqual({ t: T0, rttMs: 20, jitterMs: 4 });
    const second = readStats(report({ rx: 26_000, tx: 26_000, recv: 198, lost: 2, jitter: 0.0063 }), T0 + 2000);
    // Without RTCP receiver reports, the selected ICE pair (not the other nominated one) gives the RTT.
    expect(second.rttMs).toBeUndefined();
    expect(qualitySample(first.totals, second)).toEqual({ t: T0 + 2000, jitterMs: 6.3, lossPct: 2, kbps: 128 });
    const third = readStats(report({ rx: 26_000, tx: 26_000, recv: 198, lost: 2, pairRtt: 0.0012 }), T0 + 4000);
    expect(qualitySample(second.totals, third)).toEqual({ t: T0 + 4000, rttMs: 1.2, kbps: 0 });
  });

  it('counters that go backwards (new peer after a re-INVITE, late packets) never give negative figures', () => {
    const a = readStats(report({ rx: 50_000, tx: 50_000, recv: 500, lost: 10 }), T0);
    const b = readStats(report({ rx: 1_000, tx: 1_000, recv: 10, lost: 0 }), T0 + 2000);
    const s = qualitySample(a.totals, b);
    expect(s.kbps).toBeUndefined();
    expect(s.lossPct).toBeUndefined();
    const c = readStats(report({ rx: 2_000, tx: 2_000, recv: 60, lost: 0 }), T0 + 4000);
    expect(qualitySample(b.totals, c)).toMatchObject({ lossPct: 0, kbps: 8 });
  });

  it('garbage in a stats report (strings, NaN, Infinity) is ignored', () => {
    const r = readStats(
      [
        { type: 'inbound-rtp', kind: 'audio', bytesReceived: 'x', packetsReceived: NaN, packetsLost: Infinity, jitter: -Infinity },
        { type: 'remote-inbound-rtp', roundTripTime: '0.1' },
      ],
      T0,
    );
    expect(r).toEqual({ totals: { at: T0, bytesIn: 0, bytesOut: 0, packetsReceived: 0, packetsLost: 0 } });
  });

  it('the queue sends at most one contract batch at a time and keeps the newest samples when main is unreachable', () => {
    const q = new QualityQueue(50);
    for (let i = 0; i < 80; i++) q.push({ t: T0 + i });
    expect(q.size).toBe(50);
    const batch = q.take();
    expect(batch).toHaveLength(MAX_QUALITY_BATCH);
    expect(batch[0]!.t).toBe(T0 + 30);
    q.putBack(batch);
    expect(q.size).toBe(50);
    expect(q.take(1000)).toHaveLength(MAX_QUALITY_BATCH);
    expect(q.take()).toHaveLength(20);
    expect(q.take()).toEqual([]);
  });
});

describe('call.quality: what main accepts from the renderer', () => {
  const parse = (args: unknown) => parseCommand('call.quality', args);
  it('a normal batch passes', () => {
    expect(parse({ callId: 'c1', samples: [{ t: T0, rttMs: 20, jitterMs: 3.5, lossPct: 0, kbps: 80 }, { t: T0 + 2000 }] }).ok).toBe(true);
  });
  it.each([
    ['no samples', { callId: 'c1', samples: [] }],
    ['too many samples in one batch', { callId: 'c1', samples: Array.from({ length: MAX_QUALITY_BATCH + 1 }, (_, i) => ({ t: T0 + i })) }],
    ['a negative figure', { callId: 'c1', samples: [{ t: T0, rttMs: -5 }] }],
    ['loss above 100 %', { callId: 'c1', samples: [{ t: T0, lossPct: 101 }] }],
    ['an absurd bit rate', { callId: 'c1', samples: [{ t: T0, kbps: 1e12 }] }],
    ['a figure as a string', { callId: 'c1', samples: [{ t: T0, jitterMs: '3' }] }],
    ['a fractional time', { callId: 'c1', samples: [{ t: 1.5 }] }],
    ['an unknown field', { callId: 'c1', samples: [{ t: T0, cpu: 99 }] }],
    ['a __proto__ key', { callId: 'c1', samples: [JSON.parse(`{"t":${T0},"__proto__":{"polluted":1}}`)] }],
    ['samples not an array', { callId: 'c1', samples: { 0: { t: T0 } } }],
    ['an empty call id', { callId: '', samples: [{ t: T0 }] }],
    ['a huge call id', { callId: 'x'.repeat(10_000), samples: [{ t: T0 }] }],
  ])('refuses %s', (_what, args) => {
    const r = parse(args);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('bad-request');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

function view(patch: Partial<CallView> = {}): CallView {
  return {
    id: 'c1',
    accountId: 'acc-1',
    direction: 'incoming',
    state: 'incoming',
    remote: { user: '1002', uri: 'sip:1002@pbx' },
    mediaMode: 'rtp',
    createdAt: T0,
    line: 1,
    muted: false,
    volume: 1,
    ...patch,
  };
}

describe('timeline from successive call views', () => {
  it('incoming call: ringing, answered, held and resumed by us, held by the far end, muted, blind transfer, ended', () => {
    const rec = new CallRecorder();
    const steps: [Partial<CallView>, number][] = [
      [{}, T0],
      [{ contact: { id: 1, name: 'Bob', directory: 'Outlook', directoryKind: 'outlook' } }, T0 + 100],
      [{ state: 'active', answeredAt: T0 + 1500 }, T0 + 1500],
      [{ state: 'held', answeredAt: T0 + 1500 }, T0 + 3000],
      [{ state: 'active', answeredAt: T0 + 1500 }, T0 + 4000],
      [{ state: 'active', answeredAt: T0 + 1500, remoteHold: true }, T0 + 5000],
      [{ state: 'active', answeredAt: T0 + 1500, remoteHold: false, muted: true }, T0 + 6000],
      [{ state: 'active', answeredAt: T0 + 1500, muted: true, transfer: { kind: 'blind', target: '1003', state: 'trying' } }, T0 + 7000],
      [{ state: 'active', answeredAt: T0 + 1500, muted: true, transfer: { kind: 'blind', target: '1003', state: 'done' } }, T0 + 7500],
      [{ state: 'ended', answeredAt: T0 + 1500, endedAt: T0 + 7600, endReason: 'transferred', transfer: { kind: 'blind', target: '1003', state: 'done' } }, T0 + 7600],
      // Late views of an ended call (lookup, linger) add nothing.
      [{ state: 'ended', answeredAt: T0 + 1500, endedAt: T0 + 7600, endReason: 'transferred' }, T0 + 9000],
    ];
    for (const [patch, now] of steps) rec.changed(view(patch), now);
    const timeline = rec.get('c1')!.timeline;
    expect(timeline).toEqual([
      { at: T0, kind: 'ringing' },
      { at: T0 + 1500, kind: 'answered' },
      { at: T0 + 3000, kind: 'held' },
      { at: T0 + 4000, kind: 'resumed' },
      { at: T0 + 5000, kind: 'remote-held' },
      { at: T0 + 6000, kind: 'remote-resumed' },
      { at: T0 + 6000, kind: 'muted' },
      { at: T0 + 7000, kind: 'transfer', detail: 'blind 1003' },
      { at: T0 + 7500, kind: 'transferred', detail: '1003' },
      { at: T0 + 7600, kind: 'ended', detail: 'transferred' },
    ]);
  });

  it('outgoing call: dialing, ringing at the far end, failed attended transfer, ended by the far end', () => {
    const out = (p: Partial<CallView>) => view({ direction: 'outgoing', state: 'dialing', remote: { user: '1003', uri: 'sip:1003@pbx' }, ...p });
    const events = [
      ...timelineStep(undefined, out({}), T0),
      ...timelineStep(out({}), out({ state: 'ringing' }), T0 + 200),
      ...timelineStep(out({ state: 'ringing' }), out({ state: 'active', answeredAt: T0 + 900 }), T0 + 900),
      ...timelineStep(
        out({ state: 'active', answeredAt: T0 + 900 }),
        out({ state: 'active', answeredAt: T0 + 900, transfer: { kind: 'attended', target: '1004', state: 'failed', status: 603 } }),
        T0 + 2000,
      ),
      ...timelineStep(out({ state: 'active', answeredAt: T0 + 900 }), out({ state: 'ended', answeredAt: T0 + 900, endReason: 'remote-hangup' }), T0 + 3000),
    ];
    expect(events.map((e) => [e.kind, e.detail])).toEqual([
      ['dialing', '1003'],
      ['ringing', undefined],
      ['answered', undefined],
      ['transfer', 'attended 1004'],
      ['transfer-failed', '1004 603'],
      ['ended', 'remote-hangup'],
    ]);
    expect(events.at(-1)!.at).toBe(T0 + 3000);
  });

  it('a call flapping hold/resume keeps its first events and always its end', () => {
    const rec = new CallRecorder();
    rec.changed(view({ state: 'active', answeredAt: T0 }), T0);
    for (let i = 1; i < 500; i++) rec.changed(view({ state: i % 2 ? 'held' : 'active', answeredAt: T0 }), T0 + i);
    const r = rec.end(view({ state: 'ended', answeredAt: T0, endedAt: T0 + 600, endReason: 'local-hangup' }), T0 + 600);
    expect(r.timeline.length).toBeLessThanOrEqual(MAX_TIMELINE_EVENTS);
    expect(r.timeline.at(-1)).toEqual({ at: T0 + 600, kind: 'ended', detail: 'local-hangup' });
  });

  it('a call first seen at its end still gets a timeline; quality is accepted during the grace period only', () => {
    const rec = new CallRecorder();
    const r = rec.end(view({ state: 'ended', endedAt: T0 + 5000, endReason: 'cancelled' }), T0 + 5000);
    expect(r.timeline.map((e) => e.kind)).toEqual(['ringing', 'ended']);
    expect(rec.quality('c1', [{ t: T0 + 4000, kbps: 1 }], T0 + 6000)?.quality).toHaveLength(1);
    expect(rec.quality('c1', [{ t: T0 + 4500, kbps: 1 }], T0 + 5000 + ENDED_GRACE_MS + 1)).toBeUndefined();
    expect(rec.quality('other', [{ t: T0 }], T0)).toBeUndefined();
  });

  it('calls that vanished without an end never keep new calls from being recorded', () => {
    const rec = new CallRecorder();
    for (let i = 0; i < MAX_RECORDS + 10; i++) rec.changed(view({ id: `c${i}` }), T0 + i);
    expect(rec.get('c0')).toBeUndefined();
    expect(rec.get(`c${MAX_RECORDS + 9}`)?.timeline).toEqual([{ at: T0, kind: 'ringing' }]);
  });
});

describe('merging quality samples', () => {
  const win = { from: T0, to: T0 + 60_000 };
  it('drops samples stamped far outside the call, replays and duplicates; keeps time order', () => {
    const merged = mergeQuality(
      [{ t: T0 + 2000 }],
      [{ t: T0 + 6000 }, { t: T0 + 2000 }, { t: T0 + 1000 }, { t: T0 + 4000 }, { t: T0 - 3_600_000 }, { t: T0 + 9e9 }, { t: T0 + 4000 }],
      win,
    );
    expect(merged.map((s) => s.t - T0)).toEqual([2000, 4000, 6000]);
  });
  it('a very long call is thinned, never beyond the cap', () => {
    let kept: QualitySampleView[] = [];
    for (let i = 0; i < 100; i++) kept = mergeQuality(kept, [{ t: T0 + i * 100, kbps: i }], { from: T0, to: T0 + 20_000 }, 16);
    expect(kept.length).toBeLessThanOrEqual(16);
    expect(kept[0]!.t).toBe(T0);
    expect(kept.at(-1)!.t).toBeGreaterThan(T0 + 8000);
    expect(kept.every((s, i) => i === 0 || s.t > kept[i - 1]!.t)).toBe(true);
  });
});

describe('inline SVG plot', () => {
  it('lays points out left to right, 0 at the bottom, the maximum at the top, with min/avg/max', () => {
    const line = sparkline(
      [
        { t: T0 + 4000, v: 20 },
        { t: T0, v: 10 },
        { t: T0 + 2000, v: 0 },
      ],
      { width: 104, height: 44, pad: 2 },
    )!;
    expect(line.path).toBe('M2 22 L52 42 L102 2');
    expect(line).toMatchObject({ min: 0, max: 20, avg: 10, count: 3, top: 20 });
  });
  it('breaks the line over a gap, draws a lone point, and survives all-zero, NaN or empty series', () => {
    const gap = sparkline(
      [
        { t: 0, v: 1 },
        { t: 1000, v: 1 },
        { t: 60_000, v: 1 },
      ],
      { width: 62, height: 12, pad: 1, gapMs: 10_000 },
    )!;
    expect(gap.path).toBe('M1 1 L2 1 M61 1 h0.1');
    expect(sparkline([{ t: 5, v: 0 }], { width: 10, height: 10, pad: 0 })).toMatchObject({ path: 'M5 10 h0.1', top: 1, max: 0 });
    expect(sparkline([{ t: 1, v: NaN }], { width: 10, height: 10 })).toBeUndefined();
    expect(sparkline([], { width: 10, height: 10 })).toBeUndefined();
  });
  it('picks one metric out of the samples, skipping those that did not report it', () => {
    const samples: QualitySampleView[] = [{ t: 1, rttMs: 5 }, { t: 2, kbps: 64 }, { t: 3, rttMs: 7, kbps: 70 }];
    expect(seriesOf(samples, 'rttMs')).toEqual([
      { t: 1, v: 5 },
      { t: 3, v: 7 },
    ]);
    expect(seriesOf(samples, 'lossPct')).toEqual([]);
  });
});
