/**
 * Settings › Account (issue 13 item 1): an edit merged into the stored account, and when the stored password may be
 * kept. Pure: unit-tested in tests/unit/account-edit.test.ts.
 */
import type { AccountUpdate } from '../contract/account';
import type { AccountInput } from '../contract/dto';

/** The hosts an account sends its credentials to (registrar, backups, outbound proxy), lower case, no brackets. */
export function accountHosts(a: Pick<AccountInput, 'server' | 'servers' | 'outboundProxy'>): string[] {
  const proxy = a.outboundProxy?.replace(/:\d+$/, '');
  return [a.server, ...(a.servers ?? []).map((s) => s.host), ...(proxy ? [proxy] : [])].map((h) => h.toLowerCase().replace(/^\[|\]$/g, ''));
}

/** Who authenticates: the authentication user, else the user. */
const authIdentity = (a: Pick<AccountInput, 'user' | 'authUser'>): string => a.authUser ?? a.user;

/**
 * An empty password field keeps the stored password only when it would go to the same place: the same
 * authentication identity, and no server it did not go to before (a changed port or transport is fine). Otherwise
 * someone at the console could point the account at a server of theirs and have the stored password answer its
 * digest challenge.
 */
export function keepsStoredPassword(stored: AccountInput | undefined, next: Pick<AccountInput, 'server' | 'servers' | 'outboundProxy' | 'user' | 'authUser'>): boolean {
  if (!stored || (stored.password ?? '') === '') return false;
  if (authIdentity(stored) !== authIdentity(next)) return false;
  const known = new Set(accountHosts(stored));
  return accountHosts(next).every((h) => known.has(h));
}

export type AccountMerge = { readonly ok: true; readonly input: AccountInput } | { readonly ok: false; readonly reason: 'password-needed' };

/**
 * The stored account with Settings' changes: server(s), transport, user, authentication user, password, display
 * name. Everything else (domain, outbound proxy, media, company CA, timers…) is kept. The result is validated by the
 * caller with AccountInputSchema.
 */
export function mergeAccountUpdate(stored: AccountInput, update: AccountUpdate): AccountMerge {
  const { server: _s, port: _p, transport: _t, servers: storedServers, user: _u, authUser: _a, password: storedPassword, displayName: _d, ...kept } = stored;
  const primary = { host: update.server, ...(update.port !== undefined && { port: update.port }) };
  // A list only when there are backups, or when the account already had one (a lone entry without port means SRV).
  const servers = update.backups.length > 0 || storedServers !== undefined ? [primary, ...update.backups] : undefined;
  const next: AccountInput = {
    ...kept,
    server: update.server,
    ...(update.port !== undefined && { port: update.port }),
    transport: update.transport,
    ...(servers && { servers }),
    user: update.user,
    ...(update.authUser !== '' && { authUser: update.authUser }),
    ...(update.displayName !== '' && { displayName: update.displayName }),
    password: '',
  };
  if (update.password !== undefined && update.password !== '') return { ok: true, input: { ...next, password: update.password } };
  if ((storedPassword ?? '') === '') return { ok: true, input: next };
  if (!keepsStoredPassword(stored, next)) return { ok: false, reason: 'password-needed' };
  return { ok: true, input: { ...next, password: storedPassword } };
}
