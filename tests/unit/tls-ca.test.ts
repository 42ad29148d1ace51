/**
 * TLS for real deployments: the company CA (tlsCa inline, tlsCaFile) from provisioning to SipAccountConfig, with
 * errors that name the field and path but never the file's contents; certificate failures classified (tlsProblemOf)
 * and worded for the receptionist in en/fr/nl.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccountInputSchema,
  registrationFailureKey,
  TLS_PROBLEMS,
  TLS_CA_MAX_CHARS,
  type Events,
  type GlobalMessage,
  type RegistrationView,
} from '../../electron/contract';
import { accountConfigFromInput, ConsoleService, type HostConnection } from '../../electron/services/console-service';
import { loadProvisioningFile, parseProvisioning, ProvisioningError } from '../../electron/services/provisioning';
import { companyCa, TlsCaError } from '../../electron/services/tls-ca';
import { isMessageKey, translate } from '../../renderer/i18n';
import type { RegistrationState } from '../../sip-core/api/registration-state';
import type { SoftphoneOptions } from '../../sip-core/api/softphone';
import { classifyConnectionError, SipConnectionError, tlsProblemOf } from '../../sip-core/transports';
import { FakeSoftphone } from './helpers/fake-softphone';

/** A real (EC P-256, self-signed) CA certificate; only parsed here, never used for a connection. */
const CA = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUFMsF874MHov+fEFGWix2N7Px6UIwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSRml4dHVyZSBDb21wYW55IENBMB4XDTI2MTIwMzA4MTcwOVoX
DTM2MTEzMDA4MTcwOVowHTEbMBkGA1UEAwwSRml4dHVyZSBDb21wYW55IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAENky2o2NTdZDZLrmaVzNuTPimX4FqXmUu
tipOe+PkGldFr0/jVlad8faqGlejNnAugE5RpcIzCtbGnMLzI630h6NTMFEwHQYD
VR0OBBYEFB9gmNK9/Np2Qkqbf5vOOKHGJzRoMB8GA1UdIwQYMBaAFB9gmNK9/Np2
Qkqbf5vOOKHGJzRoMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIg
Y16Vvk3UB7h2cGDNvXqisgIHEb4X+rhVUENFTidv2hQCIQDOeR/o5btyelimmAWg
sQTvfN6O5+lREQZuXHIx+tH0VQ==
-----END CERTIFICATE-----
`;
/** Right shape, wrong DER: OpenSSL cannot read it. */
const DAMAGED = CA.replace('MIIBjzCCATWgAwIBAgIU', 'AAAAAAAAAAAAAAAAAAAA');
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRET\n-----END PRIVATE KEY-----\n';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tls-ca-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const account = { server: 'pbx.example.com', transport: 'tls', user: '1001', password: 'pw' } as const;

function provisioningError(run: () => unknown): ProvisioningError {
  try {
    run();
  } catch (e) {
    if (e instanceof ProvisioningError) return e;
    throw e;
  }
  throw new Error('expected a ProvisioningError');
}

describe('tlsProblemOf', () => {
  it.each([
    ['CERT_HAS_EXPIRED', 'expired'],
    ['CERT_NOT_YET_VALID', 'not-yet-valid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'wrong-name'],
    ['HOSTNAME_MISMATCH', 'wrong-name'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown-ca'],
    ['UNABLE_TO_GET_ISSUER_CERT', 'unknown-ca'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unknown-ca'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'unknown-ca'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed'],
    ['CERT_REVOKED', 'revoked'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'handshake'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'handshake'],
    ['CERT_SIGNATURE_FAILURE', 'handshake'],
  ])('%s → %s', (code, problem) => {
    expect(tlsProblemOf(code)).toBe(problem);
  });
  it('has no answer without a code or for a non-TLS code', () => {
    expect(tlsProblemOf(undefined)).toBeUndefined();
    expect(tlsProblemOf('ECONNREFUSED')).toBeUndefined();
    expect(tlsProblemOf('ENOTFOUND')).toBeUndefined();
    expect(tlsProblemOf('constructor')).toBeUndefined();
  });
  it('is carried by SipConnectionError of kind tls only (handshake when nothing better is known)', () => {
    expect(new SipConnectionError('tls', 'x', 'CERT_HAS_EXPIRED').tlsProblem).toBe('expired');
    expect(new SipConnectionError('tls', 'x').tlsProblem).toBe('handshake');
    expect(new SipConnectionError('network', 'x', 'ECONNREFUSED').tlsProblem).toBeUndefined();
    expect('tlsProblem' in new SipConnectionError('timeout', 'x')).toBe(false);
  });
  it('survives classification of a Node TLS error', () => {
    const err = Object.assign(new Error('Hostname/IP does not match certificate'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(classifyConnectionError(err, 'tls')).toMatchObject({ kind: 'tls', tlsProblem: 'wrong-name' });
    expect(classifyConnectionError(new Error('socket hang up'), 'tls')).toMatchObject({ kind: 'tls', tlsProblem: 'handshake' });
  });
});

describe('tlsCa / tlsCaFile in an account', () => {
  const parse = (extra: Record<string, unknown>) => AccountInputSchema.safeParse({ ...account, ...extra });
  it('accepts one or more PEM certificates inline, with comments around them (CA bundles)', () => {
    expect(parse({ tlsCa: CA }).success).toBe(true);
    expect(parse({ tlsCa: `# Company root\n${CA}\n# Company issuing CA\n${CA.replace(/\n/g, '\r\n')}` }).success).toBe(true);
  });
  it('refuses text that is not a certificate, a private key, or more than 64 KiB', () => {
    expect(parse({ tlsCa: 'hello' }).success).toBe(false);
    expect(parse({ tlsCa: '' }).success).toBe(false);
    expect(parse({ tlsCa: `${CA}${KEY}` }).success).toBe(false);
    expect(parse({ tlsCa: `${CA}${'#'.repeat(TLS_CA_MAX_CHARS)}` }).success).toBe(false);
  });
  it('wants an absolute path for tlsCaFile', () => {
    expect(parse({ tlsCaFile: '/etc/ssl/company-ca.pem' }).success).toBe(true);
    expect(parse({ tlsCaFile: 'C:\\ProgramData\\Company\\ca.pem' }).success).toBe(true);
    expect(parse({ tlsCaFile: 'ca.pem' }).success).toBe(false);
    expect(parse({ tlsCaFile: '../ca.pem' }).success).toBe(false);
  });
  it('names the field of a bad inline CA in a provisioning file, without echoing it', () => {
    const e = provisioningError(() => parseProvisioning({ accounts: [{ ...account, tlsCa: `${CA}${KEY}` }] }));
    expect(e.field).toBe('accounts[0].tlsCa');
    expect(e.message).toContain('PEM certificates');
    expect(e.message).not.toContain('SECRET');
  });

  it('puts the inline CA, the file, or both into the account config', () => {
    const path = file('ca.pem', `subject=CN = Fixture Company CA\n${CA}`);
    expect(accountConfigFromInput('acc-1', { ...account, tlsCa: CA }).tlsCa).toBe(CA);
    expect(accountConfigFromInput('acc-1', { ...account, tlsCaFile: path }).tlsCa).toBe(CA);
    const both = accountConfigFromInput('acc-1', { ...account, tlsCa: CA, tlsCaFile: path }).tlsCa!;
    expect(both.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect('tlsCa' in accountConfigFromInput('acc-1', account)).toBe(false);
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.pem'), /tlsCaFile: the file .*nope\.pem does not exist/],
    ['a folder', () => (mkdirSync(join(dir, 'folder.pem'), { recursive: true }), join(dir, 'folder.pem')), /is a folder/],
    ['a file without certificates', () => file('secret.pem', 'password=SECRET\n'), /does not contain PEM certificates/],
    ['a private key', () => file('key.pem', KEY), /does not contain PEM certificates/],
    ['a damaged certificate', () => file('damaged.pem', DAMAGED), /certificate 1 of 1 in the file .* is damaged/],
    ['a file over 64 KiB', () => file('big.pem', CA + '#'.repeat(TLS_CA_MAX_CHARS)), /larger than 64 KiB/],
  ])('%s: a provisioning error at load naming the field and the path, never the contents', (_what, make, why) => {
    const path = make();
    const prov = file('prov.json', JSON.stringify({ accounts: [account, { ...account, tlsCaFile: path }] }));
    const e = provisioningError(() => loadProvisioningFile(prov));
    expect(e.field).toBe('accounts[1].tlsCaFile');
    expect(e.message).toMatch(/^Provisioning file: field accounts\[1\]\.tlsCaFile: /);
    expect(e.message).toContain(path);
    expect(e.message).toMatch(why);
    expect(e.message).not.toContain('SECRET');
    expect(e.message).not.toContain('MIIB');
    // The same problem when the account is built (saved settings whose file went away since).
    expect(() => accountConfigFromInput('acc-1', { ...account, tlsCaFile: path })).toThrow(TlsCaError);
  });
  it('loads a provisioning file whose CA file is fine', () => {
    const prov = file('ok.json', JSON.stringify({ accounts: [{ ...account, tlsCaFile: file('ok.pem', CA) }] }));
    expect(loadProvisioningFile(prov).accounts[0]!.tlsCaFile).toBe(join(dir, 'ok.pem'));
    expect(companyCa({ tlsCaFile: join(dir, 'ok.pem') })).toBe(CA);
  });
});

