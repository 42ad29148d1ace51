/**
 * Administrator/support command line, without a window: `npm run cli -- …` here, and the packaged app with the same
 * flags (electron/main calls runCli before creating any window).
 *   --hid-layout HEX          print a headset's TelephonyLayout (JSON) from its HID report descriptor
 *   --import-contacts FILE    import an Outlook CSV / vCard / CSV file into a directory of the contacts database
 *   --export-contacts FILE    export a directory as CSV
 */
import * as path from 'node:path';
import { defaultDataDir } from '../services/data-dir';
import { exportContactsCommand, importContactsCommand } from './contacts';
import { hidLayoutCommand } from './hid-layout';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export const CLI_FLAGS = ['--hid-layout', '--import-contacts', '--export-contacts'] as const;

/** Where the console keeps its database when nobody says otherwise: the data directory every host uses. */
export { defaultDataDir };

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : undefined;
  return v !== undefined && !v.startsWith('--') ? v : undefined;
}

export function wantsCli(argv: readonly string[]): boolean {
  return argv.some((a) => (CLI_FLAGS as readonly string[]).includes(a));
}

const USAGE = `Usage:
  cli --hid-layout "05 0B 09 05 A1 01 …"   print the headset's telephony layout as JSON
  cli --import-contacts FILE [--directory personal|company|NAME] [--dry-run] [--json] [--db FILE]
  cli --export-contacts FILE [--directory personal|company|NAME] [--db FILE]
The database defaults to contacts.sqlite in ${defaultDataDir()} (override with --db or RECEPTIONIST_DATA_DIR).
`;

export async function runCli(argv: readonly string[]): Promise<CliResult> {
  if (argv.includes('--help') || argv.includes('-h')) return { exitCode: 0, stdout: USAGE, stderr: '' };
  const i = argv.indexOf('--hid-layout');
  if (i >= 0) {
    // The descriptor may arrive as one quoted argument or as many (spaces allowed).
    const hex = argv.slice(i + 1).filter((a) => !a.startsWith('--')).join(' ');
    return hidLayoutCommand(hex);
  }
  const dbPath = option(argv, '--db') ?? path.join(defaultDataDir(), 'contacts.sqlite');
  const directory = option(argv, '--directory');
  const importFile = option(argv, '--import-contacts');
  if (importFile) {
    if (!option(argv, '--db')) await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(dbPath), { recursive: true }));
    return importContactsCommand({ file: importFile, dbPath, directory, dryRun: argv.includes('--dry-run'), json: argv.includes('--json') });
  }
  const exportFile = option(argv, '--export-contacts');
  if (exportFile) return exportContactsCommand({ file: exportFile, dbPath, directory });
  return { exitCode: 2, stdout: '', stderr: USAGE };
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (r) => {
      if (r.stdout) process.stdout.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
      if (r.stderr) process.stderr.write(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
      process.exitCode = r.exitCode;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
