/**
 * Issue 15 (c): hostile CSV / vCard imports never lose existing data.
 *
 * The real import path: ContactsService behind ConsoleService.dispatch (chunked upload → preview → commit, as the
 * renderer does) on a real SQLite file in a temp directory, plus DirectoryService.importFile (the CLI's path). A good
 * set of contacts is imported first; then each hostile file is fed in. After each one: either a clear error in words
 * (never an `internal` error, i.e. an unexpected exception) or an import with a report, and the good contacts are all
 * still there, byte for byte (their rows, phones and e-mails), and the service still answers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import iconv from 'iconv-lite';
import type { Result } from '../../electron/contract';
import type { ConsoleService, HostConnection } from '../../electron/services/console-service';
import { contactsConsole } from './helpers/contacts-console';
import { ContactsService } from '../../electron/services/contacts-service';
import type { DirectoryService } from '../../electron/services/directory/directory-service';
import { parseCsv } from '../../electron/services/directory/import/csv-parse';
import { LIMITS } from '../../electron/services/directory/import/errors';

jest.setTimeout(60_000);

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'contacts');
const CHUNK = 48 * 1024; // bytes per chunk: 64 KiB of base64, the contract's maximum

interface CommitReport {
  inserted: number;
  updated: number;
  skipped: { row: number; reason: string }[];
  directory: string;
}
interface Preview {
  format: string;
  encoding: string;
  total: number;
  valid: number;
  skipped: { row: number; reason: string }[];
  sample: { name: string; company: string; phones: { number: string }[] }[];
}

let tmp: string;
let service: ConsoleService;
let contacts: ContactsService;
let svc: DirectoryService;
let outlookDir: number;
const conn: HostConnection = { id: 'w1', send: () => undefined };
const cmd = (name: string, args: unknown): Promise<Result<unknown>> => service.dispatch(conn, name, args);

/** Uploads in chunks like the renderer; the failure of the chunk that was refused, if one was. */
async function upload(buf: Buffer): Promise<{ ok: true; uploadId: string } | { ok: false; error: { code: string; message: string } }> {
  let id: string | undefined;
  for (let i = 0; i < Math.max(1, buf.length); i += CHUNK) {
    const r = await cmd('contacts.importChunk', { ...(id && { uploadId: id }), fileName: 'f', data: buf.subarray(i, i + CHUNK).toString('base64') });
    if (!r.ok) return r;
    id = (r.value as { uploadId: string }).uploadId;
  }
  return { ok: true, uploadId: id! };
}

/** Preview then commit into the Outlook directory (where the good set lives): both must agree. */
async function importFile(buf: Buffer): Promise<
  { ok: true; preview: Preview; report: CommitReport } | { ok: false; stage: 'upload' | 'preview'; error: { code: string; message: string } }
> {
  const up = await upload(buf);
  if (!up.ok) return { ok: false, stage: 'upload', error: up.error };
  const preview = await cmd('contacts.importPreview', { uploadId: up.uploadId, limit: 5 });
  const commit = await cmd('contacts.importCommit', { uploadId: up.uploadId, directory: 'outlook' });
  expect(commit.ok).toBe(preview.ok);
  if (!preview.ok || !commit.ok) {
    const error = !preview.ok ? preview.error : (commit as { ok: false; error: { code: string; message: string } }).error;
    await cmd('contacts.importCancel', { uploadId: up.uploadId });
    return { ok: false, stage: 'preview', error };
  }
  return { ok: true, preview: preview.value as Preview, report: commit.value as CommitReport };
}

/** Everything stored about the good set (ids fixed once imported). */
let goodIds: number[] = [];
async function goodSnapshot(): Promise<unknown> {
  const ids = goodIds.join(',');
  return {
    contacts: await svc.db.all(`SELECT * FROM contacts WHERE id IN (${ids}) ORDER BY id`),
    phones: await svc.db.all(`SELECT * FROM phones WHERE contact_id IN (${ids}) ORDER BY id`),
    emails: await svc.db.all(`SELECT * FROM emails WHERE contact_id IN (${ids}) ORDER BY id`),
    fts: await svc.db.all(`SELECT rowid, * FROM contacts_fts WHERE rowid IN (${ids}) ORDER BY rowid`),
  };
}
const count = async (): Promise<number> => svc.contacts.count(outlookDir);
const names = async (): Promise<string[]> => (await svc.contacts.list(outlookDir, { limit: 100_000 })).map((c) => c.name);

