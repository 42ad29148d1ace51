/**
 * Contacts import/export: parse (no database), preview (first rows + counts), import (one transaction: a file
 * that fails leaves the database untouched), and export of a directory to CSV that imports back losslessly.
 */
import type { ContactStore, UpsertOptions } from '../../../storage/contact-store';
import { csvLine, type CsvExportOptions } from '../../../storage/csv';
import type { Contact, ContactInput, PhoneType } from '../../../storage/types';
import { CsvReader, detectDelimiter } from './csv-parse';
import { decodeText, type TextEncodingName } from './decode';
import { ImportError } from './errors';
import { detectLayout, EXPORT_COLUMNS, mapRecord, type CsvFormat, type CsvLayout, type RowResult } from './outlook-csv';
import { looksLikeVCard, parseVCards } from './vcard';

export { ImportError, type ImportErrorCode } from './errors';

export type ImportFormat = CsvFormat | 'vcard';

export interface SkippedRow {
  /** Spreadsheet row (header = 1) for CSV, card number (first = 1) for vCard. */
  readonly row: number;
  readonly reason: string;
}

export interface ParsedFile {
  readonly format: ImportFormat;
  readonly encoding: TextEncodingName;
  readonly contacts: readonly { row: number; contact: ContactInput }[];
  readonly skipped: readonly SkippedRow[];
}

export interface ImportProgress {
  readonly phase: 'parse' | 'write';
  readonly done: number;
  readonly total: number;
}
export type ProgressCallback = (p: ImportProgress) => void;

/** Rows mapped between two progress reports / cancellation checks / yields to the event loop. */
export const PARSE_BATCH = 2000;

/**
 * The parse as steps: `step()` maps up to PARSE_BATCH rows and says whether more remain, so the same code runs
 * synchronously (preview, CLI) or in batches that let an abort arrive (importContacts with a signal).
 */
class FileParse {
  readonly contacts: { row: number; contact: ContactInput }[] = [];
  readonly skipped: SkippedRow[] = [];
  format: ImportFormat = 'vcard';
  readonly encoding: TextEncodingName;
  #reader: CsvReader | undefined;
  #layout: CsvLayout | undefined;
  #vcards: ReturnType<typeof parseVCards> | undefined;

  constructor(buf: Buffer) {
    const { text, encoding } = decodeText(buf);
    this.encoding = encoding;
    if (looksLikeVCard(text)) {
      this.#vcards = parseVCards(text);
      return;
    }
    const delimiter = detectDelimiter(text);
    if (!delimiter) {
      const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
      throw firstLine.length > 0 && /[|:^~]/.test(firstLine)
        ? new ImportError('wrong-delimiter', 'The columns are not separated by commas, semicolons or tabs. Save the file as "CSV (comma delimited)" and try again.', 1)
        : new ImportError('unknown-format', 'This is neither a CSV file with a header line nor a vCard file.', 1);
    }
    this.#reader = new CsvReader(text, delimiter);
    const header = this.#reader.next();
    if (!header) throw new ImportError('empty', 'The file has no header line.');
    this.#layout = detectLayout(header.cells);
    this.format = this.#layout.format;
  }

  #add(row: number, result: RowResult): void {
    if (result.ok) this.contacts.push({ row, contact: result.contact });
    else this.skipped.push({ row, reason: result.reason });
  }

  /** Maps the next batch; false when the file is done. */
  step(): boolean {
    if (this.#vcards) {
      for (const c of this.#vcards) this.#add(c.row, c.result);
      this.#vcards = undefined;
      return false;
    }
    const reader = this.#reader!;
    const layout = this.#layout!;
    for (let k = 0; k < PARSE_BATCH; k++) {
      const rec = reader.next();
      if (!rec) return false;
      this.#add(rec.row, mapRecord(layout, rec));
    }
    return true;
  }

  /** Parse progress: characters read for CSV (rows are unknown until the end), cards for vCard. */
  progress(): ImportProgress {
    const r = this.#reader;
    if (!r) {
      const n = this.contacts.length + this.skipped.length;
      return { phase: 'parse', done: n, total: n };
    }
    return { phase: 'parse', done: r.position, total: r.length };
  }

  result(): ParsedFile {
    return { format: this.format, encoding: this.encoding, contacts: this.contacts, skipped: this.skipped };
  }
}

