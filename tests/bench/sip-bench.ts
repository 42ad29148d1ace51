/**
 * Benchmarks for the spine (issues #2 and #14). Prints numbers, asserts nothing.
 *  - cold start → registered: spawn the web host with a provisioning file, time until the account is registered.
 *  - INVITE → ringing visible (upper bound): baresip 1002 calls the console; t0 = just before baresip is told to dial.
 *  - ring.p95: sipp sends INVITEs through Kamailio; t0 = the time sipp logged sending the INVITE (its message trace),
 *    t1 = the incoming-call row with that caller ("RB<call number>") appears in the page (same machine clock).
 *  - ring180.ratio_vs_baresip: the same sipp run alternates INVITEs to the console (1001) and to baresip 1002; INVITE
 *    sent → 180 Ringing received, per target, from the same trace; the ratio of the p95s.
 *  - ring180.in_console.p50 (information): the console's own share of that, from its UDP `message` event to its 180
 *    handed to the socket, logged by a preload in the host (lib/invite-timing.cjs: a regular expression per INVITE
 *    and per 180, an asynchronous append after the 180); the rest is the network, Kamailio and waking the process.
 *  - ring_during_import.p95: as ring.p95, while the console imports a 50,000-row Outlook CSV through its real
 *    contacts.importChunk / importPreview / importCommit commands (the web host's WebSocket contract), again and again;
 *    only calls whose INVITE left while an import ran count.
 * Needs the test bed (scripts/bench.sh starts it).
 * Diagnostics: BENCH_DEBUG=1 also prints, per call, when its event reached the page (transport vs rendering) and where
 * in the import each "during" call fell; BENCH_PROFILE=file writes the renderer's CPU profile over the idle run
 * (open it in Chromium's DevTools). That is how the ringer was found inside the render flush (ring.p95 39 → 20 ms).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { IMPORT_CHUNK_BASE64 } from '../../electron/contract/contacts';
import { freeMediaPort, freeUdpPort } from '../testbed/asterisk/sipp';
import { baresip, baresipCalls, waitFor } from '../testbed/baresip';

const ROOT = join(__dirname, '..', '..');
const CALLS = Number(process.env.BENCH_CALLS ?? 50);
/** sipp calls per target for ring.p95 / ring180 (alternating console and baresip: twice as many INVITEs). */
const SIPP_CALLS = Number(process.env.BENCH_RING_CALLS ?? 60);
/** Calls wanted while an import runs (ring_during_import.p95). */
const IMPORT_CALLS = Number(process.env.BENCH_IMPORT_CALLS ?? 40);
const BARESIP_TARGET = '1002';

function provision(): string {
  const f = join(mkdtempSync(join(tmpdir(), 'rc-bench-')), 'p.json');
  writeFileSync(f, JSON.stringify({ accounts: [{ server: '127.0.0.1', port: 5060, transport: 'udp', user: '1001', password: 'secret' }] }));
  return f;
}

/** Where the host's preload (lib/invite-timing.cjs) writes each INVITE's time to its 180 inside the console. */
const INVITE_LOG = join(mkdtempSync(join(tmpdir(), 'rc-bench-invite-')), 'invite-180.log');

/** The console's own INVITE → 180 times (ms) logged between two instants (epoch ms). */
function inConsole(from: number, to: number): number[] {
  if (!existsSync(INVITE_LOG)) return [];
  return readFileSync(INVITE_LOG, 'utf8')
    .split('\n')
    .map((line) => line.split(' ').map(Number) as [number, number])
    .filter(([at, ms]) => at >= from && at <= to && Number.isFinite(ms))
    .map(([, ms]) => ms);
}

function startHost(file: string): Promise<{ url: string; t0: number; kill: () => Promise<void> }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_HOST_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--require',
      join(__dirname, 'lib', 'invite-timing.cjs'),
      join(ROOT, 'dist/web-host/cli.js'),
      '--port',
      '0',
      '--provision',
      file,
      '--in-memory',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RC_BENCH_INVITE_LOG: INVITE_LOG } },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Console: (\S+)/.exec(out);
      if (m) {
        resolve({
          url: m[1]!,
          t0,
          kill: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }),
        });
      }
    });
    child.once('exit', (c) => reject(new Error(`host exited ${c}`)));
  });
}

