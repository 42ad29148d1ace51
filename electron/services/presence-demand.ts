/**
 * On-demand busy-lamp watches for the directory rows on screen (issue 13 item 2: presence everywhere). Pure: no timer,
 * no SIP — PresenceService feeds the wanted extensions and the clock, and applies the SUBSCRIBE / un-SUBSCRIBE
 * decisions each step returns.
 *
 * Rules (favorites are not counted here: PresenceService always watches them and filters them out before `want`):
 * - at most `cap` extensions are subscribed at once; wanted extensions beyond the cap wait, in the order given
 *   (the renderer sends the rows in list order);
 * - an extension no longer wanted stays subscribed for `lingerMs` (scrolling back and forth costs no SUBSCRIBE),
 *   then it is released;
 * - room for a newly wanted extension is made by releasing the least-recently-visible lingering one first; when every
 *   subscribed extension is still wanted, the cap holds and the rest wait;
 * - at most `perStep` new SUBSCRIBEs per step (the service steps every few hundred ms: paced, never a burst).
 */
export interface OnDemandOptions {
  readonly cap: number;
  readonly lingerMs: number;
  readonly perStep: number;
}

export interface OnDemandStep {
  readonly subscribe: readonly string[];
  readonly unsubscribe: readonly string[];
}

export const DEFAULT_ON_DEMAND: OnDemandOptions = { cap: 40, lingerMs: 5000, perStep: 8 };

export class OnDemandWatchSet {
  /** Wanted now, in the order given, without duplicates. */
  #wanted: string[] = [];
  /** Subscribed extensions → when they were last wanted (epoch ms). */
  readonly #active = new Map<string, number>();
  readonly #options: OnDemandOptions;

  constructor(options: Partial<OnDemandOptions> = {}) {
    this.#options = { ...DEFAULT_ON_DEMAND, ...options };
    if (!(this.#options.cap >= 0) || !(this.#options.perStep >= 1) || !(this.#options.lingerMs >= 0)) {
      throw new RangeError('OnDemandWatchSet: cap ≥ 0, perStep ≥ 1 and lingerMs ≥ 0');
    }
  }

  get cap(): number {
    return this.#options.cap;
  }

  /** Replace the wanted set (visible rows minus favorites). Takes effect at the next `step`. */
  want(extensions: Iterable<string>, now: number): void {
    // Rows wanted until now were on screen until now: their linger starts now.
    for (const e of this.#wanted) if (this.#active.has(e)) this.#active.set(e, now);
    this.#wanted = [...new Set(extensions)];
    for (const e of this.#wanted) if (this.#active.has(e)) this.#active.set(e, now);
  }

  /** Decide what to subscribe and release now. */
  step(now: number): OnDemandStep {
    const { cap, lingerMs, perStep } = this.#options;
    const wanted = new Set(this.#wanted);
    const unsubscribe: string[] = [];
    for (const [e, at] of this.#active) {
      if (wanted.has(e)) this.#active.set(e, now);
      else if (now - at >= lingerMs) {
        this.#active.delete(e);
        unsubscribe.push(e);
      }
    }
    const subscribe: string[] = [];
    for (const e of this.#wanted) {
      if (subscribe.length >= perStep) break;
      if (this.#active.has(e)) continue;
      if (this.#active.size >= cap) {
        const victim = this.#leastRecentLingering(wanted);
        if (victim === undefined) break;
        this.#active.delete(victim);
        unsubscribe.push(victim);
      }
      this.#active.set(e, now);
      subscribe.push(e);
    }
    return { subscribe, unsubscribe };
  }

  /** Stop counting an extension (it became a favorite, or its watch went away); the caller handles its watch. */
  forget(extension: string): boolean {
    return this.#active.delete(extension);
  }

  /** Everything released at once (the softphone went away); the wanted set is kept for the next account. */
  reset(): string[] {
    const all = [...this.#active.keys()];
    this.#active.clear();
    return all;
  }

  /** Subscribed on demand now. */
  active(): string[] {
    return [...this.#active.keys()];
  }

  wanted(): readonly string[] {
    return this.#wanted;
  }

  /** True when a later step has something to do (a wanted extension not subscribed yet, or one lingering). */
  busy(): boolean {
    const wanted = new Set(this.#wanted);
    for (const e of this.#active.keys()) if (!wanted.has(e)) return true;
    if (this.#active.size >= this.#options.cap) return false;
    return this.#wanted.some((e) => !this.#active.has(e));
  }

  #leastRecentLingering(wanted: ReadonlySet<string>): string | undefined {
    let victim: string | undefined;
    let oldest = Infinity;
    for (const [e, at] of this.#active) {
      if (!wanted.has(e) && at < oldest) {
        victim = e;
        oldest = at;
      }
    }
    return victim;
  }
}
