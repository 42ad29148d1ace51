/**
 * Main-process memory (issue 14, `rss.main`): keep V8's young generation at its initial size.
 *
 * V8 doubles the young generation (new space) whenever a burst of allocations survives a scavenge — the start-up
 * burst of 500 presence NOTIFYs, a page load, a search over 100k contacts — up to 2 × 16 MiB semi-spaces, and keeps
 * them committed for the life of the process: measured 32 MiB of the host's resident memory. Our steady allocation
 * rate is low, so the initial semi-space is plenty (a scavenge of it takes well under a millisecond).
 *
 * `--max-semi-space-size` is only read when the isolate is created, which the Electron main process cannot influence
 * from its own code (`--js-flags` works there only on Electron's command line); the growth factor, though, is read at
 * every growth decision, so setting it to 1 at start-up works in both hosts. Node puts V8's flags back to the
 * command line's when it creates a worker thread (the storage worker: measured, new space at 32 MiB again), so the flag
 * is set again after each worker is created (`process.on('worker')`, synchronous with `new Worker`) and once it runs
(its 'online' event: the worker's isolate is created on its own thread, later). A scavenge of the main isolate that
 * falls between the worker's reset and our 'online' can still double new space once (measured under heavy load: about
 * one worker start in ten); V8 shrinks it again when the allocation rate is low. An explicit
 * young-generation flag on the command line (an operator's or a benchmark's choice) wins: nothing is changed then.
 */
import { setFlagsFromString } from 'node:v8';

const YOUNG_GENERATION_FLAGS = /^--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor|max-young-generation-size)(=|$)/;
const FLAG = '--semi-space-growth-factor=1';

export interface YoungGenerationHooks {
  readonly setFlags: (flags: string) => void;
  /** Called after each new worker thread (Node: `process.on('worker')`). */
  readonly onWorker: (listener: () => void) => void;
}

const nodeHooks: YoungGenerationHooks = {
  setFlags: setFlagsFromString,
  // Again once the worker runs: its isolate is created on its own thread, after the 'worker' event, and that is where
  // the flags were put back (the 'worker' event alone lost that race in about one run of three).
  onWorker: (listener) =>
    process.on('worker', (worker: import('node:worker_threads').Worker) => {
      listener();
      worker.once('online', listener);
    }),
};

/**
 * Returns whether the limit was applied (false when the command line or NODE_OPTIONS already sets the young
 * generation).
 */
export function keepYoungGenerationSmall(
  execArgv: readonly string[] = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)],
  hooks: YoungGenerationHooks = nodeHooks,
): boolean {
  if (execArgv.some((a) => YOUNG_GENERATION_FLAGS.test(a.replace(/_/g, '-')))) return false;
  hooks.setFlags(FLAG);
  hooks.onWorker(() => hooks.setFlags(FLAG));
  return true;
}