function registeredAt(url: string): Promise<number> {
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/rpc?token=${u.searchParams.get('token')}`);
  return new Promise((resolve, reject) => {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { name?: string; payload?: { registrations?: Record<string, { state: string }>; registration?: { state: string } } };
      const snapshotOk = f.name === 'snapshot' && Object.values(f.payload?.registrations ?? {}).some((r) => r.state === 'registered');
      if (snapshotOk || (f.name === 'registration.changed' && f.payload?.registration?.state === 'registered')) {
        const t = performance.now();
        ws.close();
        resolve(t);
      }
    });
    ws.on('error', reject);
  });
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function coldStart(): Promise<void> {
  const file = provision();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const host = await startHost(file);
    const t = await registeredAt(host.url);
    times.push(t - host.t0);
    await host.kill();
  }
  console.log(`cold start → registered (web host process spawn to 200 OK), ${times.length} runs: ` +
    `p50 ${pct(times, 50).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms`);
}

async function ringingLatency(): Promise<void> {
  const host = await startHost(provision());
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    await registeredAt(host.url);
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.locator('.registration', { hasText: 'Registered' }).waitFor();
    // A string, because this file is type-checked without the DOM library (main-process code must not see it).
    // Ringing is visible when a line shows a new call in the "incoming" state (Svelte may reuse the row element).
    await page.evaluate(`
      globalThis.__ringSeen = [];
      const seen = new Set();
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('li.call.incoming')) {
          const id = el.getAttribute('data-call-id');
          if (!seen.has(id)) { seen.add(id); globalThis.__ringSeen.push(Date.now()); }
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
    `);
    const lat: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const seenBefore = await page.evaluate(() => (globalThis as unknown as { __ringSeen: number[] }).__ringSeen.length);
      const t0 = Date.now();
      await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
      const t1 = await waitFor('ringing row', async () => {
        const seen = await page.evaluate(() => (globalThis as unknown as { __ringSeen: number[] }).__ringSeen);
        return seen.length > seenBefore ? seen[seen.length - 1] : undefined;
      }, 10_000, 5);
      lat.push(t1 - t0);
      await baresip('1002', 'hangup');
      await waitFor('1002 idle', async () => !/sip:/.test(await baresipCalls('1002')), 5000, 20);
    }
    console.log(`INVITE → ringing visible (baresip dial command to row in the DOM), ${lat.length} calls: ` +
      `p50 ${pct(lat, 50)} ms, p95 ${pct(lat, 95)} ms, max ${Math.max(...lat)} ms`);
  } finally {
    await browser.close();
    await host.kill();
  }
}

// ─── issue 14: ring latency with sipp (t0 = the INVITE as sipp sent it) ───────────────────────────────────────────────

interface SippCall {
  /** sipp's call number: the From display name is "RB<n>". */
  readonly n: number;
  readonly target: string;
  /** Epoch ms (sub-ms) when sipp sent the INVITE / received the 180 (its message trace). */
  readonly invite: number;
  ringing?: number;
}

const debug = (what: string): void => {
  if (process.env.BENCH_DEBUG) console.error(`[sip-bench ${new Date().toISOString()}] ${what}`);
};

const SIPP_WORK = mkdtempSync(join(tmpdir(), 'rc-bench-sipp-'));

/** "2026-12-03 18:53:37.865297" (sipp's local time) → epoch ms. */
function traceTime(stamp: string): number {
  const m = /^(\d+)-(\d+)-(\d+)\s+(\d+):(\d+):(\d+)(\.\d+)?$/.exec(stamp.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec, frac] = m;
  return new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +sec!).getTime() + Number(frac ?? 0) * 1000;
}

/** The INVITEs sipp sent and the 180s it received, per call, from its `-trace_msg` file. */
export function parseSippTrace(text: string): SippCall[] {
  const calls = new Map<string, SippCall>();
  for (const block of text.split(/^-{20,} /m).slice(1)) {
    const nl = block.indexOf('\n');
    const at = traceTime(block.slice(0, nl));
    const body = block.slice(nl + 1);
    const sent = /^UDP message sent/.test(body);
    const msg = body.replace(/^UDP message (sent|received)[^\n]*\n\n?/, '');
    const first = msg.split(/\r?\n/, 1)[0] ?? '';
    const callId = /^Call-ID:\s*(\S+)/im.exec(msg)?.[1];
    const cseq = /^CSeq:\s*\d+\s+(\w+)/im.exec(msg)?.[1];
    if (!callId || cseq !== 'INVITE') continue;
    const invite = /^INVITE sip:([^@]+)@/.exec(first);
    if (sent && invite && !calls.has(callId)) {
      calls.set(callId, { n: Number(/^(\d+)-/.exec(callId)?.[1] ?? NaN), target: invite[1]!, invite: at });
    } else if (!sent && /^SIP\/2\.0 180 /.test(first)) {
      const c = calls.get(callId);
      if (c && c.ringing === undefined) c.ringing = at;
    }
  }
  return [...calls.values()];
}

/**
 * One sipp run: INVITEs to `targets` in turn (through Kamailio, from an outside domain: no digest), each rung for
 * `ringMs` then CANCELled. Returns the calls from sipp's message trace and how many sipp counted as failed.
 */
async function sippRing(targets: readonly string[], o: { ringMs: number; gapMs: number; limit: number }): Promise<{ calls: SippCall[]; failed: number }> {
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const scenario = join(SIPP_WORK, `ring-${tag}.xml`);
  writeFileSync(
    scenario,
    readFileSync(join(ROOT, 'tests/testbed/sipp/uac_ring_cancel.xml'), 'utf8').replaceAll('@RING_MS@', String(o.ringMs)).replaceAll('@GAP_MS@', String(o.gapMs)),
  );
  const inf = join(SIPP_WORK, `targets-${tag}.csv`);
  writeFileSync(inf, `SEQUENTIAL\n${targets.map((t) => `${t};`).join('\n')}\n`);
  const trace = join(SIPP_WORK, `msgs-${tag}.log`);
  const args = [
    '127.0.0.1:5060', '-sf', scenario, '-inf', inf, '-i', '127.0.0.1', '-p', String(await freeUdpPort()), '-mp', String(freeMediaPort()),
    '-m', String(targets.length), '-l', String(o.limit), '-r', '20', '-trace_msg', '-message_file', trace, '-nostdin',
    '-timeout', `${Math.ceil(targets.length * 3 + 20)}s`, '-timeout_error', '-recv_timeout', '8000',
  ];
  const out = await new Promise<string>((resolve) => {
    execFile('sipp', args, { cwd: SIPP_WORK, timeout: (targets.length * 3 + 40) * 1000 }, (_e, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  const failed = Number(/Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out)?.[1] ?? 0);
  let text = '';
  try {
    text = readFileSync(trace, 'utf8');
  } catch {
    throw new Error(`sipp wrote no trace:\nsipp ${args.join(' ')}\n${out}`);
  }
  return { calls: parseSippTrace(text), failed };
}

/** Records when each incoming-call row first shows caller "RB<n>" (epoch ms, sub-ms), keyed by sipp call number. */
async function watchRingRows(page: Page): Promise<void> {
  // A string, because this file is type-checked without the DOM library (main-process code must not see it).
  await page.evaluate(`
    globalThis.__rbSeen = {};
    const scan = () => {
      const now = performance.timeOrigin + performance.now();
      for (const el of document.querySelectorAll('li.call.incoming')) {
        const m = /RB(\\d+)/i.exec(el.textContent || '');
        if (m && !(m[1] in globalThis.__rbSeen)) globalThis.__rbSeen[m[1]] = now;
      }
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['class'] });
  `);
}

/** BENCH_DEBUG: when each call's first event reached the page (splits "visible" into transport and rendering). */
async function traceCallEvents(page: Page): Promise<void> {
  await page.addInitScript(`
    globalThis.__rbMsg = {};
    const Native = WebSocket;
    globalThis.WebSocket = class extends Native {
      constructor(...a) {
        super(...a);
        this.addEventListener('message', (e) => {
          const m = typeof e.data === 'string' && /"call\\.changed".*?RB(\\d+)/i.exec(e.data);
          if (m && !(m[1] in globalThis.__rbMsg)) globalThis.__rbMsg[m[1]] = performance.timeOrigin + performance.now();
        });
      }
    };
  `);
}

/** sipp numbers its calls from 1 in every run: forget the previous run's rows. */
async function resetRingRows(page: Page): Promise<void> {
  await page.evaluate('globalThis.__rbSeen = {}; globalThis.__rbMsg = {}');
}

async function ringRows(page: Page): Promise<Record<string, number>> {
  return page.evaluate('globalThis.__rbSeen') as Promise<Record<string, number>>;
}

/** A minimal client of the web host's WebSocket contract (`{t:'cmd', id, name, args}` → `{t:'res', id, result}`). */
class Rpc {
  readonly #ws: WebSocket;
  #next = 1;
  readonly #pending = new Map<number, (r: { ok: boolean; value?: unknown; error?: unknown }) => void>();
  readonly opened: Promise<void>;
  constructor(url: string) {
    const u = new URL(url);
    this.#ws = new WebSocket(`ws://${u.host}/rpc?token=${u.searchParams.get('token')}`);
    this.opened = new Promise((resolve, reject) => {
      this.#ws.once('open', () => resolve());
      this.#ws.once('error', reject);
    });
    this.#ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { t?: string; id?: number; result?: { ok: boolean } };
      if (f.t === 'res' && typeof f.id === 'number') {
        this.#pending.get(f.id)?.(f.result!);
        this.#pending.delete(f.id);
      }
    });
  }
  invoke<T>(name: string, args: unknown): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no answer in 120 s`)), 120_000);
      this.#pending.set(id, (r) => {
        clearTimeout(timer);
        if (r.ok) resolve(r.value as T);
        else reject(new Error(`${name}: ${JSON.stringify(r.error)}`));
      });
      this.#ws.send(JSON.stringify({ t: 'cmd', id, name, args }));
    });
  }
  close(): void {
    this.#ws.close();
  }
}

/** A 50,000-row Outlook CSV like the contacts bench's (UTF-8 with BOM, quoted cells, accents, a few multi-line notes). */
function outlookCsv50k(): Buffer {
  const first = ['Hélène', 'Jean', 'Marie', 'Pierre', 'Zoë', 'François', 'Anaïs', 'Loïc', 'Émilie', 'Noël', 'John', 'Mary'];
  const lines = ['"Title","First Name","Middle Name","Last Name","Suffix","Company","Department","Job Title","Business Phone","Mobile Phone","E-mail Address","Notes"'];
  for (let i = 0; i < 50_000; i++) {
    const mobile = i % 2 === 0 ? `+33 6 ${String(i).padStart(8, '0').replace(/(..)(?=.)/g, '$1 ')}` : '';
    const work = `0${1 + (i % 5)} ${String(10 + (i % 90))} ${String(Math.floor(i / 90) % 100).padStart(2, '0')} ${String(i % 100).padStart(2, '0')} 00`;
    lines.push(
      ['', first[i % first.length]!, '', `Nom${i}`, '', i % 3 ? 'Acme' : 'Électricité Générale', i % 3 === 0 ? 'Comptabilité' : 'Ventes', 'Staff', work, mobile, `user${i}@example.com`, i % 50 === 0 ? 'Line 1\r\nLine 2, "quoted"' : '']
        .map((v) => `"${v.replace(/"/g, '""')}"`)
        .join(','),
    );
  }
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** Uploads and imports `file` into the Outlook directory through the contract; returns [start, end] of preview+commit. */
async function importThroughContract(rpc: Rpc, file: Buffer): Promise<[number, number]> {
  const data = file.toString('base64');
  let uploadId: string | undefined;
  for (let i = 0; i < data.length; i += IMPORT_CHUNK_BASE64) {
    const r = await rpc.invoke<{ uploadId: string }>('contacts.importChunk', {
      ...(uploadId ? { uploadId } : { fileName: 'bench-50k.csv', size: file.length }),
      data: data.slice(i, i + IMPORT_CHUNK_BASE64),
    });
    uploadId = r.uploadId;
  }
  const start = Date.now();
  await rpc.invoke('contacts.importPreview', { uploadId, limit: 5 });
  await rpc.invoke('contacts.importCommit', { uploadId, directory: 'outlook' });
  return [start, Date.now()];
}

