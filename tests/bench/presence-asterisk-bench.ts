/**
 * BLF at scale through Asterisk's RFC 4662 resource_list (issue 14): the console's softphone registers as 2001 on the
 * Asterisk bed over TCP and watches 500 colleagues (pjsip.conf: 2002–2005 + 3000–3495, the latter one pattern hint in
 * extensions.conf). Asterisk sends a list's whole state in its first NOTIFY (multipart/related, hence TCP). Three
 * settings of the account's list (`blfListUri`):
 *   `blf500-2001-{1..5}`: five lists of 100 — what an administrator configures (a 100-resource NOTIFY, ~40 kB, fits
 *     pjproject's PJSIP_MAX_PKT_LEN) → `bench blf.subscribe500_asterisk <ms> ms` (all 500 with a first state) and
 *     `bench blf.change_via_asterisk_list.median <ms> ms` (sipp 2002 calls sipp phone 2003 → the 2003 watch rings);
 *   `blf500-2001`: one list of 500 — Asterisk cannot send its first NOTIFY ("too large to send"), the console falls back
 *     to one SUBSCRIBE per extension → `bench blf.subscribe500_asterisk_one_list <ms> ms`;
 *   `blf100-2001`: one list of 100 → `bench blf.subscribe100_asterisk_list <ms> ms`.
 * Robust: retries a failed sample (printed), every wait has a timeout, sipp processes are cleaned up.
 * sip-core is loaded as shipped (tests/bench/lib/shipped-sip-core.ts: sip.js bundled, its parser built once).
 * Run under the bed lock: flock /tmp/rc-e2e.lock npx tsx tests/bench/presence-asterisk-bench.ts
 */
import type { MediaSessionFactory } from '../../sip-core/api/media';
import type { Watch } from '../../sip-core/api/presence';
import type { Softphone } from '../../sip-core/api/softphone';
import { cleanup, dialOut, phone as sippPhone } from '../testbed/asterisk/phones';
import { waitFor } from '../testbed/baresip';
import { shippedSipCore } from './lib/shipped-sip-core';

const extsOf = (n: number): string[] => ['2002', '2003', '2004', '2005', ...Array.from({ length: n - 4 }, (_, i) => String(3000 + i))];
const noMedia: MediaSessionFactory = { create: () => { throw new Error('no media'); } };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
let retries = 0;
/** sip-core as shipped (bundled sip.js, its parser built once): set in main() before anything is timed. */
let createSoftphone: Awaited<ReturnType<typeof shippedSipCore>>['createSoftphone'];

interface PresenceStatsView {
  list: string;
  viaList: number;
  lists: number;
  listsActive: number;
}

async function start(list: string): Promise<Softphone> {
  const phone = createSoftphone({
    account: { id: 'bench-ast', server: '127.0.0.1', port: 5070, transport: 'tcp', user: '2001', password: 'secret', domain: '127.0.0.1', media: 'rtp', registerExpires: 120 },
    media: noMedia,
    presence: { expires: 600, list: { uri: list } },
  });
  await phone.start();
  await waitFor('2001 registered over TCP', async () => phone.registration().state === 'registered', 15_000);
  return phone;
}

async function subscribeAll(phone: Softphone, exts: string[]): Promise<{ ms: number; watches: Watch[] }> {
  const t0 = performance.now();
  const watches = exts.map((e) => phone.watch!(e, { listed: true }));
  await waitFor(`all ${exts.length} with a first state`, async () => watches.every((w) => w.status().state !== 'unknown'), 60_000, 2);
  return { ms: performance.now() - t0, watches };
}

/** sipp 2002 calls the sipp phone 2003 (answers, hangs up after 800 ms): dial → the 2003 watch rings or is busy. */
async function stateChange(w: Watch, samples: number): Promise<number[]> {
  const lat: number[] = [];
  const callee = await sippPhone('2003', 'answer');
  try {
    for (let i = 0; i < samples; i++) {
      for (let attempt = 0; ; attempt++) {
        try {
          await waitFor('2003 idle', async () => w.status().state === 'idle', 15_000, 10);
          const seen = new Promise<void>((resolve) => {
            const off = w.onDidChange((s) => {
              if (s.state === 'busy' || s.state === 'ringing') {
                off();
                resolve();
              }
            });
          });
          const t0 = performance.now();
          const caller = await dialOut('2002', '2003', { holdMs: 800 });
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([seen, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('2003 never rang')), 15_000)))]);
          clearTimeout(timer);
          lat.push(performance.now() - t0);
          await Promise.race([caller.sipp.done, new Promise((r) => setTimeout(r, 10_000))]);
          await caller.sipp.kill();
          break;
        } catch (e) {
          retries++;
          console.log(`  sample ${i + 1} failed (${(e as Error).message}), retrying`);
          if (attempt >= 2) throw e;
        }
      }
    }
  } finally {
    await callee.stop();
  }
  return lat;
}

/** One run: subscribe to `list` (n resources), time the first states, then `samples` state changes. */
async function run(list: string, n: number, samples: number): Promise<{ ms: number; list: string; allLists: boolean; lat: number[] }> {
  const exts = extsOf(n);
  const phone = await start(list);
  try {
    const r = await subscribeAll(phone, exts);
    const st = (phone as unknown as { presenceStats(): PresenceStatsView }).presenceStats();
    const states = new Map<string, number>();
    for (const w of r.watches) states.set(w.status().state, (states.get(w.status().state) ?? 0) + 1);
    console.log(`Asterisk resource_list ${list} over TCP: ${st.listsActive} of ${st.lists} list(s) active, ${st.viaList} of ${n} lamps from the lists`);
    console.log(`  all ${n} with a first state in ${r.ms.toFixed(0)} ms (${[...states].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    const lat = await stateChange(r.watches[1]!, samples);
    console.log(`  state change (sipp 2002 dials 2003 → watch rings${st.list === 'active' ? ', via the list' : ', own SUBSCRIBE'}) over ${lat.length} calls: median ${median(lat).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms`);
    for (const w of r.watches) w.dispose();
    return { ms: r.ms, list: st.list, allLists: st.lists > 0 && st.listsActive === st.lists, lat };
  } finally {
    await phone.stop();
    await cleanup();
  }
}

async function main(): Promise<void> {
  ({ createSoftphone } = await shippedSipCore());
  const five = await run('blf500-2001-{1..5}', 500, 5);
  const big = await run('blf500-2001', 500, 3);
  if (big.list !== 'active') console.log('  (Asterisk could not send the 500-resource NOTIFY: "too large to send", PJSIP_MAX_PKT_LEN; figure above is the paced fallback)');
  const small = await run('blf100-2001', 100, 5);
  console.log(`bench blf.subscribe500_asterisk ${five.ms.toFixed(0)} ms`);
  if (!five.allLists) console.log('  (not every list delivered: the figure above includes the fallback of the others)');
  if (five.list === 'active') console.log(`bench blf.change_via_asterisk_list.median ${median(five.lat).toFixed(0)} ms`);
  console.log(`bench blf.subscribe500_asterisk_one_list ${big.ms.toFixed(0)} ms`);
  console.log(`bench blf.subscribe100_asterisk_list ${small.ms.toFixed(0)} ms`);
  console.log(`presence-asterisk bench retries: ${retries}`);
  process.exit(0);
}

main().catch(async (e: unknown) => {
  console.error(e);
  await cleanup();
  process.exit(1);
});
