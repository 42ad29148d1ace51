/**
 * Presence bench (issue 4): 500 monitored extensions on the Kamailio bed (1002–1004 + 497 unused numbers), one
 * softphone as 1001. Prints: time until all 500 have a first NOTIFY (rate-limited start-up), state-change latency
 * (baresip 1002 dials 1004 → the 1004 watch says busy; measured at the sip-core watch, which the service forwards
 * as `presence.changed` without batching), main-process memory, then the same change through the real console in
 * Chromium (dial → the favorite's lamp in the DOM). Numbers only, no pass/fail.
 */
import { createSoftphone } from '../../sip-core';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import type { Watch } from '../../sip-core/api/presence';
import { chromium } from '@playwright/test';
import { baresip, hangupAll, waitFor } from '../testbed/baresip';
import { startConsole } from '../e2e/console';

const N = 500;
const noMedia: MediaSessionFactory = { create: () => { throw new Error('no media'); } };

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? NaN;
}

async function main(): Promise<void> {
  await hangupAll();
  const mem0 = process.memoryUsage();
  const phone = createSoftphone({
    account: { id: 'bench', server: '127.0.0.1', port: 5060, transport: 'udp', user: '1001', password: 'secret', domain: '127.0.0.1', media: 'rtp', registerExpires: 300 },
    media: noMedia,
    presence: { expires: 600, subscribeRate: 200 },
  });
  await phone.start();
  await waitFor('registered', async () => phone.registration().state === 'registered', 15_000);
  const exts = ['1002', '1003', '1004', ...Array.from({ length: N - 3 }, (_, i) => String(30000 + i))];
  const t0 = performance.now();
  const watches: Watch[] = exts.map((e) => phone.watch!(e));
  await waitFor('all subscribed', async () => watches.every((w) => w.status().state !== 'unknown'), 120_000, 20);
  const allSubscribed = performance.now() - t0;
  const w1004 = watches[2]!;
  const lat: number[] = [];
  for (let i = 0; i < 10; i++) {
    await waitFor('1004 idle', async () => w1004.status().state === 'idle', 15_000, 10);
    const start = performance.now();
    const busy = new Promise<void>((resolve) => {
      const off = w1004.onDidChange((s) => {
        if (s.state === 'busy' || s.state === 'ringing') {
          off();
          resolve();
        }
      });
    });
    await baresip('1002', 'dial', 'sip:1004@127.0.0.1');
    await busy;
    lat.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 300));
    await baresip('1002', 'hangup');
  }
  global.gc?.();
  const mem1 = process.memoryUsage();
  console.log(`monitored extensions: ${N}`);
  console.log(`time to all subscribed (first NOTIFY each): ${allSubscribed.toFixed(0)} ms`);
  console.log(`state change (dial → watch busy) over ${lat.length} calls: median ${[...lat].sort((a, b) => a - b)[5]!.toFixed(1)} ms, p95 ${p95(lat).toFixed(1)} ms`);
  console.log(`main-process memory: rss ${(mem1.rss / 1048576).toFixed(1)} MiB (+${((mem1.rss - mem0.rss) / 1048576).toFixed(1)}), heap used ${(mem1.heapUsed / 1048576).toFixed(1)} MiB (+${((mem1.heapUsed - mem0.heapUsed) / 1048576).toFixed(1)})`);
  for (const w of watches) w.dispose();
  await phone.stop();
  await hangupAll();
  await uiLatency(exts);
  process.exit(0);
}

/**
 * The same state change seen by the receptionist: the real console (web host) with the same 500 favorites in
 * Chromium; baresip 1002 dials 1004 → the 1004 favorite's lamp (data-state) leaves "idle" in the DOM.
 */
async function uiLatency(exts: readonly string[]): Promise<void> {
  const app = await startConsole({ user: '1001', media: 'rtp' }, { favorites: exts.map((extension) => ({ extension })) });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
  try {
    const page = await browser.newPage();
    const t0 = performance.now();
    await page.goto(app.url);
    await page.locator('#contacts-tab-favorites').click();
    const fav = page.locator('[data-favorite="1004"]');
    await fav.waitFor();
    await waitFor('all favorites known', async () => (await page.locator('[data-favorite][data-state="unknown"]').count()) === 0, 120_000, 100);
    const allShown = performance.now() - t0;
    // A string: this file is type-checked without the DOM library.
    await page.evaluate(`
      globalThis.__busyAt = [];
      const el = document.querySelector('[data-favorite="1004"]');
      new MutationObserver(() => {
        const s = el.getAttribute('data-state');
        if (s === 'busy' || s === 'ringing') globalThis.__busyAt.push(Date.now());
      }).observe(el, { attributes: true, attributeFilter: ['data-state'] });
    `);
    const lat: number[] = [];
    for (let i = 0; i < 10; i++) {
      await waitFor('1004 idle in the UI', async () => (await fav.getAttribute('data-state')) === 'idle', 15_000, 20);
      const seen = await page.evaluate(() => (globalThis as unknown as { __busyAt: number[] }).__busyAt.length);
      const start = Date.now();
      await baresip('1002', 'dial', 'sip:1004@127.0.0.1');
      const at = await waitFor('1004 busy in the UI', async () => {
        const list = await page.evaluate(() => (globalThis as unknown as { __busyAt: number[] }).__busyAt);
        return list.length > seen ? list[seen] : undefined;
      }, 15_000, 5);
      lat.push(at - start);
      await new Promise((r) => setTimeout(r, 300));
      await baresip('1002', 'hangup');
    }
    console.log(`console UI: 500 favorites shown with a state in ${allShown.toFixed(0)} ms after page load`);
    console.log(`state change → favorite lamp in the DOM over ${lat.length} calls: median ${[...lat].sort((a, b) => a - b)[5]!.toFixed(1)} ms, p95 ${p95(lat).toFixed(1)} ms`);
  } finally {
    await browser.close();
    await app.stop();
    await hangupAll();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
