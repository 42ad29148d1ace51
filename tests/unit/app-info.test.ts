/**
 * About / system information and the bundled user guide (issue 13 item 9): the About view is assembled from what the
 * host really runs (package.json files, process.versions, the account and its registration), the dialog's lines and
 * the text "Copy" puts on the clipboard, the user guide rendered from docs/ with nothing of its source taken as
 * markup, and what "as on first start" means for the extensions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppInfoService, assembleAbout, firstStartProvisioning, moduleVersions, readAppVersion } from '../../electron/services/app-info-service';
import { parseProvisioning } from '../../electron/services/provisioning';
import { USER_GUIDE_LANGUAGES, userGuidePath } from '../../electron/contract/app-info';
import { aboutRows, aboutText } from '../../renderer/lib/state/about';
import { guideTitle, markdownToHtml, renderUserGuide } from '../../renderer/help/user-guide';
import { translate } from '../../renderer/i18n';
import { companyErrorKey } from '../../electron/services/contacts-service';
import { classifyLdapFailure, LdapError } from '../../electron/services/directory/ldap-source';
import { CompanyShrinkError } from '../../electron/services/directory/directory-service';

const ROOT = join(__dirname, '..', '..');
const pkg = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

const account = { id: 'acc-1', server: '127.0.0.1', port: 5060, transport: 'udp' as const, user: '1001', displayName: 'Reception', media: 'rtp' as const, hasPassword: true };

describe('About: assembled from the real modules and the account', () => {
  it('reads the console version and the module versions from their package.json files', () => {
    expect(readAppVersion(join(ROOT, 'package.json'))).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(readAppVersion(join(ROOT, 'no-such-package.json'))).toBe('unknown');
    expect(moduleVersions()).toEqual({ sipjs: pkg('sip.js'), betterSqlite3: pkg('better-sqlite3') });
  });

  it('Electron: Electron, Chromium and Node; the account as user@server with the server the registration uses', () => {
    const view = assembleAbout({
      version: '1.2.3',
      host: 'electron',
      account,
      registration: { state: 'registered', expiresAt: 1, server: '198.18.0.2' },
      versions: { electron: '45.4.1', chrome: '142.0.7444.52', node: '24.11.0' },
      modules: { sipjs: '0.21.2', betterSqlite3: '12.11.1' },
      sqlite: '3.50.4',
      dataDir: '/home/anna/.config/Receptionist Console',
      platform: 'linux x64 (6.1.0)',
    });
    expect(view).toEqual({
      product: 'Receptionist Console',
      version: '1.2.3',
      host: 'electron',
      account: { user: '1001', server: '127.0.0.1', port: 5060, transport: 'udp', media: 'rtp', displayName: 'Reception' },
      serverInUse: '198.18.0.2',
      registration: 'registered',
      components: [
        { name: 'Electron', version: '45.4.1' },
        { name: 'Chromium', version: '142.0.7444.52' },
        { name: 'Node.js', version: '24.11.0' },
        { name: 'SIP.js', version: '0.21.2' },
        { name: 'SQLite', version: '3.50.4' },
        { name: 'better-sqlite3', version: '12.11.1' },
      ],
      dataDirectory: '/home/anna/.config/Receptionist Console',
      platform: 'linux x64 (6.1.0)',
    });
  });

  it('web host before set-up: Node only (the browser is the page’s), no account, nothing saved', () => {
    const view = assembleAbout({ version: '0.1.0', host: 'web', versions: { node: '20.20.0' }, modules: {}, platform: 'linux x64' });
    expect(view).toMatchObject({ host: 'web', registration: 'none', components: [{ name: 'Node.js', version: '20.20.0' }], dataDirectory: null });
    expect(view.account).toBeUndefined();
    expect(view.serverInUse).toBeUndefined();
  });

  it('the dialog lines and the copied text, in the UI language, with Svelte and the browser of the web host', () => {
    const view = assembleAbout({
      version: '0.1.0',
      host: 'web',
      account,
      registration: { state: 'registering', attempt: 1, server: '127.0.0.1' },
      versions: { node: '20.20.0' },
      modules: { sipjs: '0.21.2' },
      sqlite: '3.46.1',
      dataDir: '/tmp/rc',
      platform: 'linux x64',
    });
    const t = (key: string, params?: Readonly<Record<string, string | number>>) => translate('fr', key, params);
    const rows = aboutRows(view, { svelte: '5.57.3', userAgent: 'Mozilla/5.0 Chrome/142' }, t);
    const text = aboutText(t('about.heading'), rows);
    expect(text).toBe(
      [
        'À propos de la console de réception',
        'Version: Receptionist Console 0.1.0',
        'Fonctionne en: page web (hôte web)',
        'Compte: 1001@127.0.0.1 (Reception)',
        'Serveur utilisé: 127.0.0.1',
        'Transport: UDP 127.0.0.1:5060',
        'Média: RTP (PBX classique)',
        'Enregistrement: enregistrement en cours',
        'Node.js: 20.20.0',
        'SIP.js: 0.21.2',
        'SQLite: 3.46.1',
        'Svelte: 5.57.3',
        'Navigateur: Mozilla/5.0 Chrome/142',
        'Dossier des données: /tmp/rc',
        'Système: linux x64',
      ].join('\n') + '\n',
    );
  });
});

describe('the bundled user guide', () => {
  it('is rendered from docs/ in English, French and Dutch; other languages get the English one', () => {
    const en = readFileSync(join(ROOT, 'docs/user-guide.md'), 'utf8');
    const fr = readFileSync(join(ROOT, 'docs/user-guide.fr.md'), 'utf8');
    expect(guideTitle(en)).toBe('Receptionist Console — user guide');
    expect(guideTitle(fr)).toBe('Receptionist Console — guide d’utilisation');
    const page = renderUserGuide(en, 'en');
    expect(page).toContain('<title>Receptionist Console — user guide</title>');
    expect(page).toContain('<h2>Transferring a call</h2>');
    expect(page).toContain('<strong>F7</strong>');
    expect(page).not.toMatch(/<script/i);
    expect(userGuidePath('fr')).toBe('help/user-guide.fr.html');
    expect(userGuidePath('nl')).toBe('help/user-guide.nl.html');
    expect(userGuidePath('de')).toBe('help/user-guide.en.html');
  });

  // issue 13 item 9 leftover: the Dutch guide.
  it('has one source per guide language, built by the renderer, each with the English guide’s structure', () => {
    const viteConfig = readFileSync(join(ROOT, 'renderer/vite.config.ts'), 'utf8');
    const shape = (md: string) => md.split('\n').map((l) => (/^#+ /.test(l) ? l.replace(/ .*/, '') : /^- /.test(l) ? '-' : '')).filter(Boolean);
    const en = readFileSync(join(ROOT, 'docs/user-guide.md'), 'utf8');
    for (const lang of USER_GUIDE_LANGUAGES) {
      const file = lang === 'en' ? 'docs/user-guide.md' : `docs/user-guide.${lang}.md`;
      expect(viteConfig).toContain(`${lang}: '${file}'`);
      const md = readFileSync(join(ROOT, file), 'utf8');
      expect(shape(md)).toEqual(shape(en));
      expect(renderUserGuide(md, lang)).toContain(`<html lang="${lang}">`);
    }
    const nl = readFileSync(join(ROOT, 'docs/user-guide.nl.md'), 'utf8');
    expect(guideTitle(nl)).toBe('Receptionist Console — gebruikershandleiding');
    expect(renderUserGuide(nl, 'nl')).toContain('<h2>Een oproep doorverbinden</h2>');
  });

  it('takes nothing of its source as markup', () => {
    const html = markdownToHtml('# A <b>title</b>\n\nText with <script>alert(1)</script> & `<img src=x onerror=1>` and **bold**.\n\n- one\n  continued\n- two\n\n1. first');
    expect(html).toBe(
      [
        '<h1>A &lt;b&gt;title&lt;/b&gt;</h1>',
        '<p>Text with &lt;script&gt;alert(1)&lt;/script&gt; &amp; <code>&lt;img src=x onerror=1&gt;</code> and <strong>bold</strong>.</p>',
        '<ul><li>one continued</li><li>two</li></ul>',
        '<ol><li>first</li></ol>',
      ].join('\n'),
    );
  });
});

