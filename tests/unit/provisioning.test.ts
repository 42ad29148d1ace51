import { parseProvisioning, ProvisioningError } from '../../electron/services/provisioning';

const good = {
  accounts: [
    { server: '127.0.0.1', port: 5060, transport: 'udp', user: '1001', authUser: '1001', password: 's3cr3t!',
      displayName: 'Reception', media: 'auto' },
  ],
  preferences: { language: 'fr' },
};

function errorOf(json: unknown): ProvisioningError {
  try {
    parseProvisioning(json);
  } catch (e) {
    return e as ProvisioningError;
  }
  throw new Error('expected a ProvisioningError');
}

describe('provisioning file', () => {
  it('administrator deploys a console with one UDP account in French', () => {
    const p = parseProvisioning(good);
    expect(p.accounts[0]).toMatchObject({ server: '127.0.0.1', transport: 'udp', user: '1001', media: 'auto' });
    expect(p.preferences.language).toBe('fr');
  });
  it('names the bad field when the transport is wrong', () => {
    const e = errorOf({ ...good, accounts: [{ ...good.accounts[0], transport: 'sctp' }] });
    expect(e.field).toBe('accounts[0].transport');
    expect(e.message).toContain('accounts[0].transport');
  });
  it('names a misspelt field instead of ignoring it', () => {
    const e = errorOf({ ...good, accounts: [{ ...good.accounts[0], pasword: 'x' }] });
    expect(e.message).toContain('accounts[0].pasword');
  });
  it('never echoes the password, even when it is the bad field', () => {
    const e = errorOf({ ...good, accounts: [{ ...good.accounts[0], password: 12345678 }] });
    expect(e.field).toBe('accounts[0].password');
    expect(e.message).not.toContain('12345678');
    const e2 = errorOf({ ...good, accounts: [{ ...good.accounts[0], port: 's3cr3t!' }] });
    expect(e2.message).not.toContain('s3cr3t!');
  });
  it('rejects a wrong language with the allowed values', () => {
    const e = errorOf({ ...good, preferences: { language: 'de' } });
    expect(e.message).toMatch(/preferences\.language must be one of "en", "fr", "nl"/);
  });
});
