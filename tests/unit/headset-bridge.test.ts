/** The press → command and calls → LEDs rules of electron/services/headset-bridge.ts, case by case. */
import type { CallView } from '../../electron/contract';
import { headsetCallStateOf, pictureOf, planHeadsetAction } from '../../electron/services/headset-bridge';

let at = 1_000;
const call = (id: string, state: CallView['state'], extra: Partial<CallView> = {}): CallView => ({
  id,
  accountId: 'acc-1',
  direction: state === 'incoming' ? 'incoming' : 'outgoing',
  state,
  remote: { user: id, uri: `sip:${id}@pbx` },
  mediaMode: 'rtp',
  createdAt: (at += 10),
  line: 1,
  muted: false,
  volume: 1,
  ...extra,
});

const plan = (button: Parameters<typeof planHeadsetAction>[0], calls: CallView[]) => {
  const p = planHeadsetAction(button, calls);
  return p.step ? `${p.action} ${p.step.name} ${JSON.stringify(p.step.args)}` : p.action;
};

describe('LEDs from the calls', () => {
  test.each<[string, CallView[], ReturnType<typeof headsetCallStateOf>]>([
    ['no call', [], { ringing: false, offHook: false, muted: false, held: false }],
    ['ringing', [call('a', 'incoming')], { ringing: true, offHook: false, muted: false, held: false }],
    ['calling out', [call('a', 'dialing')], { ringing: false, offHook: true, muted: false, held: false }],
    ['being answered', [call('a', 'connecting', { direction: 'incoming' })], { ringing: false, offHook: true, muted: false, held: false }],
    ['talking, muted', [call('a', 'active', { muted: true })], { ringing: false, offHook: true, muted: true, held: false }],
    ['talking + another ringing', [call('a', 'active'), call('b', 'incoming', { line: 2 })], { ringing: true, offHook: true, muted: false, held: false }],
    ['only held (Off-Hook kept by the controller)', [call('a', 'held', { muted: true })], { ringing: false, offHook: true, muted: false, held: true }],
    ['talking + held: not "held"', [call('a', 'held'), call('b', 'active', { line: 2 })], { ringing: false, offHook: true, muted: false, held: false }],
    ['ended calls count for nothing', [call('a', 'ended')], { ringing: false, offHook: false, muted: false, held: false }],
  ])('%s', (_name, calls, expected) => {
    expect(headsetCallStateOf(calls)).toEqual(expected);
  });

  test('the longest-ringing call is answered first; the answered call is "the" talking one', () => {
    const older = call('old', 'incoming', { line: 3 });
    const newer = call('new', 'incoming', { line: 1 });
    const p = pictureOf([newer, older, call('x', 'dialing', { line: 2 }), call('y', 'active', { line: 4 })]);
    expect(p.ringing?.id).toBe('old');
    expect(p.talking?.id).toBe('y');
  });
});

describe('presses', () => {
  test('hook lifted', () => {
    expect(plan('hook-off', [call('a', 'incoming')])).toBe('answer call.answer {"callId":"a"}');
    expect(plan('hook-off', [call('a', 'held')])).toBe('resume call.select {"callId":"a"}');
    expect(plan('hook-off', [])).toBe('none');
  });

  test('hook down: answers a call waiting, hangs up the talking call, never drops a held caller', () => {
    expect(plan('hook-on', [call('a', 'active'), call('b', 'incoming', { line: 2 })])).toBe('answer call.answer {"callId":"b"}');
    expect(plan('hook-on', [call('a', 'held'), call('b', 'incoming', { line: 2 })])).toBe('answer call.answer {"callId":"b"}');
    expect(plan('hook-on', [call('a', 'active')])).toBe('hangup call.hangup {"callId":"a"}');
    expect(plan('hook-on', [call('a', 'dialing')])).toBe('hangup call.hangup {"callId":"a"}');
    expect(plan('hook-on', [call('a', 'held'), call('b', 'active', { line: 2 })])).toBe('hangup call.hangup {"callId":"b"}');
    expect(plan('hook-on', [call('a', 'held')])).toBe('resume call.select {"callId":"a"}');
    expect(plan('hook-on', [call('a', 'active', { conferenceId: 'conf-1' }), call('b', 'active', { conferenceId: 'conf-1', line: 2 })])).toBe(
      'hangup call.leaveConference {"conferenceId":"conf-1","end":true}',
    );
  });

  test('mute toggles the talking call only', () => {
    expect(plan('mute-toggle', [call('a', 'active')])).toBe('mute call.mute {"callId":"a","muted":true}');
    expect(plan('mute-toggle', [call('a', 'active', { muted: true })])).toBe('unmute call.mute {"callId":"a","muted":false}');
    expect(plan('mute-toggle', [call('a', 'held')])).toBe('none');
    expect(plan('mute-toggle', [call('a', 'incoming')])).toBe('none');
  });

  test('flash: accept the waiting call, swap to the next held line, hold, resume', () => {
    expect(plan('flash', [call('a', 'active'), call('b', 'incoming', { line: 2 })])).toBe('answer call.answer {"callId":"b"}');
    const three = [call('a', 'held', { line: 1 }), call('b', 'active', { line: 2 }), call('c', 'held', { line: 3 })];
    expect(plan('flash', three)).toBe('swap call.select {"callId":"c"}');
    const wrap = [call('a', 'held', { line: 1 }), call('b', 'held', { line: 2 }), call('c', 'active', { line: 3 })];
    expect(plan('flash', wrap)).toBe('swap call.select {"callId":"a"}');
    expect(plan('flash', [call('a', 'active')])).toBe('hold call.hold {"callId":"a"}');
    expect(plan('flash', [call('a', 'held')])).toBe('resume call.select {"callId":"a"}');
    expect(plan('flash', [])).toBe('none');
  });

  test('redial and reject', () => {
    expect(plan('redial', [])).toBe('redial call.redial {}');
    expect(plan('reject', [call('a', 'active'), call('b', 'incoming', { line: 2 })])).toBe('reject call.decline {"callId":"b"}');
    expect(plan('reject', [call('a', 'active')])).toBe('none');
  });
});
