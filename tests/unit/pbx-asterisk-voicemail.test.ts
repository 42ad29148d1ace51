/**
 * The Asterisk voicemail provider: parsing of app_voicemail's AMI answers, recorded on the Asterisk 22.10.1 bed
 * (tests/fixtures/ami/voicemail-*.txt, raw bytes as the bed sent them: CRLF, and the stray bare LF after "Message move
 * successful"), hostile caller IDs, and the actions it sends — driven by a small fake AMI server (a seam we own) that
 * replays those recordings with the client's own ActionID.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { VoicemailError, type VoicemailSnapshot } from '../../pbx/api/voicemail';
import { AmiParser, formatAction, type AmiMessage } from '../../pbx/asterisk/ami-client';
import { AsteriskVoicemailProvider, parseBoxSummary, parseCallerId, receivedAt } from '../../pbx/asterisk/voicemail-provider';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'ami');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, `voicemail-${name}.txt`), 'latin1');
const parse = (text: string): AmiMessage[] => new AmiParser({}, false).push(Buffer.from(text, 'latin1'));

describe('VoicemailBoxSummary as recorded on the bed', () => {
  it('a message left by 2005 through *2001: new, caller, date from the msg_id, duration', () => {
    const messages = parseBoxSummary(parse(fixture('summary-inbox')));
    expect(messages).toEqual([
      { id: '1796313269-00000000', folder: 'new', callerNumber: '2005', callerName: 'Phone 2005', receivedAt: 1796313269000, durationS: 6, urgent: false },
    ]);
  });

  it('after VoiceMailPlayMsg the same message (same id) is in Old', () => {
    const [m] = parseBoxSummary(parse(fixture('summary-old')));
    expect(m).toMatchObject({ id: '1796313269-00000000', folder: 'old', durationS: 6 });
  });

  it('an empty mailbox is an empty list; the list-end event is not a message', () => {
    expect(parseBoxSummary(parse(fixture('summary-empty')))).toEqual([]);
  });

  it('the Date text is the fallback when the id does not start with an epoch', () => {
    expect(receivedAt('x-1', 'Thu Dec  3 03:54:29 PM UTC 2026')).toBe(Date.UTC(2026, 11, 3, 15, 54, 29));
    expect(receivedAt('x-1', 'Thu Dec  3 12:05:00 AM UTC 2026')).toBe(Date.UTC(2026, 11, 3, 0, 5, 0));
    expect(receivedAt('x-1', 'not a date')).toBeUndefined();
    expect(receivedAt('1796313269-00000000', 'garbage')).toBe(1796313269000);
  });

  it('newest first', () => {
    const detail = (id: string, folder: string) => ({ Event: 'VoicemailBoxDetail', Folder: folder, CallerID: '<2004>', Date: '', Duration: '3', Flag: '', ID: id });
    const list = parseBoxSummary([detail('1796313000-00000001', 'Old'), detail('1796313269-00000002', 'INBOX'), detail('1796313269-00000003', 'Urgent')]);
    expect(list.map((m) => [m.id, m.folder, m.urgent])).toEqual([
      ['1796313269-00000003', 'new', true],
      ['1796313269-00000002', 'new', false],
      ['1796313000-00000001', 'old', false],
    ]);
  });
});

describe('hostile caller IDs and malformed entries', () => {
  it('control characters, bidi overrides and zero-width characters are removed; long values capped', () => {
    const c = parseCallerId(`"\u202eevil\u0000 <b>bold</b>\u200b" <2005\u0007>`);
    expect(c).toEqual({ name: 'evil <b>bold</b>', number: '2005' });
    expect([...(parseCallerId(`"${'x'.repeat(5000)}" <${'9'.repeat(500)}>`).name ?? '')].length).toBe(80);
    expect(parseCallerId(`"${'x'.repeat(5000)}" <${'9'.repeat(500)}>`).number).toHaveLength(64);
  });

  it('name-only, number-only, empty and unknown caller IDs', () => {
    expect(parseCallerId('0612345678')).toEqual({ number: '0612345678' });
    expect(parseCallerId('Front desk')).toEqual({ name: 'Front desk' });
    expect(parseCallerId('"Anonymous" <>')).toEqual({ name: 'Anonymous' });
    expect(parseCallerId('"Unknown" <unknown>')).toEqual({});
    expect(parseCallerId('')).toEqual({});
    expect(parseCallerId(undefined)).toEqual({});
    expect(parseCallerId('"Dr \\"Who\\"" <+331>')).toEqual({ name: 'Dr "Who"', number: '+331' });
  });

  it('entries without a usable id, duplicates and absurd durations do not break the list', () => {
    const list = parseBoxSummary([
      { Event: 'VoicemailBoxDetail', Folder: 'INBOX', CallerID: '<1>', Duration: '5', ID: '' },
      { Event: 'VoicemailBoxDetail', Folder: 'INBOX', CallerID: '<1>', Duration: '5', ID: '../../etc/passwd' },
      { Event: 'VoicemailBoxDetail', Folder: 'INBOX', CallerID: '<2>', Duration: '-4', ID: '1796313269-00000001' },
      { Event: 'VoicemailBoxDetail', Folder: 'INBOX', CallerID: '<3>', Duration: '5', ID: '1796313269-00000001' },
      { Event: 'VoicemailBoxDetail', Folder: 'Old', CallerID: '<4>', Duration: '99999999', ID: '1796313270-00000002' },
    ]);
    expect(list.map((m) => [m.id, m.callerNumber, m.durationS])).toEqual([
      ['1796313270-00000002', '4', 86_400],
      ['1796313269-00000001', '2', 0],
    ]);
  });
});

// ───────────────────────────── provider against a fake AMI ─────────────────────────────

/** Answers Login/Ping; other actions from `answers` (raw recorded text, its ActionID replaced) or a plain Success. */
class VoicemailFakeAmi {
  readonly actions: Record<string, string>[] = [];
  readonly answers = new Map<string, string>();
  readonly #sockets = new Set<net.Socket>();
  private constructor(readonly server: net.Server) {}
  static async start(): Promise<VoicemailFakeAmi> {
    const server = net.createServer();
    const fake = new VoicemailFakeAmi(server);
    server.on('connection', (s) => {
      fake.#sockets.add(s);
      s.on('close', () => fake.#sockets.delete(s));
      s.write('Asterisk Call Manager/11.0.0\r\n');
      const parser = new AmiParser({}, false);
      s.on('data', (chunk: Buffer) => {
        for (const m of parser.push(chunk)) fake.#answer(s, m);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }
  emit(text: string): void {
    for (const s of this.#sockets) s.write(text);
  }
  #answer(s: net.Socket, m: AmiMessage): void {
    const { ActionID: id = '', ...fields } = m;
    this.actions.push(fields);
    const canned = this.answers.get(fields.Action ?? '');
    if (canned !== undefined) {
      s.write(canned.replace(/^ActionID: .*$/gm, `ActionID: ${id}`));
      return;
    }
    s.write(formatAction({ Response: 'Success', ...(fields.Action === 'Ping' ? { Ping: 'Pong' } : { Message: 'ok' }), ActionID: id }));
  }
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let fake: VoicemailFakeAmi;
let provider: AsteriskVoicemailProvider;
let snapshots: VoicemailSnapshot[];

async function until<T>(probe: () => T | undefined, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function startProvider(mailbox = '2001'): Promise<void> {
  provider = new AsteriskVoicemailProvider({
    ami: { host: '127.0.0.1', port: fake.port, user: 'console', secret: 'secret' },
    mailbox,
    timing: { actionTimeoutMs: 2000, pingIntervalMs: 0, backoffInitialMs: 50, backoffMaxMs: 100 },
  });
  snapshots = [];
  provider.onDidChange((s) => snapshots.push(s));
  await provider.start();
}

beforeEach(async () => {
  fake = await VoicemailFakeAmi.start();
});

afterEach(async () => {
  await provider?.stop();
  await fake.close();
});

describe('AsteriskVoicemailProvider', () => {
  it('lists the mailbox when connected, and again on a MessageWaiting of that mailbox only', async () => {
    fake.answers.set('VoicemailBoxSummary', fixture('summary-empty'));
    await startProvider();
    await until(() => (provider.snapshot().listedAt ? true : undefined), 'the first listing');
    expect(provider.snapshot()).toMatchObject({ connection: { state: 'connected' }, noMailbox: false, messages: [] });
    expect(fake.actions.find((a) => a.Action === 'VoicemailBoxSummary')).toEqual({ Action: 'VoicemailBoxSummary', Mailbox: '2001', Context: 'default' });

    fake.answers.set('VoicemailBoxSummary', fixture('summary-inbox'));
    fake.emit(formatAction({ Event: 'MessageWaiting', Mailbox: '2999@default', Waiting: '1', New: '1', Old: '0' }));
    fake.emit(fixture('message-waiting'));
    await until(() => (provider.snapshot().messages.length === 1 ? true : undefined), 'the re-list after MessageWaiting');
    expect(provider.snapshot().messages[0]).toMatchObject({ id: '1796313269-00000000', folder: 'new', callerName: 'Phone 2005' });
  });

  it('an unknown mailbox is said at once (app_voicemail acks it without a list), not after a timeout', async () => {
    fake.answers.set('VoicemailBoxSummary', fixture('summary-no-user'));
    const t0 = Date.now();
    await startProvider('2999');
    await until(() => (provider.snapshot().listedAt ? true : undefined), 'the listing');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(provider.snapshot()).toMatchObject({ noMailbox: true, messages: [] });
  });

  it('mark read moves INBOX → Old; a "Message move failed" (still Response: Success) is an error', async () => {
    fake.answers.set('VoicemailBoxSummary', fixture('summary-inbox'));
    await startProvider();
    await until(() => (provider.snapshot().messages.length ? true : undefined), 'the listing');
    fake.answers.set('VoicemailMove', fixture('move-ok'));
    await provider.markRead('1796313269-00000000');
    expect(fake.actions.filter((a) => a.Action === 'VoicemailMove')).toEqual([
      { Action: 'VoicemailMove', Mailbox: '2001', Context: 'default', Folder: 'INBOX', ID: '1796313269-00000000', ToFolder: 'Old' },
    ]);
    fake.answers.set('VoicemailMove', fixture('move-failed'));
    await expect(provider.markRead('1796313269-00000000')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('delete removes by folder and id; ids never listed or malformed are refused before anything is sent', async () => {
    fake.answers.set('VoicemailBoxSummary', fixture('summary-old'));
    await startProvider();
    await until(() => (provider.snapshot().messages.length ? true : undefined), 'the listing');
    fake.answers.set('VoicemailRemove', 'Response: Success\r\nActionID: x\r\nMessage: Message remove successful\n\r\n\r\n');
    await provider.remove('1796313269-00000000');
    expect(fake.actions.filter((a) => a.Action === 'VoicemailRemove')).toEqual([
      { Action: 'VoicemailRemove', Mailbox: '2001', Context: 'default', Folder: 'Old', ID: '1796313269-00000000' },
    ]);
    const before = fake.actions.length;
    await expect(provider.remove('1796313269-00000009')).rejects.toBeInstanceOf(VoicemailError);
    await expect(provider.remove('x\r\nAction: Originate')).rejects.toMatchObject({ code: 'not-found' });
    await expect(provider.play('1796313269-00000000', 'PJSIP/2001\r\nAction: Hangup', 'Voicemail')).rejects.toMatchObject({ code: 'refused' });
    expect(fake.actions.length).toBe(before);
  });

  it('play originates VoiceMailPlayMsg to the console with the auto-answer header, caller ID = the mailbox', async () => {
    fake.answers.set('VoicemailBoxSummary', fixture('summary-inbox'));
    await startProvider();
    await until(() => (provider.snapshot().messages.length ? true : undefined), 'the listing');
    await provider.play('1796313269-00000000', 'PJSIP/2001', 'Voice"mail <x>');
    expect(fake.actions.find((a) => a.Action === 'Originate')).toEqual({
      Action: 'Originate',
      Channel: 'PJSIP/2001',
      Application: 'VoiceMailPlayMsg',
      Data: '2001@default,1796313269-00000000',
      CallerID: '"Voicemail x" <2001>',
      Variable: 'PJSIP_HEADER(add,Call-Info)=<sip:voicemail@pbx>\\;answer-after=0',
      Timeout: '30000',
      Async: 'true',
    });
    // The playback call hangs up: app_voicemail is asked to re-count (MWI) and the list is read again.
    fake.emit(formatAction({ Event: 'OriginateResponse', Response: 'Success', Channel: 'PJSIP/2001-00000007', Application: 'VoiceMailPlayMsg', Data: '2001@default,1796313269-00000000' }));
    fake.emit(formatAction({ Event: 'Hangup', Channel: 'PJSIP/2001-00000007', Cause: '16' }));
    await until(() => fake.actions.find((a) => a.Action === 'VoicemailRefresh'), 'VoicemailRefresh');
    expect(fake.actions.find((a) => a.Action === 'VoicemailRefresh')).toEqual({ Action: 'VoicemailRefresh', Mailbox: '2001', Context: 'default' });
  });

  it('refuses a mailbox or context outside the safe character set', () => {
    const ami = { host: '127.0.0.1', user: 'u', secret: 's' };
    expect(() => new AsteriskVoicemailProvider({ ami, mailbox: '2001,evil' })).toThrow(VoicemailError);
    expect(() => new AsteriskVoicemailProvider({ ami, mailbox: '2001', voicemailContext: 'a b' })).toThrow(VoicemailError);
  });
});
