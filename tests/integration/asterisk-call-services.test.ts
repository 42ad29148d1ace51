/**
 * Call-routing services on the real Asterisk 22 bed (issue 12): the Asterisk call-services provider writes AstDB
 * keys over AMI, and the bed's dialplan ([rc-services] in tests/testbed/asterisk/conf/extensions.conf) honours them
 * for the receptionist 2001. Phones are sipp processes (registered, then ringing, answering or busy), the caller is
 * sipp as 2005 (2004 for the priority caller); what Asterisk did comes from AMI events of that call (all channels of
 * one call share the caller's Linkedid, Local channels included). Needs tests/testbed/asterisk/start.sh.
 */
import type { CallServicesProvider, PbxCallServicesState } from '../../pbx/api/call-services';
import { createAsteriskCallServicesProvider } from '../../pbx/asterisk';
import { connectTestbedAmi, type AmiClient } from '../testbed/asterisk/ami';
import {
  BLF_XML,
  blfStates,
  call as callOn,
  cleanup,
  dbGet as dbGetOn,
  dialEnd,
  dialTo,
  extensionState as extensionStateOn,
  phone,
  Recorder,
  ringing,
  scenarioFile,
  spawnSipp,
  until,
  wipeCallServices,
  type Call,
} from '../testbed/asterisk/phones';
import { startQueueCallers, type QueueCallers } from '../testbed/asterisk/queue-callers';

jest.setTimeout(120_000);

const RECEPTION = '2001';
const OFF: PbxCallServicesState = { dnd: false, dndAction: 'busy', priorityCallers: [], voicemailDeposit: '*2001' };
const dbGet = (family: string, key: string): Promise<string | undefined> => dbGetOn(ami, family, key);
const extensionState = async (exten: string): Promise<string> => (await extensionStateOn(ami, exten)).text;
const wipe = (ext: string): Promise<void> => wipeCallServices(ami, ext);
const call = (from: string, to: string, holdMs?: number): Promise<Call> => callOn(recorder, from, to, holdMs);

/** The control every test ends with: services off, a call from 2005 rings 2001 again. */
async function expectNormalRinging(): Promise<void> {
  await provider.apply(RECEPTION, OFF);
  const reception = await phone(RECEPTION, 'ring');
  const c = await call('2005', RECEPTION);
  await recorder.waitFor(ringing(c, 'PJSIP/2001'), '2001 ringing again');
  expect(recorder.of(c.linkedid).some((s) => s.e.Event === 'DialBegin' && !s.e.DestChannel?.startsWith('PJSIP/2001-') && !s.e.DestChannel?.startsWith('PJSIP/2011-'))).toBe(false);
  await c.hangup();
  await reception.stop();
}

let ami: AmiClient;
let provider: CallServicesProvider;
let recorder: Recorder;

beforeAll(async () => {
  ami = await connectTestbedAmi();
  recorder = new Recorder(ami);
  for (const ext of [RECEPTION, '2004']) await wipe(ext);
  provider = createAsteriskCallServicesProvider({
    ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' },
    context: 'internal',
    timing: { backoffInitialMs: 500, backoffMaxMs: 2000 },
  });
  await provider.start();
});

afterEach(async () => {
  await cleanup();
  for (const ext of [RECEPTION, '2004']) await wipe(ext);
});

afterAll(async () => {
  await provider?.stop();
  await cleanup();
  recorder?.detach();
  await ami?.close();
});

