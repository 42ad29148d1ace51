/**
 * Call-routing services (electron/services/call-services.ts) driving the real ConsoleService over a fake Softphone
 * (our sip-core seam) and a fake PBX provider (our pbx/api seam). What reaches the real PBX is covered by
 * tests/integration/asterisk-call-services.test.ts and the E2E suite.
 */
import { ConsoleService, type HostConnection } from '../../electron/services/console-service';
import { CallServicesService, isAnonymousCaller, NumberSet } from '../../electron/services/call-services';
import type { Events } from '../../electron/contract';
import type { ServicesView } from '../../electron/contract/services';
import type { Provisioning, PbxConfig } from '../../electron/services/provisioning';
import { parseProvisioning } from '../../electron/services/provisioning';
import type { SoftphoneOptions } from '../../sip-core/api/softphone';
import { CallServicesError, type CallServicesProvider, type PbxCallServicesState } from '../../pbx/api/call-services';
import { FakeCall, FakeSoftphone } from './helpers/fake-softphone';

class FakeProvider implements CallServicesProvider {
  readonly applied: { ext: string; state: PbxCallServicesState }[] = [];
  fail: CallServicesError | undefined;
  async start() {}
  async stop() {}
  async apply(ext: string, state: PbxCallServicesState) {
    if (this.fail) throw this.fail;
    this.applied.push({ ext, state });
  }
  colleagues = new Map<string, { dnd: boolean; forwardAlways?: string }>();
  readonly reads: string[][] = [];
  async read(extensions: readonly string[]) {
    this.reads.push([...extensions]);
    return this.colleagues;
  }
}

const PBX: PbxConfig = parseProvisioning({ pbx: { type: 'asterisk', context: 'internal', ami: { host: '127.0.0.1', user: 'u', secret: 's' } } }).pbx!;

async function setup(provisioning: Record<string, unknown> = {}, options: { pbx?: boolean } = {}) {
  const phone = new FakeSoftphone();
  const provider = new FakeProvider();
  let config: PbxConfig | undefined = options.pbx ? PBX : undefined;
  const listeners = new Set<() => void>();
  const services = new CallServicesService({
    pbx: { pbxConfig: () => config, onDidChangeConfig: (l) => (listeners.add(l), () => listeners.delete(l)) },
    colleagues: () => ['2003', '2004', '2005'],
    createProvider: async () => provider,
  });
  const service = new ConsoleService({
    host: 'web',
    createSoftphone: (_o: SoftphoneOptions) => phone,
    createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    endedCallLingerMs: 10,
    extensions: [services],
  });
  services.start(service);
  const p: Provisioning = parseProvisioning({
    accounts: [{ server: '127.0.0.1', user: '1001', password: 'x', transport: 'udp', media: 'auto' }],
    ...provisioning,
  });
  await service.applyProvisioning(p);
  const events: { name: keyof Events; payload: unknown }[] = [];
  const conn: HostConnection = { id: 'w1', send: (name, payload) => events.push({ name, payload }) };
  service.connect(conn);
  const cmd = async (name: string, args: unknown) => service.dispatch(conn, name, args);
  await flush();
  const setPbx = (c: PbxConfig | undefined) => {
    config = c;
    for (const l of listeners) l();
  };
  return { phone, service, services, provider, cmd, events, setPbx };
}

const flush = () => new Promise((r) => setImmediate(r));
const lastMessage = (s: ConsoleService) => s.messagesList().at(-1);

describe('number comparison', () => {
  it('matches public numbers in E.164 whatever the typing, extensions by digits', () => {
    const set = new NumberSet(['06 12 34 56 78', '2003', '+32 2 555 12 12'], 'FR');
    expect(set.has('+33612345678')).toBe(true);
    expect(set.has('0033 6 12 34 56 78')).toBe(true);
    expect(set.has('0612345679')).toBe(false);
    expect(set.has('2003')).toBe(true);
    expect(set.has('20030')).toBe(false);
    expect(set.has('+3225551212')).toBe(true);
  });

  it('tells anonymous callers from numbered ones', () => {
    expect(isAnonymousCaller({ user: 'anonymous', uri: 'sip:anonymous@anonymous.invalid' })).toBe(true);
    expect(isAnonymousCaller({ user: '', uri: 'sip:pbx' })).toBe(true);
    expect(isAnonymousCaller({ user: 'Restricted', uri: 'sip:Restricted@pbx' })).toBe(true);
    expect(isAnonymousCaller({ user: '0612345678', uri: 'sip:0612345678@pbx' })).toBe(false);
  });
});

