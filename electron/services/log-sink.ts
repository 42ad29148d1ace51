/**
 * Asynchronous, bounded file sink for the main-process log (issue 14, "Logging").
 *
 * The old logger did `statSync` + `appendFileSync` for every line, on the loop that carries SIP and the RTP bridge.
 * Here a line is only queued (already formatted and redacted by the caller); the lines queued during one turn of
 * the event loop go to the file in one `fs.write` on libuv's thread pool, one write in flight at a time, in order.
 *  - Bounded: at most `maxBufferedBytes` (and `maxBufferedLines`) wait in memory. Beyond that the OLDEST waiting lines
 *    are dropped, and a line `<time> WARN logger: N log lines dropped (log buffer full)` is written where they were.
 *  - Size cap as before: when the file is larger than `maxBytes` it is renamed to `<file>.1` (the previous `.1` goes)
 *    and a new one is started — checked before each line, so a file ends at most one line beyond `maxBytes`.
 *  - Nothing lost on stop: `flush()` resolves once every queued line is written; `flushSync()` is the last resort in
 *    a process `exit` handler (it writes what is still queued synchronously).
 * Errors never reach the caller (logging must never break a call); a failed write is counted as dropped lines.
 */
import * as fs from 'node:fs';

export interface AsyncFileSinkOptions {
  readonly file: string;
  /** Rotation threshold of the file (bytes). */
  readonly maxBytes: number;
  /** Memory bound of the queue (UTF-16 code units, ~bytes for SIP). Default 8 MiB. */
  readonly maxBufferedBytes?: number;
  /** Line bound of the queue. Default 50,000. */
  readonly maxBufferedLines?: number;
  /** Time of the "lines dropped" notice (tests). */
  readonly now?: () => Date;
}

/** Largest single write (characters); a large backlog goes out in several writes so rotation stays line-accurate. */
const MAX_BATCH_CHARS = 1024 * 1024;

export class AsyncFileSink {
  readonly #file: string;
  readonly #maxBytes: number;
  readonly #maxBufferedChars: number;
  readonly #maxBufferedLines: number;
  readonly #now: () => Date;
  /** Queued lines: `#queue[#head…]` (a head index, not `shift()`, keeps dropping and taking O(1)). */
  #queue: string[] = [];
  #head = 0;
  #queuedChars = 0;
  #fd: number | undefined;
  #size = 0;
  /** A drain is scheduled or a write/rotation is in flight. */
  #busy = false;
  /** Dropped since the last notice was written (drop-oldest, failed writes). */
  #pendingDropped = 0;
  #droppedTotal = 0;
  #closed = false;
  #idle: Array<() => void> = [];

  constructor(options: AsyncFileSinkOptions) {
    this.#file = options.file;
    this.#maxBytes = options.maxBytes;
    this.#maxBufferedChars = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.#maxBufferedLines = options.maxBufferedLines ?? 50_000;
    this.#now = options.now ?? (() => new Date());
    // Once, at start: the file is opened for append and its size known (later rotations are asynchronous).
    try {
      this.#fd = fs.openSync(this.#file, 'a');
      this.#size = fs.fstatSync(this.#fd).size;
    } catch {
      this.#fd = undefined;
    }
  }

  /** Lines dropped since start (buffer full or write failed). */
  get dropped(): number {
    return this.#droppedTotal;
  }

  /** Lines waiting in memory. */
  get queuedLines(): number {
    return this.#queue.length - this.#head;
  }

  /** Characters waiting in memory (the bound `maxBufferedBytes` applies to this). */
  get queuedChars(): number {
    return this.#queuedChars;
  }

