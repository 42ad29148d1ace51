/**
 * Renderer speed (issue 14), numbers printed, no pass/fail: `npx tsx tests/bench/renderer-bench.ts` (needs
 * `npm run build`; part 2 needs the Kamailio bed on 127.0.0.1:5060).
 *
 * 1. `renderer.first_paint`: the web host (dist/web-host/cli.js) with one account whose server never answers (the
 *    console shows its panes without a registration) serves the built renderer to Debian Chromium; each sample is a
 *    fresh browser context (nothing cached), and the page itself reports, from navigation start:
 *      first contentful paint   (PerformanceObserver 'paint')
 *      usable                   the phone pane is in the DOM and painted (rAF, then a MessageChannel task)
 *    plus the JavaScript the page loaded before it was usable (decoded bytes of the script resources).
 * 2. `blf.render500`: a console as 1001 on the Kamailio bed with 500 favorites (1002–1004 + 497 unused numbers, which
 *    get a NOTIFY too) shown on the favorites board; once main has a state for all 500, the page is reloaded and the
 *    page reports navigation start → the frame in which all 500 lamps are in the DOM with a state other than
 *    `unknown` (checked once per animation frame).
 * 3. Search as she types and directory tabs: a console whose database holds 100,000 contacts (half Company, half
 *    Personal) and 100,000 calls. Chromium types six words into the search box, letter by letter, 120 ms and 35 ms
 *    between keys; the page reports each keystroke's input event → the frame that paints the answer to it
 *    (`search.keystroke_to_paint.p95`; split into key → query sent → answer in the page → painted), the last key of a
 *    word typed fast → its answer painted (`search.fast_typing_to_paint.p95`), the main-thread work of showing an
 *    answer (`search.render_work.p95`). Then the Personal, Company, History and Search tabs are clicked in turn
 *    (`tabs.<tab>.p50`: the click → the frame that paints the tab's last answer; the first two list a first page of
 *    100 contacts, 500 before 2026-12-07 evening; History 200 calls), and the long tasks (> 50 ms) seen throughout are
 *    counted (`renderer.long_tasks`).
 *
 * Knobs: BENCH_RENDERER_SAMPLES (15), BENCH_RENDERER_SEARCH_ROUNDS (3), BENCH_RENDERER_TAB_ROUNDS (5),
 * BENCH_RENDERER_DIRS (`label=dir,label=dir`: compare renderer builds in the same run against the same main, e.g.
 * `before=/tmp/old-build,after=dist/renderer`; default the current dist/renderer), BENCH_RENDERER_PARTS
 * (`paint,blf,search`).
 * Prints a human summary and `bench <key> <value> <unit>` lines (the first directory's figures carry the plain keys,
 * the others' keys are suffixed with `.<label>`).
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type Page } from '@playwright/test';
import { ContactStore } from '../../electron/storage/contact-store';
import { Database } from '../../electron/storage/db';
import { migrate } from '../../electron/storage/migrate';
import { startConsole, type RunningConsole, ROOT } from '../e2e/console';
import { fillCallHistory, fillContacts } from './lib/directory-data';
import { PAINT_PROBE } from './lib/paint-probe';

const SAMPLES = Number(process.env.BENCH_RENDERER_SAMPLES ?? 15);
const N = 500;
const PARTS = new Set((process.env.BENCH_RENDERER_PARTS ?? 'paint,blf,search').split(',').map((s) => s.trim()));
const DIRS: { label: string; dir: string }[] = (process.env.BENCH_RENDERER_DIRS ?? `current=${join(ROOT, 'dist/renderer')}`)
  .split(',')
  .filter((s) => s.includes('='))
  .map((s) => {
    const [label, dir] = s.split('=') as [string, string];
    return { label: label.trim(), dir: dir.trim() };
  });

// A string: tests/bench is type-checked without the DOM library. Runs before the renderer's own scripts.
const INIT_SCRIPT = `(() => {
  const rec = { fcp: 0, usable: 0, lamps: 0, want: 0 };
  globalThis.__rcBench = rec;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === 'first-contentful-paint' && !rec.fcp) rec.fcp = e.startTime;
    }).observe({ type: 'paint', buffered: true });
  } catch {}
  const channel = new MessageChannel();
  const after = [];
  channel.port1.onmessage = () => { const f = after.shift(); if (f) f(); };
  const painted = (fn) => requestAnimationFrame(() => { after.push(fn); channel.port2.postMessage(0); });
  const want = Number(sessionStorage.getItem('rcBenchLamps') || 0);
  rec.want = want;
  const tick = () => {
    if (!rec.usable && document.querySelector('section.pane.phone')) {
      rec.usable = -1;
      painted(() => { rec.usable = performance.now(); });
    }
    if (want > 0 && !rec.lamps && document.querySelectorAll('[data-favorite]:not([data-state="unknown"])').length >= want) {
      rec.lamps = performance.now();
    }
    if (rec.usable <= 0 || (want > 0 && !rec.lamps)) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (values: number[], p: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f1 = (x: number): string => x.toFixed(1);

/** Polls `expression` in the page (not waitForFunction: the console's CSP forbids its eval). */
async function waitInPage<T>(page: Page, expression: string, what: string, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = (await page.evaluate(expression)) as T;
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `sample` up to 3 times; returns its value and how many retries it took. */
async function withRetry<T>(what: string, sample: () => Promise<T>): Promise<{ value: T; retries: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { value: await sample(), retries: attempt };
    } catch (e) {
      if (attempt >= 2) throw e;
      process.stderr.write(`${what}: retrying after ${(e as Error).message}\n`);
    }
  }
}

