import type { EventName, Events } from '../../electron/contract';
import { DEFAULT_CALL_SERVICES, type ScreenPopSettings } from '../../electron/contract/services';
import {
  cleanScreenPopValue,
  encodeScreenPopValue,
  expandScreenPop,
  SCREEN_POP_MAX_URL,
  screenPopTemplateProblem,
  ScreenPopService,
  type ScreenPopExpandOptions,
  type ScreenPopOpen,
} from '../../electron/services/screen-pop';
import { SCREEN_POP_PARTITION, screenPopAction, screenPopNavigation, screenPopWindowOpen, screenPopWindowOptions } from '../../electron/main/shell';
import { callView } from './helpers/call-view';

const FR: ScreenPopExpandOptions = { defaultCountry: 'FR', window: 'browser' };
const T = 'https://crm.example/pop?n={caller}&e={caller_e164}&p={caller_e164plus}&name={name}&to={called}&q={queue}&id={callid}';

function expandOk(template: string, values: Parameters<typeof expandScreenPop>[1], options = FR) {
  const r = expandScreenPop(template, values, options);
  if (!r.ok) throw new Error(`expected a URL, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The query parameters as the CRM's server decodes them. */
function params(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

describe('screen-pop template expansion', () => {
  it('a French caller typed with spaces gives its E.164 forms; + and spaces are encoded, never sent raw', () => {
    const { url, window } = expandOk(T, { caller: '+33 1 23 45 67 89', name: 'Zoë Ünal & Co', callId: 'c-1' });
    expect(url).toContain('n=%2B33%201%2023%2045%2067%2089&');
    expect(url).toContain('e=33123456789&');
    expect(url).toContain('p=%2B33123456789&');
    expect(url).toContain('name=Zo%C3%AB%20%C3%9Cnal%20%26%20Co&');
    expect(window).toBe('browser');
    expect(params(url)).toMatchObject({ n: '+33 1 23 45 67 89', e: '33123456789', p: '+33123456789', name: 'Zoë Ünal & Co', to: '', q: '', id: 'c-1' });
  });

  it('a national number becomes E.164 with the default country; extensions and anonymous give empty E.164 forms', () => {
    expect(params(expandOk(T, { caller: '01 23 45 67 89' }).url)).toMatchObject({ e: '33123456789', p: '+33123456789' });
    expect(params(expandOk(T, { caller: '02 123 45 67' }, { defaultCountry: 'BE', window: 'browser' }).url)).toMatchObject({ p: '+3221234567' });
    expect(params(expandOk(T, { caller: '1002' }).url)).toMatchObject({ n: '1002', e: '', p: '' });
    expect(params(expandOk(T, { caller: 'anonymous' }).url)).toMatchObject({ n: 'anonymous', e: '', p: '' });
  });

  it('non-ASCII names are sent as UTF-8 and come back intact (é, 日本, emoji)', () => {
    const { url } = expandOk('https://crm.example/?name={name}', { name: 'Émilie 日本 🎉' });
    expect(url).toBe('https://crm.example/?name=%C3%89milie%20%E6%97%A5%E6%9C%AC%20%F0%9F%8E%89');
    expect(params(url).name).toBe('Émilie 日本 🎉');
  });

  it('hostile caller IDs cannot end their parameter, add one, or cut the URL: quotes, &, #, =, ?, /, %', () => {
    const name = `"Bob" <'x'> & admin=1 #frag ?q / 100% (a*b)!`;
    const { url } = expandOk('https://crm.example/s?name={name}&role=user#top', { name });
    const u = new URL(url);
    expect(u.hash).toBe('#top');
    expect([...u.searchParams.keys()]).toEqual(['name', 'role']);
    expect(u.searchParams.get('name')).toBe(name);
    expect(u.searchParams.get('role')).toBe('user');
    // Nothing the CRM could mistake for markup or a delimiter is left raw (RFC 3986 sub-delims included).
    expect(u.search.slice('?name='.length, u.search.indexOf('&role'))).toMatch(/^[A-Za-z0-9%._~-]*$/);
    expect(encodeScreenPopValue(`'!()*`)).toBe('%27%21%28%29%2A');
  });

  it('line breaks, NUL and other controls are removed (breaks become spaces), never encoded as %0A / %00', () => {
    const { url } = expandOk('https://crm.example/?name={name}&n={caller}', { name: 'Evil\r\nSet-Cookie: x=1\u0000\tend', caller: '+33\u00001 23\n45 67 89' });
    expect(url).not.toMatch(/%0[0-9A-F]|%1[0-9A-F]|%7F/i);
    expect(params(url)).toEqual({ name: 'Evil Set-Cookie: x=1 end', n: '+331 23 45 67 89' });
  });

  it('bidi overrides and invisible characters are removed from names (Trojan-source spoofing)', () => {
    // "Alice\u202Egnp.exe" would display as "Aliceexe.png" in the CRM.
    const { url } = expandOk('https://crm.example/?name={name}', { name: 'Alice\u202Egnp.exe\u2066\u200B\uFEFF\u061C' });
    expect(params(url).name).toBe('Alicegnp.exe');
    expect(url).not.toMatch(/%E2%80%AE|%E2%81%A6|%E2%80%8B|%EF%BB%BF/i);
    expect(cleanScreenPopValue('a\u202Ab\u202Cc\u200Fd')).toBe('abcd');
    // A lone surrogate would make encodeURIComponent throw: it is dropped instead.
    expect(params(expandOk('https://crm.example/?name={name}', { name: 'x\ud800y' }).url).name).toBe('xy');
  });

  it('very long values are capped; a template that would exceed 8 KiB is refused, not cut', () => {
    const { url } = expandOk('https://crm.example/?name={name}&n={caller}', { name: 'é'.repeat(10_000), caller: '9'.repeat(10_000) });
    expect(params(url).name).toBe('é'.repeat(128));
    expect(params(url).n).toBe('9'.repeat(64));
    const long = `https://crm.example/?${'a={name}&'.repeat(100)}`;
    const r = expandScreenPop(long, { name: '日'.repeat(128) }, FR);
    expect(r).toMatchObject({ ok: false, error: { code: 'too-long' } });
    expect(expandScreenPop(`https://crm.example/${'x'.repeat(SCREEN_POP_MAX_URL)}`, {}, FR)).toMatchObject({ ok: false, error: { code: 'too-long' } });
  });

  it('only http(s) URLs without credentials are ever produced', () => {
    for (const t of ['javascript:alert({name})', 'JavaScript://crm.example/%0Aalert(1)', 'file:///etc/passwd?{caller}', 'data:text/html,{name}', 'ftp://crm.example/{caller}', 'crm.example/{caller}', 'vbscript:x']) {
      expect(expandScreenPop(t, { name: 'x', caller: '1' }, FR)).toMatchObject({ ok: false, error: { code: 'not-http' } });
    }
    expect(expandScreenPop('https://user:secret@crm.example/?n={caller}', { caller: '1' }, FR)).toMatchObject({ ok: false, error: { code: 'credentials' } });
    expect(expandScreenPop('https://user@crm.example/', {}, FR)).toMatchObject({ ok: false, error: { code: 'credentials' } });
    expect(expandScreenPop('https:// bad host/', {}, FR)).toMatchObject({ ok: false, error: { code: 'invalid-url' } });
    expect(expandScreenPop('  ', {}, FR)).toMatchObject({ ok: false, error: { code: 'empty' } });
    expect(expandOk('HTTP://CRM.example/x', {}).url).toBe('http://crm.example/x');
  });

  it('a caller cannot steer the pop to another server: no placeholder in the server part', () => {
    for (const t of ['https://crm{name}/', 'https://{name}.crm.example/', 'https://{caller}@crm.example/', 'https://crm.example:{caller}/', 'https://crm.example\\{name}']) {
      expect(expandScreenPop(t, { name: '.evil.example', caller: '1' }, FR)).toMatchObject({ ok: false, error: { code: 'placeholder-in-host' } });
    }
    expect(expandOk('https://crm.example/{name}/x#{caller}', { name: '../admin', caller: '1' }).url).toBe('https://crm.example/..%2Fadmin/x#1');
  });

  it('unknown placeholders are errors (typos show up when saved); other braces stay as they are', () => {
    expect(expandScreenPop('https://crm.example/?n={Caller}', { caller: '1' }, FR)).toMatchObject({ ok: false, error: { code: 'unknown-placeholder', message: 'Unknown placeholder {Caller}' } });
    expect(expandScreenPop('https://crm.example/?n={phone}', {}, FR)).toMatchObject({ ok: false, error: { code: 'unknown-placeholder' } });
    expect(expandOk('https://crm.example/?q={"a":1}&n={caller}', { caller: '1' }).url).toBe('https://crm.example/?q={%22a%22:1}&n=1');
    expect(screenPopTemplateProblem('https://crm.example/?n={calller}')).toMatchObject({ code: 'unknown-placeholder' });
    expect(screenPopTemplateProblem('https://crm.example/?n={caller}{window}')).toBeUndefined();
    expect(screenPopTemplateProblem('')).toBeUndefined();
  });

  it('{window} expands to nothing and asks for a console window: browser → single; single and multi stay', () => {
    expect(expandOk('https://crm.example/?n={caller}{window}', { caller: '1' })).toEqual({ url: 'https://crm.example/?n=1', window: 'single' });
    expect(expandOk('https://crm.example/{window}', {}, { defaultCountry: 'FR', window: 'multi' }).window).toBe('multi');
    expect(expandOk('https://crm.example/{window}', {}, { defaultCountry: 'FR', window: 'single' }).window).toBe('single');
    expect(expandOk('https://crm.example/', {}, { defaultCountry: 'FR', window: 'multi' }).window).toBe('multi');
  });
});

