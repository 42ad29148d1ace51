/** Call history rows: written by the call service when a call ends, read by the history pane and exports. */
import type { Database, SqlValue } from './db';
import { csvLine, type CsvExportOptions } from './csv';
import type { CountryCode } from 'libphonenumber-js';
import { digitsOf, looksLikeNumber, partialNationalForms, phoneForms } from './phone';
import { fold } from './text';

/**
 * `answered-elsewhere` (issue 13 item 8): an incoming call that rang here and was taken by another device or a colleague
 * (CANCEL with Reason cause=200). The table's CHECK predates it, so it is stored as type `missed` with end reason
 * `answered-elsewhere` and read back as its own type; rows written since migration 0003 with that end reason are read
 * the same way (they were listed as missed before).
 */
export const CALL_TYPES = ['missed', 'received', 'placed', 'rejected', 'transferred', 'picked-up', 'answered-elsewhere'] as const;
const ELSEWHERE = 'answered-elsewhere';
/** Up to this many rows holding the typed digits, a number search reads them through the index (see query). */
const FEW_DIGIT_MATCHES = 1000;
export type CallType = (typeof CALL_TYPES)[number];
export type CallDirection = 'incoming' | 'outgoing';

export interface HistoryEntryInput {
  readonly direction: CallDirection;
  readonly type: CallType;
  readonly remoteNumber: string;
  readonly remoteName?: string;
  /** ms since the epoch */
  readonly startedAt: number;
  readonly ringMs?: number;
  readonly talkMs?: number;
  readonly line?: number | null;
  readonly transferTarget?: string | null;
  readonly account?: string;
  /** ms since the epoch (migration 0003). */
  readonly answeredAt?: number | null;
  readonly endedAt?: number | null;
  /** Why the call ended, in the call service's words (transferred, deflected, replaced, remote-hangup…). */
  readonly endReason?: string;
}

export interface HistoryEntry extends Required<Omit<HistoryEntryInput, 'line' | 'transferTarget' | 'answeredAt' | 'endedAt'>> {
  readonly id: number;
  readonly line: number | null;
  readonly transferTarget: string | null;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
}

/** One event of a call's timeline (migration 0004); `kind` is the call service's word (answered, held…). */
export interface CallTimelineEvent {
  readonly at: number;
  readonly kind: string;
  readonly detail?: string;
}

/** One call-quality reading (migration 0004); absent figures were not reported. */
export interface CallQualitySample {
  readonly t: number;
  readonly rttMs?: number;
  readonly jitterMs?: number;
  readonly lossPct?: number;
  readonly kbps?: number;
}

export interface CallDetails {
  readonly timeline: readonly CallTimelineEvent[];
  readonly quality: readonly CallQualitySample[];
}

/** Stored JSON read back: anything but an array of objects (a hand-edited file) reads as empty. */
function parseArray<T>(json: string, valid: (x: Record<string, unknown>) => boolean): T[] {
  try {
    const v: unknown = JSON.parse(json);
    if (!Array.isArray(v)) return [];
    return v.filter((x): x is T => typeof x === 'object' && x !== null && valid(x as Record<string, unknown>));
  } catch {
    return [];
  }
}
const isEvent = (x: Record<string, unknown>) => typeof x.at === 'number' && typeof x.kind === 'string';
const isSample = (x: Record<string, unknown>) => typeof x.t === 'number';

export interface HistoryQuery {
  readonly types?: readonly CallType[];
  readonly direction?: CallDirection;
  /** Digits anywhere in the remote number, or words of the remote name. */
  readonly text?: string;
  readonly from?: number;
  readonly to?: number;
  readonly account?: string;
  readonly limit?: number;
  /** Keyset paging: entries strictly older than this id's start. */
  readonly beforeId?: number;
  /** Keyset paging by value (an export's next page): entries strictly before this start time and id. */
  readonly before?: readonly [startedAt: number, id: number];
}

/** Entries per page of a history export (a progress report, a cancel check and a turn of the loop after each). */
export const HISTORY_EXPORT_PAGE = 5000;

interface HistoryRow extends Record<string, unknown> {
  id: number;
  direction: CallDirection;
  type: CallType;
  remote_number: string;
  remote_name: string;
  started_at: number;
  ring_ms: number;
  talk_ms: number;
  line: number | null;
  transfer_target: string | null;
  account: string;
  answered_at: number | null;
  ended_at: number | null;
  end_reason: string;
}

const toEntry = (r: HistoryRow): HistoryEntry => ({
  id: r.id,
  direction: r.direction,
  type: r.type === 'missed' && r.end_reason === ELSEWHERE ? ELSEWHERE : r.type,
  remoteNumber: r.remote_number,
  remoteName: r.remote_name,
  startedAt: r.started_at,
  ringMs: r.ring_ms,
  talkMs: r.talk_ms,
  line: r.line,
  transferTarget: r.transfer_target,
  account: r.account,
  answeredAt: r.answered_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
});

