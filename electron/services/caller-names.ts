/**
 * Directory names for the callers the PBX lists (queued calls, parked calls): each number is looked up once, in the
 * background, so building a pane never waits for storage. Until the answer comes, the caller ID name is shown;
 * `onNamed` asks the owner to rebuild its view when a name arrives.
 */

/** Numbers kept (with their name, or "none"); the cache starts over past this. */
export const CALLER_NAME_CACHE_MAX = 2000;

export interface CallerNamesOptions {
  /** The directories' name for a number (ContactsService.lookupNumber); without it, caller ID names only. */
  readonly lookup?: ((number: string) => Promise<string | undefined>) | undefined;
  /** A directory name arrived: the owner rebuilds its view. */
  readonly onNamed: () => void;
  /** A lookup failed (logged, not shown: the caller ID name stays). */
  readonly onError: (err: unknown) => void;
  readonly max?: number;
}

export class CallerNames {
  readonly #names = new Map<string, string | null>();
  readonly #pending = new Set<string>();
  readonly #options: CallerNamesOptions;

  constructor(options: CallerNamesOptions) {
    this.#options = options;
  }

  /** The directory's name when known, else `fallback` (the caller ID name); starts the lookup the first time. */
  nameOf(number: string, fallback: string | undefined): string | undefined {
    const cached = this.#names.get(number);
    if (cached) return cached;
    if (cached === undefined) this.#lookup(number);
    return fallback;
  }

  #lookup(number: string): void {
    const lookup = this.#options.lookup;
    if (!lookup || !/\d/.test(number) || this.#pending.has(number)) return;
    this.#pending.add(number);
    lookup(number)
      .then((name) => {
        if (this.#names.size >= (this.#options.max ?? CALLER_NAME_CACHE_MAX)) this.#names.clear();
        this.#names.set(number, name ?? null);
        if (name) this.#options.onNamed();
      })
      .catch((e: unknown) => this.#options.onError(e))
      .finally(() => this.#pending.delete(number));
  }
}
