/** Issue 13 item 3: who a call is for — Diversion / History-Info parsing and the "For … · Forwarded by …" text. */
import { calledInfo, calledText, sameNumber, type CallView } from '../../electron/contract';
import { parseDiversion, parseHistoryInfo, parseRedirection, splitHeaderList } from '../../sip-core/adapters/sipjs/diversion';
import { formatCalledNames, parseCalledNames } from '../../renderer/lib/state/called';
import { translate } from '../../renderer/i18n';

const t = (lang: 'en' | 'fr' | 'nl') => (key: string, params?: Readonly<Record<string, string | number>>) => translate(lang, key, params);

describe('Diversion (RFC 5806)', () => {
  it('takes the topmost entry as the forwarder and the bottom one as the number first dialed', () => {
    // As Asterisk sends it after a forward 2003 → 2001 (one entry), and a chain seen from a carrier (two).
    expect(parseDiversion(['<sip:2003@127.0.0.1>;reason=unconditional;screen=no;privacy=off;counter=1'])).toEqual({
      by: { user: '2003', uri: 'sip:2003@127.0.0.1' },
      reason: 'unconditional',
      originallyCalled: '2003',
      count: 1,
    });
    expect(
      parseDiversion(['"Bob Martin" <sip:1003@pbx.example.com>;reason=no-answer;counter=1', '<tel:+33331234567>;reason=unconditional']),
    ).toEqual({
      by: { displayName: 'Bob Martin', user: '1003', uri: 'sip:1003@pbx.example.com' },
      reason: 'no-answer',
      originallyCalled: '+33331234567',
      count: 2,
    });
  });

  it('splits comma-separated entries but not commas inside quotes or <…>', () => {
    expect(splitHeaderList(['"Martin, Bob" <sip:1003@h;x=a,b>;reason=user-busy, <sip:1004@h>'])).toEqual([
      '"Martin, Bob" <sip:1003@h;x=a,b>;reason=user-busy',
      '<sip:1004@h>',
    ]);
    expect(parseDiversion(['"Martin, Bob" <sip:1003@h>;reason=user-busy, <sip:0331234567@h>'])?.by.displayName).toBe('Martin, Bob');
  });

  it('maps unknown reasons and History-Info causes onto the RFC 5806 words', () => {
    expect(parseDiversion(['<sip:1@h>;reason=holiday'])?.reason).toBe('unknown');
    expect(parseDiversion(['<sip:1@h>;reason=486'])?.reason).toBe('user-busy');
    expect(parseDiversion(['<sip:1@h>'])?.reason).toBeUndefined();
  });

  it('survives hostile values: no throw, bounded, sanitised text', () => {
    const evil = '"\u202eEvil\u0007 Boss" <sip:%0A9999@h>;reason=no-answer';
    expect(parseDiversion([evil])?.by).toEqual({ displayName: 'Evil Boss', user: '9999', uri: 'sip:%0A9999@h' });
    for (const v of ['', ',,,', '<', '>', '"', 'garbage', '<mailto:x@y>', ';reason=no-answer', '<sip:@>;counter=-5']) {
      expect(() => parseDiversion([v])).not.toThrow();
      expect(() => parseHistoryInfo([v])).not.toThrow();
    }
    const huge = Array.from({ length: 5000 }, (_, i) => `<sip:${i}@h>;counter=999`).join(',');
    const d = parseDiversion([huge]);
    expect(d?.count).toBeLessThanOrEqual(99);
    expect(splitHeaderList([huge]).length).toBeLessThanOrEqual(16);
  });
});

describe('History-Info (RFC 7044)', () => {
  it('finds who redirected from the cause on the entry the call was sent to', () => {
    // RFC 7044 §A-style: the company number, retargeted to 1003 (registered contact), then forwarded (486) to 1001.
    const d = parseHistoryInfo([
      '<sip:0331234567@example.com>;index=1',
      '<sip:1003@example.com;cause=302>;index=1.1;mp=1',
      '<sip:1001@example.com;cause=486>;index=1.1.1;mp=1.1',
    ]);
    expect(d).toEqual({ by: { user: '1003', uri: 'sip:1003@example.com;cause=302' }, reason: 'user-busy', originallyCalled: '0331234567', count: 2 });
  });

  it('reads a Reason escaped in the URI and orders by index, not by header order', () => {
    const d = parseHistoryInfo(['<sip:1001@h?Reason=SIP%3Bcause%3D408>;index=1.1', '<sip:1003@h>;index=1']);
    expect(d?.by.user).toBe('1003');
    expect(d?.reason).toBe('no-answer');
  });

  it('says nothing when nothing was redirected, and Diversion wins over it', () => {
    expect(parseHistoryInfo(['<sip:1001@h>;index=1'])).toBeUndefined();
    expect(parseHistoryInfo(['<sip:0331@h>;index=1', '<sip:1001@h>;index=1.1'])).toBeUndefined();
    expect(
      parseRedirection({ diversion: ['<sip:2003@h>;reason=user-busy'], historyInfo: ['<sip:1@h>;index=1', '<sip:2@h;cause=302>;index=1.1'] })?.by.user,
    ).toBe('2003');
  });
});