interface Paint {
  fcp: number;
  usable: number;
  scriptKiB: number;
}

async function firstPaint(browser: Browser, dir: string): Promise<{ samples: Paint[]; retries: number }> {
  // A SIP "server" that never answers: the account exists, the panes show, nothing registers.
  const sip = dgram.createSocket('udp4');
  await new Promise<void>((r) => sip.bind(0, '127.0.0.1', r));
  let app: RunningConsole | undefined;
  try {
    app = await startConsole({ port: sip.address().port, media: 'rtp' }, {}, ['--renderer-dir', dir]);
    const samples: Paint[] = [];
    let retries = 0;
    // One warm-up load (the host's first files from disk, Chromium's first compile), not counted.
    for (let i = 0; i <= SAMPLES; i++) {
      const r = await withRetry('first paint', async () => {
        const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
        try {
          const page = await context.newPage();
          await page.addInitScript(INIT_SCRIPT);
          await page.goto(app!.url);
          await waitInPage(page, '__rcBench.usable > 0 && __rcBench.fcp > 0', 'the phone pane', 20_000, 20);
          return JSON.parse(
            (await page.evaluate(`JSON.stringify({
              fcp: __rcBench.fcp,
              usable: __rcBench.usable,
              scriptKiB: performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'script' || /\\.js(\\?|$)/.test(e.name))
                .filter((e) => e.responseEnd <= __rcBench.usable).reduce((a, e) => a + (e.decodedBodySize || 0), 0) / 1024,
            })`)) as string,
          ) as Paint;
        } finally {
          await context.close();
        }
      });
      retries += r.retries;
      if (i > 0) samples.push(r.value);
    }
    return { samples, retries };
  } finally {
    await app?.stop();
    sip.close();
  }
}

async function blfRender(browser: Browser, dir: string): Promise<{ samples: number[]; retries: number; settleMs: number }> {
  const exts = ['1002', '1003', '1004', ...Array.from({ length: N - 3 }, (_, i) => String(30000 + i))];
  const app = await startConsole(
    { user: '1001', media: 'rtp' },
    { favorites: exts.map((extension) => ({ extension })), preferences: { language: 'en', favoritesBoard: true } },
    ['--renderer-dir', dir],
  );
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(INIT_SCRIPT);
    // The page's check wants N lamps from the first load on (sessionStorage survives reloads of the tab).
    await page.goto(`${app.url}`);
    await page.evaluate(`sessionStorage.setItem('rcBenchLamps', '${N}')`);
    const t0 = performance.now();
    // Main subscribes to the 500 at start: wait until it has a state for every one (the page shows them all).
    await page.reload();
    await waitInPage(page, `document.querySelectorAll('[data-favorite]:not([data-state="unknown"])').length >= ${N}`, 'main to know all 500 favorites', 120_000, 100);
    const settleMs = performance.now() - t0;
    await sleep(500);
    const samples: number[] = [];
    let retries = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const r = await withRetry('blf render', async () => {
        await page.reload();
        return waitInPage<number>(page, '__rcBench.lamps', 'all 500 lamps after reload', 20_000, 20);
      });
      retries += r.retries;
      samples.push(r.value);
      await sleep(200);
    }
    return { samples, retries, settleMs };
  } finally {
    await context.close();
    await app.stop();
  }
}

// ───────────────────────────── part 3: search as she types ─────────────────────────────

