import { CallerNames } from '../../electron/services/caller-names';

const settle = () => new Promise((r) => setImmediate(r));

describe('CallerNames', () => {
  it('shows the caller ID name until the directory answers, looks each number up once, then names it', async () => {
    const asked: string[] = [];
    let named = 0;
    const names = new CallerNames({
      lookup: async (n) => (asked.push(n), n === '0612' ? 'Dupont SA' : undefined),
      onNamed: () => named++,
      onError: () => undefined,
    });
    expect(names.nameOf('0612', 'CID')).toBe('CID');
    expect(names.nameOf('0612', 'CID')).toBe('CID'); // lookup still running: not asked twice
    expect(names.nameOf('0699', undefined)).toBeUndefined();
    await settle();
    expect(names.nameOf('0612', 'CID')).toBe('Dupont SA');
    expect(names.nameOf('0699', 'Other')).toBe('Other'); // known to have no name: not asked again
    expect(asked).toEqual(['0612', '0699']);
    expect(named).toBe(1);
  });

  it('never looks up a caller ID without digits, reports a failed lookup and tries again later', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const asked: string[] = [];
    const names = new CallerNames({
      lookup: async (n) => {
        asked.push(n);
        if (fail) throw new Error('database closed');
        return 'Back';
      },
      onNamed: () => undefined,
      onError: (e) => errors.push(e),
    });
    expect(names.nameOf('anonymous', 'Anonymous')).toBe('Anonymous');
    names.nameOf('1003', 'x');
    await settle();
    expect(errors).toHaveLength(1);
    fail = false;
    names.nameOf('1003', 'x');
    await settle();
    expect(names.nameOf('1003', 'x')).toBe('Back');
    expect(asked).toEqual(['1003', '1003']);
  });

  it('starts over when the cache is full', async () => {
    let calls = 0;
    const names = new CallerNames({ lookup: async (n) => (calls++, `N${n}`), onNamed: () => undefined, onError: () => undefined, max: 2 });
    for (const n of ['1', '2', '3']) names.nameOf(n, undefined);
    await settle();
    expect(names.nameOf('3', undefined)).toBe('N3');
    names.nameOf('1', undefined); // dropped when the cache started over
    await settle();
    expect(calls).toBe(4);
  });
});