function incoming(extra: Partial<CallView>): Pick<CallView, 'direction' | 'called' | 'diversion'> {
  return { direction: 'incoming', ...extra };
}

describe('who a call is for', () => {
  const names = [
    { number: '0331234567', name: 'Dupont SA' },
    { number: '+33 1 40 00 00 00', name: 'Martin & Fils' },
  ];

  it('matches the national and international forms of one number, short extensions exactly', () => {
    expect(sameNumber('0331234567', '+33331234567')).toBe(true);
    expect(sameNumber('0140000000', '+33 1 40 00 00 00')).toBe(true);
    expect(sameNumber('1003', '11003')).toBe(false);
    expect(sameNumber('*97', '97')).toBe(false);
    expect(sameNumber('', '')).toBe(false);
  });

  it('names the company behind the number dialed, and who forwarded it', () => {
    expect(calledInfo(incoming({ called: '+33331234567' }), names, '1001')).toEqual({ number: '+33331234567', name: 'Dupont SA' });
    const fwd = calledInfo(
      incoming({ called: '1001', diversion: { by: { user: '1003', uri: 'sip:1003@h', displayName: 'Bob' }, reason: 'no-answer', originallyCalled: '0140000000', count: 1 } }),
      names,
      '1001',
    );
    expect(fwd).toEqual({ number: '0140000000', name: 'Martin & Fils', forwardedBy: { number: '1003', name: 'Bob', reason: 'no-answer' } });
    expect(calledText(fwd, t('en'))).toBe('For Martin & Fils (0140000000) · Forwarded by Bob (1003), no answer');
    expect(calledText(fwd, t('fr'))).toBe('Pour Martin & Fils (0140000000) · Renvoyé par Bob (1003), non-réponse');
    expect(calledText(fwd, t('nl'))).toBe('Voor Martin & Fils (0140000000) · Doorgeschakeld door Bob (1003), geen antwoord');
  });

  it('says nothing for a plain call to the console, and no "for 2003, forwarded by 2003"', () => {
    expect(calledInfo(incoming({ called: '1001' }), names, '1001')).toBeUndefined();
    expect(calledInfo({ direction: 'outgoing', called: '0331234567' }, names, '1001')).toBeUndefined();
    const own = calledInfo(incoming({ called: '2001', diversion: { by: { user: '2003', uri: 'sip:2003@h' }, reason: 'unconditional', originallyCalled: '2003', count: 1 } }), names, '2001');
    expect(own).toEqual({ forwardedBy: { number: '2003', reason: 'unconditional' } });
    expect(calledText(own, t('en'))).toBe('Forwarded by 2003, forwards all calls');
    // An unnamed number that is not the console's own is still worth showing (a DID routed to reception).
    expect(calledText(calledInfo(incoming({ called: '0299999999' }), names, '1001'), t('en'))).toBe('For 0299999999');
  });
});

describe('Settings text of the numbers answered for', () => {
  it('parses "number name" lines with the usual separators and round-trips', () => {
    const r = parseCalledNames('0331234567 Dupont SA\n\n+33 1 40 00 00 00 = 3M France\n01.23.45.67.89\tCabinet Leroy\n');
    expect(r).toEqual({
      ok: true,
      names: [
        { number: '0331234567', name: 'Dupont SA' },
        { number: '+33140000000', name: '3M France' },
        { number: '0123456789', name: 'Cabinet Leroy' },
      ],
    });
    if (r.ok) expect(parseCalledNames(formatCalledNames(r.names))).toEqual(r);
  });

  it('names the line it does not understand', () => {
    expect(parseCalledNames('0331234567 Dupont\nDupont SA')).toEqual({ ok: false, line: 2 });
    expect(parseCalledNames('0331234567')).toEqual({ ok: false, line: 1 });
  });
});
