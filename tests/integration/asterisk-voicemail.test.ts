/**
 * The Asterisk voicemail provider against the real bed (Asterisk 22, app_voicemail, mailbox 2001@default): a sipp
 * caller leaves messages through the deposit number `*2001`, the provider lists them (caller, duration), plays one on
 * a phone (a sipp stand-in for the console's endpoint: the INVITE is the PBX's own, with the auto-answer header, and
 * the phone is sent audio), marks one read (the MWI count follows) and deletes one. The mailbox is emptied before and
 * after.
 */
import { VoicemailError, type VoicemailSnapshot } from '../../pbx/api/voicemail';
import { createAsteriskVoicemailProvider } from '../../pbx/asterisk';
import type { VoicemailProvider } from '../../pbx/api/voicemail';
import { connectTestbedAmi, type AmiClient } from '../testbed/asterisk/ami';
import { cleanup, phone, Recorder, until } from '../testbed/asterisk/phones';
import { clearMailbox, leaveVoicemail } from '../testbed/asterisk/voicemail';

jest.setTimeout(120_000);

let ami: AmiClient;
let recorder: Recorder;
let provider: VoicemailProvider | undefined;

beforeAll(async () => {
  ami = await connectTestbedAmi();
  recorder = new Recorder(ami);
});

beforeEach(async () => {
  await clearMailbox(ami);
});

afterEach(async () => {
  await provider?.stop();
  provider = undefined;
  await cleanup();
  await clearMailbox(ami);
});

afterAll(async () => {
  recorder?.detach();
  await ami?.close();
});

function start(mailbox = '2001'): VoicemailProvider {
  const p = createAsteriskVoicemailProvider({
    ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' },
    mailbox,
    timing: { actionTimeoutMs: 5000, backoffInitialMs: 200, backoffMaxMs: 1000 },
  });
  void p.start();
  provider = p;
  return p;
}

const listed = (p: VoicemailProvider, test: (s: VoicemailSnapshot) => boolean, what: string, ms = 15_000): Promise<VoicemailSnapshot> =>
  until(async () => (test(p.snapshot()) ? p.snapshot() : undefined), what, ms);

test('a message left by 2005 appears (caller, date, duration), plays on the phone, then is old and the MWI says 0 new', async () => {
  const p = start();
  await listed(p, (s) => s.listedAt !== undefined, 'the first listing');
  expect(p.snapshot()).toMatchObject({ connection: { state: 'connected' }, noMailbox: false, messages: [] });

  const left = await leaveVoicemail('2005', { toneHz: 800 });
  expect(left.log).toContain('FINAL 200');
  // No polling by the test: the MessageWaiting event of the deposit makes the provider re-list.
  const s = await listed(p, (x) => x.messages.length === 1, 'the new message in the list');
  const m = s.messages[0];
  expect(m).toMatchObject({ folder: 'new', callerNumber: '2005', callerName: 'Phone 2005', urgent: false });
  expect(m?.durationS).toBeGreaterThan(0);
  expect(Math.abs((m?.receivedAt ?? 0) - Date.now())).toBeLessThan(120_000);

  // Play on "the console": 2004 stands in for it (a sipp phone that answers).
  const console2004 = await phone('2004', 'answer');
  const since = recorder.mark();
  await p.play(m?.id ?? '', 'PJSIP/2004', 'Voicemail');
  await until(async () => (console2004.invites().length > 0 ? true : undefined), 'the playback INVITE', 10_000);
  const invite = console2004.invites()[0] ?? '';
  expect(invite).toMatch(/^Call-Info: <sip:voicemail@pbx>;answer-after=0$/m);
  expect(invite).toMatch(/^From: "Voicemail" <sip:2001@/m);
  // A single Via: the PBX built this INVITE itself (what sip-core requires before it believes the auto-answer header).
  expect(invite.match(/^Via:/gim)).toHaveLength(1);
  // VoiceMailPlayMsg found the message by its id and played it through on the phone's channel (FAILED otherwise).
  const played = await recorder.waitFor(
    (e) => e.Event === 'VarSet' && e.Channel?.startsWith('PJSIP/2004-') === true && e.Variable === 'VOICEMAIL_PLAYBACKSTATUS',
    'the playback done',
    30_000,
    since,
  );
  expect(played.Value).toBe('SUCCESS');
  await recorder.waitFor((e) => e.Event === 'Hangup' && e.Channel === played.Channel, 'the end of the playback', 30_000, since);
  // Heard through: app_voicemail moved it to Old; the provider asked for a re-count, so MWI says 0 new.
  await listed(p, (x) => x.messages[0]?.folder === 'old', 'the message now old');
  await recorder.waitFor((e) => e.Event === 'MessageWaiting' && e.Mailbox === '2001@default' && e.New === '0' && e.Old === '1', 'MWI 0 new / 1 old', 10_000, since);
});

test('mark read moves a new message to old (MWI follows); delete removes it; an unknown id is refused', async () => {
  const p = start();
  await listed(p, (s) => s.listedAt !== undefined, 'the first listing');
  await leaveVoicemail('2004', { toneHz: 600 });
  const s = await listed(p, (x) => x.messages.length === 1, 'the message');
  const id = s.messages[0]?.id ?? '';
  expect(s.messages[0]).toMatchObject({ callerNumber: '2004', folder: 'new' });

  const since = recorder.mark();
  await p.markRead(id);
  expect(p.snapshot().messages).toEqual([expect.objectContaining({ id, folder: 'old' })]);
  await recorder.waitFor((e) => e.Event === 'MessageWaiting' && e.Mailbox === '2001@default' && e.New === '0', 'MWI 0 new', 10_000, since);

  await p.remove(id);
  expect(p.snapshot().messages).toEqual([]);
  await expect(p.remove(id)).rejects.toBeInstanceOf(VoicemailError);
});

test('a mailbox the PBX does not have is reported as such, at once', async () => {
  const p = start('2999');
  const s = await listed(p, (x) => x.listedAt !== undefined, 'the listing', 5000);
  expect(s).toMatchObject({ noMailbox: true, messages: [] });
});
