import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createSoftphone } from '../../sip-core';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import { CallError, type Call, type Softphone } from '../../sip-core/api/softphone';
import { freeMediaPort, freeUdpPort } from '../testbed/asterisk/sipp';
import { account1001, CountingRtpMedia, sleep, waitForRegistration } from './sip-core-helpers';

jest.setTimeout(60_000);
const run = promisify(execFile);

/** Drive a baresip UA of the test bed; ctrl_tcp serves one client at a time, so retry while others use it. */
async function bctl(port: number, ...args: string[]): Promise<string> {
  let lastError: unknown;
  for (let i = 0; i < 5; i++) {
    try {
      const { stdout } = await run('python3', ['tests/testbed/bctl.py', String(port), ...args], { timeout: 10_000 });
      return stdout;
    } catch (err) {
      lastError = err;
      await sleep(300);
    }
  }
  throw lastError;
}

function activeCallCount(listcalls: string): number {
  const m = /Active calls \((\d+)\)/.exec(listcalls);
  return m ? Number(m[1]) : -1;
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error('condition not reached in time');
}

function waitForCall(call: Call, predicate: (s: CallSnapshot) => boolean, timeoutMs = 15_000): Promise<CallSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(call.snapshot())) return resolve(call.snapshot());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`Timed out; call is ${JSON.stringify(call.snapshot())}`));
    }, timeoutMs);
    const off = call.onDidChange((s) => {
      if (predicate(s)) {
        clearTimeout(timer);
        off();
        resolve(s);
      }
    });
  });
}


const medias: CountingRtpMedia[] = [];
const factory: MediaSessionFactory = {
  create(_callId, mode) {
    expect(mode).toBe('rtp');
    const m = new CountingRtpMedia();
    medias.push(m);
    return m;
  },
};

let phone: Softphone;

beforeEach(async () => {
  phone = createSoftphone({ account: account1001(), media: factory });
  await phone.start();
  await waitForRegistration(phone, (s) => s.state === 'registered');
});

afterEach(async () => {
  await phone.stop();
  // Self-cleaning: the bed is shared.
  for (const port of [4442, 4443]) await bctl(port, 'hangup').catch(() => undefined);
  for (const m of medias.splice(0)) m.close();
});

describe('receptionist places and takes calls through the PBX', () => {
  it('dials 1003: active, audio from baresip arrives, hangup ends both sides', async () => {
    const call = phone.dial('1003');
    expect(call.snapshot()).toMatchObject({ direction: 'outgoing', state: 'dialing', remote: { user: '1003' } });
    expect(call.snapshot().remote.uri).toBe('sip:1003@127.0.0.1');
    const active = await waitForCall(call, (s) => s.state === 'active');
    expect(active.answeredAt).toBeDefined();
    expect(phone.calls()).toContain(call);

    const media = medias[0];
    // rtpengine relays baresip's 1000 Hz tone to our socket.
    await waitUntil(() => (media?.received ?? 0) >= 25);
    expect(activeCallCount(await bctl(4443, 'listcalls'))).toBe(1);

    await call.hangup();
    const ended = await waitForCall(call, (s) => s.state === 'ended');
    expect(ended.endReason).toBe('local-hangup');
    expect(media?.closed).toBe(true);
    await waitUntil(async () => activeCallCount(await bctl(4443, 'listcalls')) === 0);
    expect(phone.calls()).not.toContain(call);
  });

  it('dials 1002 (manual answer): ringing on 180, hangup before answer cancels', async () => {
    const call = phone.dial('sip:1002@127.0.0.1');
    await waitForCall(call, (s) => s.state === 'ringing');
    await waitUntil(async () => activeCallCount(await bctl(4442, 'listcalls')) === 1);
    await call.hangup();
    const ended = await waitForCall(call, (s) => s.state === 'ended');
    expect(ended.endReason).toBe('cancelled');
    await waitUntil(async () => activeCallCount(await bctl(4442, 'listcalls')) === 0);
  });

  it('dials an unknown extension: ended not-found with the 404', async () => {
    const call = phone.dial('1999@127.0.0.1');
    const ended = await waitForCall(call, (s) => s.state === 'ended');
    expect(ended).toMatchObject({ endReason: 'not-found', endStatus: 404 });
  });

  it('rejects targets that are not dialable', () => {
    for (const bad of ['', '   ', 'sip:', '10 03', 'a<b>@host', 'tel:abc']) {
      expect(() => phone.dial(bad)).toThrow(CallError);
    }
    expect(phone.calls()).toHaveLength(0);
  });

  it('incoming call from 1002: answer, then the caller hangs up', async () => {
    const incoming = new Promise<Call>((resolve) => phone.onIncomingCall(resolve));
    await bctl(4442, 'dial', 'sip:1001@127.0.0.1');
    const call = await incoming;
    expect(call.snapshot()).toMatchObject({ direction: 'incoming', state: 'incoming', mediaMode: 'rtp' });
    expect(call.snapshot().remote.user).toBe('1002');

    await call.answer();
    await waitForCall(call, (s) => s.state === 'active');
    await waitUntil(() => (medias[0]?.received ?? 0) >= 25);

    await bctl(4442, 'hangup');
    const ended = await waitForCall(call, (s) => s.state === 'ended');
    expect(ended.endReason).toBe('remote-hangup');
  });

  it('incoming call declined with 603: baresip sees the call end', async () => {
    const incoming = new Promise<Call>((resolve) => phone.onIncomingCall(resolve));
    await bctl(4442, 'dial', 'sip:1001@127.0.0.1');
    const call = await incoming;
    await call.decline(603);
    const ended = await waitForCall(call, (s) => s.state === 'ended');
    expect(ended).toMatchObject({ endReason: 'declined', endStatus: 603 });
    await waitUntil(async () => activeCallCount(await bctl(4442, 'listcalls')) === 0);
    await expect(call.answer()).rejects.toThrow(CallError);
  });
});

