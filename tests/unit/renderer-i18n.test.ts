/**
 * Issue 16 §2, language: every key in the three languages with the same placeholders, plural forms right for each
 * language (Intl.PluralRules), numbers written the language's way (Intl.NumberFormat), errors from main shown by
 * their key (never main's English message), and every key main sends (global messages, command errors, tray and
 * notification texts) translated in en, fr and nl.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TLS_PROBLEMS, registrationFailureKey, type ContractError, type GlobalShortcuts, type Language, type RegistrationView } from '../../electron/contract';
import type { ScreenReason } from '../../electron/services/console-service';
import type { ImportErrorCode } from '../../electron/services/directory/import';
import type { ScreenPopErrorCode } from '../../electron/services/screen-pop';
import type { LdapFailureReason } from '../../electron/services/directory/ldap-source';
import type { ErasablePart } from '../../electron/services/data-erasure';
import type { CallError } from '../../sip-core/api/softphone';
import { DICTIONARIES, errorKey, errorText, formatDateTime, formatNumber, isMessageKey, pluralCategory, translate } from '../../renderer/i18n';
import { APPLY_ERRORS } from '../../renderer/lib/state/services-form';

const ROOT = join(__dirname, '..', '..');
const LANGUAGES: readonly Language[] = ['en', 'fr', 'nl'];
const { en } = DICTIONARIES;
const placeholders = (template: string): string[] => [...new Set([...template.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();

/** Every member of the string union T, no more, no fewer (checked by tsc). */
const every =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : never)): readonly string[] =>
    list;

/** Plural groups: base keys with `.one` / `.other` variants. */
const PLURAL_BASES = [...new Set(Object.keys(en).filter((k) => /\.(zero|one|two|few|many)$/.test(k)).map((k) => k.replace(/\.[a-z]+$/, '')))];

describe('dictionaries', () => {
  it('have the same keys in every language, each with the same placeholders as in English', () => {
    for (const lang of LANGUAGES) {
      const dict = DICTIONARIES[lang];
      expect(Object.keys(dict).sort()).toEqual(Object.keys(en).sort());
      const differing = Object.keys(en).filter((k) => placeholders(dict[k as keyof typeof en]).join() !== placeholders(en[k as keyof typeof en]).join());
      expect({ lang, differing }).toEqual({ lang, differing: [] });
      const empty = Object.entries(dict).filter(([, v]) => v.trim() === '');
      expect(empty).toEqual([]);
    }
  });

  it('give every plural group its `.one` and `.other` forms, and no plural base key is also a key', () => {
    expect(PLURAL_BASES.length).toBeGreaterThanOrEqual(8);
    for (const base of PLURAL_BASES) {
      expect([base, isMessageKey(`${base}.one`), isMessageKey(`${base}.other`), isMessageKey(base)]).toEqual([base, true, true, false]);
      expect([base, placeholders(en[`${base}.one` as keyof typeof en])]).toEqual([base, placeholders(en[`${base}.other` as keyof typeof en])]);
    }
  });

  it('have no "(s)"-style plural hacks and every count-bearing text is a plural group', () => {
    for (const lang of LANGUAGES) {
      const hacks = Object.entries(DICTIONARIES[lang]).filter(([, v]) => /\p{L}\((s|en|e|es|x)\)/u.test(v));
      expect({ lang, hacks }).toEqual({ lang, hacks: [] });
    }
    // `{count}` next to a noun must agree with it; "Messages (3)", "Agents (3)" only label a list.
    const PARENTHESISED = new Set(['info.messagesCount', 'queues.agentList']);
    const loose = Object.entries(en).filter(([k, v]) => v.includes('{count}') && !PLURAL_BASES.some((b) => k.startsWith(`${b}.`)) && !PARENTHESISED.has(k));
    expect(loose).toEqual([]);
  });
});

