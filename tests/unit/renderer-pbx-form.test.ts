/** Settings › PBX form (renderer/lib/state/pbx-form.ts): text fields → pbx.configure arguments, errors by field. */
import { parseCommand, type PbxSettingsView } from '../../electron/contract';
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

  it('maps main error messages to fields', () => {
    expect(pbxFieldOf('ami.secret: enter the secret again for a different server')).toBe('secret');
    expect(pbxFieldOf('ami.host: must be a host name or IP address')).toBe('host');
    expect(pbxFieldOf('context: must be a dialplan context name')).toBe('context');
    expect(pbxFieldOf('The queue server could not do this')).toBeUndefined();
  });
});
