/**
 * The living PBX side of `npm run demo`: scripts/demo.sh starts it next to the console; it runs until SIGINT/SIGTERM.
 * Everything happens through the Asterisk bed (tests/testbed/asterisk), where the demo console is 2001:
 *  1. agents 2002 and 2003 paused in queue `support` ("Lunch", "Meeting"), so callers wait instead of ringing them;
 *  2. colleagues 2002–2005: baresip phones registered on Asterisk, so their lamps in the console's Favorites are idle
 *     (not offline). 2002 rings until answered (`python3 tests/testbed/bctl.py 4452 accept`), 2003, 2004 and 2005
 *     answer at once and play 1000, 2000 and 600 Hz;
 *  3. three callers waiting in `support` (scripts/../tests/testbed/asterisk/queue-callers.ts: sipp through endpoint
 *     2005, which is why 2005's lamp shows a colleague in a call) — "Take call" rings them on the console;
 *  4. once the console is registered: 2004, then 2003, call it and hang up after a few rings. These are the missed
 *     calls of its history: real calls through the PBX, recorded by the console itself (nothing is written into its
 *     database from outside).
 * Then it prints `Demo ready: …`. Stopping hangs up the callers, resumes the agents and quits the phones (baresip
 * un-registers on quit), so the shared test bed is left as it was found.
 *
 *   npx tsx scripts/demo-peers.ts DIR    (DIR: where the phones' configurations, PID files and logs go)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectTestbedAmi, type AmiClient } from '../tests/testbed/asterisk/ami';
import { startQueueCallers, type QueueCallers } from '../tests/testbed/asterisk/queue-callers';
import { baresipCtrl, waitFor } from '../tests/testbed/baresip';

const ROOT = path.join(__dirname, '..');
const ASTERISK = '127.0.0.1:5070';

/** The colleagues: SIP, ctrl_tcp and RTP ports clear of the Kamailio bed's baresips (5072-5092, 4442-4444, 40000-40299). */
export const DEMO_PHONES = [
  { user: '2002', sip: 5272, ctrl: 4452, rtp: 40400, tone: 440, answer: 'manual' },
  { user: '2003', sip: 5282, ctrl: 4453, rtp: 40500, tone: 1000, answer: 'auto' },
  { user: '2004', sip: 5292, ctrl: 4454, rtp: 40600, tone: 2000, answer: 'auto' },
  { user: '2005', sip: 5302, ctrl: 4455, rtp: 40700, tone: 600, answer: 'auto' },
] as const;
const PAUSED = [
  { iface: 'PJSIP/2002', reason: 'Lunch' },
  { iface: 'PJSIP/2003', reason: 'Meeting' },
] as const;
const CALLERS = [
  { number: '0611223344', name: 'Alice Martin' },
  { number: '+32470123456', name: 'Bruno Peeters' },
  { number: '0155667788', name: 'Claire Dubois', priority: 1 },
];
/** Who calls the console at start, and how long it rings before they give up. */
const MISSED = ['2004', '2003'] as const;
const RING_MS = 4000;

