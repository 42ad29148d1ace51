/**
 * Settings › Services (issue 12): the receptionist's call-routing services as a form (all text, as typed) and back to
 * a `services.update` patch, validated with the contract's own schema (CallServicesPatchSchema, the one main checks
 * again). Only the services that changed and are not locked by the administrator are sent: main refuses a locked one.
 *
 * Also the plain-words helpers the tab, the info pane, the dial field and the message area share: where each service
 * is carried out, the apply state, the numbers that may be presented, and the `call.screened.*` message variants.
 * Pure: unit-tested in tests/unit/renderer-services-form.test.ts. The form → patch check with the contract's schema is in
 * services-patch.ts (issue 14: only the Settings dialog, loaded on demand, needs it).
 */
import {
  VOICEMAIL_TARGET,
  type CallServices,
  type DndScope,
  type ForwardRule,
  type RefusalAction,
  type ScreenPopTrigger,
  type ScreenPopWindow,
  type ServicePlace,
  type ServicesApplyView,
  type ServicesView,
} from '../../../electron/contract/services';

export type ForwardTo = 'number' | 'voicemail';
export interface ForwardForm {
  enabled: boolean;
  to: ForwardTo;
  /** The number as typed (kept when the rule is off or sent to voicemail, so it is there next time). */
  number: string;
}

/** What the form holds. Lists are one number per line; seconds are text as typed. */
export interface ServicesForm {
  dndScope: DndScope;
  dndAction: RefusalAction;
  forwardAlways: ForwardForm;
  forwardBusy: ForwardForm;
  forwardNoAnswer: ForwardForm & { seconds: string };
  warningRing: boolean;
  followMe: { enabled: boolean; number: string; seconds: string };
  priorityCallers: string;
  blacklist: string;
  blacklistAction: RefusalAction;
  anonymous: 'allow' | RefusalAction;
  presentAs: string;
  screenPop: { incomingUrl: string; outgoingUrl: string; trigger: ScreenPopTrigger; window: ScreenPopWindow };
}

export const FORWARD_RULES = ['forwardAlways', 'forwardBusy', 'forwardNoAnswer'] as const;
export type ForwardRuleName = (typeof FORWARD_RULES)[number];

export const SERVICES_FIELDS = [
  'forwardAlways',
  'forwardBusy',
  'forwardNoAnswer',
  'forwardNoAnswerSeconds',
  'followMe',
  'followMeSeconds',
  'priorityCallers',
  'blacklist',
  'presentAs',
  'incomingUrl',
  'outgoingUrl',
] as const;
export type ServicesField = (typeof SERVICES_FIELDS)[number];
/** A problem in words the renderer translates (`key` is an i18n key). */
export interface FieldProblem {
  readonly key: string;
  readonly params?: Readonly<Record<string, string | number>>;
}
export type ServicesFieldErrors = Partial<Record<ServicesField, FieldProblem>>;

/** The screen-pop placeholders, in the order the tab lists them (electron/services/screen-pop.ts expands them). */
export const SCREEN_POP_PLACEHOLDERS = ['caller', 'caller_e164', 'caller_e164plus', 'name', 'called', 'queue', 'callid', 'window'] as const;

function forwardFormOf(rule: ForwardRule): ForwardForm {
  return rule.target === VOICEMAIL_TARGET ? { enabled: rule.enabled, to: 'voicemail', number: '' } : { enabled: rule.enabled, to: 'number', number: rule.target };
}

export function servicesFormFrom(s: CallServices): ServicesForm {
  return {
    dndScope: s.dndScope,
    dndAction: s.dndAction,
    forwardAlways: forwardFormOf(s.forwardAlways),
    forwardBusy: forwardFormOf(s.forwardBusy),
    forwardNoAnswer: { ...forwardFormOf(s.forwardNoAnswer), seconds: String(s.forwardNoAnswer.seconds) },
    warningRing: s.warningRing,
    followMe: { enabled: s.followMe.enabled, number: s.followMe.number, seconds: String(s.followMe.seconds) },
    priorityCallers: s.priorityCallers.join('\n'),
    blacklist: s.blacklist.join('\n'),
    blacklistAction: s.blacklistAction,
    anonymous: s.anonymous,
    presentAs: s.presentAs,
    screenPop: { ...s.screenPop },
  };
}

