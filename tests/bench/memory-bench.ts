/**
 * Main-process memory bench (issue 14, key `rss.main`): the web host — the process that hosts every main service —
 * with a contacts database of 100,000 contacts and 100,000 history rows (written with the project's own stores),
 * registered as 1001 on the Kamailio bed with 500 monitored favorites (1002–1004 + unused numbers), the console open
 * in Debian Chromium. Once everything has settled (every watch has a state, a search and a history query answered),
 * the host's resident memory is read from /proc/<pid>/status (VmRSS) several times after a garbage collection (the
 * host runs with --expose-gc for the bench only; its token-protected /memory route collects and reports
 * `process.memoryUsage()`). Prints a table and `bench rss.main <MiB> MiB`. Numbers only, no pass/fail.
 *
 * `BENCH_MEMORY_VARIANTS=1` also measures the host without favorites and with an empty database (what each costs);
 * `BENCH_NODE_FLAGS="…"` passes extra node flags to the host (experiments; `--semi-space-growth-factor=2` shows the
 * memory without young-generation.ts), and `BENCH_MEMORY_SIGNAL=SIGWINCH` sends that signal to the host after the
 * measure (with `--heapsnapshot-signal=SIGWINCH --diagnostic-dir=DIR`: a heap snapshot of the settled host).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import WebSocket from 'ws';
import { ContactStore } from '../../electron/storage/contact-store';
import { Database } from '../../electron/storage/db';
import { migrate } from '../../electron/storage/migrate';
import { hangupAll, waitFor } from '../testbed/baresip';
import { fillCallHistory, fillContacts } from './lib/directory-data';

const ROOT = join(__dirname, '..', '..');
const FAVORITES = 500;
const ROWS = 100_000;
const MiB = 1024 * 1024;

/** contacts.sqlite with ROWS contacts (half company, half personal) and ROWS call-history rows. */
async function fillDatabase(file: string): Promise<void> {
  const db = await Database.open(file);
  try {
    await migrate(db);
    const store = new ContactStore(db, { defaultCountry: 'FR' });
    const company = (await store.ensureDirectory('company', 'Company')).id;
    const personal = (await store.ensureDirectory('personal', 'Personal')).id;
    // The contacts bench's directory, without its favorites and extensions: the favorites here come from provisioning.
    await fillContacts(db, store, { company, personal }, ROWS, { favorites: false, extensions: false });
    await fillCallHistory(db, ROWS);
  } finally {
    await db.close();
  }
}

interface Host {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function startHost(dir: string, favorites: number, dataDir: string): Promise<Host> {
  const provision = join(dir, `provision-${favorites}.json`);
  const exts = ['1002', '1003', '1004', ...Array.from({ length: Math.max(0, favorites - 3) }, (_, i) => String(30000 + i))].slice(0, favorites);
  writeFileSync(provision, JSON.stringify({
    accounts: [{ server: '127.0.0.1', port: 5060, transport: 'udp', user: '1001', password: 'secret', displayName: 'Reception', media: 'auto' }],
    preferences: { language: 'en' },
    favorites: exts.map((extension) => ({ extension })),
  }));
  // As the product runs it (a log file with the SIP trace), plus --expose-gc so /memory?gc=1 can collect first.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--expose-gc', ...flags, join(ROOT, 'dist/web-host/cli.js'), '--port', '0', '--provision', provision,
    '--data-dir', dataDir, '--log-file', join(dir, `console-${favorites}.log`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 60_000);
    child.once('exit', (c) => reject(new Error(`host exited ${c}:\n${out}`)));
    child.stdout!.on('data', () => {
      const m = /Console: (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        child,
        output: () => out,
        stop: () => new Promise<void>((r) => {
          if (child.exitCode !== null) return r();
          child.once('exit', () => r());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 6000).unref();
        }),
      });
    });
  });
}

