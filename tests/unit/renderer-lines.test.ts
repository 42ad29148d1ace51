import type { CallView } from '../../electron/contract';
import { currentCall, lineRows, shortcutFor, SHORTCUTS } from '../../renderer/lib/state/lines';

const call = (id: string, line: number, state: CallView['state'], extra: Partial<CallView> = {}): CallView => ({
  id,
  accountId: 'acc-1',
  direction: 'incoming',
  state,
  remote: { user: id, uri: `sip:${id}@pbx` },
  mediaMode: 'rtp',
  createdAt: 0,
  line,
  muted: false,
  volume: 1,
  ...extra,
});
const key = (k: string, mods: Partial<{ ctrlKey: boolean; altKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  shiftKey: false,
  ...mods,
});

describe('phone console lines', () => {
  it('shows every line, a live call over an ended one on the same line, and free lines', () => {
    const rows = lineRows([call('old', 2, 'ended', { endedAt: 5 }), call('new', 2, 'incoming'), call('a', 1, 'active')], 4);
    expect(rows.map((r) => r.call?.id ?? 'free')).toEqual(['a', 'new', 'free', 'free']);
    expect(lineRows([call('x', 6, 'held')], 4)).toHaveLength(6);
  });

  it('acts on the talking call first, then the one the receptionist picked, then ringing, then held', () => {
    const held = call('h', 1, 'held');
    const ringing = call('r', 2, 'incoming');
    const active = call('a', 3, 'active');
    expect(currentCall([held, ringing, active], 'h')?.id).toBe('a');
    expect(currentCall([held, ringing], 'h')?.id).toBe('h');
    expect(currentCall([held, ringing], undefined)?.id).toBe('r');
    expect(currentCall([held], undefined)?.id).toBe('h');
    expect(currentCall([call('e', 1, 'ended')], 'e')).toBeUndefined();
  });

  it('maps the documented shortcuts; plain keys only outside text fields', () => {
    expect(shortcutFor(key('F2'), true)).toEqual({ kind: 'answer' });
    expect(shortcutFor(key('F7'), true)).toEqual({ kind: 'consult' });
    expect(shortcutFor(key('m', { ctrlKey: true }), true)).toEqual({ kind: 'mute' });
    expect(shortcutFor(key('ArrowDown', { altKey: true }), false)).toEqual({ kind: 'line', step: 1 });
    expect(shortcutFor(key('5'), false)).toEqual({ kind: 'dtmf', tone: '5' });
    expect(shortcutFor(key('5'), true)).toBeUndefined();
    expect(shortcutFor(key('/'), false)).toEqual({ kind: 'search' });
    expect(shortcutFor(key('F2', { ctrlKey: true }), false)).toBeUndefined();
    expect(SHORTCUTS.map((s) => s.keys)).toContain('F8');
  });
});
