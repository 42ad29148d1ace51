/**
 * Issue 13 item 1, account after setup: Settings › Account's edit merged into the stored account, the rule that keeps
 * the stored password, and the console's `account.update` / `account.logout` / `account.save` against a fake
 * Softphone (our own seam; the real un-REGISTER and re-REGISTER are in tests/e2e/account.e2e.ts).
 */
import { ConsoleService, type HostConnection, type PersistedState } from '../../electron/services/console-service';
import { keepsStoredPassword, mergeAccountUpdate } from '../../electron/services/account-edit';
import { AccountUpdateSchema, parseCommand, type AccountInput, type AccountUpdateInput, type AccountView } from '../../electron/contract';
import type { SipAccountConfig } from '../../sip-core/api/account';
import type { SoftphoneOptions } from '../../sip-core/api/softphone';
import { FakeSoftphone } from './helpers/fake-softphone';

const stored: AccountInput = {
  server: 'pbx.example.com',
  port: 5060,
  transport: 'udp',
  user: '1001',
  password: 'secret',
  displayName: 'Reception',
  domain: 'example.com',
  outboundProxy: 'proxy.example.com:5060',
  registerExpires: 300,
  media: 'rtp',
};
const edit = (patch: Partial<AccountUpdateInput> = {}) =>
  AccountUpdateSchema.parse({ server: 'pbx.example.com', port: 5060, transport: 'udp', user: '1001', displayName: 'Reception', ...patch });

describe('Settings › Account: the edit merged into the stored account', () => {
  it('keeps everything the form does not show (domain, proxy, timers, media) and the stored password when left empty', () => {
    const r = mergeAccountUpdate(stored, edit({ displayName: 'Front desk', port: 5080, transport: 'tcp' }));
    expect(r).toEqual({
      ok: true,
      input: { ...stored, displayName: 'Front desk', port: 5080, transport: 'tcp' },
    });
  });

  it('takes a new password, and clears the optional fields left empty', () => {
    const withAuth: AccountInput = { ...stored, authUser: 'auth1001' };
    const r = mergeAccountUpdate(withAuth, edit({ password: 'n3w', displayName: '', authUser: 'auth1001' }));
    expect(r.ok && r.input).toMatchObject({ password: 'n3w', authUser: 'auth1001' });
    expect(r.ok && 'displayName' in r.input).toBe(false);
    const noAuth = mergeAccountUpdate(withAuth, edit({ password: 'n3w', authUser: '' }));
    expect(noAuth.ok && 'authUser' in noAuth.input).toBe(false);
  });

  it('lists the servers in order when there are backups (primary first), and drops the port when left empty', () => {
    const r = mergeAccountUpdate(stored, edit({ port: undefined, backups: [{ host: 'proxy.example.com', port: 5062 }] }));
    expect(r.ok && r.input.servers).toEqual([{ host: 'pbx.example.com' }, { host: 'proxy.example.com', port: 5062 }]);
    expect(r.ok && 'port' in r.input).toBe(false);
    // An account that already had a list keeps one even with no backups left (a lone name without port means SRV).
    const srv = mergeAccountUpdate({ ...stored, servers: [{ host: 'pbx.example.com', transport: 'udp' }] }, edit({ port: undefined }));
    expect(srv.ok && srv.input.servers).toEqual([{ host: 'pbx.example.com' }]);
  });

  it('asks for the password again when it would go to a new server or another authentication user', () => {
    expect(mergeAccountUpdate(stored, edit({ server: 'evil.example.net' }))).toEqual({ ok: false, reason: 'password-needed' });
    expect(mergeAccountUpdate(stored, edit({ backups: [{ host: '203.0.113.9' }] }))).toEqual({ ok: false, reason: 'password-needed' });
    expect(mergeAccountUpdate(stored, edit({ user: '1005' }))).toEqual({ ok: false, reason: 'password-needed' });
    expect(mergeAccountUpdate(stored, edit({ user: '1005', password: 'other' }))).toMatchObject({ ok: true, input: { user: '1005', password: 'other' } });
    // Without a stored password there is nothing to keep nor to ask for.
    expect(mergeAccountUpdate({ ...stored, password: '' }, edit({ server: 'other.example.net' }))).toMatchObject({ ok: true, input: { password: '' } });
  });

  it('keepsStoredPassword: same hosts (any case, the proxy counts), same authentication identity', () => {
    expect(keepsStoredPassword(stored, { server: 'PBX.example.com', user: '1001' })).toBe(true);
    expect(keepsStoredPassword(stored, { server: 'proxy.example.com', user: '1001' })).toBe(true);
    expect(keepsStoredPassword(stored, { server: 'pbx.example.com', user: '1001', authUser: '1001' })).toBe(true);
    expect(keepsStoredPassword(stored, { server: 'pbx.example.com', user: '1001', authUser: 'x' })).toBe(false);
    expect(keepsStoredPassword({ ...stored, authUser: 'a1' }, { server: 'pbx.example.com', user: '2002', authUser: 'a1' })).toBe(true);
    expect(keepsStoredPassword(undefined, { server: 'pbx.example.com', user: '1001' })).toBe(false);
  });
});

// ───────────────────────────── the console's commands ─────────────────────────────

