import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MAX_LIST_BODY_BYTES,
  MAX_PARTS,
  parseContentType,
  parseListNotify,
  parseRlmi,
  RlmiError,
  splitMultipart,
} from '../../sip-core/presence/rlmi';
import { parseDialogInfo } from '../../sip-core/presence/dialog-info';
import { digestAuthorization, parseDigestChallenge, rlsServicesDocument, rlsServicesUrl } from '../../sip-core/presence/xcap';

/** A NOTIFY captured from Kamailio 5.6 rls (tests/testbed/kamailio.cfg): its Content-Type and body. */
function captured(name: string): { contentType: string; body: string } {
  const raw = readFileSync(join(__dirname, 'fixtures', 'rlmi', name), 'latin1');
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, end);
  const contentType = /^Content-Type:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? '';
  const length = Number(/^Content-Length:\s*(\d+)/im.exec(head)?.[1]);
  const body = raw.slice(end + 4);
  expect(body.length).toBe(length);
  return { contentType, body };
}

const CT = (boundary: string, start = 'root@x') => `multipart/related;type="application/rlmi+xml";start="<${start}>";boundary="${boundary}"`;
const rlmi = (version: number, full: boolean, resources: string) =>
  `<?xml version="1.0"?>\n<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:list@pbx" version="${version}" fullState="${full}">${resources}</list>`;
const part = (cid: string, type: string, body: string) => `Content-Transfer-Encoding: binary\r\nContent-ID: <${cid}>\r\nContent-Type: ${type}\r\n\r\n${body}`;
const multipart = (boundary: string, parts: string[]) => parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + `--${boundary}--\r\n`;
const dialogInfo = (entity: string, version: number, dialogs = '') =>
  `<?xml version="1.0"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="sip:${entity}@pbx">${dialogs}</dialog-info>`;

describe('RFC 4662 list NOTIFY bodies captured from Kamailio rls', () => {
  test('first NOTIFY: full state, every resource listed, no instance yet', () => {
    const { contentType, body } = captured('kamailio-initial-full.sip');
    const n = parseListNotify(body, contentType);
    expect(n.list).toMatchObject({ uri: 'sip:1001-blf@127.0.0.2', version: 1, fullState: true });
    expect(n.resources.map((r) => [r.user, r.instance, r.body])).toEqual([
      ['1002', undefined, undefined],
      ['1004', undefined, undefined],
      ['30001', undefined, undefined],
    ]);
  });

  test('partial NOTIFY: each instance (cid) leads to its dialog-info part', () => {
    const { contentType, body } = captured('kamailio-partial-idle.sip');
    const n = parseListNotify(body, contentType);
    expect(n.list.fullState).toBe(false);
    expect(n.resources.map((r) => r.user).sort()).toEqual(['1002', '1004', '30001']);
    for (const r of n.resources) {
      expect(r.instance).toMatchObject({ id: 'Scf8UhwQ', state: 'active' });
      expect(r.contentType).toBe('application/dialog-info+xml');
      const doc = parseDialogInfo(r.body!);
      expect(doc.entity).toBe(`sip:${r.user}@127.0.0.2`);
      expect(doc.dialogs).toEqual([{ id: '615293b33c62dec073e05d9421e9f48b', state: 'terminated', direction: 'recipient', held: false }]);
    }
  });

  test('500 favorites split at max_notify_body_length: 104 resources, one of them without an instance', () => {
    const { contentType, body } = captured('kamailio-500-split-partial.sip');
    const n = parseListNotify(body, contentType);
    expect(n.resources).toHaveLength(104);
    const withState = n.resources.filter((r) => r.body !== undefined);
    expect(withState).toHaveLength(103);
    expect(n.resources.filter((r) => r.instance === undefined)).toHaveLength(1);
    for (const r of withState) expect(parseDialogInfo(r.body!).entity).toBe(`sip:${r.user}@127.0.0.2`);
  });
});

