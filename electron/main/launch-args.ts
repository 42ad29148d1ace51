/** Command-line decisions for the Electron shell (pure, tested without Electron). */
export interface LaunchArgs {
  /** `--provision FILE`: administrator's provisioning file. */
  provision?: string;
  /** `--hidden`: started at login — stay in the tray. */
  hidden: boolean;
  /** A tel:/sip:/callto: URL handed over by the OS. */
  dialUrl?: string;
}

export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const out: LaunchArgs = { hidden: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--provision' && argv[i + 1] !== undefined) out.provision = argv[++i];
    else if (a.startsWith('--provision=')) out.provision = a.slice('--provision='.length);
    else if (a === '--hidden') out.hidden = true;
    else if (/^(tel|sip|sips|callto):/i.test(a) && a.length <= 512) out.dialUrl = a;
  }
  return out;
}