/** Parses a CSV or vCard file. Throws ImportError when the file as a whole is unusable. */
export function parseContactsFile(buf: Buffer, onProgress?: ProgressCallback): ParsedFile {
  const p = new FileParse(buf);
  while (p.step()) onProgress?.(p.progress());
  onProgress?.(p.progress());
  return p.result();
}

/** The refusal when the user cancels: nothing was written. */
export function importCancelled(): ImportError {
  return new ImportError('cancelled', 'The import was cancelled: nothing was imported and your contacts are unchanged.');
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The same parse in batches, yielding to the event loop between them (so an abort message or a SIP packet is not
 * kept waiting behind a whole file) and checking `signal` each time.
 */
export async function parseContactsFileAsync(buf: Buffer, opts: { onProgress?: ProgressCallback; signal?: AbortSignal } = {}): Promise<ParsedFile> {
  if (opts.signal?.aborted) throw importCancelled();
  const p = new FileParse(buf);
  for (;;) {
    const more = p.step();
    opts.onProgress?.(p.progress());
    if (!more) break;
    await yieldToLoop();
    if (opts.signal?.aborted) throw importCancelled();
  }
  return p.result();
}

export interface ImportPreview {
  readonly format: ImportFormat;
  readonly encoding: TextEncodingName;
  readonly total: number;
  readonly valid: number;
  readonly skipped: readonly SkippedRow[];
  readonly sample: readonly ContactInput[];
}

/** Parses without touching any database: what the import dialog shows before the user confirms. */
export function previewImport(buf: Buffer, limit = 20): ImportPreview {
  return previewOf(parseContactsFile(buf), limit);
}

export function previewOf(parsed: ParsedFile, limit: number): ImportPreview {
  return {
    format: parsed.format,
    encoding: parsed.encoding,
    total: parsed.contacts.length + parsed.skipped.length,
    valid: parsed.contacts.length,
    skipped: parsed.skipped,
    sample: parsed.contacts.slice(0, limit).map((c) => c.contact),
  };
}

export interface ImportReport {
  readonly format: ImportFormat;
  readonly encoding: TextEncodingName;
  readonly inserted: number;
  readonly updated: number;
  readonly skipped: readonly SkippedRow[];
  readonly contacts: readonly ContactInput[];
  /** True when nothing was committed (dry run). */
  readonly dryRun: boolean;
}

class DryRunRollback extends Error {
  constructor(readonly counts: { inserted: number; updated: number }) {
    super('dry run');
  }
}

export interface ImportOptions {
  readonly onProgress?: ProgressCallback;
  readonly dryRun?: boolean;
  /**
   * Cancels the import: checked between parse batches and every write batch; an aborted import throws
   * ImportError `cancelled` and the transaction is rolled back (nothing written).
   */
  readonly signal?: AbortSignal;
}

/**
 * Imports a file into a directory in ONE transaction. Re-importing updates contacts with the same source id or the
 * same name and a shared number/e-mail instead of duplicating them. `dryRun` runs the same writes and rolls back,
 * so the counts are exact and the database is unchanged. An aborted `signal` rolls back and throws `cancelled`.
 */
export async function importContacts(store: ContactStore, directoryId: number, buf: Buffer, opts: ImportOptions = {}): Promise<ImportReport> {
  const { signal } = opts;
  const parsed = await parseContactsFileAsync(buf, { ...(opts.onProgress && { onProgress: opts.onProgress }), ...(signal && { signal }) });
  return importParsed(store, directoryId, parsed, opts);
}

/**
 * The write half of importContacts, for a file already parsed (its preview): same transaction, cancel and report.
 * `prepared`: its contacts, or the first of them, already prepared (UpsertOptions.prepared).
 */
export async function importParsed(
  store: ContactStore,
  directoryId: number,
  parsed: ParsedFile,
  opts: ImportOptions = {},
  prepared?: UpsertOptions['prepared'],
): Promise<ImportReport> {
  const { signal } = opts;
  if (signal?.aborted) throw importCancelled();
  const inputs = parsed.contacts.map((c) => c.contact);
  const write = async (tx: Parameters<Parameters<typeof store.db.transaction>[0]>[0]) => {
    if (signal?.aborted) throw importCancelled();
    const r = await store.upsertMany(tx, directoryId, inputs, {
      dedupe: true,
      ...(prepared && { prepared }),
      onProgress: (done, total) => {
        // Thrown inside the transaction: it is rolled back.
        if (signal?.aborted) throw importCancelled();
        opts.onProgress?.({ phase: 'write', done, total });
      },
    });
    // Aborted after the last progress report: still nothing committed.
    if (signal?.aborted) throw importCancelled();
    return r;
  };
  let counts: { inserted: number; updated: number };
  if (opts.dryRun) {
    try {
      await store.db.transaction(async (tx) => {
        const r = await write(tx);
        throw new DryRunRollback({ inserted: r.inserted, updated: r.updated });
      });
      throw new Error('unreachable');
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
      counts = err.counts;
    }
  } else {
    const r = await store.db.transaction(write);
    counts = { inserted: r.inserted, updated: r.updated };
  }
  return { format: parsed.format, encoding: parsed.encoding, ...counts, skipped: parsed.skipped, contacts: inputs, dryRun: opts.dryRun === true };
}

/** Phone slots of the export, in column order; what doesn't fit goes to "Additional Phones" as `type: number`. */
const SLOTS: readonly { column: (typeof EXPORT_COLUMNS)[number]; type: PhoneType }[] = [
  { column: 'Business Phone', type: 'work' },
  { column: 'Business Phone 2', type: 'work' },
  { column: 'Mobile Phone', type: 'mobile' },
  { column: 'Home Phone', type: 'home' },
  { column: 'Home Phone 2', type: 'home' },
  { column: 'Other Phone', type: 'other' },
  { column: 'Business Fax', type: 'fax' },
  { column: 'Pager', type: 'pager' },
  { column: 'Company Main Phone', type: 'main' },
  { column: 'Extension', type: 'extension' },
];

export function contactToRow(c: Contact): string[] {
  const cells: Record<string, string> = {
    'First Name': c.firstName, 'Last Name': c.lastName, Company: c.company, Department: c.department,
    'Job Title': c.title, Notes: c.notes, 'Display Name': c.name, Favorite: c.favorite ? 'yes' : '',
    'Source ID': c.sourceId ?? '',
  };
  const extra: string[] = [];
  const free = [...SLOTS];
  for (const p of c.phones) {
    const i = free.findIndex((s) => s.type === p.type);
    if (i >= 0) cells[free.splice(i, 1)[0]!.column] = p.number;
    else extra.push(`${p.type}: ${p.number}`);
  }
  cells['Additional Phones'] = extra.join('\n');
  ['E-mail Address', 'E-mail 2 Address', 'E-mail 3 Address'].forEach((col, i) => (cells[col] = c.emails[i] ?? ''));
  cells['Additional E-mails'] = c.emails.slice(3).join('\n');
  return EXPORT_COLUMNS.map((col) => cells[col] ?? '');
}

/** Contacts written to the file so far of the directory's, after each page; the signal checked between pages. */
export type ExportOptions = CsvExportOptions;

/** Contacts read per page of an export (a progress report, a cancel check and a turn of the thread's loop after each). */
export const EXPORT_PAGE = 1000;

/**
 * A directory as UTF-8 CSV with BOM (so Excel reads accents), Outlook's English column names first, contacts in name
 * order. Cells that a spreadsheet would run as formulas get a leading `'`; our importer removes exactly that quote,
 * so "+33 1 23 45 67 89" survives the round trip. Read in storage order a page at a time (ContactStore.readPages),
 * each contact's line put at its place in name order; between pages the progress is reported, the signal checked and
 * the thread's loop turns (the storage worker answers searches meanwhile). A contact added during the export is not
 * in it; one deleted meanwhile is left out.
 */
export async function exportContactsCsv(store: ContactStore, directoryId: number, opts: ExportOptions = {}): Promise<Buffer> {
  const { signal, onProgress } = opts;
  signal?.throwIfAborted();
  const order = await store.orderedIds(directoryId);
  const place = new Map<number, number>();
  order.forEach((id, i) => place.set(id, i));
  const lines: (string | undefined)[] = new Array<string | undefined>(order.length);
  let done = 0;
  onProgress?.(0, order.length);
  for await (const page of store.readPages(directoryId, EXPORT_PAGE)) {
    for (const c of page) {
      const at = place.get(c.id);
      if (at === undefined) continue;
      lines[at] = csvLine(contactToRow(c));
      done++;
    }
    onProgress?.(Math.min(done, order.length), order.length);
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  }
  const body = [csvLine(EXPORT_COLUMNS), ...lines.filter((l): l is string => l !== undefined)].join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')]);
}
