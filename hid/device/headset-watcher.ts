/**
 * Hot-plug by polling (node-hid has no device-change events): every `intervalMs` list the telephony headsets and
 * report what appeared and disappeared. The list function is injected, so tests drive it at our seam.
 */
import type { HeadsetInfo } from './headset-info';

export interface HeadsetWatcherOptions {
  list: () => Promise<HeadsetInfo[]>;
  /** Poll period; 2 s keeps enumeration cost negligible and replug latency acceptable. */
  intervalMs?: number;
}

type Listener<T> = (value: T) => void;

export class HeadsetWatcher {
  readonly #list: () => Promise<HeadsetInfo[]>;
  readonly #intervalMs: number;
  readonly #attach = new Set<Listener<HeadsetInfo>>();
  readonly #detach = new Set<Listener<HeadsetInfo>>();
  readonly #errors = new Set<Listener<Error>>();
  readonly #polled = new Set<Listener<HeadsetInfo[]>>();
  #known = new Map<string, HeadsetInfo>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #polling: Promise<void> | null = null;

  constructor(options: HeadsetWatcherOptions) {
    this.#list = options.list;
    this.#intervalMs = options.intervalMs ?? 2000;
  }

  get headsets(): HeadsetInfo[] {
    return [...this.#known.values()];
  }

  onDidAttach(listener: Listener<HeadsetInfo>): () => void {
    this.#attach.add(listener);
    return () => this.#attach.delete(listener);
  }

  onDidDetach(listener: Listener<HeadsetInfo>): () => void {
    this.#detach.add(listener);
    return () => this.#detach.delete(listener);
  }

  /** After every successful enumeration, changed or not (lets a dropped headset be reopened). */
  onDidPoll(listener: Listener<HeadsetInfo[]>): () => void {
    this.#polled.add(listener);
    return () => this.#polled.delete(listener);
  }

  /** Enumeration failures (the next poll retries). */
  onError(listener: Listener<Error>): () => void {
    this.#errors.add(listener);
    return () => this.#errors.delete(listener);
  }

  start(): void {
    if (this.#timer) return;
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), this.#intervalMs);
    this.#timer.unref?.(); // never keep the process alive just to watch headsets
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One enumeration; concurrent calls share it so a slow enumeration never overlaps the next tick. */
  poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    let current: HeadsetInfo[];
    try {
      current = await this.#list();
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      for (const l of [...this.#errors]) l(e);
      return;
    }
    const next = new Map(current.map((h) => [keyOf(h), h]));
    const gone = [...this.#known].filter(([k]) => !next.has(k)).map(([, h]) => h);
    const added = [...next].filter(([k]) => !this.#known.has(k)).map(([, h]) => h);
    this.#known = next;
    for (const h of gone) for (const l of [...this.#detach]) l(h);
    for (const h of added) for (const l of [...this.#attach]) l(h);
    for (const l of [...this.#polled]) l(this.headsets);
  }
}

/** A replug may reuse the path (Windows) or not (Linux hidrawN): key on identity plus path. */
function keyOf(h: HeadsetInfo): string {
  return `${h.vendorId}:${h.productId}:${h.serialNumber}:${h.path}`;
}
