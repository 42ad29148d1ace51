/**
 * Queued calls pane, renderer side (numbers printed, no pass/fail): `npx tsx tests/bench/queues-render-bench.ts`
 * (needs `npm run build`; no test bed). Issue 11: 5 queues × 50 waiting callers must stay under one frame per update.
 * tests/bench/queues-bench.ts measures what one `queues.changed` costs in main; this one measures the page.
 *
 * Set-up: the in-process fake AMI (tests/unit/pbx-fake-ami.ts) answers QueueStatus with a recorded-style status of 5
 * queues (QueueParams, 12 QueueMember, 50 QueueEntry each), the web host (dist/web-host/cli.js) follows it, Debian
 * Chromium shows the pane with all 50 calls of each queue (queuePane.callsShown 50). Then ROUNDS churn rounds at
 * RATE/s replay what app_queue publishes (QueueCallerJoin / QueueCallerLeave + AgentConnect / QueueCallerAbandon,
 * QueueMemberStatus, AgentComplete, QueueMemberPause); `status` follows every event, so the provider's re-queries
 * (after leaves, abandons, completed calls) agree with the events and bring the Completed/Abandoned counters.
 * The SIP account points at a UDP socket nobody answers (registration fails: irrelevant here).
 *
 * In the page, for every `queues.changed` frame (the WebSocket is wrapped by an init script):
 *   t0       the frame's message event starts (the update arrived in the page)
 *   flushed  the client's handler returned and the microtasks ran (Svelte's flush: the DOM is updated)
 *   frame    the next requestAnimationFrame callback (start of the frame that shows it)
 *   painted  a MessageChannel task posted from that rAF callback: runs once the frame's style, layout and paint are done
 * and reports
 *   render   = painted − t0: arrival → painted (includes waiting for the next vsync, 0…16.7 ms at 60 Hz)
 *   work     = (flushed − t0) + (painted − frame): main-thread time the update costs (script + rendering), the figure
 *              that has to stay under a frame
 * plus the 'longtask' entries (tasks > 50 ms) and long animation frames (> 50 ms) seen during the churn.
 * Prints a human summary and `bench <key> <value> <unit>` lines. Knobs: BENCH_QUEUE_ROUNDS (300), BENCH_QUEUE_RATE
 * (20 rounds/s), BENCH_QUEUE_SHOWN (calls shown per queue, 50).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type Page } from '@playwright/test';
import { FakeAmi } from '../unit/pbx-fake-ami';
import { PAINT_PROBE } from './lib/paint-probe';

const ROOT = join(__dirname, '..', '..');
const QUEUE_NAMES = ['support', 'sales', 'billing', 'reception', 'after-hours'];
const CALLERS = 50;
const MEMBERS = 12;
const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS ?? 300);
const RATE = Number(process.env.BENCH_QUEUE_RATE ?? 20);
/** Calls shown per queue (the pane's choice; 50 = all of them). */
const SHOWN = Number(process.env.BENCH_QUEUE_SHOWN ?? CALLERS);

// ───────────────────────────── the PBX model (what Asterisk would report) ─────────────────────────────

interface Caller {
  uid: string;
  channel: string;
  num: string;
  name: string;
  joinedS: number;
  prio: number;
}
interface Member {
  iface: string;
  name: string;
  /** AST_DEVICE_*: 1 idle, 2 in use. */
  status: number;
  paused: boolean;
  reason: string;
  callsTaken: number;
  lastCall: number;
  /** Uniqueid of the call it answered (for AgentComplete). */
  call?: string;
  since: number;
}
interface Queue {
  name: string;
  callers: Caller[];
  members: Member[];
  completed: number;
  abandoned: number;
}

const nowS = (): number => Math.floor(Date.now() / 1000);
const LOGIN = String(nowS() - 3600);
let seq = 0;
function newCaller(prio = 0): Caller {
  const n = seq++;
  return {
    uid: `1796290000.${1000 + n}`,
    channel: `PJSIP/trunk-${(0x1000 + n).toString(16).padStart(8, '0')}`,
    num: `06${String(10_000_000 + n * 7919).slice(-8)}`,
    name: `Caller ${n}`,
    joinedS: nowS(),
    prio,
  };
}

