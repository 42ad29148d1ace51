import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createSoftphone } from '../../sip-core';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import { CallError, type Call, type Softphone } from '../../sip-core/api/softphone';
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