/** One WebSocket session on the host's contract: the snapshot, then commands. */
async function rpc(url: string): Promise<{ snapshot: Record<string, unknown>; call: (name: string, args: unknown) => Promise<unknown>; close: () => void }> {
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/rpc?token=${u.searchParams.get('token')}`);
  const pending = new Map<number, (r: unknown) => void>();
  let next = 1;
  const snapshot = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no snapshot')), 15_000);
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { t: string; id?: number; name?: string; payload?: Record<string, unknown>; result?: unknown };
      if (f.t === 'evt' && f.name === 'snapshot') {
        clearTimeout(timer);
        resolve(f.payload ?? {});
      } else if (f.t === 'res' && f.id !== undefined) pending.get(f.id)?.(f.result);
    });
    ws.on('error', reject);
  });
  return {
    snapshot,
    call: (name, args) => new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => reject(new Error(`${name}: no answer`)), 30_000);
      pending.set(id, (r) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(r);
      });
      ws.send(JSON.stringify({ t: 'cmd', id, name, args }));
    }),
    close: () => ws.close(),
  };
}

const vmRssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const KEYS = ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers', 'newSpace', 'oldSpace', 'codeSpace', 'largeObjects', 'malloced'] as const;
type Reading = Record<(typeof KEYS)[number], number>;

/** Median of `n` readings, one a second, each after a garbage collection in the host. */
async function measure(host: Host, n = 5): Promise<Reading> {
  const readings: Reading[] = [];
  for (let i = 0; i < n; i++) {
    const m = (await (await fetch(`${host.url.replace(/\/\?token=/, '/memory?gc=1&token=')}`)).json()) as Record<string, number>;
    await new Promise((r) => setTimeout(r, 1000));
    readings.push({ ...Object.fromEntries(KEYS.map((k) => [k, (m[k] ?? NaN) / MiB])), rss: vmRssMiB(host.child.pid!) } as Reading);
  }
  const med = (k: keyof Reading): number => readings.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(n / 2)]!;
  return Object.fromEntries(KEYS.map((k) => [k, med(k)])) as Reading;
}

/** Starts the host on `dataDir`, opens the console, waits until it has settled, measures, stops. */
async function scenario(label: string, dir: string, dataDir: string, favorites: number, withData: boolean): Promise<Reading> {
  const host = await startHost(dir, favorites, dataDir);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
  try {
    await waitFor('registered as 1001', async () => {
      const s = await rpc(host.url);
      s.close();
      return Object.values((s.snapshot.registrations ?? {}) as Record<string, { state: string }>).some((r) => r.state === 'registered');
    }, 60_000, 500);
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.locator('.registration', { hasText: 'Registered' }).waitFor({ timeout: 30_000 });
    // Every watch has a state: a fresh snapshot each poll (independent of how presence events are batched).
    let polls = 0;
    await waitFor('all favorites have a state', async () => {
      polls++;
      const s = await rpc(host.url);
      s.close();
      const favs = (s.snapshot.favorites ?? []) as { state: string }[];
      return favs.length === favorites && favs.every((f) => f.state !== 'unknown');
    }, 120_000, 500);
    const session = await rpc(host.url);
    let retries = 0;
    const command = async (name: string, args: unknown, check: (v: unknown) => boolean): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        const r = (await session.call(name, args)) as { ok: boolean; value?: unknown; error?: unknown };
        if (r.ok && check(r.value)) return;
        if (attempt >= 2) throw new Error(`${name}: ${JSON.stringify(r.error ?? r.value).slice(0, 200)}`);
        retries++;
        await new Promise((res) => setTimeout(res, 1000));
      }
    };
    const some = (v: unknown): boolean => !withData || (Array.isArray(v) && v.length > 0);
    await command('contacts.search', { query: 'helene ba' }, some);
    await command('contacts.search', { query: '0600' }, some);
    await command('history.list', { limit: 100 }, some);
    await command('history.list', { text: '1234', limit: 100 }, some);
    session.close();
    await new Promise((r) => setTimeout(r, 2000)); // let the subscriptions' and queries' garbage be collected
    const m = await measure(host);
    const signal = process.env.BENCH_MEMORY_SIGNAL as NodeJS.Signals | undefined;
    if (signal) {
      host.child.kill(signal); // e.g. with BENCH_NODE_FLAGS="--heapsnapshot-signal=SIGWINCH --diagnostic-dir=DIR"
      await new Promise((r) => setTimeout(r, 15_000));
    }
    const f = (v: number): string => v.toFixed(1).padStart(5);
    console.log(`${label.padEnd(50)} rss ${f(m.rss)} MiB | heap used ${f(m.heapUsed)} of ${f(m.heapTotal)} (new ${f(m.newSpace)}, old ${f(m.oldSpace)}, code ${f(m.codeSpace)}, large ${f(m.largeObjects)}) | external ${f(m.external)}, array buffers ${f(m.arrayBuffers)}, V8 malloc ${f(m.malloced)} MiB | ${polls} polls, ${retries} retries`);
    return m;
  } catch (e) {
    console.error(`host output:\n${host.output().slice(-3000)}`);
    throw e;
  } finally {
    await browser.close();
    await host.stop();
  }
}

async function main(): Promise<void> {
  await hangupAll();
  const dir = mkdtempSync(join(tmpdir(), 'rc-memory-bench-'));
  try {
    const template = join(dir, 'template.sqlite');
    const t = performance.now();
    await fillDatabase(template);
    console.log(`database: ${ROWS} contacts + ${ROWS} history rows written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const dataDir = (name: string, filled: boolean): string => {
      const d = join(dir, name);
      mkdirSync(d);
      if (filled) copyFileSync(template, join(d, 'contacts.sqlite'));
      return d;
    };
    if (process.env.BENCH_MEMORY_VARIANTS === '1') {
      await scenario('empty database, no favorites', dir, dataDir('bare', false), 0, false);
      await scenario(`empty database, ${FAVORITES} favorites`, dir, dataDir('blf', false), FAVORITES, false);
      await scenario(`${ROWS} contacts + ${ROWS} history, no favorites`, dir, dataDir('data', true), 0, true);
    }
    const full = await scenario(`${ROWS} contacts + ${ROWS} history, ${FAVORITES} BLF`, dir, dataDir('full', true), FAVORITES, true);
    console.log(`bench rss.main ${full.rss.toFixed(1)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