describe('call-routing services on Asterisk (provider + the bed dialplan)', () => {
  it('forward always: a call to 2001 rings 2003 instead, and 2001 is not rung', async () => {
    await provider.apply(RECEPTION, { ...OFF, forwardAlways: '2003' });
    expect(await dbGet('CF', RECEPTION)).toBe('2003');
    await phone('2003', 'answer');
    const c = await call('2005', RECEPTION);
    await recorder.waitFor(dialTo(c, 'PJSIP/2003'), 'the forward to 2003');
    expect(await c.sipp.done).toBe(0);
    expect(c.finals()).toEqual(['200']);
    expect(recorder.of(c.linkedid).filter((s) => dialTo(c, 'PJSIP/2001')(s.e))).toEqual([]);
    await expectNormalRinging();
  });

  it('forward when busy: 2001 answers 486, the call goes on to 2003', async () => {
    await provider.apply(RECEPTION, { ...OFF, forwardBusy: '2003' });
    await phone(RECEPTION, 'busy');
    await phone('2003', 'answer');
    const c = await call('2005', RECEPTION);
    const busy = await recorder.waitFor(dialEnd(c, 'PJSIP/2001'), '2001 refusing');
    expect(busy.DialStatus).toBe('BUSY');
    await recorder.waitFor(dialTo(c, 'PJSIP/2003'), 'the busy forward to 2003');
    expect(await c.sipp.done).toBe(0);
    expect(c.finals()).toEqual(['200']);
    await expectNormalRinging();
  });

  it('forward on no answer after 5 s: 2001 rings 5 s unanswered, then 2003 rings', async () => {
    await provider.apply(RECEPTION, { ...OFF, forwardNoAnswer: { target: '2003', seconds: 5 } });
    expect(await dbGet('AMPUSER', `${RECEPTION}/ringtimer`)).toBe('5');
    await phone(RECEPTION, 'ring');
    await phone('2003', 'answer');
    const c = await call('2005', RECEPTION);
    const first = await recorder.waitForSeen(dialTo(c, 'PJSIP/2001'), '2001 rung');
    const end = await recorder.waitFor(dialEnd(c, 'PJSIP/2001'), '2001 given up', 15_000);
    expect(end.DialStatus).toBe('NOANSWER');
    const forward = await recorder.waitForSeen(dialTo(c, 'PJSIP/2003'), 'the no-answer forward to 2003');
    const waited = (forward.at - first.at) / 1000;
    expect(waited).toBeGreaterThanOrEqual(4.5);
    expect(waited).toBeLessThan(8);
    expect(await c.sipp.done).toBe(0);
    expect(c.finals()).toEqual(['200']);
    // Off again: the ring time goes back to what it was (none here: the dialplan's 20 s).
    await provider.apply(RECEPTION, OFF);
    expect(await dbGet('AMPUSER', `${RECEPTION}/ringtimer`)).toBeUndefined();
    await expectNormalRinging();
  });

  it('follow-me after 3 s: 2003 rings too while 2001 keeps ringing; 2003 answers, 2001 is cancelled', async () => {
    await provider.apply(RECEPTION, { ...OFF, followMe: { number: '2003', seconds: 3 } });
    await phone(RECEPTION, 'ring');
    await phone('2003', 'answer');
    const c = await call('2005', RECEPTION);
    const first = await recorder.waitForSeen(ringing(c, 'PJSIP/2001'), '2001 ringing');
    const second = await recorder.waitForSeen(dialTo(c, 'PJSIP/2003'), 'the follow-me leg to 2003');
    const waited = (second.at - first.at) / 1000;
    expect(waited).toBeGreaterThanOrEqual(2.5);
    expect(waited).toBeLessThan(6);
    // 2001 was still ringing when 2003 was dialled; the answer on 2003 cancelled it.
    const end = await recorder.waitForSeen(dialEnd(c, 'PJSIP/2001'), '2001 cancelled');
    expect(end.at).toBeGreaterThanOrEqual(second.at);
    expect(end.e.DialStatus).toBe('CANCEL');
    expect(await c.sipp.done).toBe(0);
    expect(c.finals()).toEqual(['200']);
    await expectNormalRinging();
  });

  it("DND everywhere: callers get 486, 2001's hint and a colleague's BLF show busy, a priority caller still rings", async () => {
    const reception = await phone(RECEPTION, 'ring');
    await until(async () => ((await extensionState(RECEPTION)) === 'Idle' ? true : undefined), '2001 idle');
    // A colleague (2004) watches 2001's BLF (dialog-info) until 4 s after the last NOTIFY.
    const blf = await spawnSipp(scenarioFile('blf', BLF_XML(4000)), '2004');
    const states = (): string[] => blfStates(blf);
    await until(async () => (states().length > 0 ? true : undefined), 'the first NOTIFY');
    expect(states()).toEqual(['terminated']); // idle

    await provider.apply(RECEPTION, { ...OFF, dnd: true, priorityCallers: ['2004'] });
    expect(await dbGet('DND', RECEPTION)).toBe('YES');
    expect(await extensionState(RECEPTION)).toBe('Busy');
    await until(async () => (states().includes('confirmed') ? true : undefined), 'a NOTIFY saying busy (confirmed)');

    const refused = await call('2005', RECEPTION);
    expect(await refused.sipp.done).toBe(0);
    expect(refused.finals()).toEqual(['486']);
    expect(recorder.of(refused.linkedid).filter((s) => s.e.Event === 'DialBegin')).toEqual([]);

    const priority = await call('2004', RECEPTION);
    await recorder.waitFor(ringing(priority, 'PJSIP/2001'), 'the priority caller ringing 2001');
    await priority.hangup();
    await reception.stop();

    // Off: the BLF leaves busy, and an unregistered 2001 is unavailable again (not idle).
    await provider.apply(RECEPTION, OFF);
    await until(async () => ((await extensionState(RECEPTION)) === 'Unavailable' ? true : undefined), '2001 unavailable');
    await until(async () => (states().at(-1) === 'terminated' ? true : undefined), 'a NOTIFY saying not busy');
    expect(await blf.done).toBe(0); // unsubscribed cleanly
    await expectNormalRinging();
  });

  it('DND with the voicemail action: the caller reaches VoiceMail for 2001 through the deposit number', async () => {
    await provider.apply(RECEPTION, { ...OFF, dnd: true, dndAction: 'voicemail', voicemailDeposit: '*2001' });
    const since = recorder.mark();
    const c = await call('2005', RECEPTION, 10_000);
    const vm = await recorder.waitFor(
      (e) => e.Event === 'Newexten' && e.Application === 'VoiceMail' && e.Linkedid === c.linkedid,
      'VoiceMail() for this call',
      15_000,
      since,
    );
    expect(vm.AppData).toMatch(/^2001@default/);
    // Gone before the beep: no message is left in the mailbox.
    await c.hangup();
    expect(recorder.of(c.linkedid).some((s) => dialTo(c, 'PJSIP/2001')(s.e))).toBe(false);
    await expectNormalRinging();
  });

  it('feature codes *78/*79, *72/*73, *90/*91, *52/*53 set and clear the keys of the caller', async () => {
    const dial = async (code: string): Promise<void> => {
      const c = await call('2004', code, 5000);
      // The PBX answers, beeps and hangs up (BYE) by itself.
      expect(await c.sipp.done).toBe(0);
      expect(c.finals()).toEqual(['200']);
    };
    await dial('*78');
    expect(await dbGet('DND', '2004')).toBe('YES');
    expect(await extensionState('2004')).toBe('Busy');
    await dial('*79');
    expect(await dbGet('DND', '2004')).toBeUndefined();
    expect(await extensionState('2004')).not.toBe('Busy');
    for (const [on, off, family] of [['*72', '*73', 'CF'], ['*90', '*91', 'CFB'], ['*52', '*53', 'CFU']] as const) {
      await dial(`${on}2003`);
      expect([family, await dbGet(family, '2004')]).toEqual([family, '2003']);
      await dial(off);
      expect([family, await dbGet(family, '2004')]).toEqual([family, undefined]);
    }
  });

  it('a queue caller the console takes (Redirect or QueueWithdrawCaller) still rings 2001 with DND on', async () => {
    const paused = new Map<string, boolean>();
    let callers: QueueCallers | undefined;
    try {
      for (const iface of ['PJSIP/2002', 'PJSIP/2003']) {
        const member = (await ami.list({ Action: 'QueueStatus', Queue: 'support' })).find((e) => e.Event === 'QueueMember' && e.Location === iface);
        paused.set(iface, member?.Paused === '1');
        await ami.action({ Action: 'QueuePause', Interface: iface, Queue: 'support', Paused: 'true', Reason: 'call-services test' });
      }
      await provider.apply(RECEPTION, { ...OFF, dnd: true });
      callers = await startQueueCallers([{ number: '0611000091' }, { number: '0611000092' }], { ami });
      const [first, second] = callers.callers;
      if (!first || !second) throw new Error('queue callers did not start');

      let reception = await phone(RECEPTION, 'ring');
      await ami.action({ Action: 'Redirect', Channel: first.channel, Context: 'internal', Exten: RECEPTION, Priority: '1' });
      await recorder.waitFor(
        (e) => e.Event === 'DialState' && e.DialStatus === 'RINGING' && e.Channel === first.channel && e.DestChannel?.startsWith('PJSIP/2001-') === true,
        'the taken caller ringing 2001',
      );
      await ami.action({ Action: 'Hangup', Channel: first.channel });
      await reception.stop();

      reception = await phone(RECEPTION, 'ring');
      await ami.action({ Action: 'QueueWithdrawCaller', Queue: 'support', Caller: second.channel, WithdrawInfo: RECEPTION });
      await recorder.waitFor(
        (e) => e.Event === 'DialState' && e.DialStatus === 'RINGING' && e.Channel === second.channel && e.DestChannel?.startsWith('PJSIP/2001-') === true,
        'the withdrawn caller ringing 2001',
        30_000, // leaves between two ring attempts of the members
      );
      await ami.action({ Action: 'Hangup', Channel: second.channel });
      await reception.stop();
    } finally {
      await callers?.stop();
      for (const [iface, was] of paused) await ami.action({ Action: 'QueuePause', Interface: iface, Queue: 'support', Paused: was ? 'true' : 'false' });
    }
  });
});