const GOOD_ROWS = 300;
const pad = (i: number, n = 4) => String(i).padStart(n, '0');
function goodCsv(): Buffer {
  const lines = ['First Name,Last Name,Company,Mobile Phone,E-mail Address'];
  for (let i = 0; i < GOOD_ROWS; i++) lines.push(`Good${i},Person,Acme,+33 6 10 00 ${pad(i).slice(0, 2)} ${pad(i).slice(2)},good${i}@example.com`);
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

const H = 'First Name,Last Name,Company,Mobile Phone\r\n';
const row = (first: string, last: string, phone: string): string => `${first},${last},Hostile Ltd,${phone}\r\n`;
const card = (body: string, version = '3.0'): string => `BEGIN:VCARD\r\nVERSION:${version}\r\n${body}END:VCARD\r\n`;
/** base64 folded at 75 octets as RFC 6350 §3.2 writers do. */
const fold = (value: string): string => value.replace(/(.{74})(?=.)/g, '$1\r\n ');

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-import-hostile-'));
  contacts = new ContactsService({ dbPath: path.join(tmp, 'contacts.sqlite') });
  service = contactsConsole(contacts);
  svc = await contacts.directory();
  service.connect(conn);

  // The good set: a French Outlook export (Windows-1252) and 300 generated rows.
  const fr = await importFile(fs.readFileSync(path.join(FIXTURES, 'outlook-fr-cp1252.csv')));
  const gen = await importFile(goodCsv());
  expect(fr).toMatchObject({ ok: true, report: { inserted: 3 } });
  expect(gen).toMatchObject({ ok: true, report: { inserted: GOOD_ROWS } });
  outlookDir = (await svc.listDirectories()).find((d) => d.kind === 'outlook')!.id;
  goodIds = (await svc.contacts.list(outlookDir, { limit: 10_000 })).map((c) => c.id).sort((a, b) => a - b);
  expect(goodIds).toHaveLength(GOOD_ROWS + 3);
});