const say = (line: string): void => void process.stdout.write(`[demo] ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Contact URIs registered for `aor` (AMI PJSIPShowContacts; Asterisk answers an error when there are none). */
async function contacts(ami: AmiClient, aor: string): Promise<string[]> {
  const events = await ami.list({ Action: 'PJSIPShowContacts' }).catch(() => []);
  // ObjectName is "<aor>;@<hash>"; the event has no Aor field.
  return events.filter((e) => e.Event === 'ContactList' && e.ObjectName?.split(';')[0] === aor).map((e) => e.Uri ?? '');
}

/** The hint state of `exten` (0 idle, 1 in use, 4 unavailable, 8 ringing…). */
async function hint(ami: AmiClient, exten: string): Promise<number> {
  const r = await ami.action({ Action: 'ExtensionState', Exten: exten, Context: 'internal' });
  return Number(r.Status ?? -1);
}

class Peers {
  readonly #dir: string;
  #ami: AmiClient | undefined;
  #phones: { user: string; ctrl: number; proc: ChildProcess; done: Promise<void> }[] = [];
  #queue: QueueCallers | undefined;
  #stopping: Promise<void> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async start(): Promise<void> {
    mkdirSync(this.#dir, { recursive: true });
    const ami = (this.#ami = await connectTestbedAmi());
    // 1. Today's counts start from zero (the shared bed's tests leave answered/abandoned calls behind); before the
    // phones register, the agents are paused: the queue must not ring them.
    await ami.action({ Action: 'QueueReset', Queue: 'support' }).catch(() => undefined);
    for (const { iface, reason } of PAUSED) await ami.action({ Action: 'QueuePause', Queue: 'support', Interface: iface, Paused: 'true', Reason: reason });

    // 2. The colleagues' phones.
    for (const p of DEMO_PHONES) {
      execFileSync('sh', [path.join(ROOT, 'tests/testbed/mkua.sh'), p.user, String(p.sip), String(p.ctrl), String(p.rtp), `ausine,${p.tone}`, p.answer], {
        env: { ...process.env, SIPBED: this.#dir, UA_REGISTRAR: ASTERISK },
        stdio: 'pipe',
      });
      const log = openSync(path.join(this.#dir, `baresip-${p.user}.log`), 'w');
      const proc = spawn('baresip', ['-f', path.join(this.#dir, `ua${p.user}`)], { stdio: ['ignore', log, log] });
      closeSync(log);
      const done = new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.once('error', () => resolve());
      });
      writeFileSync(path.join(this.#dir, `baresip-${p.user}.pid`), String(proc.pid ?? ''));
      this.#phones.push({ user: p.user, ctrl: p.ctrl, proc, done });
    }
    for (const p of DEMO_PHONES) {
      await waitFor(`${p.user} to register on Asterisk (see ${this.#dir}/baresip-${p.user}.log)`, async () => {
        const phone = this.#phones.find((x) => x.user === p.user);
        if (phone?.proc.exitCode !== null) throw new Error(`baresip ${p.user} exited`);
        return (await contacts(ami, p.user)).some((uri) => uri.includes(`127.0.0.1:${p.sip}`));
      }, 20_000);
    }
    say('colleagues 2002–2005 registered on Asterisk (2002 and 2003 paused in queue "support": Lunch, Meeting)');

    // 3. Callers waiting in the queue.
    this.#queue = await startQueueCallers(CALLERS, { holdMs: 3_600_000, endpoint: '2005', ami });
    say(`queue "support": ${this.#queue.callers.length} callers waiting (${CALLERS.map((c) => c.name).join(', ')})`);

    // 4. Missed calls, once the console (2001) is registered.
    const registered = await waitFor('the console to register as 2001', async () => (await contacts(ami, '2001')).length > 0, 120_000, 500).catch(() => false);
    if (!registered) {
      say('the console did not register as 2001 within 2 minutes: no calls made to it');
    } else {
      for (const user of MISSED) await this.#missedCall(user);
      say(`${MISSED.length} missed calls in the console's history (from ${MISSED.join(' and ')})`);
    }
    say('Demo ready: favorites 2002–2005, personal contacts, company directory (LDAP), queue "support", history.');
  }

  /** `user` calls 2001, lets it ring RING_MS, hangs up: a missed call, as the console records any other. */
  async #missedCall(user: string): Promise<void> {
    const ami = this.#ami!;
    const phone = this.#phones.find((p) => p.user === user)!;
    // baresip answers "busy" to commands while it is still setting up: retry.
    await waitFor(`${user} to dial 2001`, async () => (await baresipCtrl(phone.ctrl, 'dial', `sip:2001@${ASTERISK}`).catch(() => undefined))?.ok === true, 15_000, 500);
    const rang = await waitFor('2001 to ring', async () => ((await hint(ami, '2001')) & 8) !== 0, 10_000, 200).catch(() => false);
    if (rang) await sleep(RING_MS);
    await baresipCtrl(phone.ctrl, 'hangup').catch(() => undefined);
    await waitFor('2001 to be idle again', async () => (await hint(ami, '2001')) === 0, 10_000, 200).catch(() => undefined);
    await sleep(500);
  }

  /** Idempotent: callers hung up, agents resumed, phones quit (un-registered), AMI closed. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#queue?.stop().catch(() => undefined);
      const ami = this.#ami;
      if (ami) {
        for (const { iface } of PAUSED) await ami.action({ Action: 'QueuePause', Queue: 'support', Interface: iface, Paused: 'false' }).catch(() => undefined);
      }
      await Promise.all(
        this.#phones.map(async (p) => {
          if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
          await baresipCtrl(p.ctrl, 'hangup', '', 1000).catch(() => undefined);
          await baresipCtrl(p.ctrl, 'quit', '', 1000).catch(() => undefined);
          const quit = await Promise.race([p.done.then(() => true), sleep(3000).then(() => false)]);
          if (!quit) p.proc.kill('SIGTERM');
          const termed = quit || (await Promise.race([p.done.then(() => true), sleep(2000).then(() => false)]));
          if (!termed) p.proc.kill('SIGKILL');
          await p.done;
        }),
      );
      await ami?.close().catch(() => undefined);
    })();
    return this.#stopping;
  }
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(ROOT, 'tests/testbed/run/demo'));
  const peers = new Peers(dir);
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    void peers.stop().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => exit(0));
  process.on('SIGTERM', () => exit(0));
  try {
    await peers.start();
  } catch (e) {
    process.stderr.write(`[demo] the demo's phones and callers could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    exit(1);
    return;
  }
  setInterval(() => undefined, 60_000);
}

void main();
