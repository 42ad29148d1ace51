/** Command-line decisions for the Electron shell (pure, tested without Electron). */
export interface LaunchArgs {
  /** `--provision FILE`: administrator's provisioning file. */
  provision?: string;
  /** `--hidden`: started at login — stay in the tray. */
  hidden: boolean;
  /** A tel:/sip:/callto: URL handed over by the OS. */
  dialUrl?: string;
}

const DIAL_URL = /^(tel|sip|sips|callto):/i;
const MAX_ARGS = 64;
const MAX_ARG_LENGTH = 4096;

/**
 * The arguments meant for the console in `process.argv`, whatever started it:
 * - packaged (`process.defaultApp` false): `[exe, …args]`;
 * - development (`electron [electron switches] main.js|. …args`, `process.defaultApp` true): the first argument that is
 *   not a switch is the app path, everything after it is ours.
 * Arguments the OS or Chromium add are dropped: macOS's `-psn_…` process serial number (Finder launches), and the
 * switches Chromium appends to a second instance's command line on Windows.
 */
export function launchArgv(argv: readonly string[], opts: { defaultApp: boolean }): string[] {
  let rest = argv.slice(1);
  if (opts.defaultApp) {
    const app = rest.findIndex((a) => !a.startsWith('-'));
    rest = app < 0 ? [] : rest.slice(app + 1);
  }
  return rest.filter((a) => !/^-psn_\d/.test(a) && !CHROMIUM_APPENDED.test(a)).slice(0, MAX_ARGS);
}
/** Switches Chromium adds to the command line it hands to the first instance (Windows), never ours. */
const CHROMIUM_APPENDED = /^--(allow-file-access-from-files|original-process-start-time=|enable-features=|disable-features=)/i;

/**
 * `--provision FILE` / `--provision=FILE`, `--hidden`, and one tel:/sip:/sips:/callto: URL (how Windows hands a link
 * over). Option names are matched case-insensitively (Chromium lowercases switches on Windows). Once a link has been
 * seen — or after `--` — no further option is honoured: a crafted link must not be able to smuggle `--provision` in.
 */
export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const out: LaunchArgs = { hidden: false };
  let optionsDone = false;
  for (let i = 0; i < argv.length && i < MAX_ARGS; i++) {
    const a = argv[i]!;
    if (a.length > MAX_ARG_LENGTH) continue;
    const lower = a.toLowerCase();
    if (!optionsDone && a === '--') optionsDone = true;
    else if (!optionsDone && lower === '--provision') {
      const value = argv[i + 1];
      if (value !== undefined && !value.startsWith('--') && !DIAL_URL.test(value)) {
        out.provision = value;
        i++;
      }
    } else if (!optionsDone && lower.startsWith('--provision=')) {
      const value = a.slice('--provision='.length);
      if (value) out.provision = value;
    } else if (!optionsDone && lower === '--hidden') out.hidden = true;
    else if (DIAL_URL.test(a) && a.length <= 512) {
      out.dialUrl ??= a;
      optionsDone = true;
    }
  }
  return out;
}

/**
 * What a second instance hands over to the running one (`app.requestSingleInstanceLock(additionalData)`): its own
 * arguments, exactly. Electron's `argv` in `second-instance` is Chromium's view of the command line — reordered, with
 * switches added (and lowercased on Windows) — so the first instance prefers this and falls back to that.
 */
export type HandOver = { readonly argv: readonly string[] };

export function handOverData(args: readonly string[]): HandOver {
  return { argv: args.slice(0, MAX_ARGS).map((a) => a.slice(0, MAX_ARG_LENGTH)) };
}

/** The second instance's arguments: the hand-over data when it is well-formed, else Chromium's argv minus the exe. */
export function secondInstanceArgv(argv: readonly string[], additionalData: unknown): string[] {
  const data = additionalData as { argv?: unknown } | null | undefined;
  if (data && Array.isArray(data.argv) && data.argv.length <= MAX_ARGS && data.argv.every((a) => typeof a === 'string')) {
    return [...(data.argv as string[])];
  }
  return launchArgv(argv, { defaultApp: false });
}

/** This process's own launch: its arguments (what a second instance hands over) and what they ask for. */
export function launchFromProcess(proc: { readonly argv: readonly string[]; readonly defaultApp?: boolean }): { args: string[]; launch: LaunchArgs } {
  const args = launchArgv(proc.argv, { defaultApp: proc.defaultApp === true });
  return { args, launch: parseLaunchArgs(args) };
}
