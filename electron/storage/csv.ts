/**
 * CSV writing with spreadsheet-injection neutralisation, shared by contacts and history export.
 * A cell starting with = + - @ (or a quote followed by one of them) gets a leading `'` so Excel/LibreOffice show
 * it as text (OWASP "CSV Injection"). The importer strips exactly one such quote, which makes the round trip
 * lossless: "+33 1 23" → "'+33 1 23" → "+33 1 23", and a real "'=x" → "''=x" → "'=x".
 */

/** A long export's progress (rows written of the total, after each page) and its cancel (checked between pages). */
export interface CsvExportOptions {
  readonly onProgress?: (done: number, total: number) => void;
  /** The export stops with the signal's AbortError before its next page: no file. */
  readonly signal?: AbortSignal;
}

const NEEDS_NEUTRALISING = /^'*[=+\-@\t\r]/;

export function neutralise(cell: string): string {
  return NEEDS_NEUTRALISING.test(cell) ? `'${cell}` : cell;
}

/** The importer's inverse of `neutralise`. */
export function unneutralise(cell: string): string {
  return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

function quote(cell: string): string {
  return /[",\r\n;]/.test(cell) || cell !== cell.trim() ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** One RFC 4180 line without its CRLF, every cell neutralised. */
export function csvLine(row: readonly string[]): string {
  return row.map((c) => quote(neutralise(c))).join(',');
}

/** RFC 4180 lines (CRLF), every cell neutralised. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map(csvLine).join('\r\n') + '\r\n';
}
