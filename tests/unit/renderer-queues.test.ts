import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOT_CONFIGURED_QUEUES, type QueueMemberView, type QueueSummaryView } from '../../electron/contract';
import { createSettingsStore } from '../../electron/services/settings-store';
import { agentRows, formatWait, initialSelection, pluralForm, queueRows } from '../../renderer/lib/state/queue-pane';

const live = (name: string, waiting: number): QueueSummaryView => ({ name, waiting, available: 1, busy: 0, paused: 2 });

describe('queued calls pane helpers', () => {
  it('shows a wait as m:ss, minutes counting past the hour', () => {
    expect(formatWait(0)).toBe('0:00');
    expect(formatWait(7_900)).toBe('0:07');
    expect(formatWait(83_000)).toBe('1:23');
    expect(formatWait(3_725_000)).toBe('62:05');
    expect(formatWait(-5)).toBe('0:00');
  });

  it('picks plural forms per language (French counts 0 and 1 as singular)', () => {
    expect([0, 1, 2].map((n) => pluralForm('en', n))).toEqual(['other', 'one', 'other']);
    expect([0, 1, 2].map((n) => pluralForm('fr', n))).toEqual(['one', 'one', 'other']);
    expect([0, 1, 2].map((n) => pluralForm('nl', n))).toEqual(['other', 'one', 'other']);
  });

  it('lists the provisioned queues with live counts matched by name or number, then PBX-only queues', () => {
    const rows = queueRows(
      [
        { name: 'Support', number: '600' },
        { name: 'Accueil', number: 'sales' },
        { name: 'Night', number: '650' },
      ],
      [live('support', 2), live('sales', 0), live('billing', 1)],
    );
    expect(rows.map((r) => [r.name, r.number, r.live?.waiting])).toEqual([
      ['Support', '600', 2],
      ['Accueil', 'sales', 0],
      ['Night', '650', undefined],
      ['billing', '', 1],
    ]);
  });

  it('lists the agents of a queue as she looks for someone: free first, then ringing, on the phone, busy, paused, not connected', () => {
    const m = (name: string, status: QueueMemberView['status'], paused = false): QueueMemberView => ({ interface: `PJSIP/${name}`, name, status, paused });
    const rows = agentRows([
      m('Zoe', 'unavailable'),
      m('Agent 10', 'idle'),
      m('Bob', 'in-call'),
      m('Carl', 'in-call', true), // paused while on the phone: counted as paused, as the queue's counts do
      m('Agent 9', 'idle'),
      m('Dan', 'ringing'),
      m('Eve', 'busy'),
      m('Fay', 'unknown'),
    ]);
    expect(rows.map((r) => `${r.member.name}:${r.state}`)).toEqual([
      'Agent 9:available', // numeric order: 9 before 10
      'Agent 10:available',
      'Dan:ringing',
      'Bob:in-call',
      'Eve:busy',
      'Carl:paused',
      'Zoe:unavailable',
      'Fay:unknown',
    ]);
    expect(agentRows([])).toEqual([]);
  });

  it('starts the choose-queues dialog from the chosen queues, else the ones shown', () => {
    expect(initialSelection({ ...NOT_CONFIGURED_QUEUES, selected: ['a'] })).toEqual(['a']);
    expect(initialSelection(NOT_CONFIGURED_QUEUES)).toEqual([]);
  });
});

describe('saved settings with a PBX connection', () => {
  it('keeps the pbx section (secret through the codec) and the pane choices across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-queues-'));
    const codec = { encode: (t: string) => Buffer.from(t, 'utf8').reverse(), decode: (b: Buffer) => Buffer.from(b).reverse().toString('utf8') };
    const store = createSettingsStore(dir, codec);
    store.save({
      accounts: [],
      preferences: {} as never,
      pbx: { type: 'asterisk', ami: { host: '127.0.0.1', user: 'console', secret: 'hunter2' }, context: 'from-internal', pauseReasons: ['Lunch'] },
      queuePane: { queues: ['support'], callsShown: 5 },
    });
    expect(readFileSync(store.file).toString('utf8')).not.toContain('hunter2');
    const loaded = createSettingsStore(dir, codec).load();
    expect(loaded.settings?.pbx?.ami.secret).toBe('hunter2');
    expect(loaded.settings?.queuePane).toEqual({ queues: ['support'], callsShown: 5 });
  });
});

describe('structural sharing between successive pane views', () => {
  it('keeps the objects of unchanged rows and replaces only what changed', async () => {
    const { shareStructure } = await import('../../renderer/lib/state/queue-pane');
    const c = (id: string, position: number) => ({ id, position, number: `06${id}`, joinedAt: 1 });
    const prev = { queues: [{ name: 'support', callers: [c('a', 1), c('b', 2), c('c', 3)] }, { name: 'sales', callers: [c('x', 1)] }] };
    const next = { queues: [{ name: 'support', callers: [c('a', 1), c('c', 2)] }, { name: 'sales', callers: [c('x', 1)] }] };
    const shared = shareStructure(prev, next);
    expect(shared).toEqual(next);
    expect(shared.queues[0]!.callers[0]).toBe(prev.queues[0]!.callers[0]); // a: unchanged
    expect(shared.queues[0]!.callers[1]).not.toBe(prev.queues[0]!.callers[2]); // c: moved up, new object
    expect(shared.queues[1]).toBe(prev.queues[1]); // sales: untouched queue keeps its object
    expect(shareStructure(prev, JSON.parse(JSON.stringify(prev)))).toBe(prev);
  });
});
