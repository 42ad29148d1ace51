import * as path from 'node:path';
import type { CompanyDirectorySource } from '../../electron/services/directory/company-source';
import { DirectoryService } from '../../electron/services/directory/directory-service';
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
});