describe('ScreenPopService: when a call pops', () => {
  function setup(settings: Partial<ScreenPopSettings>, withOnOpen = false) {
    const current: ScreenPopSettings = { ...DEFAULT_CALL_SERVICES.screenPop, ...settings };
    const broadcast: ScreenPopOpen[] = [];
    const opened: ScreenPopOpen[] = [];
    const problems: string[] = [];
    const service = new ScreenPopService({
      settings: () => current,
      defaultCountry: () => 'FR',
      onProblem: (e) => problems.push(e.code),
      ...(withOnOpen && { onOpen: (p: ScreenPopOpen) => opened.push(p) }),
    });
    service.bind(<E extends EventName>(event: E, payload: Events[E]) => {
      if (event === 'screenPop.open') broadcast.push(payload as ScreenPopOpen);
    });
    return { service, broadcast, opened, problems };
  }
  const incoming = { direction: 'incoming' as const, remote: { user: '+33123456789', displayName: 'Zoë Ünal', uri: 'sip:+33123456789@pbx' } };

  it('trigger ringing: a ringing caller pops once, with the incoming template; answering does not pop again', () => {
    const { service, broadcast } = setup({ incomingUrl: 'https://crm.example/in?p={caller_e164plus}&name={name}&id={callid}', trigger: 'ringing' });
    service.callChanged(callView('c1', 'incoming', incoming));
    service.callChanged(callView('c1', 'incoming', { ...incoming, contact: { id: 1, name: 'Zoë Ünal (ACME)', directory: 'ldap', directoryKind: 'company' } }));
    service.callChanged(callView('c1', 'connecting', incoming));
    service.callChanged(callView('c1', 'active', incoming));
    service.callChanged(callView('c1', 'held', incoming));
    service.callChanged(callView('c1', 'active', incoming));
    expect(broadcast).toEqual([{ url: 'https://crm.example/in?p=%2B33123456789&name=Zo%C3%AB%20%C3%9Cnal&id=c1', window: 'browser', callId: 'c1' }]);
  });

  it('trigger answer: nothing while it rings; one pop when answered, with the directory name by then', () => {
    const { service, broadcast } = setup({ incomingUrl: 'https://crm.example/in?name={name}', trigger: 'answer', window: 'single' });
    service.callChanged(callView('c1', 'incoming', incoming));
    expect(broadcast).toEqual([]);
    const contact = { id: 1, name: 'ACME — Zoë', directory: 'ldap', directoryKind: 'company' as const };
    service.callChanged(callView('c1', 'active', { ...incoming, contact }));
    service.callChanged(callView('c1', 'held', { ...incoming, contact }));
    service.callChanged(callView('c1', 'active', { ...incoming, contact }));
    expect(broadcast).toEqual([{ url: 'https://crm.example/in?name=ACME%20%E2%80%94%20Zo%C3%AB', window: 'single', callId: 'c1' }]);
  });

  it('a call answered elsewhere (never active here) does not pop with trigger answer', () => {
    const { service, broadcast } = setup({ incomingUrl: 'https://crm.example/?n={caller}', trigger: 'answer' });
    service.callChanged(callView('c1', 'incoming', incoming));
    service.callChanged(callView('c1', 'ended', { ...incoming, endReason: 'answered-elsewhere' }));
    expect(broadcast).toEqual([]);
  });

  it('outgoing calls use their own template (dialing for ringing, {called} = the dialed number); none set: no pop', () => {
    const out = { direction: 'outgoing' as const, remote: { user: '0123456789', uri: 'sip:0123456789@pbx' } };
    const a = setup({ incomingUrl: 'https://crm.example/in', outgoingUrl: 'https://crm.example/out?to={called}&e={caller_e164}', trigger: 'ringing', window: 'multi' });
    a.service.callChanged(callView('o1', 'dialing', out));
    a.service.callChanged(callView('o1', 'ringing', out));
    a.service.callChanged(callView('o1', 'active', out));
    expect(a.broadcast).toEqual([{ url: 'https://crm.example/out?to=0123456789&e=33123456789', window: 'multi', callId: 'o1' }]);

    const b = setup({ incomingUrl: 'https://crm.example/in', outgoingUrl: 'https://crm.example/out?to={called}', trigger: 'answer' });
    b.service.callChanged(callView('o2', 'dialing', out));
    b.service.callChanged(callView('o2', 'ringing', out));
    expect(b.broadcast).toEqual([]);
    b.service.callChanged(callView('o2', 'active', out));
    expect(b.broadcast.map((p) => p.url)).toEqual(['https://crm.example/out?to=0123456789']);

    const c = setup({ incomingUrl: 'https://crm.example/in', outgoingUrl: '' });
    c.service.callChanged(callView('o3', 'dialing', out));
    expect(c.broadcast).toEqual([]);
  });

  it('consultation calls of an attended transfer never pop', () => {
    const { service, broadcast } = setup({ outgoingUrl: 'https://crm.example/out?to={called}' });
    service.callChanged(callView('k1', 'dialing', { direction: 'outgoing', consultFor: 'c1', remote: { user: '1003', uri: 'sip:1003@pbx' } }));
    expect(broadcast).toEqual([]);
  });

  it('each call pops once, and separate calls each pop; {called} and {queue} are read when the call carries them', () => {
    const { service, broadcast } = setup({ incomingUrl: 'https://crm.example/?n={caller}&to={called}&q={queue}' });
    service.callChanged({ ...callView('c1', 'incoming', incoming), called: '+33 9 87 65 43 21', queue: 'Sales & Support' } as never);
    service.callChanged(callView('c1', 'incoming', incoming));
    service.callChanged(callView('c2', 'incoming', { remote: { user: '1002', uri: 'sip:1002@pbx' } }));
    service.callChanged(callView('c1', 'ended', incoming));
    service.callEnded(callView('c1', 'ended', incoming));
    expect(broadcast.map((p) => [p.callId, p.url])).toEqual([
      ['c1', 'https://crm.example/?n=%2B33123456789&to=%2B33%209%2087%2065%2043%2021&q=Sales%20%26%20Support'],
      ['c2', 'https://crm.example/?n=1002&to=&q='],
    ]);
  });

  it('a template that gives no safe URL is reported once and nothing is opened', () => {
    const { service, broadcast, problems } = setup({ incomingUrl: 'https://crm.example/?n={phone}' });
    service.callChanged(callView('c1', 'incoming', incoming));
    service.callChanged(callView('c1', 'incoming', incoming));
    expect(broadcast).toEqual([]);
    expect(problems).toEqual(['unknown-placeholder']);
  });

  it('with onOpen (Electron main) the pop goes there and is not broadcast to the windows', () => {
    const { service, broadcast, opened } = setup({ incomingUrl: 'https://crm.example/?n={caller}{window}' }, true);
    service.callChanged(callView('c1', 'incoming', incoming));
    expect(broadcast).toEqual([]);
    expect(opened).toEqual([{ url: 'https://crm.example/?n=%2B33123456789', window: 'single', callId: 'c1' }]);
  });
});

