/**
 * Settings › PBX (issue 11): the form's text fields → `pbx.configure` arguments, validated with the contract's own
 * schema (PbxSettingsInputSchema, the one main checks again), each problem mapped to its field in plain words
 * (`pbx.error.*` keys, translated in renderer/i18n). Pure: unit-tested in tests/unit/renderer-pbx-form.test.ts.
 */
import { PbxSettingsInputSchema, type PbxSettingsInput, type PbxSettingsView } from '../../../electron/contract';

export const PBX_FIELDS = ['host', 'port', 'user', 'secret', 'context', 'agentInterface', 'pauseReasons', 'queues', 'takeMethod', 'voicemailContext', 'voicemailMailbox'] as const;
export type PbxField = (typeof PBX_FIELDS)[number];
export type PbxFieldErrors = Partial<Record<PbxField, string>>;

/** What the form holds (all text, as typed). */
export interface PbxForm {
  host: string;
  port: string;
  user: string;
  /** Write-only: empty = keep the stored secret. */
  secret: string;
  tls: boolean;
  context: string;
  agentInterface: string;
  /** One per line. */
  pauseReasons: string;
  /** Comma or line separated; empty = every queue the AMI user sees. */
  queues: string;
  takeMethod: 'redirect' | 'withdraw';
  /** Empty = `default`. */
  voicemailContext: string;
  /** Empty = the receptionist's extension (the agent interface's, else the account's user). */
  voicemailMailbox: string;
}

export const DEFAULT_AMI_PORT = 5038;

export function pbxFormFrom(view: PbxSettingsView | undefined): PbxForm {
  return {
    host: view?.host ?? '',
    port: view?.port !== undefined ? String(view.port) : '',
    user: view?.user ?? '',
    secret: '',
    tls: view?.tls ?? false,
    context: view?.context ?? '',
    agentInterface: view?.agentInterface ?? '',
    pauseReasons: (view?.pauseReasons ?? []).join('\n'),
    queues: (view?.queues ?? []).join('\n'),
    takeMethod: view?.takeMethod ?? 'redirect',
    voicemailContext: view?.voicemailContext ?? '',
    voicemailMailbox: view?.voicemailMailbox ?? '',
  };
}

/** Main keeps a stored secret only for the same server (host, port, TLS): the form asks for it again otherwise. */
export function keepsStoredSecret(form: PbxForm, stored: PbxSettingsView | undefined): boolean {
  if (!stored?.hasSecret) return false;
  const port = form.port.trim() === '' ? undefined : Number(form.port.trim());
  return stored.host.toLowerCase() === form.host.trim().toLowerCase() && stored.port === port && stored.tls === form.tls;
}

const lines = (text: string, separators: RegExp): string[] =>
  text
    .split(separators)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Which field a schema issue path (or a main error message starting with it, e.g. `ami.secret: …`) is about. */
export function pbxFieldOf(path: readonly PropertyKey[] | string): PbxField | undefined {
  const parts = typeof path === 'string' ? path.split(':')[0]!.trim().split('.') : path.map(String);
  const name = parts[0] === 'ami' ? parts[1] : parts[0];
  if (name === 'tls' || name === 'type') return undefined;
  return (PBX_FIELDS as readonly string[]).includes(name ?? '') ? (name as PbxField) : undefined;
}

/** The form as `pbx.configure` arguments, or the problems by field (message keys `pbx.error.<field>`). */
export function pbxInputFrom(form: PbxForm, stored: PbxSettingsView | undefined): { ok: true; input: PbxSettingsInput } | { ok: false; errors: PbxFieldErrors } {
  const portText = form.port.trim();
  const agentInterface = form.agentInterface.trim();
  const queues = lines(form.queues, /[,\n]/);
  const voicemailContext = form.voicemailContext.trim();
  const voicemailMailbox = form.voicemailMailbox.trim();
  const input = {
    type: 'asterisk' as const,
    ami: {
      host: form.host.trim(),
      ...(portText !== '' && { port: /^\d+$/.test(portText) ? Number(portText) : Number.NaN }),
      user: form.user.trim(),
      ...(form.secret !== '' && { secret: form.secret }),
      tls: form.tls,
    },
    context: form.context.trim(),
    ...(agentInterface !== '' && { agentInterface }),
    pauseReasons: lines(form.pauseReasons, /\n/),
    ...(queues.length > 0 && { queues }),
    takeMethod: form.takeMethod,
    ...(voicemailContext !== '' && { voicemailContext }),
    ...(voicemailMailbox !== '' && { voicemailMailbox }),
  };
  const errors: PbxFieldErrors = {};
  const parsed = PbxSettingsInputSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = pbxFieldOf(issue.path);
      if (field && !errors[field]) errors[field] = `pbx.error.${field}`;
    }
    if (Object.keys(errors).length === 0) errors.host = 'pbx.error.host';
  }
  if (form.secret === '' && !keepsStoredSecret(form, stored)) errors.secret = stored?.hasSecret ? 'pbx.error.secretAgain' : 'pbx.error.secret';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}
