/**
 * Provisioning file (`--provision FILE`): lets an administrator deploy consoles, and tests start a configured console
 * without clicking. Schema documented in docs/provisioning.md. Unknown fields are errors (typos must not be silent).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AccountInputSchema, PreferencesPatchSchema } from '../contract/dto';
import { DirectoriesConfigSchema } from './directory/directory-config';
import { FavoritesSchema } from '../contract/presence';
import { PbxConfigSchema, QueuePaneSelectionSchema } from '../contract/queues';
import { ServicesProvisioningSchema } from '../contract/services';
import { companyCa, TlsCaError } from './tls-ca';

/** Updates come over https; plain http only from this machine (a test server). No credentials in the URL. */
export function updateUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    const local = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
    return (u.protocol === 'https:' || (u.protocol === 'http:' && local)) && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** The PBX management connection for queues: defined in the contract (Settings › PBX edits it with the same rules). */
export { PbxConfigSchema };
export type PbxConfig = z.output<typeof PbxConfigSchema>;

export const ProvisioningSchema = z.strictObject({
  /** Optional schema version for future migrations of the format. */
  version: z.literal(1).optional(),
  accounts: z.array(AccountInputSchema).max(8).default([]),
  preferences: PreferencesPatchSchema.default({}),
  /** Contacts: default country, company LDAP directory, queues (electron/services/directory/directory-config.ts). */
  directories: DirectoriesConfigSchema.optional(),
  /** Monitored extensions with busy-lamp field: `[{extension, name?}]` (electron/services/presence-service.ts). */
  favorites: FavoritesSchema.optional(),
  /** PBX management connection (queues over Asterisk AMI): electron/services/queue-service.ts. */
  pbx: PbxConfigSchema.optional(),
  /** The Queued calls pane's choices: which queues (≤ 5) and how many calls per queue (saved from the pane). */
  queuePane: QueuePaneSelectionSchema.optional(),
  /** Call-routing services: the receptionist's defaults, presented numbers, feature codes, locks (docs/provisioning.md). */
  services: ServicesProvisioningSchema.optional(),
  /** Auto-update (Electron): electron-updater's generic provider at `url` (latest.yml + installers); absent ⇒ off. */
  update: z
    .strictObject({
      url: z.string().max(2048).refine(updateUrlAllowed, 'must be an https URL without user or password (http only for localhost)'),
    })
    .optional(),
});
export type Provisioning = z.output<typeof ProvisioningSchema>;

export class ProvisioningError extends Error {
  constructor(
    message: string,
    /** Dotted path of the offending field, e.g. `accounts[0].transport`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Validate already-parsed JSON. Messages name the bad field and never echo a value (it might be a password). */
export function parseProvisioning(json: unknown): Provisioning {
  const r = ProvisioningSchema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const base = fieldPath(issue.path);
    const keys = issue.keys.map((k) => (base ? `${base}.${k}` : k));
    throw new ProvisioningError(`Provisioning file: unknown field ${keys.join(', ')}`, keys[0]);
  }
  const field = fieldPath(issue.path) || '(root)';
  let why: string;
  switch (issue.code) {
    case 'invalid_type':
      why = issue.input === undefined ? 'is required' : `must be ${issue.expected}`;
      break;
    case 'invalid_value':
      why = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      why = issue.message.replace(/:.*$/s, '');
  }
  throw new ProvisioningError(`Provisioning file: field ${field} ${why}`, field);
}

export function loadProvisioningFile(path: string): Provisioning {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ProvisioningError(
      code === 'ENOENT' ? `Provisioning file not found: ${path}` : `Provisioning file cannot be read: ${path} (${code})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ProvisioningError(`Provisioning file is not valid JSON: ${(e as Error).message}`);
  }
  return checkProvisioningFiles(parseProvisioning(json));
}

/**
 * Files a provisioning file points to (an account's tlsCaFile) must be there and usable now, at load, rather than
 * fail later on: the error names the field and the path, never the file's contents.
 */
export function checkProvisioningFiles(p: Provisioning): Provisioning {
  p.accounts.forEach((account, i) => {
    try {
      companyCa(account);
    } catch (e) {
      if (!(e instanceof TlsCaError)) throw e;
      const field = `accounts[${i}].${e.field}`;
      throw new ProvisioningError(`Provisioning file: field ${field}: ${e.why}`, field);
    }
  });
  return p;
}
