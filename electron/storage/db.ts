/**
 * A small promise-shaped wrapper over `better-sqlite3` (one connection per file). The statements themselves run
 * synchronously on the calling thread: the console opens the database in the storage worker
 * (electron/services/directory/worker/), never on the main process's loop. A transaction must not interleave with
 * other callers' statements on the same connection, so every top-level call waits for the running transaction (a
 * simple FIFO lock).
 */
import BetterSqlite3 from 'better-sqlite3';
import { bindingOption } from './native-binding';

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
  // better-sqlite3 reports extended codes (SQLITE_CORRUPT_INDEX …); node-sqlite3 reported the primary ones.
  return code?.startsWith('SQLITE_CORRUPT') === true || code === 'SQLITE_NOTADB' || (err instanceof StorageError && err.code === 'corrupt');
}

/** The disk (or the database's size limit) is full: the write was refused and rolled back, nothing saved was lost. */
export function isDiskFull(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * An error of SQLite itself (`code` SQLITE_CONSTRAINT_CHECK, SQLITE_FULL …). better-sqlite3's own SqliteError is not
 * a native Error (Object.prototype.toString says Object): it is re-thrown as this one, message and code kept, so it
 * is an Error everywhere, including after crossing the storage worker's boundary.
 */
export class SqliteError extends Error {
  override readonly name = 'SqliteError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function native<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown } | null;
    if (e && typeof e.code === 'string' && e.code.startsWith('SQLITE_') && !(err instanceof SqliteError)) {
      throw new SqliteError(String(e.message), e.code);
    }
    throw err;
  }
}

type Conn = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], Row>;

/**
 * node-sqlite3 bound a JS integer as an SQLite INTEGER; better-sqlite3 binds every number as a REAL (and refuses
 * booleans and undefined). Integers go as BigInt so the stored values, typeof() and rowids stay what they were.
 */
function bindable(params: SqlParams): unknown[] | Record<string, unknown> {
  const conv = (v: unknown): unknown =>
    typeof v === 'number' ? (Number.isSafeInteger(v) ? BigInt(v) : v) : typeof v === 'boolean' ? (v ? 1n : 0n) : v === undefined ? null : v;
  if (Array.isArray(params)) return params.map(conv);
  const out: Record<string, unknown> = {};
  // node-sqlite3 took the prefix with the name ({ $id: 1 }); better-sqlite3 takes the bare name.
  for (const [k, v] of Object.entries(params)) out[k.replace(/^[$:@]/, '')] = conv(v);
  return out;
}

/** Prepared statements by SQL text (the same few statements run on every keystroke and every import batch). */
class StatementCache {
  readonly #map = new Map<string, Stmt>();
  constructor(readonly conn: Conn) {}
  get(sql: string): Stmt {
    let s = this.#map.get(sql);
    if (!s) {
      if (this.#map.size >= 300) this.#map.clear();
      s = this.conn.prepare(sql) as Stmt;
      this.#map.set(sql, s);
    }
    return s;
  }
}

/** The synchronous statements: what the storage worker runs, wrapped here in the SqlRunner promises. */
export interface SyncRunner {
  run(sql: string, params?: SqlParams): RunResult;
  get<T extends Row = Row>(sql: string, params?: SqlParams): T | undefined;
  all<T extends Row = Row>(sql: string, params?: SqlParams): T[];
  exec(sql: string): void;
}

function sync(cache: StatementCache): SyncRunner {
  const args = (params: SqlParams | undefined): unknown[] => {
    if (params === undefined) return [];
    const b = bindable(params);
    return Array.isArray(b) ? b : [b];
  };
  return {
    run: (sql, params) => native(() => {
      const s = cache.get(sql);
      if (s.reader) {
        s.all(...args(params));
        return { lastID: 0, changes: 0 };
      }
      const r = s.run(...args(params));
      return { lastID: Number(r.lastInsertRowid), changes: r.changes };
    }),
    get: <T extends Row>(sql: string, params?: SqlParams) => native(() => {
      const s = cache.get(sql);
      if (!s.reader) {
        s.run(...args(params));
        return undefined;
      }
      return s.get(...args(params)) as T | undefined;
    }),
    all: <T extends Row>(sql: string, params?: SqlParams) => native(() => {
      const s = cache.get(sql);
      if (!s.reader) {
        s.run(...args(params));
        return [];
      }
      return s.all(...args(params)) as T[];
    }),
    exec: (sql) => native(() => {
      cache.conn.exec(sql);
    }),
  };
}

/** A synchronous call as a promise: a throw becomes a rejection, as node-sqlite3's callbacks gave. */
function later<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

function promised(s: SyncRunner): SqlRunner {
  return {
    run: (sql, params) => later(() => s.run(sql, params)),
    get: <T extends Row>(sql: string, params?: SqlParams) => later(() => s.get<T>(sql, params)),
    all: <T extends Row>(sql: string, params?: SqlParams) => later(() => s.all<T>(sql, params)),
    exec: (sql) => later(() => s.exec(sql)),
  };
}

export interface OpenOptions {
  /** Open an existing file only (CLI export must not create an empty database by typo). */
  readonly mustExist?: boolean;
  /** A second, read-only connection to a database another connection writes (WAL: reads while an import runs). */
  readonly readonly?: boolean;
}

export class Database implements SqlRunner {
  readonly #conn: Conn;
  readonly #raw: SqlRunner;
  /** The same statements without the promise (the storage worker's own synchronous paths). */
  readonly sync: SyncRunner;
  #lock: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(conn: Conn, readonly path: string) {
    this.#conn = conn;
    this.sync = sync(new StatementCache(conn));
    this.#raw = promised(this.sync);
  }

  /** The SQLite library linked into better-sqlite3 (About). */
  static sqliteVersion(): string {
    const conn = new BetterSqlite3(':memory:', bindingOption());
    try {
      return (conn.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    } finally {
      conn.close();
    }
  }

  /** Opens (or creates) the database file; `:memory:` for tests. Turns on WAL and foreign keys. */
  static async open(path: string, options: OpenOptions = {}): Promise<Database> {
    let conn: Conn;
    try {
      conn = new BetterSqlite3(path, { ...bindingOption(), fileMustExist: options.mustExist === true || options.readonly === true, readonly: options.readonly === true, timeout: 5000 });
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const cause = typeof e.code === 'string' ? new SqliteError(String(e.message), e.code) : err;
      throw new StorageError(`Cannot open the database ${path}: ${String(e.message)}`, 'open-failed', cause);
    }
    const db = new Database(conn, path);
    try {
      // WAL lets the UI read while an import writes; in-memory databases silently stay in "memory" mode.
      // A file that is not a database fails here (SQLITE_NOTADB): the connection is closed so the file can be moved.
      // Page cache 4 MiB per connection (better-sqlite3 builds SQLite with 16 MiB; the worker's two connections live in
      // the main process's memory: issue 14 `rss.main`). Searches at 100k contacts measured the same with it.
      db.sync.exec(
        (options.readonly ? 'PRAGMA foreign_keys = ON;' : 'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;') +
          ' PRAGMA cache_size = -4000;',
      );
    } catch (err) {
      conn.close();
      throw err;
    }
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
        if (this.#conn.inTransaction) await this.#raw.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.#locked(async () => {
      this.#conn.close();
    });
    this.#closed = true;
  }
}
