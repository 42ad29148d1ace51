/** A coarse reactive clock for call timers and message toasts; one interval for the whole window. */
export class Clock {
  #now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | undefined;

  get now(): number {
    return this.#now;
  }

  start(periodMs = 500): () => void {
    this.stop();
    this.#timer = setInterval(() => (this.#now = Date.now()), periodMs);
    return () => this.stop();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** mm:ss (or h:mm:ss after an hour) for a call timer. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}
