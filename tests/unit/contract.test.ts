import { EVENT_NAMES, parseCommand } from '../../electron/contract';

describe('IPC contract validation', () => {
  it('rejects an unknown command with a clear error', () => {
    const r = parseCommand('call.explode', {});
    expect(r).toEqual({ ok: false, error: { code: 'unknown-command', message: 'Unknown command: call.explode', key: 'error.unknownCommand' } });
  });
  it('rejects wrong argument types and names the field', () => {
    const r = parseCommand('call.dial', { target: 42 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('bad-request');
      expect(r.error.message).toContain('target');
    }
  });
  it('rejects unexpected extra fields', () => {
    const r = parseCommand('call.hangup', { callId: 'a', extra: 1 });
    expect(r.ok).toBe(false);
  });
  it('accepts and trims a valid dial', () => {
    const r = parseCommand('call.dial', { target: ' 1003 ' });
    expect(r).toEqual({ ok: true, name: 'call.dial', args: { target: '1003' } });
  });
  it('carries the queue commands and their event (electron/contract/queues.ts)', () => {
    expect(EVENT_NAMES).toContain('queues.changed');
    expect(parseCommand('queue.take', { queue: 'support', callerId: '1700000000.12' }).ok).toBe(true);
    expect(parseCommand('queue.login', {}).ok).toBe(true);
    expect(parseCommand('queue.pause', { queue: 'support', reason: 'Lunch' }).ok).toBe(true);
    expect(parseCommand('queue.resume', { queue: 'support', extra: 1 }).ok).toBe(false);
    expect(parseCommand('queue.select', { queues: ['support'], callsShown: 51 }).ok).toBe(false);
  });
  it('carries the PBX settings commands: secret optional (write-only), bad fields named', () => {
    const base = { type: 'asterisk', ami: { host: '127.0.0.1', port: 5038, user: 'console' }, context: 'internal' };
    expect(parseCommand('pbx.configure', base)).toMatchObject({ ok: true, args: { pauseReasons: [] } });
    expect(parseCommand('pbx.configure', { ...base, ami: { ...base.ami, secret: 's', tls: true } }).ok).toBe(true);
    const bad = parseCommand('pbx.configure', { ...base, ami: { ...base.ami, host: 'a b' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('ami.host') } });
    expect(parseCommand('pbx.configure', { ...base, ami: { ...base.ami, secret: '' } })).toMatchObject({ ok: false, error: { message: expect.stringContaining('ami.secret') } });
    expect(parseCommand('pbx.configure', { ...base, type: 'freepbx' }).ok).toBe(false);
    expect(parseCommand('pbx.configure', { ...base, hasSecret: true }).ok).toBe(false);
    expect(parseCommand('pbx.test', base).ok).toBe(true);
    expect(parseCommand('pbx.test', { ...base, context: '' }).ok).toBe(false);
    expect(parseCommand('pbx.remove', {}).ok).toBe(true);
    expect(parseCommand('pbx.remove', { all: true }).ok).toBe(false);
  });
});