describe('first start, for the extensions', () => {
  it('without a launch file: no favorites, default queue pane and services', () => {
    const p = firstStartProvisioning();
    expect(p.accounts).toEqual([]);
    expect(p.favorites).toEqual([]);
    expect(p.queuePane).toEqual({ queues: [], callsShown: expect.any(Number) });
    expect(p.services).toEqual({});
    expect(p.pbx).toBeUndefined();
  });

  it('the administrator’s launch file stays, without its accounts', () => {
    const launch = parseProvisioning({
      accounts: [{ server: '127.0.0.1', transport: 'udp', user: '1001', password: 'x', media: 'auto' }],
      preferences: { language: 'nl' },
      directories: { defaultCountry: 'BE' },
    });
    const p = firstStartProvisioning(launch);
    expect(p.accounts).toEqual([]);
    expect(p.preferences).toEqual({ language: 'nl' });
    expect(p.directories?.defaultCountry).toBe('BE');
    expect(p.favorites).toEqual([]);
  });
});

describe('the company directory’s last error, in plain words (Company tab)', () => {
  const source = 'LDAP ldap://ldap.example.com';
  it.each([
    [{ code: 49, message: 'Invalid Credentials' }, 'contacts.companyError.credentials'],
    [{ code: 32, message: 'No Such Object' }, 'contacts.companyError.base'],
    [{ code: 50, message: 'Insufficient Access' }, 'contacts.companyError.access'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'contacts.companyError.unreachable'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND ldap'), { code: 'ENOTFOUND' }), 'contacts.companyError.not-found'],
    [new Error('Connection timeout after 5000ms'), 'contacts.companyError.timeout'],
    [new Error('self-signed certificate'), 'contacts.companyError.tls'],
    [new Error('something else'), 'contacts.companyError.other'],
  ])('%o → %s', (cause, key) => {
    const { reason, text } = classifyLdapFailure(cause);
    expect(companyErrorKey(new LdapError(`could not be read: ${text}`, reason), source)).toEqual({ key, params: { source } });
    expect(translate('nl', key, { source })).not.toBe(key);
  });

  it('a refresh that would gut the copy, and a full disk, have their own words', () => {
    expect(companyErrorKey(new CompanyShrinkError(10, 1200), source)).toEqual({ key: 'contacts.companyError.shrunk', params: { found: 10, cached: 1200 } });
    expect(translate('fr', 'contacts.companyError.shrunk', { found: 10, cached: 1200 })).toMatch(/10 entrées au lieu d’environ 1\s200/);
    expect(companyErrorKey(Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' }), source).key).toBe('contacts.companyError.disk-full');
  });
});

describe('app.openHelp', () => {
  const conn = { id: 't' } as never;
  const call = (svc: AppInfoService, language: string) =>
    (svc.handlers['app.openHelp'] as (a: { language: string }, c: unknown) => Promise<{ opened: boolean; path: string }>)({ language }, conn);

  it('web host: the page opens the guide the host serves from the bundle', async () => {
    expect(await call(new AppInfoService({ host: 'web', version: '0.1.0' }), 'fr')).toEqual({ opened: false, path: 'help/user-guide.fr.html' });
  });

  it('Electron: the host opens the bundled file; a failure is said in words', async () => {
    const opened: string[] = [];
    const ok = new AppInfoService({ host: 'electron', version: '0.1.0', openHelp: async (p) => void opened.push(p) });
    expect(await call(ok, 'de')).toEqual({ opened: true, path: 'help/user-guide.en.html' });
    expect(opened).toEqual(['help/user-guide.en.html']);
    const broken = new AppInfoService({
      host: 'electron',
      version: '0.1.0',
      openHelp: async () => {
        throw new Error('Failed to open path');
      },
    });
    await expect(call(broken, 'en')).rejects.toMatchObject({ code: 'internal', key: 'help.error.open' });
  });
});
