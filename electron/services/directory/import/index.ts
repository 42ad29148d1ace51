/**
 * Contacts import/export: parse (no database), preview (first rows + counts), import (one transaction: a file
 * that fails leaves the database untouched), and export of a directory to CSV that imports back losslessly.
 */
import type { ContactStore } from '../../../storage/contact-store';
import { toCsv } from '../../../storage/csv';
import type { Contact, ContactInput, PhoneType } from '../../../storage/types';
import { detectDelimiter, parseCsv } from './csv-parse';
import { decodeText, type TextEncodingName } from './decode';
import { ImportError } from './errors';
import { detectLayout, EXPORT_COLUMNS, mapRecord, type CsvFormat } from './outlook-csv';
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

/** Parses a CSV or vCard file. Throws ImportError when the file as a whole is unusable. */
export function parseContactsFile(buf: Buffer, onProgress?: ProgressCallback): ParsedFile {
  const { text, encoding } = decodeText(buf);
  if (looksLikeVCard(text)) {
    const cards = parseVCards(text);
    onProgress?.({ phase: 'parse', done: cards.length, total: cards.length });
    return split('vcard', encoding, cards.map((c) => ({ row: c.row, result: c.result })));
  }
  const delimiter = detectDelimiter(text);
  if (!delimiter) {
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    throw firstLine.length > 0 && /[|:^~]/.test(firstLine)
      ? new ImportError('wrong-delimiter', 'The columns are not separated by commas, semicolons or tabs. Save the file as "CSV (comma delimited)" and try again.', 1)
      : new ImportError('unknown-format', 'This is neither a CSV file with a header line nor a vCard file.', 1);
  }
  const records = parseCsv(text, delimiter);
  const [header, ...rows] = records;
  if (!header) throw new ImportError('empty', 'The file has no header line.');
  const layout = detectLayout(header.cells);
  const results = rows.map((rec, i) => {
    if (onProgress && (i % 5000 === 0 || i === rows.length - 1)) onProgress({ phase: 'parse', done: i + 1, total: rows.length });
    return { row: rec.row, result: mapRecord(layout, rec) };
  });
  return split(layout.format, encoding, results);
}

function split(
  format: ImportFormat,
  encoding: TextEncodingName,
  results: readonly { row: number; result: { ok: true; contact: ContactInput } | { ok: false; reason: string } }[],
): ParsedFile {
  const contacts: { row: number; contact: ContactInput }[] = [];
  const skipped: SkippedRow[] = [];
  for (const r of results) {
    if (r.result.ok) contacts.push({ row: r.row, contact: r.result.contact });
    else skipped.push({ row: r.row, reason: r.result.reason });
  }
  return { format, encoding, contacts, skipped };
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
  const parsed = parseContactsFile(buf);
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

/**
 * Imports a file into a directory in ONE transaction. Re-importing updates contacts with the same source id or the
 * same name and a shared number/e-mail instead of duplicating them. `dryRun` runs the same writes and rolls back,
 * so the counts are exact and the database is unchanged.
 */
export async function importContacts(
  store: ContactStore,
  directoryId: number,
  buf: Buffer,
  opts: { onProgress?: ProgressCallback; dryRun?: boolean } = {},
): Promise<ImportReport> {
  const parsed = parseContactsFile(buf, opts.onProgress);
  const inputs = parsed.contacts.map((c) => c.contact);
  const write = (tx: Parameters<Parameters<typeof store.db.transaction>[0]>[0]) =>
    store.upsertMany(tx, directoryId, inputs, {
      dedupe: true,
      onProgress: (done, total) => opts.onProgress?.({ phase: 'write', done, total }),
    });
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
    counts = await store.db.transaction(write);
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

/**
 * A directory as UTF-8 CSV with BOM (so Excel reads accents), Outlook's English column names first.
 * Cells that a spreadsheet would run as formulas get a leading `'`; our importer removes exactly that quote,
 * so "+33 1 23 45 67 89" survives the round trip.
 */
export async function exportContactsCsv(store: ContactStore, directoryId: number): Promise<Buffer> {
  const rows: string[][] = [[...EXPORT_COLUMNS]];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.list(directoryId, { limit: 1000, offset });
    rows.push(...page.map(contactToRow));
    if (page.length < 1000) break;
  }
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(toCsv(rows), 'utf8')]);
}