describe('Electron shell: where a screen pop opens', () => {
  const pop = (window: ScreenPopOpen['window'], url = 'https://crm.example/?n=1') => ({ url, window, callId: 'c1' });

  it('browser → the default browser; single → one console window, created once then reused; multi → a new one each time', () => {
    expect(screenPopAction(pop('browser'), { singleWindowOpen: false })).toEqual({ action: 'open-external', url: 'https://crm.example/?n=1' });
    expect(screenPopAction(pop('single'), { singleWindowOpen: false })).toEqual({ action: 'single-window', url: 'https://crm.example/?n=1', create: true });
    expect(screenPopAction(pop('single'), { singleWindowOpen: true })).toEqual({ action: 'single-window', url: 'https://crm.example/?n=1', create: false });
    expect(screenPopAction(pop('multi'), { singleWindowOpen: true })).toEqual({ action: 'new-window', url: 'https://crm.example/?n=1' });
  });

  it('never opens anything but http(s) without credentials, even if handed one', () => {
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'https://u:p@crm.example/', 'data:text/html,x']) {
      expect(screenPopAction(pop('single', url), { singleWindowOpen: true })).toEqual({ action: 'deny' });
    }
  });

  it('console windows: 768×1024, their own session, navigation limited to http(s), new windows go to the browser', () => {
    expect(screenPopWindowOptions({ dark: false })).toMatchObject({ width: 768, height: 1024 });
    expect(SCREEN_POP_PARTITION).toMatch(/^persist:/);
    expect(screenPopNavigation('https://crm.example/next')).toBe('allow');
    for (const url of ['file:///etc/passwd', 'javascript:x', 'tel:+33123', 'https://u:p@crm.example/']) expect(screenPopNavigation(url)).toBe('deny');
    expect(screenPopWindowOpen('https://crm.example/doc')).toEqual({ action: 'open-external', url: 'https://crm.example/doc' });
    expect(screenPopWindowOpen('file:///x')).toEqual({ action: 'deny' });
  });
});