async function sippBenches(): Promise<void> {
  const host = await startHost(provision());
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
  const rpc = new Rpc(host.url);
  try {
    debug('host started, waiting for registration');
    await registeredAt(host.url);
    await rpc.opened;
    debug('registered');
    const page = await browser.newPage();
    if (process.env.BENCH_DEBUG) await traceCallEvents(page);
    await page.goto(host.url);
    await page.locator('.registration', { hasText: 'Registered' }).waitFor();
    await waitFor(`${BARESIP_TARGET} idle`, async () => !/sip:/.test(await baresipCalls(BARESIP_TARGET)), 15_000, 100);
    await watchRingRows(page);
    debug('page ready');
    await new Promise((r) => setTimeout(r, 1000)); // let the page settle (favorites, history, first paint)

    // Warm-up (JIT, first row render), not counted.
    await sippRing(['1001', BARESIP_TARGET, '1001', BARESIP_TARGET], { ringMs: 300, gapMs: 300, limit: 1 });

    // ── idle: ring.p95 and ring180 ratio, one sipp run alternating console / baresip ──
    debug('warm-up done');
    await resetRingRows(page);
    const targets = Array.from({ length: 2 * SIPP_CALLS }, (_, i) => (i % 2 === 0 ? '1001' : BARESIP_TARGET));
    // BENCH_PROFILE=file: the renderer's JavaScript CPU profile over the idle run (Chrome DevTools format).
    const profiler = process.env.BENCH_PROFILE ? await page.context().newCDPSession(page) : undefined;
    if (profiler) {
      await profiler.send('Profiler.enable');
      await profiler.send('Profiler.setSamplingInterval', { interval: 200 });
      await profiler.send('Profiler.start');
    }
    const runFrom = Date.now();
    const run = await sippRing(targets, { ringMs: 300, gapMs: 250, limit: 1 });
    await new Promise((r) => setTimeout(r, 200)); // the preload's last appends
    const own = inConsole(runFrom, Date.now());
    if (profiler) {
      const { profile } = await profiler.send('Profiler.stop');
      writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
    }
    const seen = await ringRows(page);
    const consoleCalls = run.calls.filter((c) => c.target === '1001');
    const visible = consoleCalls.flatMap((c) => (seen[String(c.n)] !== undefined ? [seen[String(c.n)]! - c.invite] : []));
    const r180 = (t: string): number[] => run.calls.filter((c) => c.target === t && c.ringing !== undefined).map((c) => c.ringing! - c.invite);
    const c180 = r180('1001');
    const b180 = r180(BARESIP_TARGET);
    const missing = consoleCalls.length - visible.length;
    const f = (v: number): string => v.toFixed(1);
    console.log(
      `INVITE (sipp sent) → ringing visible, idle, ${visible.length} calls: p50 ${f(pct(visible, 50))} ms, p95 ${f(pct(visible, 95))} ms, max ${f(Math.max(...visible))} ms` +
        ` (sipp failed calls: ${run.failed}, rows not seen: ${missing})`,
    );
    console.log(`INVITE → 180 Ringing, console 1001: ${c180.length} calls, p50 ${f(pct(c180, 50))} ms, p95 ${f(pct(c180, 95))} ms`);
    console.log(`INVITE → 180 Ringing, baresip ${BARESIP_TARGET}: ${b180.length} calls, p50 ${f(pct(b180, 50))} ms, p95 ${f(pct(b180, 95))} ms`);
    const f2 = (v: number): string => v.toFixed(2);
    if (own.length > 0) {
      console.log(`  of which inside the console (UDP message event → 180 handed to the socket), ${own.length} calls: p50 ${f2(pct(own, 50))} ms, p95 ${f2(pct(own, 95))} ms`);
    }
    if (process.env.BENCH_DEBUG) {
      console.log('visible', consoleCalls.map((c) => `${c.n}:${seen[String(c.n)] !== undefined ? f(seen[String(c.n)]! - c.invite) : '-'}/${c.ringing !== undefined ? f(c.ringing - c.invite) : '-'}`).join(' '));
      console.log('baresip 180', b180.map(f).join(' '));
      const msg = (await page.evaluate('globalThis.__rbMsg')) as Record<string, number>;
      console.log('event reached page (ms after INVITE)', consoleCalls.map((c) => `${c.n}:${msg[String(c.n)] !== undefined ? f(msg[String(c.n)]! - c.invite) : '-'}`).join(' '));
    }
    console.log(`bench ring.p95 ${f(pct(visible, 95))} ms`);
    console.log(`bench ring180.ratio_vs_baresip ${(pct(c180, 95) / pct(b180, 95)).toFixed(2)}`);
    if (own.length > 0) console.log(`bench ring180.in_console.p50 ${f2(pct(own, 50))} ms`);

    // ── while a 50k import runs (upload, then preview + commit through the contract, again and again) ──
    const file = outlookCsv50k();
    const during: number[] = [];
    let imports = 0;
    let failed = 0;
    let notSeen = 0;
    const phases: string[] = [];
    for (let round = 0; round < 10 && during.length < IMPORT_CALLS; round++) {
      debug(`import round ${round}`);
      await resetRingRows(page);
      const importing = importThroughContract(rpc, file);
      // Start calling once the upload is through (the commit is what runs "in the console").
      const calls = Array.from({ length: 12 }, () => '1001');
      const ringing = (async () => {
        await new Promise((r) => setTimeout(r, 300));
        return sippRing(calls, { ringMs: 150, gapMs: 100, limit: 1 });
      })();
      const [[start, end], r] = await Promise.all([importing, ringing]);
      imports++;
      failed += r.failed;
      const rows = await ringRows(page);
      for (const c of r.calls) {
        if (c.invite < start || c.invite > end) continue;
        const t = rows[String(c.n)];
        if (t === undefined) notSeen++;
        else {
          during.push(t - c.invite);
          // where in the import (0 = preview starts, 1 = commit done) each call fell, to find what the tail waits on
          phases.push(`${f(t - c.invite)}@${((c.invite - start) / (end - start)).toFixed(2)}`);
        }
      }
      debug(`import round ${round}: ${end - start} ms`);
    }
    if (process.env.BENCH_DEBUG) console.log('during import (ms@phase)', phases.join(' '));
    console.log(
      `INVITE (sipp sent) → ringing visible, while a 50,000-row import runs (${imports} imports), ${during.length} calls: ` +
        `p50 ${f(pct(during, 50))} ms, p95 ${f(pct(during, 95))} ms, max ${f(Math.max(...during))} ms (sipp failed calls: ${failed}, rows not seen: ${notSeen})`,
    );
    console.log(`bench ring_during_import.p95 ${f(pct(during, 95))} ms`);
  } finally {
    rpc.close();
    await browser.close();
    await host.kill();
  }
}

async function main(): Promise<void> {
  // Never hang: a stuck bed or page ends the bench with an error instead of holding the test-bed lock.
  setTimeout(() => {
    console.error('sip-bench: gave up after 20 minutes');
    process.exit(1);
  }, 20 * 60_000).unref();
  const only = process.env.BENCH_SIP_ONLY; // e.g. "ring" to run the issue-14 ring benches alone
  if (!only) {
    await coldStart();
    await ringingLatency();
  }
  await sippBenches();
}
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