afterAll(async () => {
  await service.stop();
  await contacts.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let before: unknown;
let countBefore = 0;
beforeEach(async () => {
  before = await goodSnapshot();
  countBefore = await count();
});
afterEach(async () => {
  // The good set is untouched, whatever happened, and the service still answers.
  expect(await goodSnapshot()).toEqual(before);
  const lefevre = await cmd('contacts.search', { query: 'lefevre', limit: 5 });
  expect(lefevre.ok && (lefevre.value as { contact: { name: string } }[])[0]?.contact.name).toBe('Jean-François Lefèvre');
  const sample = await svc.contacts.get(goodIds.at(-1)!); // the last generated row
  expect(sample).toMatchObject({ name: `Good${GOOD_ROWS - 1} Person`, company: 'Acme', emails: [`good${GOOD_ROWS - 1}@example.com`] });
  expect(sample!.phones.map((p) => p.number)).toEqual([`+33 6 10 00 02 99`]);
});

/** A refusal: the expected kind of failure (never `internal`), said in words, nothing written. */
async function expectRefused(buf: Buffer, message: RegExp, stage: 'upload' | 'preview' = 'preview'): Promise<void> {
  const r = await importFile(buf);
  expect(r).toMatchObject({ ok: false, stage });
  if (r.ok) return;
  expect(['bad-request', 'too-large']).toContain(r.error.code);
  expect(r.error.message).toMatch(message);
  expect(r.error.message).toMatch(/[a-z]{3,} [a-z]{2,} [a-z]{2,}/i); // words…
  expect(r.error.message).not.toMatch(/^contacts\.\w+:|\n\s+at |Error:/); // …not a schema path or a stack
  expect(await count()).toBe(countBefore);
}

/** An import: the report accounts for every row, and exactly the new contacts were added. */
async function expectImported(buf: Buffer, expected: { inserted: number; updated?: number; skipped?: number; encoding?: string }): Promise<{ preview: Preview; report: CommitReport }> {
  const r = await importFile(buf);
  if (!r.ok) throw new Error(`refused: ${r.error.code} ${r.error.message}`);
  expect(r.report.inserted).toBe(expected.inserted);
  expect(r.report.updated).toBe(expected.updated ?? 0);
  expect(r.report.skipped).toHaveLength(expected.skipped ?? 0);
  if (expected.encoding) expect(r.preview.encoding).toBe(expected.encoding);
  expect(await count()).toBe(countBefore + expected.inserted);
  return r;
}

describe('size', () => {
  it('a 50 MB file is refused while uploading, in words (the 32 MB upload cap)', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 'x');
    Buffer.from(H).copy(big);
    await expectRefused(big, /larger than 32 MB/, 'upload');
  });

  it('the importer refuses a buffer over its own cap (64 MB) in words', async () => {
    const over = Buffer.alloc(LIMITS.maxFileBytes + 1, 'x');
    const r = await svc.previewImportFile(writeTmp('over.csv', over));
    expect(r).toMatchObject({ ok: false, error: { code: 'too-large', message: expect.stringMatching(/larger than 64 MB/) } });
  });

  it('a multi-gigabyte file given by path (CLI) is refused from its size, without reading it', async () => {
    const file = path.join(tmp, 'huge.csv');
    fs.writeFileSync(file, H);
    fs.truncateSync(file, 3 * 1024 * 1024 * 1024); // sparse: no disk used
    const r = await svc.importFile(file, outlookDir);
    expect(r).toMatchObject({ ok: false, error: { code: 'too-large', message: expect.stringMatching(/larger than 64 MB/) } });
    fs.rmSync(file);
  });

  it('more rows than any contacts export (300,000 tiny rows) is refused at once, not parsed into gigabytes', async () => {
    const t = Date.now();
    await expectRefused(Buffer.from(`First Name,Last Name\r\n${'a,b\r\n'.repeat(300_000)}`), /more than 200,000 rows.*split/i);
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('more vCards than any contacts export is refused the same way', async () => {
    await expectRefused(Buffer.from('BEGIN:VCARD\r\nFN:a\r\nEND:VCARD\r\n'.repeat(LIMITS.maxRecords + 1)), /more than 200,000 contacts.*split/i);
  });

  it('a single 10 MB line is refused in words', async () => {
    await expectRefused(Buffer.from(`${H}${'x'.repeat(10 * 1024 * 1024)}\r\n`), /longer than 1 MB/);
  });
});

describe('encodings', () => {
  const text = `${H}${row('Zoë', 'Utf Sixteen', '+33 6 20 00 00 01')}${row('Ørjan', 'Utf Sixteen', '+33 6 20 00 00 02')}`;
  const cases: [string, () => Buffer, string][] = [
    ['UTF-16 LE with BOM', () => Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text.replace(/Sixteen/g, 'LeBom'), 'utf16le')]), 'utf-16le'],
    ['UTF-16 LE without BOM', () => iconv.encode(text.replace(/Sixteen/g, 'LeRaw'), 'utf16le'), 'utf-16le'],
    ['UTF-16 BE with BOM', () => Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text.replace(/Sixteen/g, 'BeBom'), 'utf16be')]), 'utf-16be'],
    ['UTF-16 BE without BOM', () => iconv.encode(text.replace(/Sixteen/g, 'BeRaw'), 'utf16be'), 'utf-16be'],
  ];
  it.each(cases)('%s imports with its accents', async (_label, make, encoding) => {
    const buf = make();
    const r = await expectImported(buf, { inserted: 2, encoding });
    expect(r.preview.sample.map((s) => s.name)).toEqual([expect.stringMatching(/^Zoë Utf \w+$/), expect.stringMatching(/^Ørjan Utf \w+$/)]);
  });

  it('a UTF-16 file cut in the middle of a character imports its complete rows', async () => {
    const buf = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(`${text.replace(/Sixteen/g, 'Cut')}${row('Ann', 'Cut', '+33 6 20 00 00 03')}`, 'utf16le')]);
    const r = await expectImported(buf.subarray(0, buf.length - 5), { inserted: 3 });
    expect(r.preview.sample.at(-1)!.name).toBe('Ann Cut');
  });

  it('Windows-1252 (classic Outlook) decodes accents and the euro sign', async () => {
    const r = await expectImported(iconv.encode(`${H}${row('Anaïs', 'Château€', '+33 6 20 00 00 10')}`, 'win1252'), { inserted: 1, encoding: 'windows-1252' });
    expect(r.preview.sample[0]!.name).toBe('Anaïs Château€');
  });

  it('invalid UTF-8 sequences (lone lead byte, overlong, 0xFF) fall back to Windows-1252: odd letters, no crash', async () => {
    const bad = Buffer.concat([Buffer.from(H), Buffer.from([0x42, 0xc3, 0x28, 0x61, 0xc0, 0xaf, 0xff]), Buffer.from(',Invalid,Hostile Ltd,+33 6 20 00 00 11\r\n')]);
    const r = await expectImported(bad, { inserted: 1, encoding: 'windows-1252' });
    expect(r.preview.sample[0]!.name).toBe('BÃ(aÀ¯ÿ Invalid');
  });

  it('NUL bytes, early or late in the file, are dropped from the text; the rows import', async () => {
    const early = `${H}${row('N\0ul', 'Early', '+33 6 20 00 00 20')}`;
    const filler = Array.from({ length: 400 }, (_, i) => row(`Fill${i}`, 'Nul', `+33 6 21 00 ${pad(i).slice(0, 2)} ${pad(i).slice(2)}`)).join('');
    const r = await expectImported(Buffer.from(`${early}${filler}${row('La\0\0te', 'Nul\u0007', '+33 6 20 00 00 21')}`), { inserted: 402 });
    expect(r.preview.sample[0]!.name).toBe('Nul Early');
    const stored = await names();
    expect(stored).toContain('Late Nul');
    expect(stored.some((n) => /[\u0000-\u0008\u000b-\u001f]/.test(n))).toBe(false);
  });

  it('a binary file (PNG) is refused in words', async () => {
    await expectRefused(Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(4096, 7)]), /not a text file/);
  });
});

