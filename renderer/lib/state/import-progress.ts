/** The contacts import's progress bar (issue 14), kept out of the .svelte.ts state so it is unit-tested plainly. */

/** Share of the commit's bar given to reading the file (the write is the long part). */
const PARSE_SHARE = 0.2;

/** The import bar from a `contacts.importProgress` event: phase, counts and overall fraction (0…1). */
export function importProgressOf(
  phase: string,
  done: number,
  total: number,
): { phase: 'parse' | 'write'; done: number; total: number; progress: number } {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  return phase === 'write'
    ? { phase: 'write', done, total, progress: PARSE_SHARE + f * (1 - PARSE_SHARE) }
    : { phase: 'parse', done, total, progress: f * PARSE_SHARE };
}
