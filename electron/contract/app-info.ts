/**
 * About / system information, the bundled user guide and "Delete all data" (issue 13 item 9): the part of the
 * contract the About dialog speaks. Spread into `commands` by contract.ts. Pure TS + zod.
 */
import { z } from 'zod';

/** One component and its version, read from the running module (never typed by hand). */
export interface ComponentVersionView {
  readonly name: string;
  readonly version: string;
}

/** What the About dialog shows and its "Copy" button puts on the clipboard for support. */
export interface AboutView {
  readonly product: string;
  /** The console's own version (package.json / Electron's app.getVersion()). */
  readonly version: string;
  readonly host: 'electron' | 'web';
  /** The primary account, `user@server` with its transport and media mode; absent before set-up. */
  readonly account?: {
    readonly user: string;
    readonly server: string;
    readonly port: number;
    readonly transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
    readonly media: 'auto' | 'webrtc' | 'rtp';
    readonly displayName?: string;
  };
  /** The server the registration is using now (a backup server after a failover), as the registration says. */
  readonly serverInUse?: string;
  readonly registration: 'unregistered' | 'registering' | 'registered' | 'failed' | 'none';
  /** Electron, Chromium, Node (Electron host) or Node (web host), SIP.js, SQLite, better-sqlite3… */
  readonly components: readonly ComponentVersionView[];
  /** Where settings, contacts and history are kept; null when nothing is saved (`--in-memory`). */
  readonly dataDirectory: string | null;
  /** `linux x64` … */
  readonly platform: string;
}

/** The languages the user guide is written in; any other UI language opens the English one. */
export const USER_GUIDE_LANGUAGES = ['en', 'fr', 'nl'] as const;
export type UserGuideLanguage = (typeof USER_GUIDE_LANGUAGES)[number];

/** The guide's path inside the built renderer (dist/renderer/): the web host serves it, Electron opens it. */
export function userGuidePath(language: string): string {
  const lang = (USER_GUIDE_LANGUAGES as readonly string[]).includes(language) ? language : 'en';
  return `help/user-guide.${lang}.html`;
}

interface Def<A extends z.ZodType, R> {
  readonly args: A;
  readonly result?: R;
}
const def =
  <R>() =>
  <A extends z.ZodType>(args: A): Def<A, R> => ({ args });

export const appInfoCommands = {
  /** Version, account, server in use, component versions, data directory. */
  'app.about': def<AboutView>()(z.strictObject({})),
  /**
   * Electron: open the bundled user guide in the system browser (`opened: true`). The web host answers `opened:
   * false` and the page opens `path` itself (served by the host from the renderer bundle).
   */
  'app.openHelp': def<{ opened: boolean; path: string }>()(z.strictObject({ language: z.string().regex(/^[a-z]{2}$/) })),
  /**
   * Delete all data: contacts, call history, settings (with the stored SIP password) and the account; the console is
   * then as on first start (set-up screen). All or nothing: a step that fails puts back what the earlier ones did.
   * `confirm` must be true: the dialog asks twice before sending it.
   */
  'app.eraseAllData': def<void>()(z.strictObject({ confirm: z.literal(true) })),
} as const;

export type AppInfoCommandName = keyof typeof appInfoCommands;
