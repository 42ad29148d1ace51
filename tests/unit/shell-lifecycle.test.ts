/**
 * The Electron shell's life cycle (issue 15), tested without Electron: single-instance lock before any service, a
 * dragged file or link never disconnects the window, a crashed renderer is reloaded with a backoff, quitting waits
 * for un-REGISTER / BYE.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CRASH_RELOAD,
  CrashReloadPolicy,
  guardAppWindow,
  PageConnections,
  QuitGate,
  startup,
  stopWithin,
} from '../../electron/main/lifecycle';
import { APP_INDEX_URL } from '../../electron/main/app-protocol';

describe('start: the single-instance lock comes before any service', () => {
  it('a second instance exits without starting anything; the first starts after it holds the lock', () => {
    const steps: string[] = [];
    const run = (gotLock: boolean) =>
      startup({
        requestLock: () => (steps.push('lock'), gotLock),
        exit: () => void steps.push('exit'),
        start: () => void steps.push('start services'),
      });
    expect(run(false)).toBe('secondary');
    expect(steps).toEqual(['lock', 'exit']);
    steps.length = 0;
    expect(run(true)).toBe('primary');
    expect(steps).toEqual(['lock', 'start services']);
  });

  it('main.ts, the entry point, imports no service: they are only loaded (console-app.ts) once the lock is held', () => {
    const main = readFileSync(join(__dirname, '../../electron/main/main.ts'), 'utf8');
    const imports = [...main.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    // data-dir: a pure path function (the userData folder must be set before the lock, which Chromium keeps there).
    expect(imports.sort()).toEqual(['../services/data-dir', './launch-args', './lifecycle', 'electron']);
    expect(readFileSync(join(__dirname, '../../electron/services/data-dir.ts'), 'utf8')).not.toMatch(/^import .* from '\.\.?\//m);
    const lock = main.indexOf('requestSingleInstanceLock');
    const load = main.indexOf("require('./console-app')");
    expect(lock).toBeGreaterThan(0);
    expect(load).toBeGreaterThan(lock);
    // The console module is where the services are created.
    expect(readFileSync(join(__dirname, '../../electron/main/console-app.ts'), 'utf8')).toMatch(/createConsoleService\(/);
  });
});

/** A WebContents stand-in: Node's EventEmitter, fed the events in the order Chromium/Electron emit them. */
function fakeContents() {
  const wc = Object.assign(new EventEmitter(), {
    openHandler: undefined as undefined | ((d: { url: string }) => { action: 'deny' }),
    setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }) {
      wc.openHandler = h;
    },
  });
  return wc;
}
function navigationEvent() {
  return { prevented: false, preventDefault() {
    this.prevented = true;
  } };
}

function setup() {
  const wc = fakeContents();
  const log: string[] = [];
  const pages = new PageConnections<string>((c) => log.push(`disconnect ${c}`));
  const opened: string[] = [];
  const gone: string[] = [];
  guardAppWindow(wc, { rendererIndexUrl: APP_INDEX_URL, openExternal: (u) => opened.push(u), pages, onRendererGone: (r) => gone.push(r) });
  /** A renderer-initiated navigation: did-start-navigation first, then will-navigate (a navigation throttle). */
  const navigate = (url: string) => {
    wc.emit('did-start-navigation', { url, isMainFrame: true, isSameDocument: false });
    const e = navigationEvent();
    wc.emit('will-navigate', e, url);
    if (!e.prevented) wc.emit('did-navigate', {}, url);
    return e.prevented;
  };
  return { wc, log, pages, opened, gone, navigate };
}