describe('RFC 4662 list NOTIFY captured from Asterisk 22 (pjsip.conf resource_list)', () => {
  test('full state with every part: no start parameter, unquoted boundary, Content-Length in each part, version 0', () => {
    const { contentType, body } = captured('asterisk-full.sip');
    const n = parseListNotify(body, contentType);
    expect(n.list).toMatchObject({ uri: 'sip:blf-2001@127.0.0.1', version: 0, fullState: true });
    expect(n.resources.map((r) => [r.user, r.name, r.instance?.state])).toEqual([
      ['2002', '2002', 'active'],
      ['2003', '2003', 'active'],
      ['2004', '2004', 'active'],
      ['2005', '2005', 'active'],
    ]);
    for (const r of n.resources) expect(parseDialogInfo(r.body!)).toMatchObject({ entity: `sip:${r.user}@127.0.0.1`, state: 'full' });
  });
});

describe('RLMI and multipart parsing', () => {
  test('start parameter picks the root; terminated instances carry their reason; sub-list parts are ignored', () => {
    const body = multipart('b1', [
      part('p1@x', 'application/dialog-info+xml', dialogInfo('1002', 3, '<dialog id="a" direction="recipient"><state>early</state></dialog>')),
      part('root@x', 'application/rlmi+xml;charset="UTF-8"', rlmi(7, true,
        '<resource uri="sip:1002@pbx"><name>Alice</name><instance id="i1" state="active" cid="p1@x"/></resource>' +
        '<resource uri="sip:1099@pbx"><instance id="i2" state="terminated" reason="noresource"/></resource>' +
        '<resource uri="sip:1003@pbx"><instance id="i3" state="pending"/></resource>' +
        '<resource uri="sip:sales@pbx"><instance id="i4" state="active" cid="nested@x"/></resource>')),
      part('nested@x', 'multipart/related;boundary=zz', '--zz\r\n\r\nx\r\n--zz--'),
    ]);
    const n = parseListNotify(body, CT('b1'));
    expect(n.list).toMatchObject({ version: 7, fullState: true });
    const [a, gone, pending, sales] = n.resources;
    expect(a).toMatchObject({ user: '1002', name: 'Alice', instance: { state: 'active', cid: 'p1@x' } });
    expect(parseDialogInfo(a!.body!).dialogs[0]?.state).toBe('early');
    expect(gone).toMatchObject({ user: '1099', instance: { state: 'terminated', reason: 'noresource' } });
    expect(gone!.body).toBeUndefined();
    expect(pending).toMatchObject({ user: '1003', instance: { state: 'pending' } });
    expect(sales!.contentType).toMatch(/^multipart\/related/);
  });

  test('cid URLs (RFC 2392, percent-encoded, cid: scheme) match Content-IDs; LF-only line ends are tolerated', () => {
    const body = ['--q', 'Content-Type: application/rlmi+xml', '', rlmi(1, false, '<resource uri="sip:1004@pbx"><instance id="x" state="active" cid="cid:a%40b"/></resource>'),
      '--q', 'Content-ID: <a@b>', 'Content-Type: application/dialog-info+xml', '', dialogInfo('1004', 1), '--q--', ''].join('\n');
    const n = parseListNotify(body, 'multipart/related; boundary=q; type="application/rlmi+xml"');
    expect(n.resources[0]?.body).toContain('entity="sip:1004@pbx"');
  });

  test('the boundary text inside a part (not at a line start) does not split it', () => {
    const inner = dialogInfo('1002', 1).replace('<dialog-info', '<dialog-info data="--b1"');
    const body = multipart('b1', [
      part('root@x', 'application/rlmi+xml', rlmi(1, true, '<resource uri="sip:1002@pbx"><instance id="i" state="active" cid="c"/></resource>')),
      part('c', 'application/dialog-info+xml', inner),
    ]);
    expect(parseListNotify(body, CT('b1')).resources[0]?.body).toBe(inner);
  });

  test('Content-Type parameters: quoted, unquoted, escaped', () => {
    expect(parseContentType('Multipart/Related ; boundary="a\\"b" ;type=application/rlmi+xml')).toEqual({
      type: 'multipart/related',
      params: { boundary: 'a"b', type: 'application/rlmi+xml' },
    });
  });

  test.each([
    ['not multipart', () => parseListNotify(dialogInfo('1002', 1), 'application/dialog-info+xml')],
    ['no boundary', () => parseListNotify('--x\r\n\r\n', 'multipart/related')],
    ['boundary too long', () => splitMultipart('', 'b'.repeat(71))],
    ['boundary with a bad character', () => splitMultipart('', 'a"b')],
    ['boundary ending with a space', () => splitMultipart('', 'ab ')],
    ['no delimiter at all', () => parseListNotify('hello', CT('b1'))],
    ['only a close delimiter', () => parseListNotify('--b1--\r\n', CT('b1'))],
    ['root is not RLMI', () => parseListNotify(multipart('b1', [part('root@x', 'text/plain', 'hi')]), CT('b1'))],
    ['RLMI without version', () => parseRlmi('<list uri="sip:l@x" fullState="true"></list>')],
    ['RLMI with a bad fullState', () => parseRlmi('<list uri="sip:l@x" version="1" fullState="maybe"></list>')],
    ['RLMI with a DTD', () => parseRlmi('<!DOCTYPE l [<!ENTITY a "a">]><list version="1" fullState="true">&a;</list>')],
    ['a part without a header/body separator', () => splitMultipart('--b\r\nContent-Type: x\r\n--b--', 'b')],
    ['part headers too long', () => splitMultipart(`--b\r\nX-A: ${'a'.repeat(5000)}\r\n\r\nx\r\n--b--`, 'b')],
    ['too large', () => splitMultipart(' '.repeat(MAX_LIST_BODY_BYTES + 1), 'b')],
    ['too many parts', () => splitMultipart('--b\r\n\r\nx\r\n'.repeat(MAX_PARTS + 2) + '--b--', 'b')],
  ])('hostile or malformed body refused with an RlmiError: %s', (_name, f) => {
    expect(f).toThrow(RlmiError);
  });

  test('hostile but bounded: unterminated resources, unknown instance states, floods without `>`', () => {
    const n = parseRlmi(rlmi(1, true, '<resource uri="sip:1002@pbx"><instance id="a" state="weird" cid="x"/></resource><resource uri="sip:1003@pbx"><instance'));
    expect(n.resources).toEqual([{ uri: 'sip:1002@pbx', user: '1002', instances: [] }]);
    const flood = `<list version="1" fullState="true">${'<resource uri="sip:1@x" '.repeat(50_000)}`;
    expect(parseRlmi(flood).resources).toEqual([]);
    const manyInstances = rlmi(1, true, `<resource uri="sip:1002@pbx">${'<instance id="i" state="active"/>'.repeat(1000)}</resource>`);
    expect(parseRlmi(manyInstances).resources[0]!.instances.length).toBeLessThanOrEqual(8);
    // A million dashes that are no delimiter: one linear scan (a hang would hit the test timeout).
    expect(() => splitMultipart('-'.repeat(1_000_000), 'b')).toThrow(RlmiError);
  });
});

