/** Settings › PBX form (renderer/lib/state/pbx-form.ts): text fields → pbx.configure arguments, errors by field. */
import { parseCommand, PbxConfigSchema, PbxSettingsInputSchema, type PbxSettingsView } from '../../electron/contract';
import { pbxSettingsView } from '../../electron/services/queue-service';
import { en } from '../../renderer/i18n/en';
import { fr } from '../../renderer/i18n/fr';
import { nl } from '../../renderer/i18n/nl';
import { PBX_FIELDS, pbxFieldOf, pbxFormFrom, pbxInputFrom, type PbxForm } from '../../renderer/lib/state/pbx-form';

const stored: PbxSettingsView = { type: 'asterisk', host: '127.0.0.1', port: 5038, user: 'console', hasSecret: true, tls: false, context: 'internal', pauseReasons: ['Lunch'] };
const form = (extra: Partial<PbxForm> = {}): PbxForm => ({ ...pbxFormFrom(undefined), host: '127.0.0.1', port: '5038', user: 'console', secret: 'secret', context: 'internal', ...extra });

describe('Settings › PBX form', () => {
  it('builds pbx.configure arguments that the contract accepts (lists split, optional fields left out)', () => {
    const r = pbxInputFrom(form({ pauseReasons: 'Lunch\n\n Meeting \n', queues: 'support, sales\nbilling' }), undefined);
    expect(r).toEqual({
      ok: true,
      input: { type: 'asterisk', ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret', tls: false }, context: 'internal', pauseReasons: ['Lunch', 'Meeting'], queues: ['support', 'sales', 'billing'], takeMethod: 'redirect' },
    });
    if (r.ok) expect(parseCommand('pbx.configure', r.input).ok).toBe(true);
  });

  it('fills from the view without any secret, and keeps the stored secret only for the same server', () => {
    const f = pbxFormFrom(stored);
    expect(f).toMatchObject({ host: '127.0.0.1', port: '5038', secret: '', pauseReasons: 'Lunch', takeMethod: 'redirect' });
    const kept = pbxInputFrom(f, stored);
    expect(kept.ok).toBe(true);
    if (kept.ok) expect('secret' in kept.input.ami).toBe(false);
    expect(pbxInputFrom({ ...f, host: 'pbx.example.com' }, stored)).toEqual({ ok: false, errors: { secret: 'pbx.error.secretAgain' } });
    expect(pbxInputFrom(form({ secret: '' }), undefined)).toEqual({ ok: false, errors: { secret: 'pbx.error.secret' } });
  });

  it('names each bad field, with a message in every language', () => {
    const r = pbxInputFrom(form({ host: 'a b', port: '99999', user: '', context: 'in ternal', agentInterface: '2001' }), undefined);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).toEqual(['agentInterface', 'context', 'host', 'port', 'user']);
    expect(pbxInputFrom(form({ port: 'abc' }), undefined)).toEqual({ ok: false, errors: { port: 'pbx.error.port' } });
    for (const field of [...PBX_FIELDS, 'secretAgain']) {
      const key = `pbx.error.${field}` as keyof typeof en;
      expect([en[key], fr[key], nl[key]].every((t) => typeof t === 'string' && t.length > 0)).toBe(true);
    }
  });

  it('a save keeps every field of the pbx section (all are in the view and the form: nothing provisioned is dropped)', () => {
    // Every optional field set, none at its default: a field added to the schema but missing from the view or the
    // form makes this fail (the key lists are compared with the schema's).
    const config = PbxConfigSchema.parse({
      type: 'asterisk',
      ami: { host: 'pbx.example.com', port: 5039, user: 'console', secret: 's3cret', tls: true },
      context: 'from-internal',
      agentInterface: 'PJSIP/2011',
      pauseReasons: ['Lunch', 'Meeting'],
      queues: ['support', 'sales'],
      takeMethod: 'withdraw',
      voicemailContext: 'office',
      voicemailMailbox: '2001',
    });
    expect(Object.keys(config).sort()).toEqual(Object.keys(PbxSettingsInputSchema.shape).sort());
    expect(Object.keys(config.ami).sort()).toEqual(Object.keys(PbxSettingsInputSchema.shape.ami.shape).sort());
    const view = pbxSettingsView(config);
    const saved = pbxInputFrom(pbxFormFrom(view), view);
    expect(saved.ok).toBe(true);
    if (!saved.ok) return;
    const { secret: _secret, ...ami } = config.ami;
    expect(saved.input).toEqual({ ...config, ami });
    // Main fills the kept secret: the section it stores is the provisioned one.
    expect(PbxConfigSchema.parse({ ...saved.input, ami: { ...saved.input.ami, secret: config.ami.secret } })).toEqual(config);
  });

  it('the voicemail context and mailbox: edited, left out when empty, checked by field', () => {
    const r = pbxInputFrom(form({ voicemailContext: ' office ', voicemailMailbox: '2001' }), undefined);
    expect(r.ok && r.input).toMatchObject({ voicemailContext: 'office', voicemailMailbox: '2001' });
    const empty = pbxInputFrom(form(), undefined);
    expect(empty.ok && ('voicemailContext' in empty.input || 'voicemailMailbox' in empty.input)).toBe(false);
    expect(pbxInputFrom(form({ voicemailContext: 'of fice', voicemailMailbox: '20 01' }), undefined)).toEqual({
      ok: false,
      errors: { voicemailContext: 'pbx.error.voicemailContext', voicemailMailbox: 'pbx.error.voicemailMailbox' },
    });
    expect(pbxFieldOf('voicemailMailbox: must be a mailbox number')).toBe('voicemailMailbox');
  });

  it('maps main error messages to fields', () => {
    expect(pbxFieldOf('ami.secret: enter the secret again for a different server')).toBe('secret');
    expect(pbxFieldOf('ami.host: must be a host name or IP address')).toBe('host');
    expect(pbxFieldOf('context: must be a dialplan context name')).toBe('context');
    expect(pbxFieldOf('The queue server could not do this')).toBeUndefined();
  });
});
