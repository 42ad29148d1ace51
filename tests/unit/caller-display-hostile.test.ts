/**
 * Issue 15 (d): a hostile caller name or number never reaches HTML, URLs or the OS notification unescaped.
 *
 * - OS notification: the decision function (shell.ts `incomingCallNotification` / `notificationText`) strips controls,
 *   bidi overrides and markup brackets and caps the length; the title as main.ts builds it (`translate`) keeps it so.
 * - URLs: the screen pop's builder (screen-pop.ts `expandScreenPop`) keeps every hostile value inside its own query
 *   parameter, cleaned and percent-encoded, and never lets one become the scheme or the host.
 * - HTML: the renderer shows caller data as Svelte text (escaped). A static guard: no `{@html}`, `innerHTML` & co and
 *   no attribute URL built from data anywhere in renderer/, unless listed below with the reason it is safe.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { incomingCallNotification, notificationText, NOTIFICATION_TEXT_MAX, screenPopAction } from '../../electron/main/shell';
import { cleanScreenPopValue, expandScreenPop, SCREEN_POP_MAX_URL } from '../../electron/services/screen-pop';
import { translate } from '../../renderer/i18n';
import { callView } from './helpers/call-view';

/** Caller display names and numbers as a hostile PBX or caller can set them (From / P-Asserted-Identity). */
const HOSTILE: readonly [string, string][] = [
  ['an img tag with a handler', '<img src=x onerror=alert(1)>'],
  ['an attribute break-out and a script', '"><script>alert(document.cookie)</script>'],
  ['a javascript: URL', 'javascript:alert(1)'],
  ['a bidi override (U+202E) reversing the rest', 'Invoice \u202Efdp.exe'],
  ['bidi isolates and marks', '\u2066Bank\u2069 \u200FSupport\u200E \u061C'],
  ['line breaks forging a second line', 'Alice\r\nIncoming call: Bank of France\nAnswer now'],
  ['NUL, BEL, ESC sequences and C1 controls', 'Eve\u0000\u0007\u001b[31m\u0085\u009b2J'],
  ['zero-width characters and a BOM', 'Ad\u200Bmin\u200C\uFEFF'],
  ['a 4 KB name', 'A'.repeat(4096)],
  ['4 KB of emoji (surrogate pairs at the cut)', '😀'.repeat(2048)],
  ['a lone surrogate', 'Bad\uD800Half'],
  ['markup entities', '&lt;b&gt;bold&lt;/b&gt; & <b>bold</b>'],
];

/** Controls, bidi marks/overrides/isolates, zero-width characters, BOM: never in text handed to another program. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;
/** …and, for the OS notification (Linux servers read markup), no `<` `>` either. */
const UNSAFE = new RegExp(`${INVISIBLE.source.slice(0, -1)}<>]`);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function expectSafeText(text: string, max = NOTIFICATION_TEXT_MAX): void {
  expect(text).not.toMatch(UNSAFE);
  expect(text).not.toMatch(LONE_SURROGATE);
  expect(Array.from(text).length).toBeLessThanOrEqual(max);
  expect(text).toBe(text.trim());
}