describe('spreadsheet formulas', () => {
  const formulas = [
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '"=HYPERLINK(""http://evil.example/"",""Click"")"',
    '" =1+1"', // hidden behind a space…
    '"\t=1+1"', // …or a tab (OWASP: tab and CR start formulas too)
  ];
  it.each(formulas)('a cell %s refuses the file, names the row, writes nothing', async (cell) => {
    await expectRefused(Buffer.from(`${H}${row('Fine', 'Formula', '+33 6 30 00 00 01')}${row('Evil', cell, '+33 6 30 00 00 02')}`), /Row 3 contains a spreadsheet formula/);
  });
});

describe('quotes, columns and line endings', () => {
  it('quotes nested many levels deep are unescaped exactly', async () => {
    const r = await expectImported(Buffer.from(`${H}"He said ""she said """"hi"""" """,Quoted,Hostile Ltd,+33 6 40 00 00 01\r\n`), { inserted: 1 });
    expect(r.preview.sample[0]!.name).toBe('He said "she said ""hi"" " Quoted');
  });

  it('200,000 quote characters in one cell: refused as a damaged file, in words', async () => {
    await expectRefused(Buffer.from(`${H}"${'"'.repeat(200_000)}",Deep,Hostile Ltd,+33 6 40 00 00 02\r\n`), /cell longer than .* characters/);
  });

  it('an unterminated quote mid-file: refused as truncated, naming the row', async () => {
    await expectRefused(Buffer.from(`${H}${row('Ok', 'Before', '+33 6 40 00 00 03')}"Open,Quote,Hostile Ltd,+33 6 40 00 00 04\r\n${row('Ok', 'After', '+33 6 40 00 00 05')}`), /quoted value that starts on row 3.*truncated/);
  });

  it('a stray quote inside an unquoted cell is kept as text', async () => {
    const r = await expectImported(Buffer.from(`${H}O"Neil,Stray,Hostile Ltd,+33 6 40 00 00 06\r\n`), { inserted: 1 });
    expect(r.preview.sample[0]!.name).toBe('O"Neil Stray');
  });

  it('a header of 10,000 columns imports the columns it knows', async () => {
    const header = ['First Name', 'Last Name', 'Mobile Phone', ...Array.from({ length: 9997 }, (_, i) => `Junk ${i}`)].join(',');
    const rows = [0, 1, 2].map((i) => `Wide${i},Columns,+33 6 50 00 00 0${i}${',x'.repeat(9997)}`);
    await expectImported(Buffer.from([header, ...rows].join('\r\n')), { inserted: 3 });
  });

  it('a row of 10,000 cells under a 4-column header is skipped with a reason in the report', async () => {
    const r = await expectImported(Buffer.from(`${H}${row('Narrow', 'Ok', '+33 6 50 00 01 00')}Too,Many,Cells,+33 6 50 00 01 01${',x'.repeat(9996)}\r\n`), { inserted: 1, skipped: 1 });
    expect(r.report.skipped[0]).toEqual({ row: 3, reason: 'has 10000 columns but the header has 4' });
  });

  it('CR-only line endings (classic Mac) import every row', async () => {
    const r = await expectImported(Buffer.from(`${H}${row('Cr', 'One', '+33 6 60 00 00 01')}${row('Cr', 'Two', '+33 6 60 00 00 02')}`.replace(/\r\n/g, '\r')), { inserted: 2 });
    expect(r.preview.sample.map((s) => s.name)).toEqual(['Cr One', 'Cr Two']);
  });

  it('a CSV cut after its last complete row imports what is there (the cut row without its number)', async () => {
    const full = `${H}${row('Cut', 'Complete', '+33 6 60 00 00 03')}${row('Cut', 'Partial', '+33 6 60 00 00 04')}`;
    const r = await expectImported(Buffer.from(full.slice(0, full.indexOf('Hostile Ltd,+33 6 60 00 00 04') + 4)), { inserted: 2 });
    expect(r.preview.sample[1]).toMatchObject({ name: 'Cut Partial', company: 'Host', phones: [] });
  });
});

