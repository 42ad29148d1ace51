/** Why a file can't be imported at all. Row-level problems are not errors: they become `skipped` entries. */
export type ImportErrorCode =
  | 'empty'
  | 'too-large'
  | 'binary'
  | 'truncated'
  | 'line-too-long'
  | 'wrong-delimiter'
  | 'unknown-format'
  | 'formula'
  | 'unreadable';

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
} as const;
