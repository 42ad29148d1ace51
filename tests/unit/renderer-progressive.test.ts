/**
 * Issue 14, the frame budget in the page: a directory tab's 500 contacts and the history's 200 calls are put on screen a
 * slice per frame (renderer/lib/state/progressive.ts), not in one task of 100-300 ms.
 */
import { FIRST_ROWS, ROWS_PER_FRAME, growRows, startRows, type FrameScheduler } from '../../renderer/lib/state/progressive';

/** Frames the test runs by hand. */
function manualFrames(): FrameScheduler & { tick(): void; pending(): number } {
  let queue = new Map<number, () => void>();
  let next = 1;
  return {
    request: (cb) => {
      queue.set(next, cb);
      return next++;
    },
    cancel: (handle) => void queue.delete(handle),
    tick: () => {
      const due = queue;
      queue = new Map();
      for (const cb of due.values()) cb();
    },
    pending: () => queue.size,
  };
}

describe('long lists, a slice per frame', () => {
  it('500 rows: the first screenful at once, then ROWS_PER_FRAME per frame until all are shown', () => {
    const frames = manualFrames();
    const shown: number[] = [];
    growRows(500, 0, (n) => shown.push(n), frames);
    expect(shown).toEqual([FIRST_ROWS]);
    let ticks = 0;
    while (frames.pending() > 0) {
      frames.tick();
      ticks++;
    }
    expect(shown.at(-1)).toBe(500);
    expect(ticks).toBe(Math.ceil((500 - FIRST_ROWS) / ROWS_PER_FRAME));
    for (let i = 1; i < shown.length; i++) expect(shown[i]! - shown[i - 1]!).toBeLessThanOrEqual(ROWS_PER_FRAME);
  });

  it('a short list is shown whole at once, with no frame asked', () => {
    const frames = manualFrames();
    const shown: number[] = [];
    growRows(12, 0, (n) => shown.push(n), frames);
    expect(shown).toEqual([12]);
    expect(frames.pending()).toBe(0);
    growRows(0, 300, (n) => shown.push(n), frames);
    expect(shown).toEqual([12, 0]);
  });

  it('cancel (a newer list came) stops the growing', () => {
    const frames = manualFrames();
    const shown: number[] = [];
    const cancel = growRows(500, 0, (n) => shown.push(n), frames);
    frames.tick();
    cancel();
    expect(frames.pending()).toBe(0);
    frames.tick();
    expect(shown).toEqual([FIRST_ROWS, FIRST_ROWS + ROWS_PER_FRAME]);
  });

  it('the same view refreshed keeps the rows already shown; another view starts from its first screenful', () => {
    expect(startRows(true, 360)).toBe(360);
    expect(startRows(true, 3)).toBe(FIRST_ROWS);
    expect(startRows(false, 360)).toBe(FIRST_ROWS);
    const frames = manualFrames();
    const shown: number[] = [];
    growRows(500, startRows(true, 360), (n) => shown.push(n), frames);
    expect(shown).toEqual([360]);
  });
});
