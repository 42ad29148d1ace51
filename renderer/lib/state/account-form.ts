/**
 * Settings › Account (issue 13 item 1): the form's text fields ⇄ the account view ⇄ `account.update` arguments,
 * checked with the contract's own schema (AccountUpdateSchema, which main checks again), problems by field as
 * message keys (`account.error.*`, translated in renderer/i18n). The voicemail number is a preference
 * (`voicemailNumber`), saved with `preferences.update`. Pure: unit-tested in tests/unit/account-form.test.ts.
 */
import { AccountUpdateSchema, type AccountTransport, type AccountUpdateInput, type AccountView } from '../../../electron/contract';

export interface BackupServerForm {
  host: string;
  port: string;
  /** Kept from the stored account (a backup may use its own transport); not edited here. */
  transport?: AccountTransport;
}

/** What the form holds (text as typed). */
export interface AccountForm {
  server: string;
  port: string;
  transport: AccountTransport;
  backups: BackupServerForm[];
  user: string;
  authUser: string;
  /** Write-only: empty keeps the stored password. */
  password: string;
  displayName: string;
  voicemailNumber: string;
}

export const ACCOUNT_FIELDS = ['server', 'port', 'transport', 'backups', 'user', 'authUser', 'password', 'displayName', 'voicemailNumber'] as const;
export type AccountField = (typeof ACCOUNT_FIELDS)[number];
export type AccountFieldErrors = Partial<Record<AccountField, string>>;

/** The form for an account as main shows it (never its password). */
export function accountFormFrom(view: AccountView | undefined, voicemailNumber: string): AccountForm {
  const [primary, ...backups] = view?.servers ?? [];
  return {
    server: primary?.host ?? view?.server ?? '',
    port: primary ? (primary.port !== undefined ? String(primary.port) : '') : view ? String(view.port) : '',
    transport: view?.transport ?? 'udp',
    backups: backups.map((b) => ({ host: b.host, port: b.port !== undefined ? String(b.port) : '', ...(b.transport !== undefined && { transport: b.transport }) })),
    user: view?.user ?? '',
    authUser: view?.authUser ?? '',
    password: '',
    displayName: view?.displayName ?? '',
    voicemailNumber,
  };
}

const hostOf = (h: string): string => h.trim().toLowerCase().replace(/^\[|\]$/g, '');

/**
 * Main keeps the stored password only for the same authentication user and no new server (a changed port or
 * transport is fine): electron/services/account-edit.ts. The form asks for the password again otherwise.
 */
export function keepsStoredPassword(form: AccountForm, stored: AccountView | undefined): boolean {
  if (!stored?.hasPassword) return false;
  const identity = (authUser: string | undefined, user: string): string => (authUser !== undefined && authUser.trim() !== '' ? authUser.trim() : user.trim());
  if (identity(form.authUser, form.user) !== identity(stored.authUser, stored.user)) return false;
  const known = new Set([stored.server, ...(stored.servers ?? []).map((s) => s.host)].map(hostOf));
  const hosts = [form.server, ...form.backups.map((b) => b.host).filter((h) => h.trim() !== '')];
  return hosts.every((h) => known.has(hostOf(h)));
}

/** Has anything of the account itself (not the voicemail number) changed since the form was filled? */
export function accountChanged(initial: AccountForm, form: AccountForm): boolean {
  const { voicemailNumber: _a, password: _b, ...before } = initial;
  const { voicemailNumber: _c, password, ...after } = form;
  return password !== '' || JSON.stringify(trimmed(before)) !== JSON.stringify(trimmed(after));
}

function trimmed<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.trim() : v))) as T;
}

const portFrom = (text: string): number | undefined => {
  const t = text.trim();
  return t === '' ? undefined : /^\d{1,5}$/.test(t) ? Number(t) : Number.NaN;
};

/** Which field a schema issue path is about. */
export function accountFieldOf(path: readonly PropertyKey[]): AccountField | undefined {
  const name = String(path[0] ?? '');
  return (ACCOUNT_FIELDS as readonly string[]).includes(name) ? (name as AccountField) : undefined;
}

export type AccountFormResult =
  | { readonly ok: true; readonly update: AccountUpdateInput; readonly voicemailNumber: string }
  | { readonly ok: false; readonly errors: AccountFieldErrors };

/** The form as `account.update` arguments (+ the voicemail number), or the problems by field. */
export function accountUpdateFrom(form: AccountForm, stored: AccountView | undefined): AccountFormResult {
  const port = portFrom(form.port);
  const backups = form.backups
    .filter((b) => b.host.trim() !== '' || b.port.trim() !== '')
    .map((b) => {
      const p = portFrom(b.port);
      return { host: b.host.trim(), ...(p !== undefined && { port: p }), ...(b.transport !== undefined && { transport: b.transport }) };
    });
  const update: AccountUpdateInput = {
    server: form.server.trim(),
    ...(port !== undefined && { port }),
    transport: form.transport,
    backups,
    user: form.user.trim(),
    authUser: form.authUser.trim(),
    ...(form.password !== '' && { password: form.password }),
    displayName: form.displayName.trim(),
  };
  const errors: AccountFieldErrors = {};
  const parsed = AccountUpdateSchema.safeParse(update);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = accountFieldOf(issue.path) ?? 'server';
      if (!errors[field]) errors[field] = `account.error.${field}`;
    }
  }
  const voicemailNumber = form.voicemailNumber.trim();
  if (!/^[0-9*#]{1,16}$/.test(voicemailNumber)) errors.voicemailNumber = 'account.error.voicemailNumber';
  if (form.password === '' && stored?.hasPassword && !keepsStoredPassword(form, stored)) errors.password = 'account.error.passwordAgain';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, update, voicemailNumber };
}

/** After Switch account: the setup screen starts with the previous server and transport (never the user or password). */
export interface SetupPrefill {
  readonly server: string;
  readonly port?: number;
  readonly transport: AccountTransport;
  readonly media: AccountView['media'];
}

export function setupPrefillFrom(view: AccountView): SetupPrefill {
  const primary = view.servers?.[0];
  const port = primary ? primary.port : view.port;
  return { server: primary?.host ?? view.server, ...(port !== undefined && { port }), transport: view.transport, media: view.media };
}
