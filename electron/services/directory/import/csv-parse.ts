/** RFC 4180 CSV reader with delimiter detection and limits against hostile input. */
import { ImportError, LIMITS, tooManyRecords } from './errors';

export type Delimiter = ',' | ';' | '\t';

export interface CsvRecord {
  /** Spreadsheet row of the record's first line (header = 1). */
  readonly row: number;
  readonly cells: string[];
}

/** Picks the delimiter the header line uses most (outside quotes). French Excel writes `;`. */
export function detectDelimiter(text: string): Delimiter | undefined {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  const best = (Object.keys(counts) as Delimiter[]).sort((a, b) => counts[b] - counts[a])[0]!;
  return counts[best] > 0 ? best : undefined;
}

/** Refuses any physical line over the limit before parsing (a 10 MB single line is not a contacts export). */
function checkLineLengths(text: string): void {
  const nl = /[\r\n]/g;
  let last = 0;
  let line = 1;
  for (let m = nl.exec(text); ; m = nl.exec(text)) {
    const end = m ? m.index : text.length;
    if (end - last > LIMITS.maxLineChars) {
      throw new ImportError('line-too-long', `Line ${line} is longer than ${LIMITS.maxLineChars / 1024 / 1024} MB; this is not a contacts export.`, line);
    }
    if (!m) return;
    last = end + 1;
    line++;
  }
}

/**
 * Reads records one at a time (the importer maps each row as it comes and lets go of its cells, so a 50,000-row file
 * never holds 50,000 cell arrays at once, and it can pause between batches). Scans with indexOf/sticky regexes rather
 * than char by char. Quotes only open a quoted cell at its start (RFC 4180 §2.5); stray text after a closing quote is
 * kept.
 */
export class CsvReader {
  #i = 0;
  #recordNo = 1;
  #count = 0;
  readonly #text: string;
  readonly #n: number;
  readonly #delimCode: number;
  readonly #stop: RegExp;
  // Local copies: reading LIMITS through the module binding on every cell shows up in profiles.
  readonly #maxCell = LIMITS.maxCellChars;
  readonly #maxRecords = LIMITS.maxRecords;

  constructor(text: string, delimiter: Delimiter) {
    checkLineLengths(text);
    this.#text = text;
    this.#n = text.length;
    this.#delimCode = delimiter.charCodeAt(0);
    this.#stop = new RegExp(`[${delimiter === '\t' ? '\\t' : delimiter}\\r\\n]`, 'g');
  }

  /** Characters consumed so far (progress of the parse phase). */
  get position(): number {
    return this.#i;
  }
  get length(): number {
    return this.#n;
  }

  #untilStop(from: number): number {
    this.#stop.lastIndex = from;
    const m = this.#stop.exec(this.#text);
    return m ? m.index : this.#n;
  }

  /** The next non-blank record, or undefined at the end of the text. */
  next(): CsvRecord | undefined {
    const text = this.#text;
    const n = this.#n;
    let i = this.#i;
    while (i < n) {
      const row = this.#recordNo;
      const cells: string[] = [];
      for (;;) {
        let value: string;
        if (text.charCodeAt(i) === 34) {
          let j = i + 1;
          let q = text.indexOf('"', j);
          if (q < 0) throw truncated(row);
          if (text.charCodeAt(q + 1) !== 34) {
            // The common case: no doubled quote inside, one slice.
            value = text.slice(j, q);
            j = q + 1;
          } else {
            const parts: string[] = [];
            for (;;) {
              parts.push(text.slice(j, q));
              if (text.charCodeAt(q + 1) === 34) {
                parts.push('"');
                j = q + 2;
              } else {
                j = q + 1;
                break;
              }
              q = text.indexOf('"', j);
              if (q < 0) throw truncated(row);
            }
            value = parts.join('');
          }
          const c = text.charCodeAt(j);
          if (j >= n || c === this.#delimCode || c === 10 || c === 13) {
            i = j;
          } else {
            const end = this.#untilStop(j);
            value += text.slice(j, end);
            i = end;
          }
        } else {
          const end = this.#untilStop(i);
          value = text.slice(i, end);
          i = end;
        }
        if (value.length > this.#maxCell) {
          throw new ImportError('line-too-long', `Row ${row} has a cell longer than ${this.#maxCell} characters; the file is probably damaged.`, row);
        }
        cells.push(value);
        if (i >= n) break;
        if (text.charCodeAt(i) === this.#delimCode) {
          i++;
          if (i >= n) {
            cells.push('');
            break;
          }
          continue;
        }
        i += text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1; // CRLF, LF or CR
        break;
      }
      this.#recordNo++;
      if (cells.length === 1 && cells[0] === '') continue;
      // The header plus maxRecords rows; stop before millions of tiny rows fill the memory.
      if (this.#count > this.#maxRecords) throw tooManyRecords('rows', row);
      this.#count++;
      this.#i = i;
      return { row, cells };
    }
    this.#i = i;
    return undefined;
  }
}

function truncated(row: number): ImportError {
  return new ImportError('truncated', `The file ends inside a quoted value that starts on row ${row}; it looks truncated.`, row);
}

/** All records at once (small files, tests). */
export function parseCsv(text: string, delimiter: Delimiter): CsvRecord[] {
  const reader = new CsvReader(text, delimiter);
  const records: CsvRecord[] = [];
  for (let r = reader.next(); r; r = reader.next()) records.push(r);
  return records;
}
