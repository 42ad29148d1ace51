/**
 * Screen-pop automation (issue 12 §6): when a call rings or is answered, open the receptionist's CRM (or any web
 * application) at a URL built from a template such as `https://crm.example/search?phone={caller_e164plus}&n={name}`.
 *
 * Placeholders (all about the *other* party, whatever the call's direction):
 * - `{caller}`          the remote number as received (cleaned, see below), e.g. `+33 1 23 45 67 89` or `1002`;
 * - `{caller_e164}`     E.164 without the `+` (`33123456789`); empty for extensions (≤ 6 digits) and numbers that are
 *                        not possible public numbers — a CRM must not search for a non-number;
 * - `{caller_e164plus}` E.164 with the `+` (sent encoded: `%2B33123456789`); empty in the same cases;
 * - `{name}`            the directory's name for the caller when the lookup already answered, else the SIP display name;
 * - `{called}`          incoming: the number the caller dialed (DNIS) when the call carries it; outgoing: the dialed number;
 * - `{queue}`           the queue the call came through, when the call carries it;
 * - `{callid}`          the console's id of the call (the same on ring and answer, stable for the call's life);
 * - `{window}`          a marker, not a value: expands to nothing and asks for a separate 768×1024 console window.
 *                        With the window setting on `browser` it turns into `single` (one window reused for every
 *                        call); `single` and `multi` are already console windows and stay as they are.
 *
 * Safety decisions (each one tested in tests/unit/screen-pop.test.ts):
 * - Every value is cleaned, then percent-encoded. Cleaning removes what a hostile caller could use to fool whoever
 *   reads the value on the other side (CVE-2021-42574 "Trojan source"): C0/C1 control characters (NUL…), bidi
 *   embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C), zero-width characters and
 *   BOM, lone surrogates; line breaks and tabs become spaces; whitespace runs collapse; text is NFC; each value is
 *   capped (64 code points for numbers, 128 for text). Encoding is `encodeURIComponent` plus `! ' ( ) *` (RFC 3986
 *   reserved sub-delims that it leaves alone): quotes, `&`, `#`, `+`, spaces and non-ASCII (UTF-8) are all encoded,
 *   so a value can never end the query parameter it sits in or start another one.
 * - An unknown `{placeholder}` (letters, digits, `_`) is an error rather than left as is: a typo such as `{Caller}`
 *   must show up when the template is saved, not as a literal in the CRM's search box. Other braces stay untouched.
 * - Placeholders are allowed only in the path, query and fragment: a caller-controlled name in the host part could
 *   send the pop to another server (`https://crm{name}/` with a name `.evil.example`).
 * - The result must parse as an `http:` / `https:` URL with a host and without user name or password; anything else
 *   (`javascript:`, `file:`, `data:`…) is refused. At most 8 KiB.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { CallView } from '../contract/dto';
import type { EventName, Events } from '../contract/contract';
import type { ScreenPopSettings, ScreenPopWindow } from '../contract/services';
import type { SipLogger } from '../../sip-core/api/softphone';
import type { ConsoleExtension } from './console-service';
import { phoneForms } from '../storage/phone';

/** Longest URL opened (browsers accept more, but a CRM link never needs it and servers often refuse > 8 KiB). */
export const SCREEN_POP_MAX_URL = 8 * 1024;
/** The separate console window the `{window}` marker and the `single` / `multi` modes open. */
export const SCREEN_POP_WINDOW_SIZE = { width: 768, height: 1024 } as const;
/** The web host's name for the one reused window (`single`): `window.open(url, SCREEN_POP_WINDOW_NAME)`. */
export const SCREEN_POP_WINDOW_NAME = 'rc-screenpop';

export const SCREEN_POP_PLACEHOLDERS = ['caller', 'caller_e164', 'caller_e164plus', 'name', 'called', 'queue', 'callid', 'window'] as const;
export type ScreenPopPlaceholder = (typeof SCREEN_POP_PLACEHOLDERS)[number];

const MAX_NUMBER = 64;
const MAX_TEXT = 128;

/** What a template is filled with (raw, untrusted: cleaned and encoded by `expandScreenPop`). */
export interface ScreenPopValues {
  /** The remote number as received. */
  readonly caller?: string;
  readonly name?: string;
  readonly called?: string;
  readonly queue?: string;
  readonly callId?: string;
}

export interface ScreenPopExpandOptions {
  /** For `{caller_e164}` / `{caller_e164plus}` of national numbers (`01 23 45 67 89` with FR). */
  readonly defaultCountry: CountryCode;
  /** The window mode from the settings (the `{window}` marker may change `browser` into `single`). */
  readonly window: ScreenPopWindow;
  readonly maxLength?: number;
}