describe('vCard', () => {
  it('folded lines (space and tab, mid-word) are unfolded', async () => {
    const r = await expectImported(Buffer.from(card('FN:Fol\r\n ded Per\r\n\tson\r\nTEL:+33 6 70 00\r\n  00 01\r\n')), { inserted: 1 });
    expect(r.preview.sample[0]).toMatchObject({ name: 'Folded Person', phones: [{ number: '+33 6 70 00 00 01' }] });
  });

  it('a 20 MB base64 PHOTO is skipped; the card and the next one import', async () => {
    const photo = fold(Buffer.alloc(20 * 1024 * 1024, 0x5a).toString('base64'));
    const buf = Buffer.from(card(`FN:Photo Person\r\nPHOTO;ENCODING=b;TYPE=JPEG:${photo}\r\nTEL:+33 6 70 00 00 02\r\n`) + card('FN:After Photo\r\nTEL:+33 6 70 00 00 03\r\n'));
    expect(buf.length).toBeGreaterThan(20 * 1024 * 1024);
    const r = await expectImported(buf, { inserted: 2 });
    expect(r.preview.sample.map((s) => s.name)).toEqual(['Photo Person', 'After Photo']);
  });

  it('a 2 MB vCard 4.0 PHOTO data: URI, and a 2.1 BASE64 photo, are skipped the same way', async () => {
    const data = Buffer.alloc(1536 * 1024, 1).toString('base64');
    const v4 = card(`FN:Data Uri\r\nPHOTO:data:image/jpeg;base64,${fold(data)}\r\nTEL:+33 6 70 00 00 04\r\n`, '4.0');
    const v21 = card(`FN:Base Sixtyfour\r\nPHOTO;JPEG;ENCODING=BASE64:\r\n ${data.replace(/(.{76})(?=.)/g, '$1\r\n ')}\r\n\r\nTEL;CELL:+33 6 70 00 00 05\r\n`, '2.1');
    await expectImported(Buffer.from(v4 + v21), { inserted: 2 });
  });

  it('broken QUOTED-PRINTABLE (bad escapes, a soft break before END:VCARD) damages only its own value', async () => {
    const broken = 'BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;CELL:+33 6 70 00 00 06\r\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Qp =ZZBroken=C3=\r\nEND:VCARD\r\n';
    const r = await expectImported(Buffer.from(broken + card('FN:After Qp\r\nTEL:+33 6 70 00 00 07\r\n')), { inserted: 2 });
    expect(r.preview.sample.map((s) => s.name)).toEqual(['Qp =ZZBroken\uFFFD', 'After Qp']);
  });

  it('QUOTED-PRINTABLE notes of almost 1 MB (soft breaks every 76 characters) are read in linear time, and skipped', async () => {
    const note = `${'=41'.repeat(25)}=\r\n`.repeat(11_000);
    const cards = Array.from({ length: 5 }, (_, i) => `BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Qp Long${i}\r\nTEL;CELL:+33 6 70 00 01 ${pad(i, 2)}\r\nNOTE;ENCODING=QUOTED-PRINTABLE:${note}x\r\nEND:VCARD\r\n`);
    const t = Date.now();
    const r = await expectImported(Buffer.from(cards.join('') + card('FN:Qp Short\r\nTEL:+33 6 70 00 01 99\r\n')), { inserted: 1, skipped: 5 });
    expect(Date.now() - t).toBeLessThan(15_000); // each line used to copy the whole note again: 3+ s per card and read
    // The CSV reader's cell limit applies per card: what is imported can be exported and imported again.
    expect(r.report.skipped[0]).toEqual({ row: 1, reason: 'its NOTE is longer than 65536 characters' });
  });

  it('two cards with the same UID are one contact (the later one); the report counts one', async () => {
    const r = await expectImported(Buffer.from(card('UID:dup-1\r\nFN:Dup First\r\nTEL:+33 6 70 00 00 08\r\n') + card('UID:dup-1\r\nFN:Dup Second\r\nTEL:+33 6 70 00 00 09\r\n')), { inserted: 1 });
    expect(r.preview.valid).toBe(2);
    expect(await names()).toContain('Dup Second');
    expect(await names()).not.toContain('Dup First');
  });

  it('cards without FN: the name comes from N; a number alone imports; an empty card is skipped with a reason', async () => {
    const r = await expectImported(Buffer.from(card('N:Nofn;Ann;;;\r\nTEL:+33 6 70 00 00 10\r\n') + card('TEL:+33 6 70 00 00 11\r\n') + card('NOTE:nothing else\r\n')), { inserted: 2, skipped: 1 });
    expect(r.report.skipped).toEqual([{ row: 3, reason: 'no name, company or number' }]);
    expect(r.preview.sample.map((s) => s.name)).toEqual(['Ann Nofn', '']);
  });

  it('a truncated vCard is refused in words', async () => {
    await expectRefused(Buffer.from(card('FN:Whole\r\nTEL:+33 6 70 00 00 12\r\n') + 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Hal'), /truncated/);
  });

  it('nested BEGIN:VCARD is refused in words', async () => {
    await expectRefused(Buffer.from('BEGIN:VCARD\r\nBEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n'), /no END:VCARD/);
  });
});

describe('exports neutralise formula cells (contacts and history)', () => {
  const payloads = ["=cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", '-2+3', '@SUM(1+1)', '\t=1+1', '\r=1+1'];

  /** Every cell of an export, read back with the importer's own parser. */
  function cells(base64: string): string[] {
    const text = Buffer.from(base64, 'base64').toString('utf8').replace(/^\uFEFF/, '');
    return parseCsv(text, ',').flatMap((r) => r.cells);
  }

  it('contacts export: names, companies and titles that look like formulas get a leading quote', async () => {
    // vCard does not refuse such text (only CSV does): it is data, and must stay inert on the way out.
    const cardsText = payloads.map((p, i) => card(`FN:${p.replace(/\r/g, '\\n')}\r\nORG:${p.replace(/[\r\t]/g, '')}\r\nTITLE:${p.replace(/[\r\t]/g, '')}\r\nTEL:+33 6 80 00 00 ${pad(i, 2)}\r\n`)).join('');
    await expectImported(Buffer.from(cardsText), { inserted: payloads.length });
    const exp = await cmd('contacts.export', { directoryId: outlookDir });
    if (!exp.ok) throw new Error(exp.error.message);
    const data = (exp.value as { data: string }).data;
    const all = cells(data);
    expect(all.length).toBeGreaterThan(1000);
    expect(all.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(all).toContain("'=cmd|' /C calc'!A0");
    expect(all).toContain("'@SUM(1+1)");
    expect(all).toContain("'+33 6 10 00 02 99");
    // …and the export imports back (into Personal) with the quotes taken off again: nothing refused, nothing lost.
    const up = await upload(Buffer.from(data, 'base64'));
    if (!up.ok) throw new Error(up.error.message);
    const back = await cmd('contacts.importCommit', { uploadId: up.uploadId, directory: 'personal' });
    expect(back).toMatchObject({ ok: true, value: { inserted: await count(), skipped: [] } });
    const personal = (await svc.listDirectories()).find((d) => d.kind === 'personal')!.id;
    expect((await svc.contacts.list(personal, { limit: 100_000 })).map((c) => c.name).sort()).toEqual((await names()).sort());
  });

  it('history export: a hostile caller name or number is neutralised', async () => {
    for (const p of payloads) await svc.addHistory({ direction: 'incoming', type: 'missed', remoteNumber: p, remoteName: p, startedAt: Date.now() });
    const exp = await cmd('history.export', {});
    if (!exp.ok) throw new Error(exp.error.message);
    const all = cells((exp.value as { data: string }).data);
    expect(all.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    for (const p of payloads) expect(all).toContain(`'${p}`);
  });
});

function writeTmp(name: string, buf: Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, buf);
  return file;
}