/** The trigram index's query for rows holding any of these digit strings (digits only: nothing to quote). */
const trigramQuery = (forms: readonly string[]): string => forms.map((f) => `"${f}"`).join(' OR ');

export class HistoryStore {
  constructor(
    readonly db: Database,
    readonly options: { readonly defaultCountry: CountryCode },
  ) {}

  async add(e: HistoryEntryInput): Promise<number> {
    const f = phoneForms(e.remoteNumber, this.options.defaultCountry);
    const r = await this.db.run(
      `INSERT INTO call_history (direction, type, remote_number, remote_digits, remote_national, remote_name,
         remote_name_folded, started_at, ring_ms, talk_ms, line, transfer_target, account, answered_at, ended_at, end_reason)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      [e.direction, e.type === ELSEWHERE ? 'missed' : e.type, e.remoteNumber, f.digits, f.nationalDigits, e.remoteName ?? '', fold(e.remoteName ?? ''),
        e.startedAt, e.ringMs ?? 0,
        e.talkMs ?? 0, e.line ?? null, e.transferTarget ?? null, e.account ?? '', e.answeredAt ?? null, e.endedAt ?? null,
        e.type === ELSEWHERE ? ELSEWHERE : (e.endReason ?? '')],
    );
    return r.lastID;
  }

  async get(id: number): Promise<HistoryEntry | undefined> {
    const row = await this.db.get<HistoryRow>('SELECT * FROM call_history WHERE id = ?', [id]);
    return row && toEntry(row);
  }

  /** Store (or replace) the timeline and quality samples of a history entry. */
  async saveDetails(historyId: number, details: CallDetails): Promise<void> {
    await this.db.run('INSERT OR REPLACE INTO call_details (history_id, timeline, quality) VALUES (?,?,?)', [
      historyId,
      JSON.stringify(details.timeline),
      JSON.stringify(details.quality),
    ]);
  }

  /** The timeline and quality samples of a history entry; empty for calls stored before migration 0004. */
  async details(historyId: number): Promise<CallDetails> {
    const row = await this.db.get<{ timeline: string; quality: string }>('SELECT timeline, quality FROM call_details WHERE history_id = ?', [
      historyId,
    ]);
    if (!row) return { timeline: [], quality: [] };
    return { timeline: parseArray(row.timeline, isEvent), quality: parseArray(row.quality, isSample) };
  }

  /** Newest first. */
  list(limit = 100): Promise<HistoryEntry[]> {
    return this.query({ limit });
  }

  async query(q: HistoryQuery = {}): Promise<HistoryEntry[]> {
    const limit = Math.max(1, Math.min(q.limit ?? 100, 10_000));
    const { from, where, params } = await this.#plan(q, limit);
    const rows = await this.db.all<HistoryRow>(
      `SELECT call_history.* FROM ${from} ${where} ORDER BY started_at DESC, id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toEntry);
  }