export type ScreenPopErrorCode = 'empty' | 'unknown-placeholder' | 'placeholder-in-host' | 'invalid-url' | 'not-http' | 'credentials' | 'too-long';
export interface ScreenPopError {
  readonly code: ScreenPopErrorCode;
  /** Plain English for logs; the renderer translates `screenPop.error.<code>`. */
  readonly message: string;
}
export interface ScreenPop {
  readonly url: string;
  readonly window: ScreenPopWindow;
}
export type ScreenPopResult = { readonly ok: true; readonly value: ScreenPop } | { readonly ok: false; readonly error: ScreenPopError };

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;
// C0/C1 controls and DEL, soft hyphen, Arabic letter mark, zero-width and bidi marks/embeddings/overrides, line and
// paragraph separators, word joiner…bidi isolates and invisible operators, BOM, interlinear annotations.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function isPlaceholder(name: string): name is ScreenPopPlaceholder {
  return (SCREEN_POP_PLACEHOLDERS as readonly string[]).includes(name);
}

/** Untrusted text made safe to hand to another application (see the file comment): never throws. */
export function cleanScreenPopValue(value: string | undefined, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value === '') return '';
  let text = value.replace(LONE_SURROGATE, '');
  try {
    text = text.normalize('NFC');
  } catch {
    // keep as is: normalize only throws on an invalid form argument
  }
  text = text.replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ').replace(UNSAFE, '').replace(/\s+/g, ' ').trim();
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join('').trim() : text;
}

/** encodeURIComponent, plus the sub-delims it leaves alone (`'` could end an HTML attribute the CRM echoes it in). */
export function encodeScreenPopValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function fail(code: ScreenPopErrorCode, message: string): ScreenPopResult {
  return { ok: false, error: { code, message } };
}

/** Scheme and authority of an `http(s)://` template: no placeholder may sit there. */
function authorityOf(template: string): string | undefined {
  const m = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(template);
  return m?.[1];
}

/** Fill a screen-pop template (see the file comment for placeholders and safety rules). Pure; never throws. */
export function expandScreenPop(template: string, values: ScreenPopValues, options: ScreenPopExpandOptions): ScreenPopResult {
  const t = template.trim();
  if (t === '') return fail('empty', 'No screen-pop URL is set');
  let marker = false;
  for (const m of t.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!isPlaceholder(name)) return fail('unknown-placeholder', `Unknown placeholder {${name.slice(0, 32)}}`);
    if (name === 'window') marker = true;
  }
  const authority = authorityOf(t);
  if (authority === undefined) return fail('not-http', 'The screen-pop URL must start with http:// or https://');
  if (/\{[A-Za-z0-9_]+\}/.test(authority)) return fail('placeholder-in-host', 'Placeholders are not allowed in the server part of the URL');

  const caller = cleanScreenPopValue(values.caller, MAX_NUMBER);
  const e164 = caller === '' ? null : phoneForms(caller, options.defaultCountry).e164;
  const filled: Record<ScreenPopPlaceholder, string> = {
    caller,
    caller_e164: e164 ? e164.replace(/^\+/, '') : '',
    caller_e164plus: e164 ?? '',
    name: cleanScreenPopValue(values.name, MAX_TEXT),
    called: cleanScreenPopValue(values.called, MAX_NUMBER),
    queue: cleanScreenPopValue(values.queue, MAX_TEXT),
    callid: cleanScreenPopValue(values.callId, MAX_TEXT),
    window: '',
  };
  const expanded = t.replace(PLACEHOLDER, (_whole, name: string) => (name === 'window' ? '' : encodeScreenPopValue(filled[name as ScreenPopPlaceholder])));

  const max = options.maxLength ?? SCREEN_POP_MAX_URL;
  if (expanded.length > max) return fail('too-long', `The screen-pop URL is longer than ${max} characters`);
  let url: URL;
  try {
    url = new URL(expanded);
  } catch {
    return fail('invalid-url', 'The screen-pop URL is not a valid address');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('not-http', 'The screen-pop URL must start with http:// or https://');
  if (url.username !== '' || url.password !== '') return fail('credentials', 'The screen-pop URL must not contain a user name or password');
  if (url.hostname === '') return fail('invalid-url', 'The screen-pop URL has no server name');
  if (url.href.length > max) return fail('too-long', `The screen-pop URL is longer than ${max} characters`);
  const window: ScreenPopWindow = marker && options.window === 'browser' ? 'single' : options.window;
  return { ok: true, value: { url: url.href, window } };
}

