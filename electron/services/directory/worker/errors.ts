/** Errors across the storage worker's boundary: the class, code and fields the console's callers test survive. */
import { SqliteError, StorageError } from '../../../storage/db';
import { SchemaTooNewError } from '../../../storage/migrate';
import { CompanyShrinkError } from '../directory-service';
import { ImportError, type ImportErrorCode } from '../import';
import { LdapError, type LdapFailureReason } from '../ldap-failure';
import type { WireError } from './protocol';

export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const e = err as Error & { code?: unknown; row?: unknown; found?: unknown; cached?: unknown; supported?: unknown; cause?: unknown; reason?: unknown };
  // A StorageError wrapping an SQLite error keeps the SQLite code reachable (isDiskFull, isCorruption look at causes).
  const causeCode = (e.cause as { code?: unknown } | undefined)?.code;
  return {
    name: e instanceof LdapError ? 'LdapError' : e instanceof ImportError ? 'ImportError' : e instanceof CompanyShrinkError ? 'CompanyShrinkError' : e instanceof SchemaTooNewError ? 'SchemaTooNewError' : e instanceof StorageError ? 'StorageError' : e instanceof SqliteError ? 'SqliteError' : e.name,
    message: e.message,
    ...(typeof e.code === 'string' && { code: e.code }),
    ...(typeof e.row === 'number' && { row: e.row }),
    ...(typeof e.found === 'number' && { found: e.found }),
    ...(typeof e.cached === 'number' && { cached: e.cached }),
    ...(typeof e.supported === 'number' && { supported: e.supported }),
    ...(typeof causeCode === 'string' && e instanceof StorageError && { cause: causeCode }),
    ...(e instanceof LdapError && { reason: e.reason }),
    ...(e.stack !== undefined && { stack: e.stack }),
  } as WireError;
}

export function fromWire(w: WireError): Error {
  let err: Error;
  const cause = (w as WireError & { cause?: string }).cause;
  switch (w.name) {
    case 'LdapError':
      // The company refresh ran in the worker: the receptionist is still told why in her words (`reason`).
      err = new LdapError(w.message, (w.reason ?? 'other') as LdapFailureReason);
      break;
    case 'ImportError':
      err = new ImportError(w.code as ImportErrorCode, w.message, w.row);
      break;
    case 'CompanyShrinkError':
      err = new CompanyShrinkError(w.found ?? 0, w.cached ?? 0);
      break;
    case 'SchemaTooNewError':
      err = new SchemaTooNewError(w.found ?? 0, w.supported ?? 0);
      break;
    case 'StorageError':
      err = new StorageError(w.message, w.code ?? 'storage', cause ? new SqliteError(w.message, cause) : undefined);
      break;
    case 'SqliteError':
      err = new SqliteError(w.message, w.code ?? 'SQLITE_ERROR');
      break;
    default:
      err = Object.assign(new Error(w.message), w.code !== undefined ? { code: w.code } : {});
      if (w.name !== 'Error') Object.defineProperty(err, 'name', { value: w.name });
  }
  // Where it really happened (the worker), for the log.
  if (w.stack) err.stack = `${err.name}: ${err.message}\n    [storage worker] ${w.stack.split('\n').slice(1).join('\n')}`;
  return err;
}
