import { DialogInfoTracker, EARLY_DIALOG_MAX_MS, MAX_DIALOG_INFO_BYTES, parseDialogInfo, userOf } from '../../sip-core/presence/dialog-info';
import { parseMessageSummary } from '../../sip-core/presence/message-summary';

const doc = (version: number, state: 'full' | 'partial', dialogs: string) =>
  `<?xml version="1.0"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="${state}" entity="sip:1002@pbx">${dialogs}</dialog-info>`;
const dialog = (id: string, st: string, opts: { dir?: string; remote?: string; display?: string; held?: boolean } = {}) =>
  `<dialog id="${id}" call-id="c-${id}"${opts.dir ? ` direction="${opts.dir}"` : ''}><state>${st}</state>` +
  (opts.remote ? `<remote><identity${opts.display ? ` display="${opts.display}"` : ''}>sip:${opts.remote}@pbx</identity><target uri="sip:${opts.remote}@pbx"/></remote>` : '') +
  `<local><identity>sip:1002@pbx</identity><target uri="sip:1002@pbx">${opts.held ? '<param pname="+sip.rendering" pvalue="no"/>' : ''}</target></local></dialog>`;

describe('dialog-info parser', () => {
  test('Kamailio body: the first dialog is not swallowed by <dialog-info>; Trying is trying', () => {
    const d = parseDialogInfo(doc(2, 'full', dialog('a', 'early', { dir: 'recipient', remote: '1003' }) + dialog('b', 'Trying', { dir: 'initiator', remote: '1999' })));
    expect(d.version).toBe(2);
    expect(d.dialogs.map((x) => [x.id, x.state, x.direction, x.remote?.user])).toEqual([
      ['a', 'early', 'recipient', '1003'],
      ['b', 'trying', 'initiator', '1999'],
    ]);
  });
  test('namespace prefixes, single quotes, entities, display names', () => {
    const body = `<d:dialog-info xmlns:d="urn:ietf:params:xml:ns:dialog-info" version='7' state='partial' entity='sip:1002@pbx'>
      <d:dialog id='x1' direction='recipient'><d:state event='rejected'>early</d:state>
      <d:remote><d:identity display="Jos &amp; Co">sip:%2B3222@pbx</d:identity></d:remote></d:dialog></d:dialog-info>`;
    const d = parseDialogInfo(body);
    expect(d.state).toBe('partial');
    expect(d.dialogs[0]).toMatchObject({ id: 'x1', state: 'early', remote: { user: '+3222', name: 'Jos & Co' } });
  });
  test('held dialogs (+sip.rendering=no)', () => {
    const t = new DialogInfoTracker();
    t.apply(doc(1, 'full', dialog('a', 'confirmed', { remote: '1003', held: true })));
    expect(t.derive()).toEqual({ state: 'held', peer: { user: '1003' } });
  });
  test.each([
    ['empty', ''],
    ['not xml', 'hello'],
    ['no version', '<dialog-info state="full"></dialog-info>'],
    ['bad state', '<dialog-info version="1" state="weird"></dialog-info>'],
    ['entity bomb', '<!DOCTYPE x [<!ENTITY a "aaaa">]><dialog-info version="1" state="full">&a;</dialog-info>'],
    ['too large', doc(1, 'full', ' '.repeat(MAX_DIALOG_INFO_BYTES))],
  ])('hostile body refused: %s', (_name, body) => {
    expect(() => parseDialogInfo(body)).toThrow();
  });
  test('hostile but bounded: unterminated dialogs, unknown states, thousands of dialogs, deep nesting', () => {
    expect(parseDialogInfo(doc(1, 'full', '<dialog id="a"><state>confirmed</state>')).dialogs).toEqual([]);
    expect(parseDialogInfo(doc(1, 'full', dialog('a', 'ringing-ish'))).dialogs).toEqual([]);
    const many = doc(1, 'full', Array.from({ length: 500 }, (_, i) => `<dialog id="${i}"><state>confirmed</state></dialog>`).join(''));
    expect(parseDialogInfo(many).dialogs.length).toBeLessThanOrEqual(64);
    const deep = doc(1, 'full', '<a>'.repeat(5000) + dialog('z', 'confirmed') + '</a>'.repeat(5000));
    // Deep nesting must not recurse or backtrack without bound (a hang would hit the test timeout; no timed assertion).
    expect(parseDialogInfo(deep).dialogs.map((d) => d.id)).toEqual(['z']);
    const evil = doc(1, 'full', '<dialog ' + 'id="a" '.repeat(3000) + '>');
    expect(() => parseDialogInfo(evil)).not.toThrow();
  });
  test('comments are removed, an unterminated one left as it is', () => {
    const body = doc(1, 'full', `<!-- <dialog id="fake"><state>confirmed</state></dialog> -->${dialog('a', 'early', { remote: '1003' })}<!-- x`);
    expect(parseDialogInfo(body).dialogs.map((d) => d.id)).toEqual(['a']);
    expect(parseDialogInfo(`<!---->${doc(3, 'partial', '')}`).version).toBe(3);
  });
  describe('64 KiB hostile bodies are parsed in linear time (no main-thread stall)', () => {
    const N = MAX_DIALOG_INFO_BYTES;
    const head = '<dialog-info version="1" state="full">';
    const fill = (prefix: string, unit: string, suffix = '') => (prefix + unit.repeat(N)).slice(0, N - suffix.length) + suffix;
    /** Best of three runs (ms): one GC pause must not fail the test. */
    const best = (body: string): number => {
      let min = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        try {
          parseDialogInfo(body);
        } catch {
          /* refusing is fine: only the time counts */
        }
        min = Math.min(min, performance.now() - t);
      }
      return min;
    };
    // A benign body of the same size: what a linear pass over 64 KiB costs on this machine (at least 1 ms).
    const baseline = Math.max(1, best(doc(1, 'full', dialog('a', 'confirmed', { remote: '1003' }).repeat(200)).slice(0, N)));
    test.each([
      // `<!--[\s\S]*?-->` rescanned to the end from every `<!--`: ~0.4 s before the fix.
      ['comment openers', fill('', '<!--')],
      ['comment openers after the root', fill(head, '<!--')],
      ['dialog start tags without >', fill(head, '<dialog ')],
      ['root start tags without >', fill('', '<dialog-info ')],
      ['state tags without >', fill(`${head}<dialog id="a">`, '<state ', '</dialog>')],
      ['identity tags without >', fill(`${head}<dialog id="a"><state>early</state><remote>`, '<identity ', '</remote></dialog>')],
      ['state tags sharing one > before blanks', `${head}<dialog id="a">${'<state '.repeat(4000)}>${' '.repeat(N / 2 - 100)}</dialog>`],
    ])('%s', (_name, body) => {
      expect(body.length).toBeLessThanOrEqual(N);
      const ms = best(body);
      // Generous on purpose (a loaded CI machine): the quadratic scans took hundreds of times the baseline.
      expect(ms).toBeLessThan(Math.min(200, 50 * baseline));
    });
  });
  test('control characters and bidi overrides are stripped from names', () => {
    expect(userOf('sip:10\u202e02@pbx')).toBe('1002');
  });
});