const model: Queue[] = QUEUE_NAMES.map((name, qi) => ({
  name,
  completed: 100 + qi,
  abandoned: 7 + qi,
  members: Array.from({ length: MEMBERS }, (_, i) => ({
    iface: `PJSIP/${2100 + qi * 20 + i}`,
    name: `Agent ${qi}-${i}`,
    status: i % 3 === 0 ? 2 : 1,
    paused: i % 6 === 1,
    reason: i % 6 === 1 ? 'Lunch' : '',
    callsTaken: i,
    lastCall: 0,
    ...(i % 3 === 0 ? { call: `1796200000.${qi * 100 + i}` } : {}),
    since: i,
  })),
  callers: Array.from({ length: CALLERS }, (_, i) => ({ ...newCaller(), joinedS: nowS() - (CALLERS - i) * 20 })),
}));

function memberFields(q: Queue, m: Member): Record<string, string> {
  return {
    Queue: q.name,
    StateInterface: m.iface,
    Membership: 'dynamic',
    Penalty: '0',
    CallsTaken: String(m.callsTaken),
    LastCall: String(m.lastCall),
    LastPause: '0',
    LoginTime: LOGIN,
    InCall: m.status === 2 ? '1' : '0',
    Status: String(m.status),
    Paused: m.paused ? '1' : '0',
    PausedReason: m.reason,
    Wrapuptime: '0',
  };
}

/** The QueueStatus answer for the current model (fields as pbx/asterisk/queue-provider.ts reads them). */
function queueStatus(): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const now = nowS();
  for (const q of model) {
    out.push({
      Event: 'QueueParams', Queue: q.name, Max: '0', Strategy: 'rrmemory', Calls: String(q.callers.length), Holdtime: '42', TalkTime: '95',
      Completed: String(q.completed), Abandoned: String(q.abandoned), ServiceLevel: '60', ServicelevelPerf: '87.5', ServicelevelPerf2: '90.1', Weight: '0',
    });
    for (const m of q.members) out.push({ Event: 'QueueMember', Name: m.name, Location: m.iface, ...memberFields(q, m) });
    q.callers.forEach((c, i) =>
      out.push({
        Event: 'QueueEntry', Queue: q.name, Position: String(i + 1), Channel: c.channel, Uniqueid: c.uid, CallerIDNum: c.num, CallerIDName: c.name,
        ConnectedLineNum: '<unknown>', ConnectedLineName: '<unknown>', Wait: String(now - c.joinedS), Priority: String(c.prio),
      }),
    );
  }
  return out;
}

const channelFields = (c: Caller): Record<string, string> => ({
  Channel: c.channel, ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: c.num, CallerIDName: c.name, ConnectedLineNum: '<unknown>',
  ConnectedLineName: '<unknown>', Language: 'en', AccountCode: '', Context: 'queues', Exten: '600', Priority: '3', Uniqueid: c.uid, Linkedid: c.uid,
});
const memberEvent = (event: string, q: Queue, m: Member): Record<string, string> => ({ Event: event, MemberName: m.name, Interface: m.iface, ...memberFields(q, m), Ringinuse: '0' });

