/**
 * Benchmarks for issue "Real networks" (prints numbers, asserts nothing), against the REMOTE test bed
 * (tests/testbed/remote/: the PBX in a network namespace at 198.18.0.2, a backup at 198.18.0.3):
 *  - link back → registered: the path to the PBX is cut, the console notices (its REGISTER goes unanswered), the
 *    link comes back at t0; t1 = registered again. Measured twice: with no network event (the retry backoff alone
 *    brings it back) and with the OS's "network changed" event the desktop shell forwards (reconnect() at t0).
 *  - primary down → registered on the backup: Kamailio on the primary is stopped at t0 (the host still answers, so
 *    our keep-alive meets ICMP port unreachable), t1 = registered on the secondary. With the default keep-alive
 *    (10 s) and the 5 s grace a server we were registered on gets before we leave it (a restart is usually faster).
 * Also prints `bench <key> <value> <unit>` lines for tools.
 */
import { createSoftphone } from '../../sip-core';
import type { SipAccountConfig } from '../../sip-core/api/account';
import type { RegistrationState } from '../../sip-core/api/registration-state';
import type { Softphone } from '../../sip-core/api/softphone';
import { cutLink, kamailio, REMOTE, restoreLink, startRemoteBed } from '../testbed/remote';

const RUNS = Number(process.env.BENCH_NET_RUNS ?? 3);

const account = (extra: Partial<SipAccountConfig> = {}): SipAccountConfig => ({
  id: 'bench',
  server: REMOTE.primary,
  port: 5060,
  transport: 'udp',
  user: REMOTE.user,
  password: REMOTE.password,
  domain: REMOTE.domain,
  media: 'rtp',
  ...extra,
});

const noMedia = {
  create(): never {
    throw new Error('no media in this benchmark');
  },
};

function until(phone: Softphone, pred: (s: RegistrationState) => boolean, timeoutMs = 120_000): Promise<number> {
  return new Promise((resolve, reject) => {
    if (pred(phone.registration())) return resolve(performance.now());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; state ${JSON.stringify(phone.registration())}`));
    }, timeoutMs);
    const off = phone.onDidChangeRegistration((s) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      resolve(performance.now());
    });
  });
}

const registered = (s: RegistrationState): boolean => s.state === 'registered';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stats(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const p50 = s[Math.floor(s.length / 2)]!;
  return `p50 ${p50.toFixed(0)} ms, min ${s[0]!.toFixed(0)} ms, max ${s[s.length - 1]!.toFixed(0)} ms (${s.length} runs)`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function linkBack(withNetworkEvent: boolean): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const phone = createSoftphone({ account: account(), media: noMedia, requestTimeoutMs: 3000 });
    await phone.start();
    await until(phone, registered);
    cutLink();
    try {
      // The OS says the network changed (or the machine woke up): re-register now — over the dead link it fails.
      void phone.reconnect();
      await until(phone, (s) => s.state === 'failed', 30_000);
      await sleep(2000);
    } finally {
      restoreLink();
    }
    const t0 = performance.now();
    if (withNetworkEvent) void phone.reconnect();
    const t1 = await until(phone, registered);
    times.push(t1 - t0);
    await phone.stop();
  }
  return times;
}

async function primaryDown(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const phone = createSoftphone({
      account: account({
        servers: [
          { host: REMOTE.primary, port: 5060, transport: 'udp' },
          { host: REMOTE.secondary, port: 5060, transport: 'udp' },
        ],
      }),
      media: noMedia,
    });
    await phone.start();
    await until(phone, registered);
    // Random phase against the keep-alive timer, as in real life.
    await sleep(Math.random() * 10_000);
    let t1 = 0;
    const onBackup = until(phone, (s) => s.state === 'registered' && s.backup === true).then((t) => (t1 = t));
    kamailio('primary', 'stop');
    const t0 = performance.now();
    try {
      await onBackup;
      times.push(t1 - t0);
    } finally {
      kamailio('primary', 'start');
      await phone.stop();
    }
  }
  return times;
}

async function main(): Promise<void> {
  startRemoteBed();
  const plain = await linkBack(false);
  console.log(`link back → registered, retry backoff only: ${stats(plain)}`);
  const event = await linkBack(true);
  console.log(`link back → registered, with the "network changed" event: ${stats(event)}`);
  const failover = await primaryDown();
  console.log(`primary down → registered on the backup (keep-alive 10 s, grace 5 s): ${stats(failover)}`);
  console.log(`bench net.link_back_registered ${median(plain).toFixed(0)} ms`);
  console.log(`bench net.link_back_registered_event ${median(event).toFixed(0)} ms`);
  console.log(`bench net.failover_registered ${median(failover).toFixed(0)} ms`);
}

main().catch((e: unknown) => {
  restoreLink();
  console.error(e);
  process.exit(1);
});
