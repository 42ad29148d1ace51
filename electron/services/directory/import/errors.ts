/** Why a file can't be imported at all. Row-level problems are not errors: they become `skipped` entries. */
export type ImportErrorCode =
  | 'empty'
  | 'too-large'
  | 'binary'
  | 'truncated'
  | 'line-too-long'
  | 'too-many-rows'
  | 'wrong-delimiter'
  | 'unknown-format'
  | 'formula'
  | 'unreadable'
  /** The user cancelled; the transaction was rolled back. */
  | 'cancelled';

export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    /** 1-based spreadsheet row (header = 1) or vCard number, when the problem has a place. */
    readonly row?: number,
  ) {
    super(message);
  }
}

/** Hard limits that keep a hostile file from exhausting memory or freezing the main process. */
export const LIMITS = {
  maxFileBytes: 64 * 1024 * 1024,
  maxLineChars: 1024 * 1024,
  maxCellChars: 64 * 1024,
  /** Rows (CSV) or cards (vCard): 4× the largest export we benchmark; millions of tiny rows would take gigabytes. */
  maxRecords: 200_000,
} as const;

/** The refusal for a file with more than `LIMITS.maxRecords` rows or cards. */
export function tooManyRecords(what: 'rows' | 'contacts', row?: number): ImportError {
  const limit = String(LIMITS.maxRecords).replace(/\B(?=(\d{3})+$)/g, ',');
  return new ImportError('too-many-rows', `The file has more than ${limit} ${what}; split it into smaller files and import them one by one.`, row);
}

/** The refusal for a file over `LIMITS.maxFileBytes`. */
export function fileTooLarge(): ImportError {
  return new ImportError('too-large', `The file is larger than ${LIMITS.maxFileBytes / 1024 / 1024} MB; split it before importing.`);
}
