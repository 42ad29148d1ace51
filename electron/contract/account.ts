/**
 * The account after setup (issue 13 item 1): Settings › Account edits the SIP account, Log out forgets it. Spread
 * into `commands` by contract.ts; main answers both itself (console-service.ts), the merge and the password rule are
 * pure (electron/services/account-edit.ts). Pure TS + zod.
 */
import { z } from 'zod';
import type { AccountView } from './dto';

function def<R>() {
  return <A extends z.ZodType>(args: A): { readonly args: A; readonly result?: R } => ({ args });
}

const host = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.\-:[\]]+$/, 'must be a host name or IP address');
const port = z.number().int().min(1).max(65535);
export const ACCOUNT_TRANSPORTS = ['udp', 'tcp', 'tls', 'ws', 'wss'] as const;
export type AccountTransport = (typeof ACCOUNT_TRANSPORTS)[number];

/** Backup servers after the primary one (the account's `servers` holds at most 8 in all). */
export const MAX_BACKUP_SERVERS = 7;

/**
 * What Settings › Account may change. Everything else the account has (domain, outbound proxy, media mode, company
 * CA, timers…) is kept as it is. The password is write-only: absent or empty keeps the stored one (only for the
 * same servers and authentication user: electron/services/account-edit.ts).
 */
export const AccountUpdateSchema = z.strictObject({
  server: host,
  /** Absent: the transport's default port (or DNS SRV when the account lists its servers). */
  port: port.optional(),
  transport: z.enum(ACCOUNT_TRANSPORTS),
  /** In order of preference after `server`; empty: `server` alone. */
  backups: z
    .array(z.strictObject({ host, port: port.optional(), transport: z.enum(ACCOUNT_TRANSPORTS).optional() }))
    .max(MAX_BACKUP_SERVERS)
    .default([]),
  user: z.string().trim().min(1).max(128).regex(/^[^\s@<>"]+$/, 'must not contain spaces, @, < > or quotes'),
  /** Empty: the user name authenticates. */
  authUser: z.string().trim().max(128).default(''),
  password: z.string().max(256).optional(),
  /** Empty: none. */
  displayName: z.string().trim().max(128).default(''),
});
export type AccountUpdate = z.output<typeof AccountUpdateSchema>;
export type AccountUpdateInput = z.input<typeof AccountUpdateSchema>;

export const accountCommands = {
  /** Change the primary account from Settings; it registers again. Refused while calls are up. */
  'account.update': def<AccountView>()(AccountUpdateSchema),
  /**
   * Log out: un-REGISTER and forget the account (contacts, history, favorites and preferences stay); the console
   * shows the setup screen. Refused while calls are up.
   */
  'account.logout': def<void>()(z.strictObject({})),
} as const;
export type AccountCommandName = keyof typeof accountCommands;