/** Words typed letter by letter into the search box (as in contacts-bench.ts's "typed letter by letter"). */
const SEARCH_WORDS = ['helene', 'lefevre', 'bachedor', 'jean m', 'comptab', 'bjorn'];
const SEARCH_CONTACTS = 100_000;
/** Typing pace: a receptionist's ordinary pace, and a fast typist's. */
const TYPING_MS = 120;
const FAST_TYPING_MS = 35;
const SEARCH_ROUNDS = Number(process.env.BENCH_RENDERER_SEARCH_ROUNDS ?? 3);

// Records, in the page, each value typed into the search box (the input event's time stamp: when the key reached the
// page), each click on a directory tab, and, for each answer to a `contacts.*` or `history.*` command, when the frame
// that shows it was painted (lib/paint-probe.ts), plus the main-thread work that answer cost (handler and Svelte's
// flush, then style/layout/paint) and the 'longtask' entries.
const SEARCH_INIT_SCRIPT = `(() => {
  const rec = { inputs: [], clicks: [], shown: [], longtasks: [], inflight: 0 };
  globalThis.__rcSearch = rec;
  document.addEventListener('input', (e) => {
    if (e.target && e.target.id === 'contacts-search') rec.inputs.push({ value: e.target.value, t: e.timeStamp });
  }, true);
  document.addEventListener('click', (e) => {
    const tab = e.target && e.target.closest && e.target.closest('[role=tab]');
    if (tab) rec.clicks.push({ tab: tab.textContent.trim(), t: e.timeStamp });
  }, true);
  const asked = new Map();
  const RES = /^\\{"t":"res","id":(\\d+)/;
  ${PAINT_PROBE}
  probeSocket({
    sent: (data) => {
      if (typeof data !== 'string' || !/"name":"(contacts|history)\\./.test(data)) return;
      try { const f = JSON.parse(data); if (f.t === 'cmd') asked.set(f.id, { name: f.name, query: f.args.query, sent: performance.now() }); } catch {}
    },
    arrived: (event) => {
      const m = typeof event.data === 'string' ? RES.exec(event.data.slice(0, 40)) : null;
      const id = m ? Number(m[1]) : -1;
      const fields = asked.get(id);
      if (!fields) return undefined;
      asked.delete(id);
      rec.inflight++;
      return fields;
    },
    shown: (s) => { rec.shown.push(s); rec.inflight--; },
  });
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) rec.longtasks.push(e.duration); }).observe({ type: 'longtask' });
  } catch {}
})();`;

interface SearchInput {
  value: string;
  t: number;
}
interface SearchShown {
  name: string;
  query?: string;
  sent: number;
  t0: number;
  flushed: number;
  frame: number;
  painted: number;
}
/** Directory tabs clicked in turn (the Personal and Company tabs list a first page of 100 contacts, History 200 calls). */
const TABS = ['Personal', 'Company', 'History', 'Favorites', 'Search'];
const TAB_ROUNDS = Number(process.env.BENCH_RENDERER_TAB_ROUNDS ?? 5);

interface SearchRun {
  /** Each keystroke at typing pace → the frame showing the results for what was typed. */
  paced: number[];
  /** The last keystroke of a word typed fast → the frame showing its results. */
  fast: number[];
  /** Keystrokes at typing pace whose results were never shown. */
  unshown: number;
  /** Main-thread work of showing one answer (script + rendering). */
  work: number[];
  /** Where the paced keystrokes' time went: key → query sent, sent → answer arrived (main and back), arrived → painted. */
  toSend: number[];
  roundTrip: number[];
  toPaint: number[];
  longtasks: number[];
  fillMs: number;
  /** Per tab: click → the frame showing its last answer; the main-thread work of its largest answer. */
  tabs: Map<string, { shown: number[]; work: number[] }>;
}

/** A console whose database holds SEARCH_CONTACTS contacts and as many calls (written here, closed before it starts). */
async function searchConsole(dir: string): Promise<{ app: RunningConsole; dataDir: string; sip: dgram.Socket; fillMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-bench-search-'));
  const t = performance.now();
  const db = await Database.open(join(dataDir, 'contacts.sqlite'));
  await migrate(db);
  const store = new ContactStore(db, { defaultCountry: 'FR' });
  const company = (await store.ensureDirectory('company', 'Company')).id;
  const personal = (await store.ensureDirectory('personal', 'Personal')).id;
  await fillContacts(db, store, { company, personal }, SEARCH_CONTACTS);
  await fillCallHistory(db, SEARCH_CONTACTS);
  await db.close();
  const fillMs = performance.now() - t;
  const sip = dgram.createSocket('udp4');
  await new Promise<void>((r) => sip.bind(0, '127.0.0.1', r));
  // 500 favorites too (their server never answers: their lamps stay unknown, their rows are there all the same).
  const favorites = Array.from({ length: N }, (_, i) => ({ extension: String(30000 + i) }));
  const app = await startConsole({ port: sip.address().port, media: 'rtp' }, { favorites }, ['--renderer-dir', dir, '--data-dir', dataDir]);
  return { app, dataDir, sip, fillMs };
}