/** One number per line (commas and semicolons too, as pasted from a spreadsheet); blanks and repeats dropped. */
export function numberLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[\n,;]/)) {
    const n = raw.trim();
    if (n !== '' && !out.includes(n)) out.push(n);
  }
  return out;
}

const seconds = (text: string): number => (/^\s*\d+\s*$/.test(text) ? Number(text.trim()) : Number.NaN);
const targetOf = (f: ForwardForm): string => (f.to === 'voicemail' ? VOICEMAIL_TARGET : f.number.trim());

/** The services as the form says (every one, locked or not). */
export function servicesFromForm(form: ServicesForm): CallServices {
  return {
    dndScope: form.dndScope,
    dndAction: form.dndAction,
    forwardAlways: { enabled: form.forwardAlways.enabled, target: targetOf(form.forwardAlways) },
    forwardBusy: { enabled: form.forwardBusy.enabled, target: targetOf(form.forwardBusy) },
    forwardNoAnswer: { enabled: form.forwardNoAnswer.enabled, target: targetOf(form.forwardNoAnswer), seconds: seconds(form.forwardNoAnswer.seconds) },
    warningRing: form.warningRing,
    followMe: { enabled: form.followMe.enabled, number: form.followMe.number.trim(), seconds: seconds(form.followMe.seconds) },
    priorityCallers: numberLines(form.priorityCallers),
    blacklist: numberLines(form.blacklist),
    blacklistAction: form.blacklistAction,
    anonymous: form.anonymous,
    presentAs: form.presentAs,
    screenPop: { incomingUrl: form.screenPop.incomingUrl.trim(), outgoingUrl: form.screenPop.outgoingUrl.trim(), trigger: form.screenPop.trigger, window: form.screenPop.window },
  };
}

/** Deep equality of plain JSON values, whatever the key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Which field a schema issue path (or main's error message, e.g. `services.update: forwardAlways.target: …` or
 * `followMe.number: enter the number to ring`) is about.
 */
export function servicesFieldOf(path: readonly PropertyKey[] | string): ServicesField | undefined {
  let parts: string[];
  if (typeof path === 'string') {
    const m = /^(?:services\.update:\s*)?([A-Za-z0-9_.]+):/.exec(path.trim());
    if (!m) return undefined;
    parts = m[1]!.split('.');
  } else {
    parts = path.map(String);
  }
  const [head, sub] = parts;
  switch (head) {
    case 'forwardAlways':
    case 'forwardBusy':
    case 'priorityCallers':
    case 'blacklist':
    case 'presentAs':
      return head;
    case 'forwardNoAnswer':
      return sub === 'seconds' ? 'forwardNoAnswerSeconds' : 'forwardNoAnswer';
    case 'followMe':
      return sub === 'seconds' ? 'followMeSeconds' : 'followMe';
    case 'screenPop':
      return sub === 'outgoingUrl' ? 'outgoingUrl' : sub === 'incomingUrl' ? 'incomingUrl' : undefined;
    default:
      return undefined;
  }
}

export const FIELD_PROBLEM: Record<ServicesField, string> = {
  forwardAlways: 'services.error.number',
  forwardBusy: 'services.error.number',
  forwardNoAnswer: 'services.error.number',
  forwardNoAnswerSeconds: 'services.error.noAnswerSeconds',
  followMe: 'services.error.number',
  followMeSeconds: 'services.error.followMeSeconds',
  priorityCallers: 'services.error.list',
  blacklist: 'services.error.list',
  presentAs: 'services.error.presentAs',
  incomingUrl: 'screenPop.error.invalid-url',
  outgoingUrl: 'screenPop.error.invalid-url',
};

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;
const SAMPLE: Record<(typeof SCREEN_POP_PLACEHOLDERS)[number], string> = {
  caller: '0123456789',
  caller_e164: '33123456789',
  caller_e164plus: '%2B33123456789',
  name: 'Name',
  called: '100',
  queue: 'q',
  callid: 'id',
  window: '',
};

/**
 * A screen-pop template checked as main expands it (electron/services/screen-pop.ts): the same problem codes, so the
 * tab shows `screenPop.error.<code>` before main refuses it at the first call. `undefined`: fine, or empty (off).
 */