/** One round of app_queue chatter on queue `r % 5`: one caller leaves (answered, or abandons), one joins, an agent finishes a call, sometimes a pause toggles. */
function churn(ami: FakeAmi, r: number): void {
  const q = model[r % model.length]!;
  const emit = (e: Record<string, string>): void => ami.emit(e);
  const now = nowS();
  const agent = q.members.find((m) => m.status === 1 && !m.paused);
  if (r % 4 === 3 || !agent) {
    const index = (r * 7) % q.callers.length;
    const c = q.callers[index]!;
    emit({ Event: 'QueueCallerAbandon', ...channelFields(c), Queue: q.name, Position: String(index + 1), OriginalPosition: String(index + 1), HoldTime: String(now - c.joinedS) });
    q.callers.splice(index, 1);
    emit({ Event: 'QueueCallerLeave', ...channelFields(c), Queue: q.name, Position: String(index + 1), Count: String(q.callers.length) });
    q.abandoned++;
  } else {
    const c = q.callers.shift()!;
    emit({ Event: 'QueueCallerLeave', ...channelFields(c), Queue: q.name, Position: '1', Count: String(q.callers.length) });
    Object.assign(agent, { status: 2, callsTaken: agent.callsTaken + 1, lastCall: now, call: c.uid, since: r });
    emit({ Event: 'AgentConnect', ...channelFields(c), Queue: q.name, MemberName: agent.name, Interface: agent.iface, HoldTime: String(now - c.joinedS), RingTime: '2' });
    emit(memberEvent('QueueMemberStatus', q, agent));
    q.completed++;
  }
  // A caller joins: a priority caller (every 10th) goes in ahead of the normal ones, as app_queue inserts it.
  const prio = r % 10 === 9 ? 2 : 0;
  const joined = newCaller(prio);
  let at = q.callers.findIndex((c) => c.prio < prio);
  if (at < 0) at = q.callers.length;
  q.callers.splice(at, 0, joined);
  emit({ Event: 'QueueCallerJoin', ...channelFields(joined), Queue: q.name, Position: String(at + 1), Count: String(q.callers.length), ChanVariable: `QUEUE_PRIO=${prio}` });
  // The agent on a call the longest hangs up.
  const busy = q.members.filter((m) => m.status === 2 && m !== agent).sort((a, b) => a.since - b.since)[0];
  if (busy) {
    emit({ Event: 'AgentComplete', Queue: q.name, Uniqueid: busy.call ?? '', MemberName: busy.name, Interface: busy.iface, HoldTime: '30', TalkTime: '95', Reason: 'caller' });
    Object.assign(busy, { status: 1 });
    delete busy.call;
    emit(memberEvent('QueueMemberStatus', q, busy));
  }
  if (r % 8 === 5) {
    const m = q.members[Math.floor(r / 5) % MEMBERS]!;
    Object.assign(m, m.paused ? { paused: false, reason: '' } : { paused: true, reason: 'Lunch' });
    emit(memberEvent('QueueMemberPause', q, m));
  }
  ami.status = queueStatus();
}

// ───────────────────────────── the page ─────────────────────────────

// A string: tests/bench is type-checked without the DOM library. Runs before the renderer's own scripts.
const INIT_SCRIPT = `(() => {
  const rec = { samples: [], arrivals: 0, inflight: 0, windowStart: 0, longtasks: [], loafs: [], loafSupported: false };
  rec.reset = () => { rec.samples = []; rec.arrivals = 0; rec.windowStart = performance.now(); };
  globalThis.__rcBench = rec;
  const HEAD = /^\\{"t":"evt","name":"([^"]*)"/;
  const isQueues = (data) => {
    if (typeof data !== 'string') return false;
    const m = HEAD.exec(data.slice(0, 80));
    if (m) return m[1] === 'queues.changed';
    try { return JSON.parse(data).name === 'queues.changed'; } catch { return false; }
  };
  ${PAINT_PROBE}
  probeSocket({
    arrived: (event) => {
      if (!isQueues(event.data)) return undefined;
      rec.arrivals++;
      rec.inflight++;
      return { bytes: event.data.length };
    },
    shown: (s) => { rec.samples.push(s); rec.inflight--; },
  });
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) rec.longtasks.push({ start: e.startTime, duration: e.duration }); })
      .observe({ type: 'longtask', buffered: true });
  } catch {}
  try {
    if ((PerformanceObserver.supportedEntryTypes || []).includes('long-animation-frame')) {
      rec.loafSupported = true;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) rec.loafs.push({ start: e.startTime, duration: e.duration, blocking: e.blockingDuration }); })
        .observe({ type: 'long-animation-frame', buffered: true });
    }
  } catch {}
})();`;