describe('the app window: navigation refused before anything else, connection kept', () => {
  it('a vCard, CSV or any file dragged onto the window: navigation refused, the window stays connected', () => {
    const { pages, log, navigate, opened } = setup();
    pages.connect('page1');
    for (const url of ['file:///C:/Users/r/Desktop/contacts.vcf', 'file:///home/r/outlook.csv', 'file:///etc/passwd', 'data:text/html,<b>x', 'javascript:alert(1)']) {
      expect(navigate(url)).toBe(true);
    }
    expect(pages.current).toBe('page1');
    expect(log).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('a dragged http(s) link: refused here, opened in the browser, the window stays connected', () => {
    const { pages, log, navigate, opened } = setup();
    pages.connect('page1');
    expect(navigate('https://crm.example.com/c/42')).toBe(true);
    expect(opened).toEqual(['https://crm.example.com/c/42']);
    expect(pages.current).toBe('page1');
    expect(log).toEqual([]);
  });

  it('a reload (navigation that commits) drops the old page’s connection; the new page’s hello connects again', () => {
    const { pages, log, navigate } = setup();
    pages.connect('page1');
    expect(navigate(`${APP_INDEX_URL}`)).toBe(false);
    expect(log).toEqual(['disconnect page1']);
    expect(pages.current).toBeUndefined();
    pages.connect('page2');
    expect(pages.current).toBe('page2');
  });

  it('a new page’s hello that overtakes the commit notification is kept; the old one is dropped once', () => {
    const { wc, pages, log } = setup();
    pages.connect('page1');
    wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    pages.connect('page2');
    wc.emit('did-navigate', {}, APP_INDEX_URL);
    expect(pages.current).toBe('page2');
    expect(log).toEqual(['disconnect page1']);
  });

  it('in-page and subframe navigations never drop the connection; subframes never leave our page; window.open is denied', () => {
    const { wc, pages, log, opened } = setup();
    pages.connect('page1');
    wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    wc.emit('did-start-navigation', { isMainFrame: false, isSameDocument: false });
    const sub = Object.assign(navigationEvent(), { url: 'https://evil.example/', isMainFrame: false });
    wc.emit('will-frame-navigate', sub);
    expect(sub.prevented).toBe(true);
    const redirect = navigationEvent();
    wc.emit('will-redirect', redirect, 'https://elsewhere.example/');
    expect(redirect.prevented).toBe(true);
    expect(wc.openHandler!({ url: 'https://crm.example.com/' })).toEqual({ action: 'deny' });
    expect(wc.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://crm.example.com/']);
    expect(pages.current).toBe('page1');
    expect(log).toEqual([]);
  });

  it('a renderer crash drops the connection (calls stay in main) and reports the reason', () => {
    const { wc, pages, log, gone } = setup();
    pages.connect('page1');
    wc.emit('render-process-gone', {}, { reason: 'oom', exitCode: 1 });
    expect(log).toEqual(['disconnect page1']);
    expect(gone).toEqual(['oom']);
  });
});

describe('renderer crash → reload with a backoff and a limit', () => {
  it('reloads after 0.5 s, 1 s, 2 s, 4 s, 8 s; the sixth crash within five minutes gives up', () => {
    const p = new CrashReloadPolicy();
    const t0 = 1_000_000;
    const delays = [0, 1, 2, 3, 4].map((i) => p.onRendererGone('crashed', t0 + i * 1000, { quitting: false }));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000].map((delayMs) => ({ action: 'reload', delayMs })));
    expect(p.onRendererGone('crashed', t0 + 6000, { quitting: false })).toEqual({ action: 'give-up' });
    // Reopened by hand (tray): counted afresh.
    p.reset();
    expect(p.onRendererGone('killed', t0 + 7000, { quitting: false })).toEqual({ action: 'reload', delayMs: 500 });
  });

  it('crashes older than the window no longer count; the delay is capped', () => {
    const p = new CrashReloadPolicy({ ...CRASH_RELOAD, maxReloads: 10 });
    let now = 0;
    for (let i = 0; i < 5; i++) p.onRendererGone('crashed', (now += 1000), { quitting: false });
    expect(p.onRendererGone('crashed', (now += CRASH_RELOAD.windowMs + 1), { quitting: false })).toEqual({ action: 'reload', delayMs: 500 });
    for (let i = 0; i < 7; i++) p.onRendererGone('oom', (now += 10), { quitting: false });
    expect(p.onRendererGone('oom', (now += 10), { quitting: false })).toEqual({ action: 'reload', delayMs: CRASH_RELOAD.maxDelayMs });
  });

  it('no reload while quitting; a code-integrity failure is not retried', () => {
    const p = new CrashReloadPolicy();
    expect(p.onRendererGone('crashed', 0, { quitting: true })).toEqual({ action: 'none' });
    expect(p.onRendererGone('integrity-failure', 0, { quitting: false })).toEqual({ action: 'give-up' });
  });
});

describe('quit: un-REGISTER and BYE before the app goes', () => {
  it('the first before-quit is held until the service has stopped, then the app quits for real', async () => {
    const gate = new QuitGate();
    const steps: string[] = [];
    let finishStop!: () => void;
    const stop = () =>
      new Promise<void>((resolve) => {
        steps.push('stop: BYE to calls, REGISTER Expires: 0');
        finishStop = () => {
          steps.push('stopped');
          resolve();
        };
      });
    expect(gate.beforeQuit()).toBe('stop-then-quit');
    const done = gate.stopThenQuit(stop, (outcome) => steps.push(`quit (${outcome})`));
    // Tray › Quit clicked again, or the OS asks again: still held.
    expect(gate.beforeQuit()).toBe('wait');
    await Promise.resolve();
    expect(steps).toEqual(['stop: BYE to calls, REGISTER Expires: 0']);
    finishStop();
    await expect(done).resolves.toBe('stopped');
    expect(steps).toEqual(['stop: BYE to calls, REGISTER Expires: 0', 'stopped', 'quit (stopped)']);
    // The quit app.quit() starts now proceeds.
    expect(gate.beforeQuit()).toBe('quit');
  });

  it('a PBX that never answers does not hang quitting (timeout); a failing stop quits too', async () => {
    const gate = new QuitGate();
    gate.beforeQuit();
    const quit = jest.fn();
    await expect(gate.stopThenQuit(() => new Promise<void>(() => undefined), quit, 20)).resolves.toBe('timeout');
    expect(quit).toHaveBeenCalledWith('timeout');
    await expect(stopWithin(() => Promise.reject(new Error('socket closed')), 1000)).resolves.toBe('failed');
    await expect(
      stopWithin(() => {
        throw new Error('sync');
      }, 1000),
    ).resolves.toBe('failed');
  });
});