/**
 * An incoming INVITE's Expires that no timer can hold (hostile or broken callers), sent by sipp through Kamailio as a
 * caller from outside would: the call rings until the caller cancels. SIP.js turned
 * such a value into a 1 ms timer and a 487 as the call started to ring; the transport drops it
 * (sip-core/adapters/sipjs/sipjs-transport.ts boundInviteExpires). The same over UDP, TCP and WebSocket against a
 * fake PBX: sip-hostile.test.ts.
 */
describe('an INVITE with an absurd Expires, through Kamailio', () => {
  const work = mkdtempSync(join(tmpdir(), 'rc-sipp-expires-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** sipp calls 1001 through Kamailio with `Expires: <expires>`, lets it ring `ringMs`, then cancels. */
  async function sippInvite(expires: string, ringMs: number): Promise<{ failed: number; output: string }> {
    const template = readFileSync(join(__dirname, '..', 'testbed', 'sipp', 'uac_ring_cancel.xml'), 'utf8');
    const invite = 'Max-Forwards: 70\n      Content-Type: application/sdp';
    expect(template).toContain(invite);
    const scenario = join(work, `expires-${Date.now()}.xml`);
    writeFileSync(
      scenario,
      template.replace(invite, `Max-Forwards: 70\n      Expires: ${expires}\n      Content-Type: application/sdp`).replaceAll('@RING_MS@', String(ringMs)).replaceAll('@GAP_MS@', '0'),
    );
    const inf = join(work, 'target.csv');
    writeFileSync(inf, 'SEQUENTIAL\n1001;\n');
    const args = [
      '127.0.0.1:5060', '-sf', scenario, '-inf', inf, '-i', '127.0.0.1', '-p', String(await freeUdpPort()), '-mp', String(freeMediaPort()),
      '-m', '1', '-nostdin', '-timeout', '20s', '-timeout_error', '-recv_timeout', '8000',
    ];
    const output = await new Promise<string>((resolve) => {
      execFile('sipp', args, { cwd: work, timeout: 30_000 }, (_e, stdout, stderr) => resolve(`sipp ${args.join(' ')}\n${stdout}${stderr}`));
    });
    const successful = Number(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(output)?.[1] ?? -1);
    const failed = Number(/Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(output)?.[1] ?? -1);
    return { failed: successful === 1 ? failed : Math.max(failed, 1), output };
  }

  // Kamailio answers 400 "Expires value is illegal" itself to a value that is not a number or has more than ten
  // digits ("soon", RFC 4475's 99999999999999999999999999): those never reach the console from it. It forwards any
  // ten-digit number, and from 2,147,484 s on SIP.js's timer overflowed.
  it.each(['2147484', '4294967295'])('Expires: %s rings until the caller cancels', async (expires) => {
    const incoming = new Promise<Call>((resolve) => phone.onIncomingCall(resolve));
    const run = sippInvite(expires, 2000);
    const call = await incoming;
    expect(call.snapshot()).toMatchObject({ direction: 'incoming', state: 'incoming' });
    await sleep(1000);
    expect(call.snapshot().state).toBe('incoming'); // before the fix: ended at once (a 1 ms timer, 487)
    const ended = await waitForCall(call, (s) => s.state === 'ended');
    expect(ended.endReason).toBe('cancelled');
    const sippRun = await run;
    expect({ failed: sippRun.failed, output: sippRun.failed ? sippRun.output : '' }).toEqual({ failed: 0, output: '' });
  });

  it('a valid Expires still ends the ringing when it runs out (Expires: 1, before the caller cancels)', async () => {
    const incoming = new Promise<Call>((resolve) => phone.onIncomingCall(resolve));
    const run = sippInvite('1', 6000);
    const call = await incoming;
    const started = Date.now();
    const ended = await waitForCall(call, (s) => s.state === 'ended');
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ended.state).toBe('ended');
    await run; // sipp saw the 487 where it waited for an answer or its cancel: not counted here
  });
});