/** An expression that is true once the pane shows exactly the model (every caller of every queue, in order, and the counters). */
function paneMatches(): string {
  const expected = model.map((q) => ({
    list: `Waiting calls in ${q.name}`,
    numbers: q.callers.slice(0, SHOWN).map((c) => c.num).join(','),
    waiting: `${q.callers.length} calls waiting`,
    stats: `answered: ${q.completed} · abandoned: ${q.abandoned}`,
  }));
  return `(() => {
    const expected = ${JSON.stringify(expected)};
    for (const q of expected) {
      const ul = [...document.querySelectorAll('ul.callers')].find((u) => u.getAttribute('aria-label') === q.list);
      if (!ul) return false;
      const numbers = [...ul.querySelectorAll('li .number')].map((e) => e.textContent.trim()).join(',');
      const text = ul.closest('section.queue')?.textContent ?? '';
      if (numbers !== q.numbers || !text.includes(q.waiting) || !text.includes(q.stats)) return false;
    }
    return true;
  })()`;
}

interface Sample {
  t0: number;
  flushed: number;
  frame: number;
  painted: number;
  bytes: number;
}
interface PageResult {
  samples: Sample[];
  arrivals: number;
  windowStart: number;
  longtasks: { start: number; duration: number }[];
  loafs: { start: number; duration: number; blocking: number }[];
  loafSupported: boolean;
}

// ───────────────────────────── processes ─────────────────────────────

interface Host {
  url: string;
  child: ChildProcess;
  output: () => string;
}