describe('screening on the console', () => {
  it('refuses a blacklisted number (busy), compared in E.164, and says so', async () => {
    const { phone, service } = await setup({ services: { blacklist: ['06 12 34 56 78'] } });
    const c = phone.ring('+33612345678');
    expect(c.log).toEqual(['decline 486']);
    expect(lastMessage(service)).toMatchObject({ key: 'call.screened.blacklist', params: { number: '+33612345678' } });
    expect(service.callViews()).toHaveLength(0);
  });

  it('sends a blacklisted number to voicemail (the deposit number of her extension)', async () => {
    const { phone } = await setup({ services: { blacklist: ['0612345678'], blacklistAction: 'voicemail' } });
    expect(phone.ring('0612345678').log).toEqual(['deflect *1001']);
  });

  it('anonymous callers: refused or sent to voicemail as chosen; numbered callers ring', async () => {
    const { phone, cmd } = await setup({ services: { anonymous: 'busy' } });
    expect(phone.ring('anonymous', { remote: { user: 'anonymous', uri: 'sip:anonymous@anonymous.invalid' } }).log).toEqual(['decline 486']);
    expect(phone.ring('2004').log).toEqual([]);
    await cmd('services.update', { anonymous: 'voicemail' });
    expect(phone.ring('', { remote: { user: '', uri: 'sip:pbx' } }).log).toEqual(['deflect *1001']);
  });

  it('do-not-disturb on this console: busy or voicemail; a priority caller still rings', async () => {
    const { phone, cmd, service } = await setup({ preferences: { doNotDisturb: true }, services: { priorityCallers: ['2005'] } });
    expect(phone.ring('2004').log).toEqual(['decline 486']);
    expect(lastMessage(service)?.key).toBe('call.rejectedDnd');
    const vip = phone.ring('2005');
    expect(vip.log).toEqual([]);
    expect(service.callViews().find((v) => v.id === vip.id)?.state).toBe('incoming');
    await cmd('services.update', { dndAction: 'voicemail' });
    expect(phone.ring('2004').log).toEqual(['deflect *1001']);
  });

  it('a priority caller is never refused by the blacklist either', async () => {
    const { phone } = await setup({ services: { priorityCallers: ['2005'], blacklist: ['2005'] } });
    expect(phone.ring('2005').log).toEqual([]);
  });
});

describe('forwarding done by the console (no PBX connection, no feature codes)', () => {
  it('always: 302 to the number, with the warning ring flag; voicemail target = deposit', async () => {
    const { phone, cmd, service, services } = await setup();
    expect(services.view().where).toMatchObject({ forward: 'console', dnd: 'console', followMe: 'unavailable' });
    await cmd('services.update', { forwardAlways: { enabled: true, target: '20 03' }, warningRing: true });
    expect(phone.ring('2004').log).toEqual(['deflect 2003']);
    expect(lastMessage(service)).toMatchObject({ key: 'call.screened.forward-always', params: { target: '2003', ring: 1 } });
    await cmd('services.update', { forwardAlways: { enabled: true, target: 'voicemail' } });
    expect(phone.ring('2004').log).toEqual(['deflect *1001']);
    await cmd('services.update', { forwardAlways: { enabled: false, target: 'voicemail' } });
    expect(phone.ring('2004').log).toEqual([]);
  });

  it('busy: only while a call is up', async () => {
    const { phone, cmd } = await setup({ services: { forwardBusy: { enabled: true, target: '2003' } } });
    expect(phone.ring('2004').log).toEqual([]);
    await cmd('call.dial', { target: '2002' });
    await flush();
    expect(phone.ring('2005').log).toEqual(['deflect 2003']);
  });

  it('no answer: 302 after N seconds if still ringing, never once answered', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask', 'nextTick'] });
    try {
      const { phone, cmd } = await setup({ services: { forwardNoAnswer: { enabled: true, target: '2003', seconds: 5 } } });
      const ignored = phone.ring('2004');
      const answered = phone.ring('2005');
      await cmd('call.answer', { callId: answered.id });
      jest.advanceTimersByTime(4900);
      expect(ignored.log).toEqual([]);
      jest.advanceTimersByTime(200);
      expect(ignored.log).toEqual(['deflect 2003']);
      expect(answered.log).toEqual(['answer']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a forward that fails leaves the call ringing on a line (never a caller left hanging)', async () => {
    const { phone, cmd, service } = await setup();
    await cmd('services.update', { forwardAlways: { enabled: true, target: '2003' } });
    const c = new FakeCall('incoming', '2007');
    c.deflect = async () => {
      throw new Error('408 Request Timeout');
    };
    phone.deliver(c);
    await flush();
    expect(service.messagesList().some((m) => m.key === 'call.screened.deflectFailed')).toBe(true);
    expect(service.callViews().find((v) => v.id === c.id)?.state).toBe('incoming');
  });

  it('refuses a rule switched on without a target, in words', async () => {
    const { cmd } = await setup();
    const r = await cmd('services.update', { forwardAlways: { enabled: true, target: '' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/enter a number/) } });
  });
});

