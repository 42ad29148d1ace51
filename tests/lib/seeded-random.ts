/**
 * A small deterministic generator for tests and benches: the same sequence for the same seed on every run.
 *
 * The linear congruential step `seed * 1103515245 + 12345` written with plain JS numbers (as three test files and the
 * benches' directory had it) is not what it looks like: the product exceeds 2^53, the double rounds its low bits
 * away, and `& 0x7fffffff` then keeps mostly even values. `rnd(14)` came out even 99.6 % of the time and `rnd(10)` gave
 * almost only even digits: the tests' "numbers of several countries" were nearly all French, and the bench's
 * 100,000 contacts were 96 % "Hélène" at "Acme". This one multiplies in exact 32-bit arithmetic (Math.imul) and
 * answers from the high bits, whose period is the generator's (an LCG's low bits repeat every 2^k steps).
 */
export interface SeededRandom {
  /** An integer in [0, n). */
  readonly int: (n: number) => number;
  /** One element of a non-empty array. */
  readonly pick: <T>(items: readonly T[]) => T;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const int = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    // The top 16 bits, scaled: uniform enough for n far below 65,536, which is every use here.
    return Math.floor(((state >>> 16) / 65536) * n);
  };
  return { int, pick: <T>(items: readonly T[]): T => items[int(items.length)]! };
}