describe('OS notification text for a hostile caller', () => {
  it.each(HOSTILE)('display name: %s', (_label, name) => {
    const n = incomingCallNotification(callView('c1', 'incoming', { remote: { displayName: name, user: '1002', uri: 'sip:1002@pbx' } }))!;
    expectSafeText(n.title.params.name!);
    expect(n.title.params.name).not.toBe('');
    expect(n.body).toBe('1002');
    // The title exactly as main.ts builds it, in every language: the name is substituted once, as text.
    for (const lang of ['en', 'fr', 'nl'] as const) {
      const title = translate(lang, n.title.key, n.title.params);
      expect(title).not.toMatch(UNSAFE);
      expect(title).toContain(n.title.params.name);
    }
  });

  it.each(HOSTILE)('number and URI: %s', (_label, hostile) => {
    const n = incomingCallNotification(callView('c1', 'incoming', { remote: { user: hostile, uri: `sip:${hostile}@pbx` } }))!;
    expectSafeText(n.title.params.name!);
    expectSafeText(n.body);
  });

  it('what the cleaning keeps: readable text, one line, bidi overrides gone, markup brackets gone', () => {
    expect(notificationText('Alice\r\nIncoming call: Bank of France\nAnswer now')).toBe('Alice Incoming call: Bank of France Answer now');
    expect(notificationText('Invoice \u202Efdp.exe')).toBe('Invoice fdp.exe');
    expect(notificationText('<img src=x onerror=alert(1)>')).toBe('img src=x onerror=alert(1)');
    expect(notificationText('Zoë Ørsted — 日本')).toBe('Zoë Ørsted — 日本');
    expect(notificationText('A'.repeat(4096))).toBe('A'.repeat(NOTIFICATION_TEXT_MAX));
    expect(notificationText('😀'.repeat(2048))).toBe('😀'.repeat(NOTIFICATION_TEXT_MAX));
    expect(notificationText(undefined)).toBe('');
  });

  it('a display name that is nothing once cleaned gives way to the number; no name at all shows the number', () => {
    const blank = incomingCallNotification(callView('c1', 'incoming', { remote: { displayName: '\u202E\u0000\r\n\u200B<>', user: '1002', uri: 'sip:1002@pbx' } }))!;
    expect(blank.title.params.name).toBe('1002');
    expect(blank.body).toBe('sip:1002@pbx');
    const none = incomingCallNotification(callView('c2', 'incoming', { remote: { user: '', uri: 'sip:anonymous@anonymous.invalid' } }))!;
    expect(none.title.params.name).toBe('sip:anonymous@anonymous.invalid');
  });

  it('a name that looks like a placeholder is not expanded again by translate', () => {
    const n = incomingCallNotification(callView('c1', 'incoming', { remote: { displayName: '{name} {n}', user: '1002', uri: 'sip:1002@pbx' } }))!;
    expect(translate('en', n.title.key, n.title.params)).toBe('Incoming call: {name} {n}');
  });
});