describe('administrator locks and presented numbers', () => {
  it('a locked setting cannot be changed from the console, others can', async () => {
    const { cmd, services } = await setup({ services: { blacklist: ['0899000000'], locked: ['blacklist'] } });
    const r = await cmd('services.update', { blacklist: [] });
    expect(r).toMatchObject({ ok: false, error: { message: expect.stringMatching(/administrator/) } });
    expect(services.settings().blacklist).toEqual(['0899000000']);
    expect((await cmd('services.update', { anonymous: 'busy' })).ok).toBe(true);
  });

  it('presents the chosen number (setting or per call), anonymous, and never a number the administrator did not allow', async () => {
    const { phone, cmd } = await setup({ services: { identities: [{ number: '01 40 00 00 00', label: 'Accueil' }], presentAs: '01 40 00 00 00' } });
    await cmd('call.dial', { target: '2003' });
    expect(phone.dialOptions.at(-1)).toEqual({ identity: { user: '0140000000' }, identityHeader: 'pai' });
    await cmd('call.dial', { target: '2003', presentAs: 'anonymous' });
    expect(phone.dialOptions.at(-1)).toEqual({ identity: 'anonymous', identityHeader: 'pai' });
    await cmd('call.dial', { target: '2003', presentAs: '' });
    expect(phone.dialOptions.at(-1)).toBeUndefined();
    const r = await cmd('call.dial', { target: '2003', presentAs: '0899999999' });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect((await cmd('services.update', { presentAs: '0899999999' })).ok).toBe(false);
  });

  it('a locked presented number cannot be changed for one call either', async () => {
    const { cmd } = await setup({ services: { identities: [{ number: '0140000000' }], presentAs: '0140000000', locked: ['presentAs'] } });
    expect((await cmd('call.dial', { target: '2003', presentAs: 'anonymous' })).ok).toBe(false);
    expect((await cmd('call.dial', { target: '2003' })).ok).toBe(true);
  });

  it('refuses a screen-pop template that could send the caller elsewhere', async () => {
    const { cmd } = await setup();
    const screenPop = { incomingUrl: 'https://{name}.example.com/', outgoingUrl: '', trigger: 'ringing', window: 'browser' };
    const r = await cmd('services.update', { screenPop });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^screenPop\.incomingUrl/) } });
    expect((await cmd('services.update', { screenPop: { ...screenPop, incomingUrl: 'https://crm.example.com/?n={caller}' } })).ok).toBe(true);
  });

  it('keeps the settings across restarts (the saved form is a valid provisioning section)', async () => {
    const { cmd, services } = await setup({ services: { identities: [{ number: '0140000000' }], locked: ['presentAs'] } });
    await cmd('services.update', { blacklist: ['0612345678'], forwardNoAnswer: { enabled: true, target: 'voicemail', seconds: 15 } });
    const saved = parseProvisioning(JSON.parse(JSON.stringify(services.persisted())));
    const again = await setup(saved as unknown as Record<string, unknown>);
    expect(again.services.settings()).toEqual(services.settings());
    expect(again.services.view().admin).toEqual(services.view().admin);
  });
});

