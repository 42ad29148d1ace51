/**
 * Search as she types: a query per keystroke, sent at once (no pause waited for), at most one on its way at a time.
 * A request made while one runs waits for it and replaces any request already waiting, so a burst of typing costs at
 * most two queries (the one running and the newest), never a queue of stale ones. An answer is shown only when no newer
 * request was made meanwhile: what is shown always matches what was typed last, never an older query that answered
 * late.
 *
 * A request is a `fetch` that asks main and returns how to show its answer (or nothing to show); the runner calls that
 * only if the answer is still the newest.
 */
export type Fetch = () => Promise<(() => void) | undefined>;

export class Latest {
  #running = false;
  #waiting: Fetch | undefined;
  /** Bumped by every request and by drop(): an answer is shown only if it has not moved since its fetch started. */
  #generation = 0;
  #idle: (() => void)[] = [];

  /** Runs `fetch` now, or once the running one ends unless a newer request replaces it first. */
  request(fetch: Fetch): void {
    this.#generation++;
    if (this.#running) this.#waiting = fetch;
    else void this.#run(fetch);
  }

  /** Forgets the waiting request and the running one's answer (the box was emptied: nothing is to be shown). */
  drop(): void {
    this.#generation++;
    this.#waiting = undefined;
  }

  /** True while a fetch runs or waits. */
  get busy(): boolean {
    return this.#running;
  }

  /** Resolves once nothing runs or waits: what is shown answers the last request (Enter right after typing). */
  settled(): Promise<void> {
    return this.#running ? new Promise((resolve) => this.#idle.push(resolve)) : Promise.resolve();
  }

  async #run(first: Fetch): Promise<void> {
    this.#running = true;
    let next: Fetch | undefined = first;
    while (next) {
      const generation = this.#generation;
      this.#waiting = undefined;
      let show: (() => void) | undefined;
      try {
        show = await next();
      } catch {
        show = undefined; // the fetch reports its own errors; the next request still runs
      }
      if (show && generation === this.#generation) show();
      next = this.#waiting;
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
