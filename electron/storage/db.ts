/**
 * A small promise wrapper over npm `sqlite3` (one connection per file).
 * sqlite3 runs statements on its own thread; a transaction must not interleave with other callers' statements on
 * the same connection, so every top-level call waits for the running transaction (a simple FIFO lock).
 */
import sqlite3 from 'sqlite3';

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;
export type Row = Record<string, unknown>;

export interface RunResult {
  readonly lastID: number;
  readonly changes: number;
}

/** The statements available inside and outside a transaction. */
export interface SqlRunner {
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  get<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

/** A database-level failure, with the SQL that caused it for the log (never shown raw to the user). */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    message: string,
    readonly code: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** The SQLite result code (`SQLITE_FULL` …) or system error code (`ENOSPC` …) behind an error, if any. */
export function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^(SQLITE_|E[A-Z])/.test(e.code)) return e.code;
  }
  return undefined;
}

/** The file is not a database, or its pages are damaged. */
export function isCorruption(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || (err instanceof StorageError && err.code === 'corrupt');
}

/** The disk (or the database's size limit) is full: the write was refused and rolled back, nothing saved was lost. */
export function isDiskFull(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

function raw(conn: sqlite3.Database): SqlRunner {
  return {
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        conn.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
          if (err) reject(err);
          else resolve({ lastID: this.lastID, changes: this.changes });
        });
      }),
    get: <T extends Row>(sql: string, params: SqlParams = []) =>
      new Promise<T | undefined>((resolve, reject) => {
        conn.get(sql, params, (err: Error | null, row: T | undefined) => (err ? reject(err) : resolve(row)));
      }),
    all: <T extends Row>(sql: string, params: SqlParams = []) =>
      new Promise<T[]>((resolve, reject) => {
        conn.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
      }),
    exec: (sql) =>
      new Promise<void>((resolve, reject) => {
        conn.exec(sql, (err: Error | null) => (err ? reject(err) : resolve()));
      }),
  };
}

export interface OpenOptions {
  /** Open an existing file only (CLI export must not create an empty database by typo). */
  readonly mustExist?: boolean;
}

export class Database implements SqlRunner {
  readonly #conn: sqlite3.Database;
  readonly #raw: SqlRunner;
  #lock: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(conn: sqlite3.Database, readonly path: string) {
    this.#conn = conn;
    this.#raw = raw(conn);
  }

  /** Opens (or creates) the database file; `:memory:` for tests. Turns on WAL and foreign keys. */
  static async open(path: string, options: OpenOptions = {}): Promise<Database> {
    const mode = options.mustExist ? sqlite3.OPEN_READWRITE : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
    const conn = await new Promise<sqlite3.Database>((resolve, reject) => {
      const c = new sqlite3.Database(path, mode, (err) =>
        err ? reject(new StorageError(`Cannot open the database ${path}: ${err.message}`, 'open-failed', err)) : resolve(c),
      );
    });
    const db = new Database(conn, path);
    try {
      // WAL lets the UI read while an import writes; in-memory databases silently stay in "memory" mode.
      // A file that is not a database fails here (SQLITE_NOTADB): the connection is closed so the file can be moved.
      await db.#raw.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
    } catch (err) {
      await new Promise<void>((resolve) => conn.close(() => resolve()));
      throw err;
    }
    conn.configure('busyTimeout', 5000);
    return db;
  }

  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StorageError('The database is closed', 'closed');
    const previous = this.#lock;
    let release!: () => void;
    this.#lock = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  run(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.#locked(() => this.#raw.run(sql, params));
  }
  get<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.#locked(() => this.#raw.get<T>(sql, params));
  }
  all<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.#locked(() => this.#raw.all<T>(sql, params));
  }
  exec(sql: string): Promise<void> {
    return this.#locked(() => this.#raw.exec(sql));
  }

  /**
   * Runs `fn` inside BEGIN IMMEDIATE … COMMIT; any throw rolls everything back and is rethrown.
   * Use only the `tx` runner inside `fn` (calling `db.*` there would wait for the lock forever).
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.#locked(async () => {
      await this.#raw.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.#raw);
        await this.#raw.exec('COMMIT');
        return result;
      } catch (err) {
        await this.#raw.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.#locked(
      () => new Promise<void>((resolve, reject) => this.#conn.close((err) => (err ? reject(err) : resolve()))),
    );
    this.#closed = true;
  }
}
