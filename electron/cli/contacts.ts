/**
 * `npm run cli -- contacts import|export …` (the lead wires argv). Pure functions returning what to print, so
 * tests run them in-process and the real CLI only writes stdout/stderr and sets the exit code.
 */
import * as fs from 'node:fs/promises';
import type { CountryCode } from 'libphonenumber-js';
import { SchemaTooNewError } from '../storage/migrate';
import type { DirectoryKind } from '../storage/types';
import { DIRECTORY_KINDS } from '../storage/types';
import { DirectoryService } from '../services/directory/directory-service';

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Exit codes: 0 ok, 1 file not importable (message says why), 2 bad usage/database problem. */
const EXIT_UNREADABLE = 1;
const EXIT_ENVIRONMENT = 2;

function parseDirectory(name: string | undefined): { kind: DirectoryKind; name: string } {
  if (!name) return { kind: 'personal', name: 'Personal' };
  const kind = (DIRECTORY_KINDS as readonly string[]).includes(name) ? (name as DirectoryKind) : 'custom';
  return { kind, name: kind === 'custom' ? name : name.charAt(0).toUpperCase() + name.slice(1) };
}

async function openService(dbPath: string, country: CountryCode): Promise<DirectoryService | CliResult> {
  try {
    return await DirectoryService.open({ dbPath, defaultCountry: country });
  } catch (err) {
    const message = err instanceof SchemaTooNewError || err instanceof Error ? err.message : String(err);
    return { exitCode: EXIT_ENVIRONMENT, stdout: '', stderr: `${message}\n` };
  }
}

export async function importContactsCommand(opts: {
  file: string;
  directory?: string;
  dryRun?: boolean;
  json?: boolean;
  dbPath: string;
  defaultCountry?: CountryCode;
}): Promise<CliResult> {
  const svc = await openService(opts.dbPath, opts.defaultCountry ?? 'FR');
  if (!(svc instanceof DirectoryService)) return svc;
  try {
    const target = parseDirectory(opts.directory);
    const dir = await svc.ensureDirectory(target.kind, target.name);
    const r = await svc.importFile(opts.file, dir.id, { dryRun: opts.dryRun === true });
    if (!r.ok) {
      const out = opts.json ? `${JSON.stringify({ error: r.error })}\n` : '';
      return { exitCode: EXIT_UNREADABLE, stdout: out, stderr: `Cannot import ${opts.file}: ${r.error.message}\n` };
    }
    const rep = r.value;
    if (opts.json) {
      const body = {
        imported: rep.inserted + rep.updated,
        skipped: rep.skipped.map((s) => ({ row: s.row, reason: s.reason })),
        contacts: rep.contacts.map((c) => ({
          name: c.name ?? '',
          company: c.company ?? '',
          phones: (c.phones ?? []).map((p) => ({ type: p.type, number: p.number })),
          emails: [...(c.emails ?? [])],
        })),
      };
      return { exitCode: 0, stdout: `${JSON.stringify(body)}\n`, stderr: '' };
    }
    const lines = [
      `${opts.dryRun ? 'Dry run (nothing saved): would import' : 'Imported'} ${rep.inserted + rep.updated} contact(s) into "${dir.name}" from ${rep.format} (${rep.encoding}): ${rep.inserted} new, ${rep.updated} updated.`,
      ...(rep.skipped.length ? [`Skipped ${rep.skipped.length} row(s):`, ...rep.skipped.map((s) => `  row ${s.row}: ${s.reason}`)] : []),
    ];
    return { exitCode: 0, stdout: `${lines.join('\n')}\n`, stderr: '' };
  } finally {
    await svc.close();
  }
}

export async function exportContactsCommand(opts: { file: string; dbPath: string; directory?: string }): Promise<CliResult> {
  // Export must not create an empty database because of a typo in the path.
  try {
    await fs.access(opts.dbPath);
  } catch {
    return { exitCode: EXIT_ENVIRONMENT, stdout: '', stderr: `No contacts database at ${opts.dbPath}.\n` };
  }
  const svc = await openService(opts.dbPath, 'FR');
  if (!(svc instanceof DirectoryService)) return svc;
  try {
    const target = parseDirectory(opts.directory);
    const dir = await svc.ensureDirectory(target.kind, target.name);
    const r = await svc.exportFile(opts.file, dir.id);
    if (!r.ok) return { exitCode: EXIT_UNREADABLE, stdout: '', stderr: `Cannot export to ${opts.file}: ${r.error.message}\n` };
    return { exitCode: 0, stdout: `Exported ${r.value.count} contact(s) from "${dir.name}" to ${opts.file}.\n`, stderr: '' };
  } catch (err) {
    return { exitCode: EXIT_UNREADABLE, stdout: '', stderr: `Cannot export to ${opts.file}: ${(err as Error).message}\n` };
  } finally {
    await svc.close();
  }
}
