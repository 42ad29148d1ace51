/**
 * BLF at scale (issue 14): an account's list setting names one resource list or several (Asterisk 22 cannot send the
 * first NOTIFY of one 500-resource list, five of 100 work), and the console's own lists (XCAP) are split to ≤ 100.
 */
import { AccountInputSchema } from '../../electron/contract/dto';
import { accountConfigFromInput } from '../../electron/services/console-service';
import { LIST_MAX_RESOURCES, listUris, MAX_LISTS, numberedListUri, splitEvenly } from '../../sip-core/presence/list-uris';
import { rlsServicesDocument, rlsServicesDocumentOf } from '../../sip-core/presence/xcap';

test.each([
  ['blf-2001', ['sip:blf-2001@pbx']],
  ['sip:blf-2001@other', ['sip:blf-2001@other']],
  ['blf-2001@other', ['sip:blf-2001@other']],
  ['blf-a, blf-b ,sip:blf-c@x', ['sip:blf-a@pbx', 'sip:blf-b@pbx', 'sip:blf-c@x']],
  ['blf500-2001-{1..5}', ['sip:blf500-2001-1@pbx', 'sip:blf500-2001-2@pbx', 'sip:blf500-2001-3@pbx', 'sip:blf500-2001-4@pbx', 'sip:blf500-2001-5@pbx']],
  ['sip:blf-{08..10}@x', ['sip:blf-08@x', 'sip:blf-09@x', 'sip:blf-10@x']],
  ['blf-a, blf-a', ['sip:blf-a@pbx']],
  ['', []],
])('the list setting %j names %j', (setting, expected) => {
  expect(listUris(setting, 'pbx')).toEqual(expected);
});

test(`a pattern that names too many lists is cut to ${MAX_LISTS}`, () => {
  expect(listUris('blf-{1..999}', 'pbx')).toHaveLength(MAX_LISTS);
  expect(listUris('a, b, blf-{1..30}', 'pbx')).toHaveLength(MAX_LISTS);
});

test('the console numbers its further lists after the first (XCAP): sip:1001-blf-2@pbx …', () => {
  expect(numberedListUri('sip:1001-blf@pbx', 1)).toBe('sip:1001-blf@pbx');
  expect(numberedListUri('sip:1001-blf@pbx', 2)).toBe('sip:1001-blf-2@pbx');
  expect(numberedListUri('sips:1001-blf@pbx;transport=tls', 5)).toBe('sips:1001-blf-5@pbx;transport=tls');
});

test(`500 favorites over 5 lists: 100 each (LIST_MAX_RESOURCES = ${LIST_MAX_RESOURCES}), in order, none lost`, () => {
  const favs = Array.from({ length: 500 }, (_, i) => `sip:${3000 + i}@pbx`);
  const groups = splitEvenly(favs, 5);
  expect(groups.map((g) => g.length)).toEqual([100, 100, 100, 100, 100]);
  expect(groups.flat()).toEqual(favs);
  expect(splitEvenly(['a', 'b', 'c'], 2)).toEqual([['a', 'b'], ['c']]);
  expect(splitEvenly([], 2)).toEqual([[], []]);
});

test('one rls-services document carries several services, each with its own favorites', () => {
  const doc = rlsServicesDocumentOf([
    { uri: 'sip:1001-blf@pbx', resources: ['sip:1002@pbx'] },
    { uri: 'sip:1001-blf-2@pbx', resources: ['sip:1003@pbx', 'sip:1004@pbx'] },
  ]);
  expect(doc.match(/<service /g)).toHaveLength(2);
  expect(doc).toMatch(/<service uri="sip:1001-blf-2@pbx">\n<list>\n<rl:entry uri="sip:1003@pbx"\/>\n<rl:entry uri="sip:1004@pbx"\/>\n<\/list>/);
  // One service: the same document as before.
  expect(rlsServicesDocumentOf([{ uri: 'sip:x@pbx', resources: ['sip:1002@pbx'] }])).toBe(rlsServicesDocument('sip:x@pbx', ['sip:1002@pbx']));
});

test.each(['blf-2001-{1..5}', 'blf-a, blf-b', 'sip:blf-a@pbx,sip:blf-b@pbx'])('provisioning accepts several lists (%s) and hands the setting to sip-core', (v) => {
  expect(AccountInputSchema.safeParse({ server: 'pbx', transport: 'udp', user: '1001', password: 'x', blfListUri: v }).success).toBe(true);
  expect(accountConfigFromInput('a', { server: 'pbx', transport: 'udp', user: '1001', password: 'x', blfListUri: v }).presenceList).toEqual({ uri: v });
});

test.each(['blf-{1..21}', 'a,,b', 'blf-{1..}', 'a, b c'])('provisioning refuses a list setting %j with a clear error', (v) => {
  const r = AccountInputSchema.safeParse({ server: 'pbx', transport: 'udp', user: '1001', password: 'x', blfListUri: v });
  expect(r.success).toBe(false);
  expect(r.error?.issues[0]?.path).toEqual(['blfListUri']);
});
