/**
 * Administrator/support command line, without a window: `npm run cli -- …` here, and the packaged app with the same
 * flags (electron/main calls runCli before creating any window).
 *   --hid-layout HEX          print a headset's TelephonyLayout (JSON) from its HID report descriptor
 */
import { hidLayoutCommand } from './hid-layout';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export const CLI_FLAGS = ['--hid-layout'] as const;

export function wantsCli(argv: readonly string[]): boolean {
  return argv.some((a) => (CLI_FLAGS as readonly string[]).includes(a));
}

const USAGE = `Usage:
  cli --hid-layout "05 0B 09 05 A1 01 …"   print the headset's telephony layout as JSON
`;

export async function runCli(argv: readonly string[]): Promise<CliResult> {
  const i = argv.indexOf('--hid-layout');
  if (i >= 0) {
    // The descriptor may arrive as one quoted argument or as many (spaces allowed).
    const hex = argv.slice(i + 1).filter((a) => !a.startsWith('--')).join(' ');
    return hidLayoutCommand(hex);
  }
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
