import * as path from 'node:path';
import type { CompanyDirectorySource } from '../../electron/services/directory/company-source';
import { CompanyShrinkError, companyShrinkRefused, DirectoryService } from '../../electron/services/directory/directory-service';
import type { ContactInput } from '../../electron/storage/types';

/** A company directory source at our own seam (the LDAP adapter comes later). */
function fakeSource(entries: ContactInput[]): CompanyDirectorySource {
  return {
    label: 'test source',
    async *fetchAll() {
      yield* entries;
    },
    close: async () => undefined,
  };
}

describe('directory service (what the IPC commands will call)', () => {
  let svc: DirectoryService;
  beforeEach(async () => {
    svc = await DirectoryService.open({ dbPath: ':memory:', defaultCountry: 'FR' });
  });
  afterEach(() => svc.close());

  it('a company sync adds, updates in place and removes entries that left the source', async () => {
    const first = await svc.syncCompany(fakeSource([
      { sourceId: 'uid=alice', name: 'Alice Martin', phones: [{ type: 'extension', number: '2001' }] },
      { sourceId: 'uid=bob', name: 'Bob Leroy', phones: [{ type: 'extension', number: '2002' }] },
    ]));
    expect(first).toEqual({ inserted: 2, updated: 0, removed: 0 });
    const alice = await svc.lookupNumber('2001');
    await svc.setFavorite(alice!.id, true);

    const second = await svc.syncCompany(fakeSource([
      { sourceId: 'uid=alice', name: 'Alice Martin-Durand', phones: [{ type: 'extension', number: '2001' }] },
    ]));
    expect(second).toEqual({ inserted: 0, updated: 1, removed: 1 });
    const again = await svc.lookupNumber('2001');
    expect(again).toMatchObject({ id: alice!.id, name: 'Alice Martin-Durand', favorite: true, directory: { kind: 'company' } });
    expect(await svc.lookupNumber('2002')).toBeUndefined();
    expect((await svc.search('durand')).map((h) => h.contact.name)).toEqual(['Alice Martin-Durand']);
  });

  it('speed-dial keys hold one contact each and come back in key order', async () => {
    const dir = (await svc.listDirectories()).find((d) => d.kind === 'speed-dial')!;
    const a = await svc.createContact(dir.id, { name: 'Security desk', phones: [{ type: 'extension', number: '2999' }] });
    const b = await svc.createContact(dir.id, { name: 'Taxi', phones: [{ type: 'other', number: '01 45 30 30 30' }] });
    await svc.contacts.setSpeedDialPosition(a.id, 2);
    await svc.contacts.setSpeedDialPosition(b.id, 1);
    expect((await svc.contacts.speedDials()).map((k) => [k.position, k.contact.name])).toEqual([[1, 'Taxi'], [2, 'Security desk']]);
    await svc.contacts.setSpeedDialPosition(a.id, 1); // takes key 1 over from Taxi
    expect((await svc.contacts.speedDials()).map((k) => [k.position, k.contact.name])).toEqual([[1, 'Security desk']]);
    // The speed-dial directory outranks the others for caller lookup.
    expect((await svc.lookupNumber('2999'))?.directory.kind).toBe('speed-dial');
  });

  it('import problems come back as data, not exceptions', async () => {
    const personal = (await svc.listDirectories()).find((d) => d.kind === 'personal')!;
    const missing = await svc.importFile('/nonexistent/contacts.csv', personal.id);
    expect(missing).toEqual({ ok: false, error: { code: 'unreadable', message: expect.stringMatching(/Cannot read the file/) } });
    const ok = await svc.previewImportFile(path.join(__dirname, '../fixtures/contacts/vcard40.vcf'));
    expect(ok.ok && ok.value.sample[0]?.name).toBe('Anaïs Château');
  });

  it('history written by the call service is queryable and exportable through the same service', async () => {
    await svc.addHistory({ direction: 'incoming', type: 'missed', remoteNumber: '0612345678', startedAt: Date.UTC(2026, 0, 1) });
    expect((await svc.queryHistory({ types: ['missed'] })).length).toBe(1);
    expect(await svc.exportHistoryCsv()).toContain('missed,0612345678');
    expect(await svc.deleteHistory({ all: true })).toBe(1);
  });

  it('a company refresh that is empty or far shorter than the copy is refused, and changes nothing', async () => {
    const people = (n: number, from = 0): ContactInput[] =>
      Array.from({ length: n }, (_, i) => ({ sourceId: `uid=${from + i}`, name: `Person ${from + i}`, phones: [{ type: 'extension' as const, number: String(3000 + from + i) }] }));
    await svc.syncCompany(fakeSource(people(40)));
    const company = () => svc.listDirectories().then((d) => svc.contacts.count(d.find((x) => x.kind === 'company')!.id));

    await expect(svc.syncCompany(fakeSource([]))).rejects.toMatchObject({ name: 'StorageError', code: 'company-shrunk', found: 0, cached: 40 });
    await expect(svc.syncCompany(fakeSource(people(19)))).rejects.toBeInstanceOf(CompanyShrinkError);
    expect(await company()).toBe(40);
    expect(await svc.lookupNumber('3039')).toMatchObject({ name: 'Person 39' });

    // Half of the copy or more is a normal change; forced or with the check off, anything goes.
    expect(await svc.syncCompany(fakeSource(people(20)))).toMatchObject({ inserted: 0, removed: 20 });
    expect(await svc.syncCompany(fakeSource(people(3)), { force: true })).toMatchObject({ removed: 17 });
    expect(await svc.syncCompany(fakeSource([]), { minRatio: 0 })).toMatchObject({ removed: 3 });
    expect(await company()).toBe(0);
  });

  it('the refusal rule: nothing for a non-empty copy; under the ratio once the copy has 20 entries', () => {
    expect(companyShrinkRefused(0, 0, 0.5)).toBe(false);
    expect(companyShrinkRefused(0, 1, 0.5)).toBe(true);
    expect(companyShrinkRefused(1, 19, 0.5)).toBe(false);
    expect(companyShrinkRefused(9, 20, 0.5)).toBe(true);
    expect(companyShrinkRefused(10, 20, 0.5)).toBe(false);
    expect(companyShrinkRefused(499, 1000, 0.5)).toBe(true);
    expect(companyShrinkRefused(0, 1000, 0)).toBe(false);
  });

  it('a cancelled company refresh applies nothing, even the entries already fetched', async () => {
    await svc.syncCompany(fakeSource([
      { sourceId: 'uid=a', name: 'A', phones: [{ type: 'extension', number: '4001' }] },
      { sourceId: 'uid=b', name: 'B', phones: [{ type: 'extension', number: '4002' }] },
    ]));
    const abort = new AbortController();
    const partial: CompanyDirectorySource = {
      label: 'cancelled',
      async *fetchAll() {
        yield { sourceId: 'uid=a', name: 'A renamed', phones: [{ type: 'extension', number: '4001' }] };
        abort.abort(); // the UI cancels mid-way: the source stops early
      },
      close: async () => undefined,
    };
    await expect(svc.syncCompany(partial, { signal: abort.signal, minRatio: 0 })).rejects.toMatchObject({ code: 'aborted' });
    expect(await svc.lookupNumber('4002')).toMatchObject({ name: 'B' });
    expect(await svc.lookupNumber('4001')).toMatchObject({ name: 'A' });
  });
});