describe('on the PBX (management connection configured)', () => {
  it('writes DND everywhere, forwarding, follow-me and priority callers for her extension; failures are shown and retried', async () => {
    const { cmd, provider, services } = await setup({ services: { priorityCallers: ['06 12 34 56 78'] } }, { pbx: true });
    await cmd('services.update', { dndScope: 'everywhere', followMe: { enabled: true, number: '06 99 88 77 66', seconds: 10 } });
    await cmd('preferences.update', { doNotDisturb: true });
    await flush();
    await flush();
    const last = provider.applied.at(-1)!;
    expect(last.ext).toBe('1001');
    expect(last.state).toMatchObject({ dnd: true, dndAction: 'busy', followMe: { number: '0699887766', seconds: 10 }, voicemailDeposit: '*1001' });
    expect(last.state.priorityCallers).toEqual(expect.arrayContaining(['0612345678', '+33612345678']));
    expect(services.view().where).toMatchObject({ dnd: 'pbx', forward: 'pbx', followMe: 'pbx' });
    provider.fail = new CallServicesError('unreachable', 'down');
    const r = await cmd('services.update', { forwardAlways: { enabled: true, target: '2003' } });
    expect((r as { ok: true; value: ServicesView }).value.apply).toMatchObject({ state: 'failed', error: 'unreachable' });
    provider.fail = undefined;
    const again = await cmd('services.retry', {});
    expect((again as { ok: true; value: ServicesView }).value.apply.state).toBe('applied');
    expect(provider.applied.at(-1)!.state.forwardAlways).toBe('2003');
  });

  it('the console does not forward calls itself when the PBX does (no double forwarding)', async () => {
    const { phone, cmd } = await setup({}, { pbx: true });
    await cmd('services.update', { forwardAlways: { enabled: true, target: '2003' } });
    expect(phone.ring('2004').log).toEqual([]);
  });

  it("shows colleagues' DND and forwarding as the PBX says (favorites only)", async () => {
    const { provider, services } = await setup({}, { pbx: true });
    provider.colleagues = new Map([
      ['2003', { dnd: true }],
      ['2004', { dnd: false, forwardAlways: '0612345678' }],
      ['2005', { dnd: false }],
    ]);
    await services.refreshColleagues();
    expect(provider.reads.at(-1)).toEqual(['2003', '2004', '2005']);
    expect(services.view().colleagues).toEqual({ '2003': { dnd: true }, '2004': { forwardAlways: '0612345678' } });
  });

  it('DND on this console only is never written on the PBX', async () => {
    const { cmd, provider } = await setup({}, { pbx: true });
    await cmd('preferences.update', { doNotDisturb: true });
    await flush();
    expect(provider.applied.at(-1)?.state.dnd ?? false).toBe(false);
  });
});

describe('by feature codes (no management connection)', () => {
  const featureCodes = { dndOn: '*78', dndOff: '*79', forwardAlwaysOn: '*72', forwardAlwaysOff: '*73' };

  it('dials the codes silently, only for what changed', async () => {
    const { phone, cmd, services, service } = await setup({ services: { featureCodes, dndScope: 'everywhere' } });
    expect(services.view().where).toMatchObject({ dnd: 'codes', forward: 'codes' });
    await cmd('preferences.update', { doNotDisturb: true });
    await new Promise((r) => setTimeout(r, 1700));
    expect(phone.dialed.map((c) => c.snapshot().remote.user)).toEqual(['*78']);
    expect(phone.dialOptions[0]).toMatchObject({ silent: true });
    await cmd('services.update', { forwardAlways: { enabled: true, target: '2003' } });
    await cmd('services.update', { forwardAlways: { enabled: false, target: '2003' } });
    expect(phone.dialed.map((c) => c.snapshot().remote.user)).toEqual(['*78', '*722003', '*73']);
    expect(service.callViews()).toHaveLength(0);
    expect(services.view().apply.state).toBe('applied');
  }, 15_000);
});
