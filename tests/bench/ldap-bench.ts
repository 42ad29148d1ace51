/**
 * Company directory refresh from LDAP (numbers printed, no pass/fail): `npx tsx tests/bench/ldap-bench.ts`, with the
 * LDAP bed running (tests/testbed/ldap/start.sh: slapd on 127.0.0.1:3389, 1,200 people).
 * Issue 14: the refresh runs in the storage worker (connection, paged search, BER decoding, mapping, write), so the
 * main loop — the one carrying SIP and the RTP bridge — is not held up meanwhile. Measured as the console pays it
 * (DirectoryClient.syncCompany, a fresh database each run), with the longest main-loop stall during the refresh
 * (perf_hooks monitorEventLoopDelay, 1 ms resolution); beside it, the path before issue 14 for comparison: the same
 * source fetched and decoded on the main thread, only the write in the worker.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { CompanyDirectorySource } from '../../electron/services/directory/company-source';
import { LdapConfigSchema } from '../../electron/services/directory/directory-config';
import { LdapCompanySource } from '../../electron/services/directory/ldap-source';
import { DirectoryClient } from '../../electron/services/directory/worker/directory-client';
import { LDAP_BED } from '../testbed/ldap/bed';
import { storageWorkerFile } from '../unit/helpers/storage-worker';

const config = LdapConfigSchema.parse({ ...LDAP_BED, url: process.env.RC_LDAP_URL ?? LDAP_BED.url, timeoutMs: 10_000 });
const RUNS = 7;

/** The same LDAP source without `workerSpec`: DirectoryClient fetches and decodes it on this thread (before issue 14). */
function onMainThread(source: LdapCompanySource): CompanyDirectorySource {
  return { label: source.label, fetchAll: (o) => source.fetchAll(o), close: () => source.close() };
}

interface Run {
  ms: number;
  stallMaxMs: number;
  stallP99Ms: number;
}

async function once(dir: string, worker: string, source: CompanyDirectorySource, i: number): Promise<Run> {
  const client = await DirectoryClient.open({ dbPath: path.join(dir, `c${i}.sqlite`), defaultCountry: 'FR', workerFile: worker });
  try {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t = performance.now();
    const r = await client.syncCompany(source);
    const ms = performance.now() - t;
    h.disable();
    if (r.inserted !== 1200) throw new Error(`expected 1200 people, got ${JSON.stringify(r)}`);
    return { ms, stallMaxMs: h.max / 1e6, stallP99Ms: h.percentile(99) / 1e6 };
  } finally {
    await client.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (x: number): string => x.toFixed(1);

async function series(label: string, dir: string, worker: string, source: CompanyDirectorySource, base: number): Promise<Run[]> {
  await once(dir, worker, source, base); // warm-up (module load, JIT), not counted
  const runs: Run[] = [];
  for (let i = 1; i <= RUNS; i++) runs.push(await once(dir, worker, source, base + i));
  console.log(
    `${label.padEnd(44)} n=${RUNS}  sync median ${f(median(runs.map((r) => r.ms))).padStart(7)} ms  ` +
      `main-loop stall: max ${f(Math.max(...runs.map((r) => r.stallMaxMs))).padStart(6)} ms, median of maxima ${f(median(runs.map((r) => r.stallMaxMs))).padStart(6)} ms, ` +
      `p99 ${f(median(runs.map((r) => r.stallP99Ms))).padStart(5)} ms`,
  );
  return runs;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-bench-ldap-'));
  const worker = storageWorkerFile();
  try {
    const ldap = new LdapCompanySource(config);
    // Idle baseline: what the loop-delay monitor reads on this machine with nothing to do.
    const idle = monitorEventLoopDelay({ resolution: 1 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 500));
    idle.disable();
    console.log(`idle main loop (500 ms)                      stall max ${f(idle.max / 1e6)} ms`);
    const before = await series('before: fetch + decode on main, write in worker', dir, worker, onMainThread(ldap), 0);
    const now = await series('now: whole refresh in the storage worker', dir, worker, ldap, 100);
    console.log(`  (before: sync median ${f(median(before.map((r) => r.ms)))} ms, main-loop stall max ${f(Math.max(...before.map((r) => r.stallMaxMs)))} ms)`);
    console.log(`bench ldap.sync1200 ${f(median(now.map((r) => r.ms)))} ms`);
    console.log(`bench ldap.sync_main_stall_max ${f(Math.max(...now.map((r) => r.stallMaxMs)))} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