function startHost(provision: string, logFile: string): Promise<Host> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/web-host/cli.js'), '--port', '0', '--provision', provision, '--log-file', logFile, '--in-memory'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not start:\n${out}`)), 20_000);
    child.stdout!.on('data', () => {
      const m = /Console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, output: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web host exited ${code}:\n${out}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (values: number[], p: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/**
 * Polls `expression` in the page until it is true. Not page.waitForFunction: its string predicates are eval'ed in the
 * page, which the console's Content-Security-Policy (script-src 'self') forbids; page.evaluate of a string is not.
 */
async function waitInPage(page: Page, expression: string, what: string, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rc-queues-bench-'));
  let ami: FakeAmi | undefined;
  let host: Host | undefined;
  let browser: Browser | undefined;
  // A SIP "server" that never answers: the account exists (the queue service needs the receptionist's extension).
  const sip = dgram.createSocket('udp4');
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaned ??= (async () => {
    await browser?.close().catch(() => undefined);
    if (host) await stopChild(host.child);
    await ami?.close().catch(() => undefined);
    sip.close();
    rmSync(dir, { recursive: true, force: true });
  })());
  const bail = (code: number) => (e?: unknown): void => {
    if (e !== undefined) console.error(e);
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', bail(130));
  process.once('SIGTERM', bail(143));
  process.once('uncaughtException', bail(1));
  process.once('unhandledRejection', bail(1));
  // Last resort (the process dies before the cleanup ran): no web host or temporary directory left behind.
  // (Playwright kills the browsers it launched on exit itself.)
  process.once('exit', () => {
    if (host && host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  // `… | head` closing our stdout must not crash us before the cleanup.
  process.stdout.on('error', () => undefined);
  try {
    await new Promise<void>((r) => sip.bind(0, '127.0.0.1', r));
    ami = await FakeAmi.start();
    ami.status = queueStatus();
    const provision = join(dir, 'provision.json');
    writeFileSync(
      provision,
      JSON.stringify({
        accounts: [{ server: '127.0.0.1', port: sip.address().port, transport: 'udp', user: '2001', password: 'secret', displayName: 'Reception' }],
        preferences: { language: 'en' },
        pbx: { type: 'asterisk', ami: { host: '127.0.0.1', port: ami.port, user: 'console', secret: 'secret' }, context: 'internal', queues: QUEUE_NAMES },
        queuePane: { queues: QUEUE_NAMES, callsShown: SHOWN },
      }),
    );
    host = await startHost(provision, join(dir, 'console.log'));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.addInitScript(INIT_SCRIPT);
    await page.goto(host.url);
    await waitInPage(page, paneMatches(), 'the pane to show the initial 5 × 50 callers');
    // Let the load settle (fonts, first clock tick) before the window opens.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    await page.evaluate('__rcBench.reset()');

    const t0 = performance.now();
    const period = 1000 / RATE;
    for (let r = 0; r < ROUNDS; r++) {
      churn(ami, r);
      await sleep(t0 + (r + 1) * period - performance.now());
    }
    const churnS = (performance.now() - t0) / 1000;
    // The provider re-queries 300 ms after the last leave: the counters arrive then. Wait for the exact final state.
    await waitInPage(page, paneMatches(), 'the pane to show the final state of the churn');
    await waitInPage(page, '__rcBench.inflight === 0', 'every update to be painted', 10_000, 50);
    const result = JSON.parse(
      (await page.evaluate(
        'JSON.stringify({ samples: __rcBench.samples, arrivals: __rcBench.arrivals, windowStart: __rcBench.windowStart, longtasks: __rcBench.longtasks, loafs: __rcBench.loafs, loafSupported: __rcBench.loafSupported })',
      )) as string,
    ) as PageResult;

    const samples = result.samples.filter((s) => s.t0 >= result.windowStart);
    const render = samples.map((s) => s.painted - s.t0);
    const work = samples.map((s) => s.flushed - s.t0 + (s.painted - s.frame));
    const script = samples.map((s) => s.flushed - s.t0);
    const paint = samples.map((s) => s.painted - s.frame);
    const longtasks = result.longtasks.filter((l) => l.start >= result.windowStart);
    const loafs = result.loafs.filter((l) => l.start >= result.windowStart);
    const kib = samples.reduce((a, s) => a + s.bytes, 0) / Math.max(1, samples.length) / 1024;
    const f = (x: number): string => x.toFixed(1);
    const line = (name: string, v: number[]): string => `  ${name}  p50 ${f(pct(v, 50))} ms  p95 ${f(pct(v, 95))} ms  max ${f(Math.max(...v))} ms\n`;
    process.stdout.write(
      `queues-render-bench: ${model.length} queues × ${CALLERS} callers (${SHOWN} shown), ${ROUNDS} churn rounds at ${RATE}/s (${f(churnS)} s), ` +
        `${samples.length} queues.changed painted (${result.arrivals} arrived, ${kib.toFixed(1)} KiB each)\n` +
        line('arrival → painted (incl. vsync wait)', render) +
        line('main-thread work per update       ', work) +
        line('  of which script (parse + Svelte) ', script) +
        line('  of which frame (style/layout/paint)', paint) +
        `  long tasks (> 50 ms) during churn: ${longtasks.length}${longtasks.length ? ` (max ${f(Math.max(...longtasks.map((l) => l.duration)))} ms)` : ''}` +
        (result.loafSupported ? `; long animation frames: ${loafs.length}${loafs.length ? ` (max ${f(Math.max(...loafs.map((l) => l.duration)))} ms)` : ''}` : '') +
        '\n',
    );
    const bench = (key: string, value: number | string, unit: string): void => void process.stdout.write(`bench ${key} ${value} ${unit}\n`);
    bench('queues.render.updates', samples.length, 'count');
    bench('queues.render.p50', f(pct(render, 50)), 'ms');
    bench('queues.render.p95', f(pct(render, 95)), 'ms');
    bench('queues.render.max', f(Math.max(...render)), 'ms');
    bench('queues.render.work.p50', f(pct(work, 50)), 'ms');
    bench('queues.render.work.p95', f(pct(work, 95)), 'ms');
    bench('queues.render.work.max', f(Math.max(...work)), 'ms');
    bench('queues.longtasks', longtasks.length, 'count');
    bench('queues.longtasks.max', longtasks.length ? f(Math.max(...longtasks.map((l) => l.duration))) : 0, 'ms');
    if (result.loafSupported) bench('queues.long_animation_frames', loafs.length, 'count');
    bench('queues.update.size', kib.toFixed(1), 'KiB');
  } catch (e) {
    if (host) process.stderr.write(`web host output:\n${host.output()}\n`);
    throw e;
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