async function searchAsTyped(browser: Browser, dir: string): Promise<SearchRun> {
  const { app, dataDir, sip, fillMs } = await searchConsole(dir);
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(SEARCH_INIT_SCRIPT);
    await page.goto(app.url);
    const box = page.locator('#contacts-search');
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    const read = async (): Promise<{ inputs: SearchInput[]; clicks: { tab: string; t: number }[]; shown: SearchShown[]; longtasks: number[] }> =>
      JSON.parse((await page.evaluate('JSON.stringify({ inputs: __rcSearch.inputs, clicks: __rcSearch.clicks, shown: __rcSearch.shown, longtasks: __rcSearch.longtasks })')) as string);
    const reset = (): Promise<unknown> => page.evaluate('__rcSearch.inputs = []; __rcSearch.clicks = []; __rcSearch.shown = []; __rcSearch.longtasks = []');
    const answered = (s: SearchShown): boolean => s.name === 'contacts.search';
    const shownFor = (word: string): string =>
      `__rcSearch.inflight === 0 && __rcSearch.shown.some((s) => s.name === 'contacts.search' && s.query === ${JSON.stringify(word)}) && document.querySelectorAll('#contacts-results [role=option]').length > 0`;
    const typeWord = async (word: string, delay: number): Promise<void> => {
      await box.fill('');
      await sleep(300);
      await box.focus();
      await page.keyboard.type(word, { delay });
      await waitInPage(page, shownFor(word), `the results for "${word}"`, 10_000, 20);
    };
    // Warm-up: every word once, not counted (Chromium's first compile, the worker's first pages).
    for (const word of SEARCH_WORDS) await typeWord(word, TYPING_MS);
    const run: SearchRun = { paced: [], fast: [], unshown: 0, work: [], toSend: [], roundTrip: [], toPaint: [], longtasks: [], fillMs, tabs: new Map() };
    for (let round = 0; round < SEARCH_ROUNDS; round++) {
      for (const word of SEARCH_WORDS) {
        await reset();
        await typeWord(word, TYPING_MS);
        const { inputs, shown, longtasks } = await read();
        for (const input of inputs.filter((i) => i.value !== '')) {
          const s = shown.find((x) => answered(x) && x.query === input.value && x.painted > input.t);
          if (!s) {
            run.unshown++;
            continue;
          }
          run.paced.push(s.painted - input.t);
          run.toSend.push(s.sent - input.t);
          run.roundTrip.push(s.t0 - s.sent);
          run.toPaint.push(s.painted - s.t0);
        }
        for (const s of shown.filter(answered)) run.work.push(s.flushed - s.t0 + (s.painted - s.frame));
        run.longtasks.push(...longtasks);
      }
      for (const word of SEARCH_WORDS) {
        await reset();
        await typeWord(word, FAST_TYPING_MS);
        const { inputs, shown, longtasks } = await read();
        const last = inputs.filter((i) => i.value === word).at(-1);
        const s = last && shown.find((x) => answered(x) && x.query === word && x.painted > last.t);
        if (last && s) run.fast.push(s.painted - last.t);
        run.longtasks.push(...longtasks);
      }
    }
    await box.fill('');
    for (let round = 0; round <= TAB_ROUNDS; round++) {
      for (const tab of TABS) {
        await reset();
        await page.getByRole('tab', { name: tab, exact: true }).click();
        // Everything the tab asked is answered and painted, and nothing more came for 300 ms.
        let count = -1;
        for (;;) {
          await sleep(300);
          const now = (await page.evaluate('__rcSearch.inflight === 0 ? __rcSearch.shown.length : -1')) as number;
          if (now >= 0 && now === count) break;
          count = now;
        }
        const { clicks, shown, longtasks } = await read();
        const click = clicks.at(-1);
        if (round === 0 || !click || shown.length === 0) continue; // round 0 warms up
        const entry = run.tabs.get(tab) ?? { shown: [], work: [] };
        run.tabs.set(tab, entry);
        entry.shown.push(Math.max(...shown.map((x) => x.painted)) - click.t);
        entry.work.push(Math.max(...shown.map((x) => x.flushed - x.t0 + (x.painted - x.frame))));
        run.longtasks.push(...longtasks);
      }
    }
    return run;
  } finally {
    await context.close();
    await app.stop();
    sip.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const bench = (key: string, label: string, first: boolean, value: string, unit: string): void =>
    void process.stdout.write(`bench ${key}${first ? '' : `.${label}`} ${value} ${unit}\n`);
  try {
    for (const [index, { label, dir }] of DIRS.entries()) {
      const first = index === 0;
      if (PARTS.has('paint')) {
        const { samples, retries } = await firstPaint(browser, dir);
        const fcp = samples.map((s) => s.fcp);
        const usable = samples.map((s) => s.usable);
        process.stdout.write(
          `renderer-bench [${label}] first paint over ${samples.length} cold loads (${retries} retries), ${f1(pct(samples.map((s) => s.scriptKiB), 50))} KiB of script before usable:\n` +
            `  navigation → first contentful paint  p50 ${f1(pct(fcp, 50))} ms  p95 ${f1(pct(fcp, 95))} ms\n` +
            `  navigation → phone pane painted       p50 ${f1(pct(usable, 50))} ms  p95 ${f1(pct(usable, 95))} ms\n`,
        );
        bench('renderer.first_paint', label, first, f1(pct(fcp, 50)), 'ms');
        bench('renderer.usable', label, first, f1(pct(usable, 50)), 'ms');
        bench('renderer.script_at_start', label, first, f1(pct(samples.map((s) => s.scriptKiB), 50)), 'KiB');
      }
      if (PARTS.has('blf')) {
        const { samples, retries, settleMs } = await blfRender(browser, dir);
        process.stdout.write(
          `renderer-bench [${label}] ${N} favorites: main knew all after ${(settleMs / 1000).toFixed(1)} s; page reload → all ${N} lamps shown over ${samples.length} reloads (${retries} retries):\n` +
            `  p50 ${f1(pct(samples, 50))} ms  p95 ${f1(pct(samples, 95))} ms  max ${f1(Math.max(...samples))} ms\n`,
        );
        bench('blf.render500', label, first, f1(pct(samples, 50)), 'ms');
        bench('blf.render500.p95', label, first, f1(pct(samples, 95)), 'ms');
      }
      if (PARTS.has('search')) {
        const r = await searchAsTyped(browser, dir);
        const line = (xs: number[]): string => `p50 ${f1(pct(xs, 50))} ms  p95 ${f1(pct(xs, 95))} ms  max ${f1(Math.max(...xs))} ms  (n=${xs.length})`;
        process.stdout.write(
          `renderer-bench [${label}] search box, ${SEARCH_CONTACTS.toLocaleString('en')} contacts (filled in ${(r.fillMs / 1000).toFixed(1)} s), ${SEARCH_ROUNDS} rounds of ${SEARCH_WORDS.length} words:\n` +
            `  keystroke → its results painted, ${TYPING_MS} ms between keys   ${line(r.paced)}` + (r.unshown ? `  (${r.unshown} keystrokes never shown)` : '') + '\n' +
            `    of which key → query sent  ${line(r.toSend)}\n` +
            `             sent → answer in the page (main, worker and back)  ${line(r.roundTrip)}\n` +
            `             answer → painted (incl. the wait for the next frame)  ${line(r.toPaint)}\n` +
            `  last key of a word typed ${FAST_TYPING_MS} ms apart → its results   ${line(r.fast)}\n` +
            `  main-thread work to show one answer (script + rendering)    ${line(r.work)}\n` +
            [...r.tabs].map(([tab, x]) => `  ${tab} tab clicked → its answer painted  ${line(x.shown)};  work of its largest answer p95 ${f1(pct(x.work, 95))} ms\n`).join('') +
            `  long tasks (> 50 ms) while typing and switching tabs: ${r.longtasks.length}${r.longtasks.length ? `, longest ${f1(Math.max(...r.longtasks))} ms` : ''}\n`,
        );
        bench('search.keystroke_to_paint.p95', label, first, f1(pct(r.paced, 95)), 'ms');
        bench('search.fast_typing_to_paint.p95', label, first, f1(pct(r.fast, 95)), 'ms');
        bench('search.render_work.p95', label, first, f1(pct(r.work, 95)), 'ms');
        for (const [tab, x] of r.tabs) bench(`tabs.${tab.toLowerCase()}.p50`, label, first, f1(pct(x.shown, 50)), 'ms');
        bench('renderer.long_tasks', label, first, String(r.longtasks.length), 'count');
        if (r.longtasks.length) bench('renderer.long_task_max', label, first, f1(Math.max(...r.longtasks)), 'ms');
      }
    }
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
