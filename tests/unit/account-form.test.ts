/** Settings › Account form (renderer/lib/state/account-form.ts): view ⇄ form ⇄ account.update arguments, by field. */
import { parseCommand, type AccountView } from '../../electron/contract';
import { en } from '../../renderer/i18n/en';
import { fr } from '../../renderer/i18n/fr';
import { nl } from '../../renderer/i18n/nl';
import {
  ACCOUNT_FIELDS,
  accountChanged,
  accountFormFrom,
  accountUpdateFrom,
  keepsStoredPassword,
  setupPrefillFrom,
  type AccountForm,
} from '../../renderer/lib/state/account-form';

const view: AccountView = { id: 'acc-1', server: '127.0.0.1', port: 5060, transport: 'udp', user: '1001', displayName: 'Reception', media: 'auto', hasPassword: true };
const withBackups: AccountView = {
  ...view,
  server: 'sip1.example.com',
  servers: [{ host: 'sip1.example.com', port: 5060 }, { host: 'sip2.example.com', transport: 'tcp' }],
  authUser: 'auth1001',
};

describe('Settings › Account form', () => {
  it('fills from the view without any password, the primary server first and the backups after it', () => {
    expect(accountFormFrom(view, '*97')).toEqual({
      server: '127.0.0.1',
      port: '5060',
      transport: 'udp',
      backups: [],
      user: '1001',
      authUser: '',
      password: '',
      displayName: 'Reception',
      voicemailNumber: '*97',
    });
    expect(accountFormFrom(withBackups, '123')).toMatchObject({
      server: 'sip1.example.com',
      port: '5060',
      backups: [{ host: 'sip2.example.com', port: '', transport: 'tcp' }],
      authUser: 'auth1001',
    });
  });

  it('builds account.update arguments the contract accepts: empty password left out (keep), trimmed, empty backups dropped', () => {
    // A backup that is the server's other name keeps the stored password (a new host would ask for it again).
    const form: AccountForm = { ...accountFormFrom(view, '*97'), displayName: '  Front desk ', port: ' 5062 ', backups: [{ host: ' 127.0.0.1 ', port: '5070' }, { host: '', port: '' }] };
    const r = accountUpdateFrom(form, view);
    expect(r).toEqual({
      ok: true,
      voicemailNumber: '*97',
      update: { server: '127.0.0.1', port: 5062, transport: 'udp', backups: [{ host: '127.0.0.1', port: 5070 }], user: '1001', authUser: '', displayName: 'Front desk' },
    });
    if (r.ok) expect(parseCommand('account.update', r.update).ok).toBe(true);
    const withPassword = accountUpdateFrom({ ...form, backups: [], password: 's3cret' }, view);
    expect(withPassword.ok && withPassword.update.password).toBe('s3cret');
  });

  it('maps each problem to its field, in words that exist in the three languages', () => {
    const bad = accountUpdateFrom(
      { ...accountFormFrom(view, '*97'), server: 'bad host', port: '70000', user: 'a b', backups: [{ host: '', port: '12' }], voicemailNumber: 'vm' },
      view,
    );
    expect(bad).toEqual({
      ok: false,
      errors: {
        server: 'account.error.server',
        port: 'account.error.port',
        user: 'account.error.user',
        backups: 'account.error.backups',
        voicemailNumber: 'account.error.voicemailNumber',
        // Another user: the stored password is not sent for it.
        password: 'account.error.passwordAgain',
      },
    });
    for (const field of ACCOUNT_FIELDS) for (const dict of [en, fr, nl]) expect(dict).toHaveProperty([`account.error.${field}`]);
    expect(accountUpdateFrom({ ...accountFormFrom(view, '*97'), port: '50.5' }, view)).toMatchObject({ ok: false, errors: { port: 'account.error.port' } });
  });

  it('asks for the password again for a new server or user (a new port or transport keeps it), as main does', () => {
    const form = accountFormFrom(view, '*97');
    expect(keepsStoredPassword({ ...form, port: '5080', transport: 'tcp' }, view)).toBe(true);
    expect(keepsStoredPassword({ ...form, server: '192.0.2.1' }, view)).toBe(false);
    expect(keepsStoredPassword({ ...form, user: '1005' }, view)).toBe(false);
    expect(keepsStoredPassword({ ...form, authUser: '1001' }, view)).toBe(true);
    expect(accountUpdateFrom({ ...form, server: '192.0.2.1' }, view)).toEqual({ ok: false, errors: { password: 'account.error.passwordAgain' } });
    expect(accountUpdateFrom({ ...form, server: '192.0.2.1', password: 'x' }, view).ok).toBe(true);
    expect(accountUpdateFrom({ ...form, server: '192.0.2.1' }, { ...view, hasPassword: false }).ok).toBe(true);
  });

  it('knows whether the account itself changed (the voicemail number alone does not re-register)', () => {
    const initial = accountFormFrom(view, '*97');
    expect(accountChanged(initial, { ...initial, voicemailNumber: '123' })).toBe(false);
    expect(accountChanged(initial, { ...initial, displayName: ' Reception ' })).toBe(false);
    expect(accountChanged(initial, { ...initial, displayName: 'Front desk' })).toBe(true);
    expect(accountChanged(initial, { ...initial, password: 'x' })).toBe(true);
    expect(accountChanged(initial, { ...initial, backups: [{ host: 'b', port: '' }] })).toBe(true);
  });

  it('Switch account prefills the setup screen with the server and transport only', () => {
    expect(setupPrefillFrom(view)).toEqual({ server: '127.0.0.1', port: 5060, transport: 'udp', media: 'auto' });
    expect(setupPrefillFrom(withBackups)).toEqual({ server: 'sip1.example.com', port: 5060, transport: 'udp', media: 'auto' });
  });
});
