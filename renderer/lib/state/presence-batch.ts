/**
 * Presence updates applied once per animation frame (issue 14): a burst of `presence.changed` events (500 favorites
 * subscribed at start, a resource list's full-state NOTIFY) becomes one reactive update per frame instead of one per
 * event. Coalesced per extension, the last state wins. Pure (no runes, no DOM): the scheduler is injected, so
 * tests/unit/presence-batch.test.ts drives it by hand; PresenceState gives it requestAnimationFrame.
 */

/** What a lamp update needs to carry (FavoriteView satisfies it; structural, so tests need no contract). */
export interface LampLike {
  readonly extension: string;
}

/** Runs `flush` once, soon (the next animation frame); returns a function that cancels it. */
export type FrameScheduler = (flush: () => void) => () => void;

/** Collects updates keyed by extension and hands them over in one batch per scheduled flush. */
export class FrameBatch<T extends LampLike> {
  #pending = new Map<string, T>();
  #cancel: (() => void) | undefined;
  readonly #schedule: FrameScheduler;
  readonly #apply: (updates: ReadonlyMap<string, T>) => void;

  constructor(schedule: FrameScheduler, apply: (updates: ReadonlyMap<string, T>) => void) {
    this.#schedule = schedule;
    this.#apply = apply;
  }

  /** Queue one update (replaces a pending one of the same extension: last state wins). */
  push(update: T): void {
    // Delete first: the batch keeps the order of the last updates.
    this.#pending.delete(update.extension);
    this.#pending.set(update.extension, update);
    this.#cancel ??= this.#schedule(() => this.flush());
  }

  /** Apply what is pending now (also what the scheduler calls). */
  flush(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    if (this.#pending.size === 0) return;
    const updates = this.#pending;
    this.#pending = new Map();
    this.#apply(updates);
  }

  /** Forget what is pending: a full list (snapshot, favorites.changed) arrived after it and supersedes it. */
  clear(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#pending.clear();
  }

  get pending(): number {
    return this.#pending.size;
  }
}

/**
 * The favorites with the batch applied: one new array when at least one favorite changed (the others keep their
 * identity, so a keyed list only updates those rows), else the same array. Updates for extensions that are not
 * favorites are ignored (removed since, or watched on demand).
 */
export function applyLamps<T extends LampLike>(favorites: readonly T[], updates: ReadonlyMap<string, T>): readonly T[] {
  let next: T[] | undefined;
  for (let i = 0; i < favorites.length; i++) {
    const update = updates.get(favorites[i]!.extension);
    if (update === undefined || update === favorites[i]) continue;
    next ??= favorites.slice();
    next[i] = update;
  }
  return next ?? favorites;
}
