/**
 * The providers' listener lists: a listener that throws is logged and never stops the others (one broken pane must
 * not starve the rest of AMI events).
 */
export class Listeners<E> {
  readonly #set = new Set<(event: E) => void>();

  constructor(
    /** What the listeners hear about ("queue", "parking"…), for the log line. */
    private readonly what: string,
    private readonly log: { error(message: string): void },
  ) {}

  add(listener: (event: E) => void): () => void {
    this.#set.add(listener);
    return () => {
      this.#set.delete(listener);
    };
  }

  emit(event: E): void {
    for (const l of this.#set) {
      try {
        l(event);
      } catch (err) {
        this.log.error(`${this.what} listener threw: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }
}
