/** issue 14 (rss.main): the main process keeps V8's young generation at its initial size unless told otherwise. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { keepYoungGenerationSmall } from '../../electron/services/young-generation';

/** A burst whose objects survive a scavenge or two: what makes V8 grow the young generation. */
function allocationBurst(): number {
  let keep: { i: number; s: string }[] = [];
  let n = 0;
  for (let i = 0; i < 2_000_000; i++) {
    keep.push({ i, s: `x${i}` });
    if (keep.length > 20_000) {
      n += keep.length;
      keep = [];
    }
  }
  return n + keep.length;
}

function fakeHooks(): { flags: string[]; workers: (() => void)[]; hooks: Parameters<typeof keepYoungGenerationSmall>[1] } {
  const flags: string[] = [];
  const workers: (() => void)[] = [];
  return { flags, workers, hooks: { setFlags: (f) => flags.push(f), onWorker: (l) => workers.push(l) } };
}

describe('keepYoungGenerationSmall', () => {
  it('sets the growth factor to 1, and again after each new worker thread', () => {
    const { flags, workers, hooks } = fakeHooks();
    expect(keepYoungGenerationSmall(['--expose-gc', '--inspect=0'], hooks)).toBe(true);
    expect(flags).toEqual(['--semi-space-growth-factor=1']);
    expect(workers).toHaveLength(1);
    workers[0]!();
    expect(flags).toEqual(['--semi-space-growth-factor=1', '--semi-space-growth-factor=1']);
  });

  it.each([['--max-semi-space-size=8'], ['--semi-space-growth-factor=2'], ['--max_semi_space_size=4'], ['--min-semi-space-size', '2']])(
    'leaves an explicit young-generation choice on the command line alone (%s)',
    (...argv) => {
      const { flags, workers, hooks } = fakeHooks();
      expect(keepYoungGenerationSmall(argv, hooks)).toBe(false);
      expect(flags).toEqual([]);
      expect(workers).toEqual([]);
    },
  );

  // In a real Node process (jest's sandboxed `process` does not see worker events): tsx runs the module itself.
  it('keeps the real young generation from growing through allocation bursts, also after a worker thread starts', () => {
    const probe = `
      const { getHeapSpaceStatistics } = require('node:v8');
      const { Worker } = require('node:worker_threads');
      const { keepYoungGenerationSmall } = require(${JSON.stringify(join(__dirname, '../../electron/services/young-generation.ts'))});
      const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
      ${allocationBurst.toString()}
      const applied = process.argv.includes('limit') && keepYoungGenerationSmall();
      allocationBurst();
      const first = newSpace();
      new Worker('setTimeout(() => {}, 20)', { eval: true }).once('exit', () => {
        allocationBurst();
        console.log(JSON.stringify({ applied, first, afterWorker: newSpace() }));
      });`;
    const run = (arg: string): { applied: boolean; first: number; afterWorker: number } =>
      JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', probe, '--', arg], { encoding: 'utf8', timeout: 30_000 }).trim().split('\n').pop()!);
    const limited = run('limit');
    expect(limited.applied).toBe(true);
    expect(limited.first).toBeLessThanOrEqual(4);
    // A worker's start restores V8's default growth factor on its own thread, before our re-application on 'online'
    // runs: a scavenge of the main isolate falling in that moment may double new space once (measured under load:
    // 9 runs in 90 ended at 2 × the initial size, none beyond). Unlimited, it reaches 32 MiB (asserted below).
    expect(limited.afterWorker).toBeLessThanOrEqual(8);
    // The same bursts without the limit: V8 grows new space (to 2 × 16 MiB on Node 20) — the test measures something.
    const free = run('none');
    expect(free.afterWorker).toBeGreaterThan(limited.afterWorker);
  });
});
