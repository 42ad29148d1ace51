/**
 * Issue 14, search as she types: the search box, the directory tabs' filter and the history's text ask main at every
 * keystroke (they used to wait for a 60-100 ms pause), at most one query on its way, the newest answer shown.
 */
import { Latest, type Fetch } from '../../renderer/lib/state/latest';

/** A fetch whose answer the test releases; records when it started and whether its answer was shown. */
function controlled(log: string[], name: string): { fetch: Fetch; answer: () => Promise<void>; fail: () => Promise<void> } {
  let resolve!: (show: (() => void) | undefined) => void;
  let reject!: (e: Error) => void;
  const answered = new Promise<(() => void) | undefined>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const tick = () => new Promise<void>((r) => setImmediate(r));
  return {
    fetch: () => {
      log.push(`ask ${name}`);
      return answered;
    },
    answer: async () => {
      resolve(() => log.push(`show ${name}`));
      await tick();
    },
    fail: async () => {
      reject(new Error('socket closed'));
      await tick();
    },
  };
}

describe('Latest (a query per keystroke, newest answer shown)', () => {
  it('asks at once, and shows the answer', async () => {
    const log: string[] = [];
    const latest = new Latest();
    const a = controlled(log, 'h');
    latest.request(a.fetch);
    expect(log).toEqual(['ask h']); // no pause waited for
    expect(latest.busy).toBe(true);
    await a.answer();
    expect(log).toEqual(['ask h', 'show h']);
    expect(latest.busy).toBe(false);
  });

  it('while one query is on its way, only the newest keystroke is asked next, and only its answer is shown', async () => {
    const log: string[] = [];
    const latest = new Latest();
    const h = controlled(log, 'h');
    const he = controlled(log, 'he');
    const hel = controlled(log, 'hel');
    const hele = controlled(log, 'hele');
    latest.request(h.fetch);
    latest.request(he.fetch);
    latest.request(hel.fetch);
    expect(log).toEqual(['ask h']); // one at a time
    await h.answer();
    // "h" answered after newer keystrokes: not shown; "he" was replaced by "hel" before it could start.
    expect(log).toEqual(['ask h', 'ask hel']);
    latest.request(hele.fetch);
    await hel.answer();
    expect(log).toEqual(['ask h', 'ask hel', 'ask hele']);
    await hele.answer();
    expect(log).toEqual(['ask h', 'ask hel', 'ask hele', 'show hele']);
  });

  it('settled() waits for the answer to the last keystroke (Enter right after typing)', async () => {
    const log: string[] = [];
    const latest = new Latest();
    const a = controlled(log, 'le');
    const b = controlled(log, 'lef');
    latest.request(a.fetch);
    latest.request(b.fetch);
    let settled = false;
    const done = latest.settled().then(() => (settled = true));
    await a.answer();
    expect(settled).toBe(false);
    await b.answer();
    await done;
    expect(log).toEqual(['ask le', 'ask lef', 'show lef']);
    await expect(latest.settled()).resolves.toBeUndefined(); // idle: at once
  });

  it('drop() (the box emptied) forgets the waiting query and the running one\'s answer', async () => {
    const log: string[] = [];
    const latest = new Latest();
    const a = controlled(log, 'b');
    const b = controlled(log, 'bj');
    latest.request(a.fetch);
    latest.request(b.fetch);
    latest.drop();
    await a.answer();
    expect(log).toEqual(['ask b']);
    expect(latest.busy).toBe(false);
  });

  it('a query that fails shows nothing and does not stop the next one', async () => {
    const log: string[] = [];
    const latest = new Latest();
    const a = controlled(log, 'z');
    const b = controlled(log, 'zo');
    latest.request(a.fetch);
    latest.request(b.fetch);
    await a.fail();
    expect(log).toEqual(['ask z', 'ask zo']);
    await b.answer();
    expect(log).toEqual(['ask z', 'ask zo', 'show zo']);
  });

  it('a fetch with nothing to show (undefined) keeps what is shown', async () => {
    const latest = new Latest();
    let shown = 0;
    latest.request(async () => undefined);
    latest.request(async () => () => shown++);
    await latest.settled();
    expect(shown).toBe(1);
  });
});