async function setup(account: AccountInput = { server: '127.0.0.1', port: 5060, user: '1001', password: 'secret', transport: 'udp', media: 'auto' }) {
  const configs: SipAccountConfig[] = [];
  const phones: FakeSoftphone[] = [];
  const saved: PersistedState[] = [];
  const service = new ConsoleService({
    host: 'web',
    createSoftphone: (o: SoftphoneOptions) => {
      configs.push(o.account);
      const phone = new FakeSoftphone();
      const stop = phone.stop.bind(phone);
      phone.stop = async () => {
        stopped.push(o.account.user);
        await stop();
      };
      phones.push(phone);
      return phone;
    },
    createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    persist: (s) => saved.push(s),
  });
  const stopped: string[] = [];
  await service.applyProvisioning({ accounts: [account], preferences: {} } as Parameters<ConsoleService['applyProvisioning']>[0]);
  const events: { name: string; payload: unknown }[] = [];
  const conn: HostConnection = { id: 'w1', send: (name, payload) => events.push({ name, payload }) };
  service.connect(conn);
  const cmd = async (name: string, args: unknown) => service.dispatch(conn, name, args);
  return { service, configs, phones, saved, stopped, events, cmd };
}

describe('account.update, account.logout, account.save', () => {
  it('Save re-registers with the change and the stored password; the view never carries the password', async () => {
    const { cmd, configs, stopped, saved, events } = await setup();
    const r = await cmd('account.update', { server: '127.0.0.1', port: 5060, transport: 'tcp', user: '1001', displayName: 'Front desk' });
    expect(r.ok).toBe(true);
    expect(stopped).toEqual(['1001']);
    expect(configs.at(-1)).toMatchObject({ transport: 'tcp', user: '1001', password: 'secret', displayName: 'Front desk' });
    expect(saved.at(-1)?.accounts).toEqual([expect.objectContaining({ transport: 'tcp', password: 'secret', displayName: 'Front desk' })]);
    expect(JSON.stringify(r)).not.toContain('secret');
    expect((r as { value: AccountView }).value).toMatchObject({ hasPassword: true, transport: 'tcp' });
    // The window never sees "needs setup" while the account is replaced.
    expect(events.filter((e) => e.name === 'accounts.changed').map((e) => (e.payload as { needsSetup: boolean }).needsSetup)).toEqual([false]);
  });

  it('a bad value or a missing password changes nothing: the account stays registered as it was', async () => {
    const { cmd, stopped, configs, service } = await setup();
    const bad = await cmd('account.update', { server: 'bad host!', transport: 'udp', user: '1001' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request', key: 'error.badValue', params: { field: 'server' } } });
    const again = await cmd('account.update', { server: '192.0.2.7', transport: 'udp', user: '1001' });
    expect(again).toMatchObject({ ok: false, error: { code: 'bad-request', key: 'account.error.passwordAgain' } });
    expect(stopped).toEqual([]);
    expect(configs).toHaveLength(1);
    expect(service.primaryAccount()).toMatchObject({ server: '127.0.0.1', hasPassword: true });
    // The schema in the contract refuses junk before the handler runs.
    expect(parseCommand('account.update', { server: '127.0.0.1', transport: 'udp', user: '1001', password: 'x', extra: 1 }).ok).toBe(false);
  });

  it('refuses to change or leave the account while a call is up', async () => {
    const { cmd, phones, stopped } = await setup();
    phones[0]!.ring('1002');
    expect(await cmd('account.update', { server: '127.0.0.1', transport: 'udp', user: '1001' })).toMatchObject({ ok: false, error: { code: 'invalid-state', key: 'error.accountCallsUp' } });
    expect(await cmd('account.logout', {})).toMatchObject({ ok: false, error: { key: 'error.accountCallsUp' } });
    expect(stopped).toEqual([]);
  });

  it('Log out stops (un-REGISTERs) and forgets the account, keeps the preferences, and asks for setup', async () => {
    const { cmd, stopped, saved, events, service } = await setup();
    await cmd('preferences.update', { voicemailNumber: '123' });
    expect(await cmd('account.logout', {})).toEqual({ ok: true, value: null });
    expect(stopped).toEqual(['1001']);
    expect(saved.at(-1)).toMatchObject({ accounts: [], preferences: { voicemailNumber: '123' } });
    expect(events.filter((e) => e.name === 'accounts.changed').at(-1)?.payload).toEqual({ accounts: [], needsSetup: true });
    expect(service.snapshot()).toMatchObject({ needsSetup: true, accounts: [], registrations: {} });
    expect(service.messagesList().at(-1)).toMatchObject({ key: 'account.loggedOut', params: { user: '1001', server: '127.0.0.1' } });
  });

  it('account.save (setup) keeps the stored password when left empty for the same server and user, not for another', async () => {
    const { cmd, configs } = await setup();
    await cmd('account.save', { server: '127.0.0.1', port: 5070, transport: 'udp', user: '1001', password: '' });
    expect(configs.at(-1)).toMatchObject({ port: 5070, password: 'secret' });
    await cmd('account.save', { server: '127.0.0.1', transport: 'udp', user: '1005', password: '' });
    expect(configs.at(-1)).toMatchObject({ user: '1005', password: '' });
  });
});
