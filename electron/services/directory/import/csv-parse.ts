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
 * Scans with indexOf/sticky regexes rather than char by char: a 50,000-row export parses in a fraction of the
 * time. Quotes only open a quoted cell at its start (RFC 4180 §2.5); stray text after a closing quote is kept.
 */
export function parseCsv(text: string, delimiter: Delimiter): CsvRecord[] {
  checkLineLengths(text);
  const records: CsvRecord[] = [];
  const n = text.length;
  const delimCode = delimiter.charCodeAt(0);
  const stop = new RegExp(`[${delimiter === '\t' ? '\\t' : delimiter}\\r\\n]`, 'g');
  const untilStop = (from: number): number => {
    stop.lastIndex = from;
    const m = stop.exec(text);
    return m ? m.index : n;
  };
  let i = 0;
  let recordNo = 1;
  while (i < n) {
    const row = recordNo;
    const cells: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === 34) {
        const parts: string[] = [];
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            throw new ImportError('truncated', `The file ends inside a quoted value that starts on row ${row}; it looks truncated.`, row);
          }
          parts.push(text.slice(j, q));
          if (text.charCodeAt(q + 1) === 34) {
            parts.push('"');
            j = q + 2;
          } else {
            j = q + 1;
            break;
          }
        }
        const end = untilStop(j);
        value = parts.join('') + text.slice(j, end);
        i = end;
      } else {
        const end = untilStop(i);
        value = text.slice(i, end);
        i = end;
      }
      if (value.length > LIMITS.maxCellChars) {
        throw new ImportError('line-too-long', `Row ${row} has a cell longer than ${LIMITS.maxCellChars} characters; the file is probably damaged.`, row);
      }
      cells.push(value);
      if (i >= n) break;
      if (text.charCodeAt(i) === delimCode) {
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
    recordNo++;
    if (cells.length === 1 && cells[0] === '') continue;
    // The header plus maxRecords rows; stop before millions of tiny rows fill the memory.
    if (records.length > LIMITS.maxRecords) throw tooManyRecords('rows', row);
    records.push({ row, cells });
  }
  return records;
}
