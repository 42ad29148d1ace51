/**
 * The messages between the console and the storage worker (directory-worker.ts), which owns the contacts database.
 * One operation of the directory service is one `call` and one `result`; an import or a company sync also sends
 * `progress`.
 */
import type { SetAside } from '../../../storage/open-database';
import type { ImportProgress } from '../import';
import type { CompanySyncProgress } from '../directory-service';

/** An export's progress: contacts written of the directory's. */
export interface ExportProgress {
  readonly phase: 'export';
  readonly done: number;
  readonly total: number;
}

export interface WorkerInit {
  readonly dbPath: string;
  readonly recover: boolean;
  readonly defaultCountry: string;
}

/** An error as it crosses the boundary: enough to rebuild the same class (errors.ts in the client). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly row?: number;
  readonly found?: number;
  readonly cached?: number;
  readonly supported?: number;
  /** LdapError: why the company directory could not be read. */
  readonly reason?: string;
  readonly stack?: string;
}

export type ToWorker =
  | {
      readonly type: 'call';
      readonly id: number;
      readonly method: string;
      readonly args: readonly unknown[];
      /** Imports, company syncs and exports: send progress messages. */
      readonly progress?: boolean;
      /**
       * Imports, exports and company syncs: a 4-byte flag the console sets to cancel; read between batches or pages,
       * even while the worker is busy.
       */
      readonly cancel?: SharedArrayBuffer;
    }
  | { readonly type: 'country'; readonly value: string }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'ready'; readonly setAside?: SetAside }
  | { readonly type: 'open-failed'; readonly error: WireError }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: WireError }
  | { readonly type: 'progress'; readonly id: number; readonly progress: ImportProgress | CompanySyncProgress | ExportProgress }
  | { readonly type: 'closed' };
