/**
 * Presence lamps applied once per animation frame (issue 14): renderer/lib/state/presence-batch.ts, driven with a
 * hand-run scheduler (no DOM, no runes).
 */
import { applyLamps, FrameBatch, type FrameScheduler } from '../../renderer/lib/state/presence-batch';

interface Lamp {
  readonly extension: string;
  readonly state: string;
}

/** A scheduler whose "frames" the test runs: counts how many flushes were scheduled and cancelled. */
function manualFrames(): { schedule: FrameScheduler; frame: () => void; scheduled: () => number; cancelled: () => number } {
  let queue: (() => void)[] = [];
  let scheduled = 0;
  let cancelled = 0;
  return {
    schedule: (flush) => {
      scheduled++;
      queue.push(flush);
      return () => {
        cancelled++;
        queue = queue.filter((f) => f !== flush);
      };
    },
    frame: () => {
      const run = queue;
      queue = [];
      for (const f of run) f();
    },
    scheduled: () => scheduled,
    cancelled: () => cancelled,
  };
}

const lamp = (extension: string, state: string): Lamp => ({ extension, state });

describe('FrameBatch', () => {
  it('applies a burst of events in one batch at the next frame, last state per extension', () => {
    const frames = manualFrames();
    const batches: Map<string, Lamp>[] = [];
    const batch = new FrameBatch<Lamp>(frames.schedule, (u) => batches.push(new Map(u)));
    batch.push(lamp('1002', 'ringing'));
    batch.push(lamp('1003', 'busy'));
    batch.push(lamp('1002', 'busy'));
    batch.push(lamp('1002', 'idle'));
    expect(batches).toHaveLength(0);
    expect(batch.pending).toBe(2);
    expect(frames.scheduled()).toBe(1);
    frames.frame();
    expect(batches).toHaveLength(1);
    expect([...batches[0]!.values()]).toEqual([lamp('1003', 'busy'), lamp('1002', 'idle')]);
    expect(batch.pending).toBe(0);
    // Nothing pending: a frame does nothing, and the next event schedules a new flush.
    frames.frame();
    expect(batches).toHaveLength(1);
    batch.push(lamp('1004', 'offline'));
    expect(frames.scheduled()).toBe(2);
    frames.frame();
    expect(batches.map((b) => [...b.keys()])).toEqual([['1003', '1002'], ['1004']]);
  });

  it('500 events in one frame make one update', () => {
    const frames = manualFrames();
    let applied = 0;
    let size = 0;
    const batch = new FrameBatch<Lamp>(frames.schedule, (u) => {
      applied++;
      size = u.size;
    });
    for (let i = 0; i < 500; i++) batch.push(lamp(String(30000 + i), 'idle'));
    for (let i = 0; i < 500; i++) batch.push(lamp(String(30000 + i), 'busy'));
    frames.frame();
    expect({ applied, size, scheduled: frames.scheduled() }).toEqual({ applied: 1, size: 500, scheduled: 1 });
  });

  it('clear() drops what a newer full list supersedes, and cancels the scheduled flush', () => {
    const frames = manualFrames();
    const batches: Map<string, Lamp>[] = [];
    const batch = new FrameBatch<Lamp>(frames.schedule, (u) => batches.push(new Map(u)));
    batch.push(lamp('1002', 'busy'));
    batch.clear();
    expect(frames.cancelled()).toBe(1);
    frames.frame();
    expect(batches).toHaveLength(0);
    batch.push(lamp('1003', 'ringing'));
    frames.frame();
    expect(batches.map((b) => [...b.values()])).toEqual([[lamp('1003', 'ringing')]]);
  });

  it('flush() applies at once and cancels the frame', () => {
    const frames = manualFrames();
    const batches: Map<string, Lamp>[] = [];
    const batch = new FrameBatch<Lamp>(frames.schedule, (u) => batches.push(new Map(u)));
    batch.push(lamp('1002', 'held'));
    batch.flush();
    expect(batches).toHaveLength(1);
    expect(frames.cancelled()).toBe(1);
    frames.frame();
    expect(batches).toHaveLength(1);
  });
});

describe('applyLamps', () => {
  const favorites: readonly Lamp[] = [lamp('1002', 'idle'), lamp('1003', 'idle'), lamp('1004', 'unknown')];

  it('replaces the changed favorites and keeps the identity of the others', () => {
    const busy = lamp('1003', 'busy');
    const next = applyLamps(favorites, new Map([['1003', busy]]));
    expect(next).not.toBe(favorites);
    expect(next).toEqual([lamp('1002', 'idle'), busy, lamp('1004', 'unknown')]);
    expect(next[0]).toBe(favorites[0]);
    expect(next[2]).toBe(favorites[2]);
    expect(favorites[1]).toEqual(lamp('1003', 'idle'));
  });

  it('returns the same array when no favorite is concerned (removed since, or watched on demand)', () => {
    expect(applyLamps(favorites, new Map([['5555', lamp('5555', 'busy')]]))).toBe(favorites);
    expect(applyLamps(favorites, new Map())).toBe(favorites);
    expect(applyLamps(favorites, new Map([['1002', favorites[0]!]]))).toBe(favorites);
  });

  it('applies a 500-lamp batch to 500 favorites in linear time (ratio guard, not a timing target)', () => {
    const make = (n: number): { list: Lamp[]; updates: Map<string, Lamp> } => {
      const list = Array.from({ length: n }, (_, i) => lamp(String(30000 + i), 'unknown'));
      return { list, updates: new Map(list.map((f) => [f.extension, lamp(f.extension, 'idle')])) };
    };
    const time = (n: number): number => {
      const { list, updates } = make(n);
      const t0 = performance.now();
      for (let r = 0; r < 20; r++) applyLamps(list, updates);
      return performance.now() - t0;
    };
    time(2000);
    const small = Math.max(time(2000), 0.5);
    const large = time(20000);
    // 10× the favorites: linear is ~10×; quadratic would be ~100×.
    expect(large / small).toBeLessThan(40);
    const { list, updates } = make(500);
    expect(applyLamps(list, updates).every((f) => f.state === 'idle')).toBe(true);
  });
});
