/**
 * The voicemail service (a ConsoleExtension) over a fake VoicemailProvider (a seam we own): the view without and with
 * the PBX connection, contact names, errors as data, and the rule that decides which incoming call is the playback
 * the receptionist asked for (answered by the console itself) — and which is not.
 */
import type { CallView } from '../../electron/contract/dto';
import type { VoicemailView } from '../../electron/contract/voicemail';
import { CommandFailure } from '../../electron/services/console-service';
import type { PbxConfig } from '../../electron/services/provisioning';
import { isPlaybackCall, PLAY_WINDOW_MS, VoicemailService, type VoicemailTarget } from '../../electron/services/voicemail-service';
import { VoicemailError, type VoicemailMessage, type VoicemailProvider, type VoicemailSnapshot } from '../../pbx/api/voicemail';
import type { CallSnapshot } from '../../sip-core/api/call';

const CONFIG = { type: 'asterisk', context: 'internal', pauseReasons: [], ami: { host: '127.0.0.1', user: 'console', secret: 'secret' } } as PbxConfig;
const MSG: VoicemailMessage = { id: '1796313269-00000000', folder: 'new', callerNumber: '2005', callerName: 'Phone 2005', receivedAt: 1796313269000, durationS: 6, urgent: false };

class FakeProvider implements VoicemailProvider {
  readonly calls: string[] = [];
  #l = new Set<(s: VoicemailSnapshot) => void>();
  snap: VoicemailSnapshot = { connection: { state: 'connecting' }, noMailbox: false, messages: [] };
  fail: VoicemailError | undefined;
  async start(): Promise<void> {
    this.set({ connection: { state: 'connected' }, noMailbox: false, messages: [MSG], listedAt: 1 });
  }
  async stop(): Promise<void> {}
  snapshot(): VoicemailSnapshot {
    return this.snap;
  }
  onDidChange(l: (s: VoicemailSnapshot) => void): () => void {
    this.#l.add(l);
    return () => this.#l.delete(l);
  }
  set(s: VoicemailSnapshot): void {
    this.snap = s;
    for (const l of this.#l) l(s);
  }
  async refresh(): Promise<void> {
    this.calls.push('refresh');
  }
  async play(id: string, endpoint: string): Promise<void> {
    if (this.fail) throw this.fail;
    this.calls.push(`play ${id} ${endpoint}`);
  }
  async markRead(id: string): Promise<void> {
    if (this.fail) throw this.fail;
    this.calls.push(`markRead ${id}`);
  }
  async remove(id: string): Promise<void> {
    if (this.fail) throw this.fail;
    this.calls.push(`remove ${id}`);
  }
}

function make(opts: { config?: PbxConfig; answer?: (id: string) => Promise<void> } = {}) {
  const provider = new FakeProvider();
  const targets: VoicemailTarget[] = [];
  const sent: VoicemailView[] = [];
  const svc = new VoicemailService({
    pbx: { pbxConfig: () => opts.config, onDidChangeConfig: () => () => undefined },
    createProvider: (t) => {
      targets.push(t);
      return provider;
    },
    lookup: async (n) => (n === '2005' ? 'Claire (Accounts)' : undefined),
    ...(opts.answer && { answer: opts.answer }),
  });
  svc.bind((event, payload) => {
    if (event === 'voicemail.changed') sent.push(payload as VoicemailView);
  });
  svc.start({ primaryAccount: () => ({ user: '2001' }) });
  return { svc, provider, targets, sent };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
const h = (svc: VoicemailService) => svc.handlers as Required<VoicemailService['handlers']>;
const incoming = (over: Partial<CallSnapshot> = {}): CallSnapshot =>
  ({ id: 'c1', direction: 'incoming', state: 'incoming', remote: { user: '2001', uri: 'sip:2001@127.0.0.1', displayName: 'Voicemail' }, autoAnswerAfter: 0, ...over }) as unknown as CallSnapshot;

describe('VoicemailService', () => {
  it('without the PBX connection: not-configured, no list, and the commands say why', async () => {
    const { svc, targets } = make();
    expect(svc.view()).toEqual({ state: 'not-configured', messages: [] });
    expect(targets).toEqual([]);
    await expect(h(svc)['voicemail.play']({ id: MSG.id }, { id: 'x', send: () => undefined })).rejects.toMatchObject({ code: 'not-configured', key: 'voicemail.error.notConfigured' });
  });

  it('with it: the mailbox of the account on the default context, messages named from the directories', async () => {
    const { svc, targets, sent } = make({ config: CONFIG });
    await settle();
    expect(targets[0]).toMatchObject({ mailbox: '2001', context: 'default' });
    expect(svc.view()).toMatchObject({ state: 'ready', mailbox: '2001@default', messages: [{ id: MSG.id, callerName: 'Phone 2005', contactName: 'Claire (Accounts)', durationS: 6 }] });
    expect(sent.at(-1)).toEqual(svc.view());
  });

  it('the agent interface names the mailbox; voicemailContext the context', async () => {
    const { targets } = make({ config: { ...CONFIG, agentInterface: 'PJSIP/2011', voicemailContext: 'office' } as PbxConfig });
    await settle();
    expect(targets[0]).toMatchObject({ mailbox: '2011', context: 'office' });
  });

  it('voicemailMailbox names a shared mailbox (the WebRTC identity 2011 reads 2001’s); the playback call still rings PJSIP/2011', async () => {
    const { svc, targets, provider } = make({ config: { ...CONFIG, agentInterface: 'PJSIP/2011', voicemailMailbox: '2001' } as PbxConfig });
    await settle();
    expect(targets[0]).toMatchObject({ mailbox: '2001', context: 'default' });
    expect(svc.view().mailbox).toBe('2001@default');
    await h(svc)['voicemail.play']({ id: MSG.id }, { id: 'x', send: () => undefined });
    expect(provider.calls).toEqual([`play ${MSG.id} PJSIP/2011`]);
  });

  it('play / mark read / delete reach the provider; its errors come back as translated failures', async () => {
    const { svc, provider } = make({ config: CONFIG });
    await settle();
    const conn = { id: 'x', send: () => undefined };
    await h(svc)['voicemail.play']({ id: MSG.id }, conn);
    expect(svc.view().playing).toBe(MSG.id);
    await h(svc)['voicemail.markRead']({ id: MSG.id }, conn);
    await h(svc)['voicemail.delete']({ id: MSG.id }, conn);
    expect(provider.calls).toEqual([`play ${MSG.id} PJSIP/2001`, `markRead ${MSG.id}`, `remove ${MSG.id}`]);
    provider.fail = new VoicemailError('not-found', 'gone');
    const e = await Promise.resolve(h(svc)['voicemail.delete']({ id: MSG.id }, conn)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandFailure);
    expect(e).toMatchObject({ code: 'not-found', key: 'voicemail.error.gone' });
    provider.fail = new VoicemailError('unreachable', 'down');
    await expect(h(svc)['voicemail.markRead']({ id: MSG.id }, conn)).rejects.toMatchObject({ code: 'network', key: 'voicemail.error.unreachable' });
  });

  it('the playback call is recognised (rings through DND and screening) and answered; any other call is left alone', async () => {
    const answered: string[] = [];
    const { svc } = make({ config: CONFIG, answer: async (id) => void answered.push(id) });
    await settle();
    // No play asked: a PBX call with the same caller ID is not ours.
    expect(svc.screenIncoming(incoming())).toBeUndefined();
    await h(svc)['voicemail.play']({ id: MSG.id }, { id: 'x', send: () => undefined });
    // Without a believed auto-answer request (a caller forging "2001" through a proxy): rings normally.
    expect(svc.screenIncoming(incoming({ id: 'forged', autoAnswerAfter: undefined } as Partial<CallSnapshot>))).toBeUndefined();
    expect(svc.screenIncoming(incoming({ id: 'other', remote: { user: '2005', uri: 'sip:2005@x' } } as Partial<CallSnapshot>))).toBeUndefined();
    expect(svc.screenIncoming(incoming())).toEqual({ action: 'ring', priority: true });
    svc.callChanged({ id: 'c1', state: 'incoming' } as CallView);
    svc.callChanged({ id: 'c1', state: 'incoming' } as CallView);
    await settle();
    expect(answered).toEqual(['c1']);
    svc.callChanged({ id: 'c1', state: 'ended' } as CallView);
    expect(svc.view().playing).toBeUndefined();
  });

  it('during another call the playback rings instead of being answered (answering would hold that call)', async () => {
    const answered: string[] = [];
    const { svc } = make({ config: CONFIG, answer: async (id) => void answered.push(id) });
    await settle();
    svc.callChanged({ id: 'talking', state: 'active' } as CallView);
    await h(svc)['voicemail.play']({ id: MSG.id }, { id: 'x', send: () => undefined });
    expect(svc.screenIncoming(incoming())).toEqual({ action: 'ring', priority: true });
    svc.callChanged({ id: 'c1', state: 'incoming' } as CallView);
    await settle();
    expect(answered).toEqual([]);
  });

  it('isPlaybackCall: the window, the direction and the caller', () => {
    const now = 1_000_000;
    const call = incoming();
    expect(isPlaybackCall(call, '2001', now - 1000, now)).toBe(true);
    expect(isPlaybackCall(call, '2001', now - PLAY_WINDOW_MS - 1, now)).toBe(false);
    expect(isPlaybackCall(call, '2001', undefined, now)).toBe(false);
    expect(isPlaybackCall({ ...call, direction: 'outgoing' } as CallSnapshot, '2001', now, now)).toBe(false);
    expect(isPlaybackCall(call, '2002', now, now)).toBe(false);
  });
});