  /** The FROM, the WHERE clause (or '') and the parameters of `q`'s entries (`limit`: how many will be read, for the plan's choice). */
  async #plan(q: HistoryQuery, limit: number): Promise<{ from: string; where: string; params: SqlValue[] }> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.types?.length) {
      const plain = q.types.filter((t) => t !== 'missed' && t !== ELSEWHERE);
      const or = plain.length ? [`type IN (${plain.map(() => '?').join(',')})`] : [];
      params.push(...plain);
      // Both are stored as `missed`; the end reason tells them apart (see CALL_TYPES).
      const missed = q.types.includes('missed');
      const elsewhere = q.types.includes(ELSEWHERE);
      if (missed && elsewhere) or.push("type = 'missed'");
      else if (missed) or.push("(type = 'missed' AND end_reason IS NOT 'answered-elsewhere')");
      else if (elsewhere) or.push("(type = 'missed' AND end_reason = 'answered-elsewhere')");
      where.push(`(${or.join(' OR ')})`);
    }
    if (q.direction) (where.push('direction = ?'), params.push(q.direction));
    if (q.account !== undefined) (where.push('account = ?'), params.push(q.account));
    if (q.from !== undefined) (where.push('started_at >= ?'), params.push(q.from));
    if (q.to !== undefined) (where.push('started_at < ?'), params.push(q.to));
    if (q.beforeId !== undefined) {
      where.push('(started_at, id) < (SELECT started_at, id FROM call_history WHERE id = ?)');
      params.push(q.beforeId);
    }
    if (q.before !== undefined) {
      where.push('(started_at, id) < (?, ?)');
      params.push(q.before[0], q.before[1]);
    }
    const text = q.text?.trim();
    let from = 'call_history';
    if (text) {
      if (looksLikeNumber(text)) {
        // The digits as typed, and as the PBX may have presented them otherwise: a whole number's national digits
        // ("+33 6 12 34 56 78" or "0033…" for a call shown as 06 12 34 56 78), the national start of a number's start
        // typed internationally ("+33 1 45" for 01 45…).
        const d = digitsOf(text);
        const national = phoneForms(text, this.options.defaultCountry).nationalDigits;
        const forms = [...new Set([d, national, ...partialNationalForms(text, this.options.defaultCountry)])].filter((f) => f !== '');
        // instr, not LIKE: the digits come from the user and must not act as wildcards.
        where.push(`(${forms.map(() => '(instr(remote_digits, ?) > 0 OR instr(remote_national, ?) > 0)').join(' OR ')})`);
        params.push(...forms.flatMap((f) => [f, f]));
        if (await this.#fewDigitMatches(forms, limit)) {
          // Few rows hold these digits: read just those through the trigram index (migration 0006) and sort them,
          // rather than walk the whole history in date order. The instr test above still decides, so the rows are
          // exactly the scan's. CROSS JOIN keeps the index as the outer loop whatever other filters are set.
          from = 'call_history_fts CROSS JOIN call_history ON call_history.id = call_history_fts.rowid';
          where.unshift('call_history_fts MATCH ?');
          params.unshift(trigramQuery(forms));
        }
      } else {
        where.push('instr(remote_name_folded, ?) > 0');
        params.push(fold(text));
      }
    }
    return { from, where: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
  }

  /**
   * Whether the digit strings occur in few history numbers (at most max(1000, limit)), counted on the trigram index
   * without reading the rows. Fewer than 3 digits: the trigram index cannot answer (and such digits are in most
   * numbers, so the date-order scan finds a page of them at once).
   */
  async #fewDigitMatches(forms: readonly string[], limit: number): Promise<boolean> {
    if (forms.some((f) => f.length < 3)) return false;
    const cap = Math.max(FEW_DIGIT_MATCHES, limit);
    const row = await this.db.get<{ n: number }>(
      'SELECT count(*) AS n FROM (SELECT rowid FROM call_history_fts WHERE call_history_fts MATCH ? LIMIT ?)',
      [trigramQuery(forms), cap + 1],
    );
    return (row?.n ?? 0) <= cap;
  }

  /** Deletes the given entries, or everything older than a date; returns how many went. */
  async delete(target: { ids: readonly number[] } | { olderThan: number } | { all: true }): Promise<number> {
    if ('all' in target) return (await this.db.run('DELETE FROM call_history')).changes;
    if ('olderThan' in target) return (await this.db.run('DELETE FROM call_history WHERE started_at < ?', [target.olderThan])).changes;
    if (target.ids.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      let n = 0;
      for (let i = 0; i < target.ids.length; i += 500) {
        const chunk = target.ids.slice(i, i + 500);
        n += (await tx.run(`DELETE FROM call_history WHERE id IN (${chunk.map(() => '?').join(',')})`, chunk)).changes;
      }
      return n;
    });
  }

  /**
   * CSV (UTF-8, RFC 4180, neutralised cells) of the matching entries, newest first; ISO 8601 UTC times. Every entry
   * (a page of HISTORY_EXPORT_PAGE at a time, with the progress, the signal checked and the thread's loop turning
   * between pages), or the newest `q.limit` (at most 10,000) in one read. Calls added during the export are newer
   * than its first page: not in it.
   */
  async exportCsv(q: HistoryQuery = {}, opts: CsvExportOptions = {}): Promise<string> {
    const { signal, onProgress } = opts;
    signal?.throwIfAborted();
    const lines = [csvLine(HISTORY_CSV_HEADER)];
    if (q.limit !== undefined) {
      const entries = await this.query(q);
      for (const e of entries) lines.push(csvLine(historyCsvRow(e)));
      onProgress?.(entries.length, entries.length);
      return `${lines.join('\r\n')}\r\n`;
    }
    const { from, where, params } = await this.#plan(q, HISTORY_EXPORT_PAGE);
    const count = await this.db.get<{ n: number }>(`SELECT count(*) AS n FROM ${from} ${where}`, params);
    const total = count?.n ?? 0;
    onProgress?.(0, total);
    let done = 0;
    for (let before: [number, number] | undefined; ; ) {
      const page = await this.query({ ...q, limit: HISTORY_EXPORT_PAGE, ...(before && { before }) });
      for (const e of page) lines.push(csvLine(historyCsvRow(e)));
      done += page.length;
      onProgress?.(Math.min(done, total), total);
      if (page.length < HISTORY_EXPORT_PAGE) break;
      const last = page[page.length - 1]!;
      before = [last.startedAt, last.id];
      await new Promise<void>((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    }
    return `${lines.join('\r\n')}\r\n`;
  }
}

const HISTORY_CSV_HEADER = ['Started', 'Direction', 'Type', 'Number', 'Name', 'Ring (s)', 'Talk (s)', 'Line', 'Transferred to', 'Account'];

function historyCsvRow(e: HistoryEntry): string[] {
  return [
    new Date(e.startedAt).toISOString(),
    e.direction,
    e.type,
    e.remoteNumber,
    e.remoteName,
    (e.ringMs / 1000).toFixed(1),
    (e.talkMs / 1000).toFixed(1),
    e.line === null ? '' : String(e.line),
    e.transferTarget ?? '',
    e.account,
  ];
}