  /** Queue one complete line (with its newline). Never blocks, never throws. */
  write(line: string): void {
    if (this.#closed) return this.#appendNow(line);
    this.#queue.push(line);
    this.#queuedChars += line.length;
    while (this.queuedLines > 1 && (this.#queuedChars > this.#maxBufferedChars || this.queuedLines > this.#maxBufferedLines)) {
      this.#queuedChars -= this.#queue[this.#head]!.length;
      this.#queue[this.#head++] = '';
      this.#drop(1);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) this.#compact();
    if (!this.#busy) {
      this.#busy = true;
      setImmediate(() => this.#drain());
    }
  }

  /** Resolves when everything queued so far is written (or could not be). */
  flush(): Promise<void> {
    if (!this.#busy && this.queuedLines === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Writes what is still queued, synchronously: only for a process `exit` handler, where no callback will run any
   * more. A batch already handed to the thread pool is still written by it (both append), possibly after these lines.
   */
  flushSync(): void {
    const text = this.#take(Number.POSITIVE_INFINITY, false);
    if (!text) return;
    try {
      if (this.#fd !== undefined) fs.writeSync(this.#fd, text);
      else this.#appendNow(text);
    } catch {
      /* exiting: nothing more to do */
    }
  }

  /** Flush, then close the file; a line written after this (rare: once everything has stopped) is appended at once. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
  }

  #appendNow(text: string): void {
    try {
      fs.appendFileSync(this.#file, text);
    } catch {
      /* logging must never break a call */
    }
  }

  #drop(n: number): void {
    this.#pendingDropped += n;
    this.#droppedTotal += n;
  }

  #compact(): void {
    this.#queue = this.#queue.slice(this.#head);
    this.#head = 0;
  }

  /** Take queued lines (up to about `limit` characters, at least one), the "dropped" notice first. */
  #take(limit: number, respectCap: boolean): string {
    let text = '';
    if (this.#pendingDropped > 0) {
      text = `${this.#now().toISOString()} WARN logger: ${this.#pendingDropped} log lines dropped (log buffer full)\n`;
      this.#pendingDropped = 0;
    }
    const cap = respectCap ? Math.max(0, this.#maxBytes - this.#size) : Number.POSITIVE_INFINITY;
    let taken = 0;
    while (this.#head < this.#queue.length) {
      const line = this.#queue[this.#head]!;
      if (taken > 0 && (taken + line.length > limit || text.length + line.length > cap)) break;
      text += line;
      taken++;
      this.#queuedChars -= line.length;
      this.#queue[this.#head++] = '';
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    return text;
  }

  #drain(): void {
    if (this.queuedLines === 0 && this.#pendingDropped === 0) {
      this.#busy = false;
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    const fd = this.#fd;
    if (fd === undefined) {
      // The file could not be opened: what is queued is counted and let go.
      this.#droppedTotal += this.queuedLines;
      this.#pendingDropped = 0;
      this.#take(Number.POSITIVE_INFINITY, false);
      this.#pendingDropped = 0;
      this.#drain();
      return;
    }
    if (this.#size > this.#maxBytes) {
      this.#rotate(fd);
      return;
    }
    const batchLines = this.queuedLines;
    const data = Buffer.from(this.#take(MAX_BATCH_CHARS, true), 'utf8');
    const afterBatch = this.queuedLines;
    this.#writeAll(fd, data, 0, (ok) => {
      if (!ok) this.#drop(batchLines - afterBatch);
      this.#drain();
    });
  }

  #writeAll(fd: number, data: Buffer, offset: number, done: (ok: boolean) => void): void {
    fs.write(fd, data, offset, data.length - offset, null, (err, written) => {
      if (err) return done(false);
      this.#size += written;
      if (offset + written < data.length) return this.#writeAll(fd, data, offset + written, done);
      done(true);
    });
  }

  /** Same rotation as before: `<file>` → `<file>.1`, then a fresh `<file>`. */
  #rotate(fd: number): void {
    this.#fd = undefined; // meanwhile flushSync appends by name
    fs.close(fd, () => {
      fs.rename(this.#file, `${this.#file}.1`, () => {
        fs.open(this.#file, 'a', (err, next) => {
          this.#fd = err ? undefined : next;
          this.#size = 0;
          this.#drain();
        });
      });
    });
  }
}