describe('dialog-info tracker (state machine)', () => {
  test('idle → ringing (caller) → busy → idle with full state', () => {
    const t = new DialogInfoTracker();
    t.apply(doc(0, 'full', ''));
    expect(t.derive().state).toBe('idle');
    t.apply(doc(1, 'full', dialog('a', 'early', { dir: 'recipient', remote: '1003', display: 'Alice' })));
    expect(t.derive()).toEqual({ state: 'ringing', caller: { user: '1003', name: 'Alice' } });
    t.apply(doc(2, 'full', dialog('a', 'confirmed', { dir: 'recipient', remote: '1003' })));
    expect(t.derive().state).toBe('busy');
    t.apply(doc(3, 'full', dialog('a', 'terminated', { dir: 'recipient', remote: '1003' })));
    expect(t.derive().state).toBe('idle');
  });
  test('versions: duplicates and out-of-order NOTIFYs are ignored; reset accepts a restart', () => {
    const t = new DialogInfoTracker();
    t.apply(doc(5, 'full', dialog('a', 'confirmed')));
    expect(t.apply(doc(4, 'full', ''))).toBe(false);
    expect(t.apply(doc(5, 'full', ''))).toBe(false);
    expect(t.derive().state).toBe('busy');
    t.reset();
    expect(t.apply(doc(0, 'full', ''))).toBe(true);
    expect(t.derive().state).toBe('idle');
  });
  test('partial state merges by id; terminated removes', () => {
    const t = new DialogInfoTracker();
    t.apply(doc(1, 'full', dialog('a', 'confirmed', { remote: '1003' })));
    t.apply(doc(2, 'partial', dialog('b', 'early', { dir: 'recipient', remote: '1004' })));
    expect(t.derive()).toEqual({ state: 'ringing', caller: { user: '1004' } });
    t.apply(doc(3, 'partial', dialog('b', 'terminated')));
    expect(t.derive()).toEqual({ state: 'busy', peer: { user: '1003' } });
    t.apply(doc(4, 'partial', dialog('a', 'terminated')));
    expect(t.derive().state).toBe('idle');
  });
  test('lingering terminated dialogs in full state do not count; outgoing early is busy, not ringing', () => {
    const t = new DialogInfoTracker();
    t.apply(doc(1, 'full', dialog('old', 'terminated', { dir: 'recipient', remote: '1003' }) + dialog('o', 'Trying', { dir: 'initiator', remote: '1004' })));
    expect(t.derive()).toEqual({ state: 'busy', peer: { user: '1004' } });
  });
  test('an early dialog that lingers past the limit stops counting (pua_dialoginfo Trying for failed calls)', () => {
    let now = 1_000_000;
    const t = new DialogInfoTracker(() => now);
    t.apply(doc(1, 'full', dialog('stuck', 'Trying', { dir: 'initiator', remote: '1999' })));
    expect(t.derive().state).toBe('busy');
    expect(t.nextExpiry()).toBe(now + EARLY_DIALOG_MAX_MS);
    now += EARLY_DIALOG_MAX_MS + 1;
    t.apply(doc(2, 'full', dialog('stuck', 'Trying', { dir: 'initiator', remote: '1999' })));
    expect(t.derive().state).toBe('idle');
  });
  test('ringing wins over busy (someone to pick up), busy over held', () => {
    const t = new DialogInfoTracker();
    t.apply(doc(1, 'full', dialog('h', 'confirmed', { held: true }) + dialog('c', 'confirmed', { remote: '1003' })));
    expect(t.derive().state).toBe('busy');
    t.apply(doc(2, 'partial', dialog('r', 'early', { remote: '1005' })));
    expect(t.derive()).toEqual({ state: 'ringing', caller: { user: '1005' } });
  });
});

describe('message-summary', () => {
  test('RFC 3842 body', () => {
    expect(parseMessageSummary('Messages-Waiting: yes\r\nMessage-Account: sip:1001@pbx\r\nVoice-Message: 2/8 (0/2)\r\n')).toEqual({
      waiting: true, newMessages: 2, oldMessages: 8, newUrgent: 0, oldUrgent: 2,
    });
    expect(parseMessageSummary('messages-waiting: no\nvoice-message: 0/3')).toMatchObject({ waiting: false, newMessages: 0, oldMessages: 3 });
  });
  test('hostile bodies', () => {
    expect(parseMessageSummary('')).toBeUndefined();
    expect(parseMessageSummary('Voice-Message: 1/1')).toBeUndefined();
    expect(parseMessageSummary('Messages-Waiting: yes\nVoice-Message: 99999999999/1')).toMatchObject({ waiting: true, newMessages: 0 });
    expect(parseMessageSummary('Messages-Waiting: yes\n' + 'x'.repeat(20000))).toBeUndefined();
  });
});