describe('screen-pop URL for a hostile caller', () => {
  const template = 'https://crm.example/pop?name={name}&n={caller}&id={callid}#x';
  it.each(HOSTILE)('%s stays inside its own parameter, cleaned and encoded', (_label, hostile) => {
    const r = expandScreenPop(template, { name: hostile, caller: hostile, callId: 'c1' }, { defaultCountry: 'FR', window: 'browser' });
    if (!r.ok) throw new Error(r.error.message);
    const url = new URL(r.value.url);
    expect(url.origin).toBe('https://crm.example');
    expect(url.pathname).toBe('/pop');
    expect(url.hash).toBe('#x');
    expect([...url.searchParams.keys()]).toEqual(['name', 'n', 'id']);
    expect(url.searchParams.get('name')).toBe(cleanScreenPopValue(hostile, 128));
    expect(url.searchParams.get('n')).toBe(cleanScreenPopValue(hostile, 64));
    // Decoded, the CRM sees text without controls or bidi tricks (`<` `>` stay, percent-encoded on the way).
    expect(`${url.searchParams.get('name')}${url.searchParams.get('n')}`).not.toMatch(INVISIBLE);
    // Nothing raw that could end an HTML attribute or a header if the CRM echoes it.
    expect(r.value.url).not.toMatch(/[<>"'`\s\\]/);
    expect(r.value.url.length).toBeLessThanOrEqual(SCREEN_POP_MAX_URL);
    expect(screenPopAction(r.value, { singleWindowOpen: false })).toEqual({ action: 'open-external', url: r.value.url });
  });

  it('a caller value can never become the scheme or the host', () => {
    expect(expandScreenPop('{name}', { name: 'javascript:alert(1)' }, { defaultCountry: 'FR', window: 'browser' })).toMatchObject({ ok: false, error: { code: 'not-http' } });
    expect(expandScreenPop('https://crm{name}/x', { name: '.evil.example' }, { defaultCountry: 'FR', window: 'browser' })).toMatchObject({
      ok: false,
      error: { code: 'placeholder-in-host' },
    });
  });
});

// ───────────────────────────── renderer: no HTML built from data ─────────────────────────────

const RENDERER = path.join(__dirname, '..', '..', 'renderer');

/** Ways to turn a string into markup or code, or to put data in a URL attribute, in Svelte/TS/HTML. */
const SINKS: readonly [string, RegExp][] = [
  ['{@html}', /\{@html\b/],
  ['innerHTML', /\binnerHTML\b/],
  ['outerHTML', /\bouterHTML\b/],
  ['insertAdjacentHTML', /\binsertAdjacentHTML\b/],
  ['document.write', /\bdocument\s*\.\s*write(ln)?\b/],
  ['srcdoc', /\bsrcdoc\b/],
  ['createContextualFragment', /\bcreateContextualFragment\b/],
  ['DOMParser', /\bDOMParser\b/],
  ['eval', /(?<![\w.])eval\s*\(/],
  ['new Function', /\bnew\s+Function\s*\(/],
  ['attribute URL from data', /\b(href|src|action|formaction|xlink:href)\s*=\s*["']?[^"'\s>]*\{/],
  ['setAttribute of a URL', /\.setAttribute\s*\(\s*["'](href|src|action|formaction|srcdoc)["']/],
];

/** Each allowed occurrence: file, a piece of the line, and why it is safe. */
const ALLOWED: readonly { file: string; line: string; reason: string }[] = [
  {
    file: 'components/CallRow.svelte',
    line: 'never {@html} — a From header is attacker-controlled',
    reason: 'the comment that forbids it',
  },
  {
    file: 'components/VoicemailPanel.svelte',
    line: 'Caller data is shown as text only (never {@html}).',
    reason: 'the comment that forbids it',
  },
  {
    file: 'components/AboutDialog.svelte',
    line: '<a href={guide}',
    reason: 'the bundled user guide: a fixed path chosen by the UI language (userGuidePath), no caller data',
  },
];

function rendererFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : rendererFiles(full);
    return /\.(svelte|ts|js|mjs|html)$/.test(e.name) ? [full] : [];
  });
}

function findSinks(file: string, text: string): { file: string; line: number; sink: string; text: string }[] {
  return text.split('\n').flatMap((line, i) =>
    SINKS.filter(([, re]) => re.test(line)).map(([sink]) => ({ file, line: i + 1, sink, text: line.trim() })),
  );
}

describe('renderer: caller data is never turned into HTML or a URL attribute', () => {
  it('the guard finds each kind of sink (it bites)', () => {
    const samples = [
      '{@html call.remote.displayName}',
      'el.innerHTML = name;',
      'el.outerHTML = x',
      "el.insertAdjacentHTML('beforeend', n)",
      'document.write(n)',
      '<iframe srcdoc={n}></iframe>',
      'range.createContextualFragment(n)',
      'new DOMParser().parseFromString(n, "text/html")',
      'eval(n)',
      'new Function(n)()',
      '<a href={contact.url}>',
      '<img src="https://x/{name}.png">',
      "a.setAttribute('href', url)",
    ];
    for (const s of samples) expect(findSinks('sample.svelte', s)).toHaveLength(1);
    expect(findSinks('sample.svelte', '<span class="name">{call.remote.displayName}</span>')).toEqual([]);
    expect(findSinks('sample.ts', 'const medieval = retrieval(x);')).toEqual([]);
  });

  it('no sink in renderer/ except the allowed ones, each with its reason', () => {
    const files = rendererFiles(RENDERER);
    expect(files.length).toBeGreaterThan(20);
    const hits = files.flatMap((f) => findSinks(path.relative(RENDERER, f).split(path.sep).join('/'), fs.readFileSync(f, 'utf8')));
    const unexplained = hits.filter((h) => !ALLOWED.some((a) => a.file === h.file && h.text.includes(a.line)));
    expect(unexplained).toEqual([]);
    // Every allowance still matches something (a stale one would hide a new sink on that line).
    for (const a of ALLOWED) expect(hits.some((h) => h.file === a.file && h.text.includes(a.line))).toBe(true);
  });
});