describe('XCAP: the console publishes its favorites as an rls-services document', () => {
  test('document and URL (RFC 4826 §4.4: the user document is index)', () => {
    const doc = rlsServicesDocument('sip:1001-blf@pbx', ['sip:1002@pbx', 'sip:a"b@pbx']);
    expect(doc).toContain('<service uri="sip:1001-blf@pbx">');
    expect(doc).toContain('<rl:entry uri="sip:1002@pbx"/>');
    expect(doc).toContain('<rl:entry uri="sip:a&quot;b@pbx"/>');
    expect(doc).toContain('<package>dialog</package>');
    expect(rlsServicesUrl('http://pbx:8080/xcap-root/', 'sip:1001@pbx').href).toBe('http://pbx:8080/xcap-root/rls-services/users/sip:1001@pbx/index');
    expect(() => rlsServicesUrl('file:///etc', 'sip:1001@pbx')).toThrow();
  });

  test('HTTP digest: RFC 2617 §3.5 example (qop=auth) and the qop-less form Kamailio uses', () => {
    const c = parseDigestChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')!;
    const h = digestAuthorization('GET', '/dir/index.html', c, { user: 'Mufasa', password: 'Circle Of Life' }, '0a4f113b');
    expect(h).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(h).toContain('qop=auth, nc=00000001, cnonce="0a4f113b"');
    const k = parseDigestChallenge('Digest realm="xcap", nonce="abc"')!;
    expect(digestAuthorization('PUT', '/x', k, { user: '1001', password: 'secret' })).not.toContain('qop=');
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(() => digestAuthorization('PUT', '/x', { ...k, algorithm: 'SHA-512-256' }, { user: 'a', password: 'b' })).toThrow();
  });
});