class ScriptedSoftphone extends FakeSoftphone {
  #listeners: ((s: RegistrationState) => void)[] = [];
  override onDidChangeRegistration(l: (s: RegistrationState) => void) {
    this.#listeners.push(l);
    return super.onDidChangeRegistration(l);
  }
  emit(s: RegistrationState): void {
    for (const l of this.#listeners) l(s);
  }
}

async function console_(accounts: unknown[] = []) {
  const phone = new ScriptedSoftphone();
  const created: SoftphoneOptions[] = [];
  const service = new ConsoleService({
    host: 'web',
    createSoftphone: (o: SoftphoneOptions) => (created.push(o), phone),
    createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
  });
  await service.applyProvisioning(parseProvisioning({ accounts }));
  const events: { name: keyof Events; payload: unknown }[] = [];
  const conn: HostConnection = { id: 'w1', send: (name, payload) => events.push({ name, payload }) };
  service.connect(conn);
  const messages = (): GlobalMessage[] => [...service.messages.list()];
  return { phone, service, conn, created, messages };
}

describe('the console service and the company CA', () => {
  it('refuses tlsCaFile from a window (only a provisioning file may make it read files) and a damaged inline CA', async () => {
    const { service, conn, created } = await console_();
    const viaWindow = await service.dispatch(conn, 'account.save', { ...account, tlsCaFile: file('w.pem', CA) });
    expect(viaWindow).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'tlsCaFile can only be set in a provisioning file' } });
    const damaged = await service.dispatch(conn, 'account.save', { ...account, tlsCa: DAMAGED });
    expect(damaged).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(created).toHaveLength(0);
    const ok = await service.dispatch(conn, 'account.save', { ...account, tlsCa: CA });
    expect(ok.ok).toBe(true);
    expect(created[0]!.account.tlsCa).toBe(CA);
  });
  it('keeps a saved account whose CA file went away, and says why its secure connections will fail', async () => {
    const { created, messages } = await console_([{ ...account, tlsCaFile: join(dir, 'gone.pem') }]);
    expect(created).toHaveLength(1);
    expect('tlsCa' in created[0]!.account).toBe(false);
    const m = messages().find((x) => x.key === 'account.tlsCaUnusable');
    expect(m?.level).toBe('error');
    expect(String(m?.params?.message)).toContain('gone.pem does not exist');
  });
  it('words a registration failure by its certificate problem, once per problem', async () => {
    const { phone, messages } = await console_([account]);
    const failed = (tlsProblem?: 'expired' | 'wrong-name'): RegistrationState => ({
      state: 'failed',
      reason: 'tls',
      detail: 'TLS: certificate has expired',
      ...(tlsProblem && { tlsProblem }),
      retryAt: Date.now() + 2000,
    });
    phone.emit(failed('expired'));
    phone.emit(failed('expired'));
    phone.emit(failed('wrong-name'));
    phone.emit(failed());
    const keys = messages().map((m) => m.key).filter((k) => k.startsWith('registration.failed'));
    expect(keys).toEqual(['registration.failed.tls.expired', 'registration.failed.tls.wrong-name', 'registration.failed.tls']);
  });
});

