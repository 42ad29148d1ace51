/** issue 14 (rss.main): the web host's /memory diagnostic — what the memory bench reads besides /proc VmRSS. */
import { memoryReport } from '../../electron/web-host/cli';

describe('memoryReport', () => {
  it("reports the process's memory and where the V8 heap's pages are, in bytes", () => {
    const r = memoryReport(false);
    for (const k of ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers', 'newSpace', 'oldSpace', 'codeSpace', 'largeObjects', 'malloced']) {
      expect(Number.isFinite(r[k])).toBe(true);
      expect(r[k]).toBeGreaterThanOrEqual(0);
    }
    expect(r.heapUsed).toBeLessThanOrEqual(r.heapTotal!);
    expect(r.rss).toBeGreaterThan(r.heapUsed!);
    // The spaces are parts of the heap.
    expect(r.newSpace! + r.oldSpace! + r.codeSpace! + r.largeObjects!).toBeLessThanOrEqual(r.heapTotal! + 1);
  });

  it('collects garbage first when asked and the process exposes gc (the bench runs the host with --expose-gc)', () => {
    const calls: string[] = [];
    const g = globalThis as { gc?: () => void };
    const saved = g.gc;
    g.gc = () => calls.push('gc');
    try {
      memoryReport(false);
      expect(calls).toEqual([]);
      memoryReport(true);
      expect(calls).toEqual(['gc']);
    } finally {
      g.gc = saved;
    }
  });

  it('still reports without gc exposed (the product)', () => {
    const g = globalThis as { gc?: () => void };
    const saved = g.gc;
    delete g.gc;
    try {
      expect(memoryReport(true).rss).toBeGreaterThan(0);
    } finally {
      if (saved) g.gc = saved;
    }
  });
});