describe('plurals (Intl.PluralRules)', () => {
  const EXPECTED: Record<Language, Record<number, string>> = {
    en: { 0: 'other', 1: 'one', 2: 'other', 5: 'other' },
    fr: { 0: 'one', 1: 'one', 2: 'other', 5: 'other' },
    nl: { 0: 'other', 1: 'one', 2: 'other', 5: 'other' },
  };

  it.each(LANGUAGES)('%s: categories of 0, 1, 2 and 5', (lang) => {
    for (const n of [0, 1, 2, 5]) expect([n, pluralCategory(lang, n)]).toEqual([n, EXPECTED[lang][n]]);
  });

  it.each(LANGUAGES)('%s: every plural group picks its form by `count` for 0, 1, 2 and 5', (lang) => {
    for (const base of PLURAL_BASES) {
      for (const n of [0, 1, 2, 5]) {
        const params = { count: n, total: 9, skipped: 0, format: 'CSV', metric: 'm', min: 1, avg: 2, max: 3, unit: 'ms', cached: 40, source: 's' };
        const form = DICTIONARIES[lang][`${base}.${EXPECTED[lang][n]}` as keyof typeof en];
        expect(translate(lang, base, params)).toBe(translate(lang, `${base}.${EXPECTED[lang][n]}`, params));
        expect(form).toContain('{count}');
      }
    }
  });

  it('reads right in the three languages ("1 new messages" no more)', () => {
    expect([0, 1, 2, 5].map((count) => translate('en', 'mwi.button', { count }))).toEqual([
      'Voicemail: 0 new messages',
      'Voicemail: 1 new message',
      'Voicemail: 2 new messages',
      'Voicemail: 5 new messages',
    ]);
    expect([0, 1, 2, 5].map((count) => translate('fr', 'mwi.button', { count }))).toEqual([
      'Messagerie vocale : 0 nouveau message',
      'Messagerie vocale : 1 nouveau message',
      'Messagerie vocale : 2 nouveaux messages',
      'Messagerie vocale : 5 nouveaux messages',
    ]);
    expect([0, 1, 2, 5].map((count) => translate('nl', 'mwi.button', { count }))).toEqual([
      'Voicemail: 0 nieuwe berichten',
      'Voicemail: 1 nieuw bericht',
      'Voicemail: 2 nieuwe berichten',
      'Voicemail: 5 nieuwe berichten',
    ]);
    expect(translate('en', 'tray.ringing', { count: 1 })).toBe('Receptionist Console — 1 call ringing');
    expect(translate('fr', 'queues.waiting', { count: 0 })).toBe('0 appel en attente');
    expect(translate('nl', 'contacts.importCommit', { count: 1 })).toBe('1 contact importeren');
    expect(translate('fr', 'contacts.skippedRows', { count: 2 })).toBe('2 lignes ignorées');
  });

  it('falls back to `.other` for a category a group does not have (French "many": 1 000 000)', () => {
    expect(pluralCategory('fr', 1_000_000)).toBe('many');
    expect(translate('fr', 'mwi.button', { count: 1_000_000 })).toBe(`Messagerie vocale : ${formatNumber('fr', 1_000_000)} nouveaux messages`);
  });
});

describe('dates and times (Intl.DateTimeFormat, one per language and options)', () => {
  it('are written exactly as a new formatter writes them, each language with its own, whatever the order of use', () => {
    const options: Intl.DateTimeFormatOptions[] = [
      { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' },
      { hour: '2-digit', minute: '2-digit', second: '2-digit' },
      { dateStyle: 'short', timeStyle: 'medium' },
    ];
    const at = [Date.UTC(2026, 0, 1, 8, 5, 9), Date.UTC(2026, 11, 31, 23, 59, 59), 0];
    for (let round = 0; round < 2; round++) {
      for (const language of ['en', 'fr', 'nl'] as const) {
        for (const o of options) {
          for (const t of at) expect([language, o, t, formatDateTime(language, o, t)]).toEqual([language, o, t, new Intl.DateTimeFormat(language, o).format(t)]);
        }
      }
    }
    expect(formatDateTime('fr', options[1]!, at[0]!)).not.toBe(formatDateTime('en', options[1]!, at[0]!)); // not one formatter for all
  });
});

describe('numbers (Intl.NumberFormat)', () => {
  it('are written the language’s way in every text', () => {
    expect(translate('en', 'contacts.importCommit', { count: 12345 })).toBe('Import 12,345 contacts');
    expect(translate('fr', 'contacts.importCommit', { count: 12345 })).toBe('Importer 12\u202f345 contacts');
    expect(translate('nl', 'contacts.importCommit', { count: 12345 })).toBe('12.345 contacten importeren');
    expect(formatNumber('fr', 2.5)).toBe('2,5');
    expect(formatNumber('nl', 2.5)).toBe('2,5');
    expect(formatNumber('en', 2.5)).toBe('2.5');
    // Strings are left alone (numbers that are names: extensions, SIP codes sent as text).
    expect(translate('fr', 'phone.line', { n: '1001' })).toBe('Ligne 1001');
  });

  it('written without Intl for 0–999 (its first use costs a page tens of ms) exactly as Intl writes them', () => {
    const values = [...Array.from({ length: 1201 }, (_, i) => i), -0, -1, -999, 0.5, 999.5, 12.345, 1e21, NaN, Infinity];
    for (const language of ['en', 'fr', 'nl'] as const) {
      const intl = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
      for (const v of values) expect([language, v, formatNumber(language, v)]).toEqual([language, v, intl.format(v)]);
    }
    expect(formatNumber('fr', -0)).toBe('-0');
  });
});

describe('errors from main', () => {
  it('are shown by their key in the UI language, never by main’s English message', () => {
    const busy = { code: 'lines-busy', message: 'All lines are busy: end or transfer a call first', key: 'error.lines-busy' } as const;
    expect(errorText('en', busy)).toBe(en['error.lines-busy']);
    expect(errorText('fr', busy)).toBe(DICTIONARIES.fr['error.lines-busy']);
    expect(errorText('nl', busy)).toBe(DICTIONARIES.nl['error.lines-busy']);
    const field = { code: 'bad-request', message: 'account.save: server: must be a host name', key: 'error.badValue', params: { field: 'server' } } as const;
    expect(errorText('fr', field)).toBe('Cette valeur n’est pas acceptée : server');
  });

  it('without a key this renderer knows, say so generically with the code', () => {
    const unknown = { code: 'internal', message: 'ENOENT: no such file', key: 'error.fromTheFuture' } as const;
    expect(errorKey(unknown)).toEqual({ key: 'error.generic', params: { code: 'internal' } });
    expect(errorText('fr', unknown)).toBe('Une erreur s’est produite (internal).');
    const bare: ContractError = { code: 'network', message: 'socket hang up' };
    expect(errorText('nl', bare)).toBe('Er is iets misgegaan (network).');
    expect(errorText('en', bare)).not.toContain('socket');
  });
});

// ───────────────────────────── keys main sends ─────────────────────────────

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Source without comment lines (JSDoc and `//` lines mention keys as examples). */
const source = (file: string): string =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
    .join('\n');

/** The expression starting at `from`, up to a top-level `,` `)` or `}` (quotes, templates and brackets skipped). */
function expressionAt(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      i = text.indexOf(c, i + 1);
      continue;
    }
    if (c === '`') {
      i = templateEnd(text, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return text.slice(from, i).trim();
      depth--;
    } else if (c === ',' && depth === 0) return text.slice(from, i).trim();
  }
  return text.slice(from).trim();
}

function templateEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '`') return i;
    else if (text[i] === '$' && text[i + 1] === '{') {
      let depth = 1;
      for (i += 2; depth > 0; i++) {
        if (text[i] === '`') i = templateEnd(text, i);
        else if (text[i] === '{') depth++;
        else if (text[i] === '}') depth--;
      }
      i--;
    }
  }
  return text.length;
}

/** The arguments of the call whose `(` is at `open`. */
function argumentsAt(text: string, open: number): string[] {
  const args: string[] = [];
  let i = open + 1;
  for (;;) {
    const arg = expressionAt(text, i);
    if (arg !== '') args.push(arg);
    i += text.slice(i).indexOf(arg) + arg.length;
    while (/\s/.test(text[i] ?? '')) i++;
    if (text[i] !== ',') return args;
    i++;
  }
}

/** Key-shaped literals in an expression: `'a.b'` and templates `` `a.${x}` `` (as their static prefix + `*`). */
function literalKeys(expression: string): string[] {
  const keys: string[] = [];
  const templates = [...expression.matchAll(/`((?:[^`\\]|\\.)*)`/g)];
  let rest = expression;
  for (const m of templates) {
    const body = m[1]!;
    const at = body.indexOf('${');
    keys.push(at < 0 ? body : `${body.slice(0, at)}*${body.slice(body.lastIndexOf('}') + 1)}`);
    rest = rest.replace(m[0], '');
  }
  for (const m of rest.matchAll(/'([^']*)'|"([^"]*)"/g)) keys.push(m[1] ?? m[2]!);
  return keys.filter((k) => /^[a-zA-Z][\w-]*(\.[\w*-]+)+$/.test(k));
}

/** What the `${…}` part of a template key can be, by its static prefix (each list checked against its type by tsc). */
const TEMPLATE_VALUES: Record<string, readonly string[]> = {
  'error.call.*': every<CallError['code']>()(['invalid-state', 'invalid-target', 'not-registered', 'media', 'network', 'transfer-failed']),
  'contacts.importError.*': every<ImportErrorCode>()([
    'empty',
    'too-large',
    'binary',
    'truncated',
    'line-too-long',
    'too-many-rows',
    'wrong-delimiter',
    'unknown-format',
    'formula',
    'unreadable',
    'cancelled',
  ]),
  'screenPop.error.*': every<ScreenPopErrorCode>()(['empty', 'unknown-placeholder', 'placeholder-in-host', 'invalid-url', 'not-http', 'credentials', 'too-long']),
  'services.applyFailed.*': APPLY_ERRORS,
  'call.screened.*': every<ScreenReason>()(['blacklist', 'anonymous', 'dnd', 'forward-always', 'forward-busy', 'forward-no-answer']),
  // console-service #reportEnd: the end reasons it reports, `media-failed` said as `media`.
  'call.failed.*': ['busy', 'rejected', 'not-found', 'unavailable', 'timeout', 'network', 'media'],
  'tray.*': every<RegistrationView['state']>()(['registered', 'registering', 'unregistered', 'failed']),
  'settings.shortcut.*': every<keyof GlobalShortcuts & string>()(['answer', 'hangup', 'dialSelection']),
  // issue 13 item 9: the company directory's last error, Delete all data refused by one of its parts.
  'contacts.companyError.*': [...every<LdapFailureReason>()(['credentials', 'base', 'access', 'unreachable', 'not-found', 'timeout', 'tls', 'other']), 'shrunk', 'disk-full'],
  'data.erase.error.*': every<ErasablePart['name']>()(['contacts', 'settings']),
};

interface Found {
  readonly file: string;
  readonly key: string;
}

/** Keys main sends: global messages, command errors (CommandFailure, ContractError literals), tray and notification texts. */
function keysMainSends(): { found: Found[]; keyless: string[] } {
  const found: Found[] = [];
  const keyless: string[] = [];
  for (const file of tsFiles(join(ROOT, 'electron'))) {
    const text = source(file);
    const where = relative(ROOT, file);
    const add = (expression: string) => {
      for (const key of literalKeys(expression)) found.push({ file: where, key });
    };
    for (const m of text.matchAll(/(?:messages\??\.add|#report)\(/g)) {
      const args = argumentsAt(text, m.index + m[0].length - 1);
      if (args[1]) add(args[1]);
    }
    for (const m of text.matchAll(/new CommandFailure\(/g)) {
      const args = argumentsAt(text, m.index + m[0].length - 1);
      if (args.length < 3) keyless.push(`${where}: new CommandFailure(${args.join(', ').slice(0, 100)})`);
      else add(args[2]!);
    }
    for (const m of text.matchAll(/\b(?:key|actionKey):\s*/g)) add(expressionAt(text, m.index + m[0].length));
  }
  return { found, keyless };
}

describe('keys main sends', () => {
  const { found, keyless } = keysMainSends();

  it('are found in the sources (the scan works)', () => {
    const keys = new Set(found.map((f) => f.key));
    for (const k of ['settings.damaged', 'transfer.failed', 'error.lines-busy', 'error.not-registered', 'error.badValue', 'services.applyFailed.*', 'contacts.importError.*', 'error.call.*', 'tray.ringing', 'contacts.companyShrunk']) {
      expect([k, keys.has(k)]).toEqual([k, true]);
    }
  });

  it('every CommandFailure carries a key for the renderer', () => {
    expect(keyless).toEqual([]);
  });

  it('every key exists in en, fr and nl (template keys for each value they can take)', () => {
    const missing: string[] = [];
    const check = (key: string, where: string) => {
      // A plural group (`tray.ringing`, `contacts.companyShrunk`) is sent by its base name with a `count`.
      const ok = isMessageKey(key) || (isMessageKey(`${key}.one`) && isMessageKey(`${key}.other`));
      if (!ok) missing.push(`${where}: ${key}`);
    };
    for (const { file, key } of found) {
      if (!key.includes('*')) check(key, file);
      else if (!TEMPLATE_VALUES[key]) missing.push(`${file}: ${key} (a template key: list its values in TEMPLATE_VALUES)`);
      else for (const v of TEMPLATE_VALUES[key]) check(key.replace('*', v), file);
    }
    const reasons = every<Extract<RegistrationView, { state: 'failed' }>['reason']>()(['auth', 'timeout', 'dns', 'tls', 'network', 'rejected']);
    for (const reason of reasons) check(registrationFailureKey({ reason }), 'registrationFailureKey');
    for (const tlsProblem of TLS_PROBLEMS) check(registrationFailureKey({ reason: 'tls', tlsProblem }), 'registrationFailureKey');
    expect(missing).toEqual([]);
  });

  it('zod refusals (bad-request) carry the generic "not accepted" key with the field path', async () => {
    const { parseCommand } = await import('../../electron/contract');
    const r = parseCommand('account.save', { server: 'bad host!', user: '1001' });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request', key: 'error.badValue', params: { field: 'server' } } });
    if (!r.ok) expect(errorText('nl', r.error)).toBe('Deze waarde wordt niet geaccepteerd: server');
  });
});