export function screenPopTemplateProblem(template: string): string | undefined {
  const t = template.trim();
  if (t === '') return undefined;
  for (const m of t.matchAll(PLACEHOLDER)) {
    if (!(SCREEN_POP_PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')) return 'unknown-placeholder';
  }
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(t)?.[1];
  if (authority === undefined || !/^https?:\/\//i.test(t)) return 'not-http';
  if (/\{[A-Za-z0-9_]+\}/.test(authority)) return 'placeholder-in-host';
  let url: URL;
  try {
    url = new URL(t.replace(PLACEHOLDER, (_w, name: keyof typeof SAMPLE) => SAMPLE[name]));
  } catch {
    return 'invalid-url';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'not-http';
  if (url.username !== '' || url.password !== '') return 'credentials';
  if (url.hostname === '') return 'invalid-url';
  return undefined;
}

/** Main's refusal of a `services.update` (a bad-request message) on the field it names, in words. */
export function servicesServerProblem(message: string): { field?: ServicesField; problem?: FieldProblem } {
  const field = servicesFieldOf(message);
  if (!field) return {};
  if (/set by your administrator/i.test(message)) return { field, problem: { key: 'services.locked' } };
  if (/enter a number or choose voicemail/i.test(message)) return { field, problem: { key: 'services.error.forwardTarget' } };
  if (/enter the number to ring/i.test(message)) return { field, problem: { key: 'services.error.followMeNumber' } };
  if (field === 'presentAs') return { field, problem: { key: 'services.error.presentAs' } };
  if ((field === 'incomingUrl' || field === 'outgoingUrl') && /http/i.test(message)) return { field, problem: { key: 'screenPop.error.not-http' } };
  return { field, problem: { key: FIELD_PROBLEM[field] } };
}

// ───────────────────────────── where, apply state ─────────────────────────────

/** Where do-not-disturb is carried out with this scope (the one in the form may not be saved yet). */
export function dndPlace(view: ServicesView, scope: DndScope): ServicePlace {
  if (scope === view.settings.dndScope) return view.where.dnd;
  if (scope === 'console') return 'console';
  // Main uses the PBX connection when there is one (follow-me needs it too), else the DND feature codes.
  if (view.where.followMe === 'pbx' || view.where.forward === 'pbx') return 'pbx';
  const codes = view.admin.featureCodes;
  return codes?.dndOn && codes.dndOff ? 'codes' : 'console';
}

/** Where one forwarding rule is carried out: in codes mode, a rule without its own code is done by the console. */
export function forwardRulePlace(view: ServicesView, rule: ForwardRuleName): ServicePlace {
  const place = view.where.forward;
  if (place !== 'codes' || rule === 'forwardAlways') return place;
  const codes = view.admin.featureCodes;
  return (rule === 'forwardBusy' ? codes?.forwardBusyOn : codes?.forwardNoAnswerOn) ? 'codes' : 'console';
}

/** i18n key of a place, in plain words ("on the PBX (works even when the console is closed)" …). */
export const placeKey = (place: ServicePlace): string => `services.where.${place}`;

export const APPLY_ERRORS = ['unreachable', 'refused', 'timeout', 'not-registered', 'code-failed'] as const;

/**
 * The apply state as words: `undefined` when there is nothing to show (nothing is applied on the PBX or by codes).
 * `reason`: the i18n key of a failure's reason, to fill the `{reason}` of `services.apply.failed`.
 */
export function applyProblem(apply: ServicesApplyView): { readonly key: string; readonly reason?: string } | undefined {
  switch (apply.state) {
    case 'idle':
      return undefined;
    case 'applying':
      return { key: 'services.apply.applying' };
    case 'applied':
      return { key: 'services.apply.applied' };
    case 'failed': {
      const code = (APPLY_ERRORS as readonly string[]).includes(apply.error ?? '') ? apply.error! : 'other';
      return { key: 'services.apply.failed', reason: `services.apply.error.${code}` };
    }
    default:
      return missingCase(apply.state);
  }
}

// ───────────────────────────── presented number ─────────────────────────────

export interface PresentAsChoice {
  readonly value: string;
  /** i18n key and its parameters. */
  readonly key: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

/** The numbers the receptionist may present: her own, each one the administrator provisions, anonymous. */
export function presentAsChoices(view: ServicesView, ownNumber: string | undefined): PresentAsChoice[] {
  return [
    { value: '', key: ownNumber ? 'services.presentAs.own' : 'services.presentAs.ownUnknown', params: { number: ownNumber ?? '' } },
    ...view.admin.identities.map(
      (i): PresentAsChoice =>
        i.label ? { value: i.number, key: 'services.presentAs.identity', params: { label: i.label, number: i.number } } : { value: i.number, key: 'services.presentAs.number', params: { number: i.number } },
    ),
    { value: 'anonymous', key: 'services.presentAs.anonymous' },
  ];
}

// ───────────────────────────── info pane ─────────────────────────────

/** The always-forward rule in force (on, with somewhere to go), or undefined. */
export function forwardAlwaysInForce(view: ServicesView | undefined): ForwardRule | undefined {
  const rule = view?.settings.forwardAlways;
  return rule?.enabled && rule.target !== '' ? rule : undefined;
}

/** The conditional rules in force (busy, no answer, follow-me) for the info pane's reminder. */
export function conditionalForwards(view: ServicesView | undefined): ('forwardBusy' | 'forwardNoAnswer' | 'followMe')[] {
  if (!view) return [];
  const s = view.settings;
  const out: ('forwardBusy' | 'forwardNoAnswer' | 'followMe')[] = [];
  if (s.forwardBusy.enabled && s.forwardBusy.target) out.push('forwardBusy');
  if (s.forwardNoAnswer.enabled && s.forwardNoAnswer.target) out.push('forwardNoAnswer');
  if (s.followMe.enabled && s.followMe.number && view.where.followMe !== 'unavailable') out.push('followMe');
  return out;
}

/** Seed 001 §3: one line-state icon, do-not-disturb > always-forward > busy > none. */
export function lineStateOf(doNotDisturb: boolean, view: ServicesView | undefined, inCall: boolean): 'dnd' | 'forward' | 'busy' | 'none' {
  if (doNotDisturb) return 'dnd';
  if (forwardAlwaysInForce(view)) return 'forward';
  return inCall ? 'busy' : 'none';
}

// ───────────────────────────── call.screened.* messages ─────────────────────────────

const SCREENED = 'call.screened.';
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Is this forwarding target the voicemail deposit number (`*{ext}` → `*1001`)? */
export function isVoicemailDeposit(target: string, deposit: string | undefined): boolean {
  if (!deposit || target === '') return false;
  const [before, after] = deposit.split('{ext}');
  const re = after === undefined ? `^${escapeRe(before ?? '')}$` : `^${escapeRe(before ?? '')}[0-9A-Za-z_.+-]*${escapeRe(after)}$`;
  return new RegExp(re).test(target);
}

/**
 * Main's `call.screened.<reason>` message as the message area shows it: `{who}` is "Name (number)" (or the number
 * alone), and the variant says where the caller went. Refusals carry no target (the caller heard busy); a refusal
 * with a target was sent to voicemail; a forward whose target is the voicemail deposit (or `voicemail: 1`) too.
 */
export function screenedMessage(key: string, params: Readonly<Record<string, string | number>> | undefined, view: ServicesView | undefined): { key: string; params?: Readonly<Record<string, string | number>> } {
  if (!key.startsWith(SCREENED) || !params) return params ? { key, params } : { key };
  const name = String(params.name ?? '').trim();
  const number = String(params.number ?? '').trim();
  const who = name && number && name !== number ? `${name} (${number})` : name || number;
  const target = params.target === undefined ? undefined : String(params.target);
  const reason = key.slice(SCREENED.length);
  let variant = key;
  switch (reason) {
    case 'blacklist':
    case 'anonymous':
    case 'dnd':
      if (target !== undefined) variant = `${key}.voicemail`;
      break;
    case 'forward-always':
    case 'forward-busy':
    case 'forward-no-answer':
      if (target !== undefined && (params.voicemail === 1 || isVoicemailDeposit(target, view?.admin.voicemailDeposit))) variant = `${key}.voicemail`;
      break;
    default:
      break;
  }
  return { key: variant, params: { ...params, who } };
}

function missingCase(x: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(x)}`);
}
