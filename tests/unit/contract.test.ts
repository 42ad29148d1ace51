import { parseCommand } from '../../electron/contract';

describe('IPC contract validation', () => {
  it('rejects an unknown command with a clear error', () => {
    const r = parseCommand('call.explode', {});
    expect(r).toEqual({ ok: false, error: { code: 'unknown-command', message: 'Unknown command: call.explode' } });
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
});