/** Check a template as the settings form saves it: the same rules, with sample values. `undefined`: fine (or empty). */
export function screenPopTemplateProblem(template: string): ScreenPopError | undefined {
  if (template.trim() === '') return undefined;
  const r = expandScreenPop(template, { caller: '+33123456789', name: 'Name', called: '100', queue: 'q', callId: 'id' }, { defaultCountry: 'FR', window: 'browser' });
  return r.ok ? undefined : r.error;
}

// ───────────────────────────── when to pop ─────────────────────────────

/** Fields a CallView may carry for `{called}` / `{queue}` (not in the contract yet: read loosely when present). */
type CallViewExtras = CallView & { readonly called?: unknown; readonly queue?: unknown };

/**
 * The template to open for this view, if this view is the moment: incoming calls use `incomingUrl`, outgoing ones
 * `outgoingUrl`; trigger `ringing` = incoming in state `incoming`, outgoing in `dialing` / `ringing`; trigger `answer`
 * = state `active`. The caller keeps it to once per call (ScreenPopService). Consultation calls (attended transfer)
 * never pop: they go to a colleague, not to a customer.
 */
export function screenPopTemplateFor(view: CallView, settings: ScreenPopSettings): string | undefined {
  if (view.consultFor !== undefined) return undefined;
  const template = view.direction === 'incoming' ? settings.incomingUrl : settings.outgoingUrl;
  if (template.trim() === '') return undefined;
  const due =
    settings.trigger === 'answer'
      ? view.state === 'active'
      : view.direction === 'incoming'
        ? view.state === 'incoming'
        : view.state === 'dialing' || view.state === 'ringing';
  return due ? template : undefined;
}

/** The template's values for a call (see the file comment for what each placeholder means per direction). */
export function screenPopValuesOf(view: CallView): ScreenPopValues {
  const v = view as CallViewExtras;
  const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
  const called = view.direction === 'outgoing' ? view.remote.user : text(v.called);
  const queue = text(v.queue);
  const name = view.contact?.name || view.remote.displayName;
  return {
    caller: view.remote.user,
    callId: view.id,
    ...(name && { name }),
    ...(called !== undefined && { called }),
    ...(queue !== undefined && { queue }),
  };
}

export type ScreenPopOpen = Events['screenPop.open'];

export interface ScreenPopServiceOptions {
  readonly settings: () => ScreenPopSettings;
  readonly defaultCountry: () => CountryCode;
  /**
   * Electron main opens pops itself (default browser or console windows, shell.ts `screenPopAction`). Given: the
   * pop goes there and is not broadcast. Absent: `screenPop.open` is broadcast (the web host's page opens it).
   */
  readonly onOpen?: (pop: ScreenPopOpen) => void;
  /** A template that gives no safe URL (reported once per call; main may show it in the info pane). */
  readonly onProblem?: (error: ScreenPopError, callId: string) => void;
  readonly logger?: Pick<SipLogger, 'info' | 'warn'>;
}

/** Watches calls and opens the screen pop at most once per call (at ring or answer, as set). */
export class ScreenPopService implements ConsoleExtension {
  readonly handlers = {};
  #broadcast: (<E extends EventName>(event: E, payload: Events[E]) => void) | undefined;
  /** Calls whose pop was opened (or refused): never again for the same call. Forgotten when the call ends. */
  readonly #done = new Set<string>();

  constructor(private readonly options: ScreenPopServiceOptions) {}

  bind(broadcast: <E extends EventName>(event: E, payload: Events[E]) => void): void {
    this.#broadcast = broadcast;
  }

  callChanged(view: CallView): void {
    if (view.state === 'ended') {
      this.#done.delete(view.id);
      return;
    }
    if (this.#done.has(view.id)) return;
    const settings = this.options.settings();
    const template = screenPopTemplateFor(view, settings);
    if (template === undefined) return;
    this.#done.add(view.id);
    const r = expandScreenPop(template, screenPopValuesOf(view), { defaultCountry: this.options.defaultCountry(), window: settings.window });
    if (!r.ok) {
      this.options.logger?.warn(`screen pop for ${view.id}: ${r.error.message}`);
      this.options.onProblem?.(r.error, view.id);
      return;
    }
    const pop: ScreenPopOpen = { url: r.value.url, window: r.value.window, callId: view.id };
    this.options.logger?.info(`screen pop for ${view.id} (${pop.window})`);
    if (this.options.onOpen) this.options.onOpen(pop);
    else this.#broadcast?.('screenPop.open', pop);
  }

  callEnded(view: CallView): void {
    this.#done.delete(view.id);
  }
}
