/**
 * Benchmarks for the spine (issue #2). Prints numbers, asserts nothing.
 *  - cold start → registered: spawn the web host with a provisioning file, time until the account is registered.
 *  - INVITE → ringing visible: baresip 1002 calls the console N times; t0 = just before baresip is told to dial
 *    (so the figure also includes baresip and Kamailio: an upper bound), t1 = the incoming-call row appears in the page.
 * Needs the test bed (scripts/bench.sh starts it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import WebSocket from 'ws';
import { baresip, baresipCalls, waitFor } from '../testbed/baresip';

const ROOT = join(__dirname, '..', '..');
const CALLS = Number(process.env.BENCH_CALLS ?? 50);

function provision(): string {
  const f = join(mkdtempSync(join(tmpdir(), 'rc-bench-')), 'p.json');
  writeFileSync(f, JSON.stringify({ accounts: [{ server: '127.0.0.1', port: 5060, transport: 'udp', user: '1001', password: 'secret' }] }));
  return f;
}

function startHost(file: string): Promise<{ url: string; t0: number; kill: () => Promise<void> }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/web-host/cli.js'), '--port', '0', '--provision', file, '--in-memory'], { stdio: ['ignore', 'pipe', 'inherit'] });
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

async function main(): Promise<void> {
  await coldStart();
  await ringingLatency();
}
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