describe('the receptionist reads certificate problems in her language', () => {
  const view = (tlsProblem?: (typeof TLS_PROBLEMS)[number]): Extract<RegistrationView, { state: 'failed' }> => ({
    state: 'failed',
    reason: 'tls',
    detail: 'x',
    ...(tlsProblem && { tlsProblem }),
  });
  it('has a sentence for every problem in en, fr and nl', () => {
    for (const p of TLS_PROBLEMS) {
      const key = registrationFailureKey(view(p));
      expect(key).toBe(`registration.failed.tls.${p}`);
      expect(isMessageKey(key)).toBe(true);
      const en = translate('en', key);
      expect(translate('fr', key)).not.toBe(en);
      expect(translate('nl', key)).not.toBe(en);
    }
    expect(isMessageKey('account.tlsCaUnusable')).toBe(true);
  });
  it('keeps the general words without a known problem and for other reasons', () => {
    expect(registrationFailureKey(view())).toBe('registration.failed.tls');
    expect(registrationFailureKey({ reason: 'auth' })).toBe('registration.failed.auth');
    expect(translate('en', 'registrationFailedWith')).toBe('registrationFailedWith');
    expect(translate('en', 'registration.failedWith', { reason: translate('en', registrationFailureKey(view('expired'))) })).toBe(
      "Registration failed: the server's certificate has expired",
    );
    expect(translate('fr', registrationFailureKey(view('unknown-ca')))).toContain('autorité de confiance');
    expect(translate('nl', registrationFailureKey(view('not-yet-valid')))).toContain('nog niet geldig');
  });
});
