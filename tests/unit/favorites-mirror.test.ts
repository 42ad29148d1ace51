/**
 * issue 13 item 2 follow-up: one notion of favorite, and search ranks favorites first again. The monitored favorites
 * list (presence-service.ts) is the single source of truth; the contacts service mirrors it into `contacts.favorite`
 * and the FTS `fav` flag (contacts whose extension per contact-extension.ts is on the list). The services are wired
 * as both hosts wire them (composition.ts), on a real SQLite file; a restart is a new service on the same file with
 * the settings saved by the first one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provisioning } from '../../electron/services/provisioning';
import { createConsoleService } from '../../electron/services/composition';
import type { ConsoleService, HostConnection } from '../../electron/services/console-service';
import { ContactsService } from '../../electron/services/contacts-service';
import { PresenceService } from '../../electron/services/presence-service';
import { Database } from '../../electron/storage/db';
import type { PresenceStatus, Watch } from '../../sip-core/api/presence';
import type { Softphone } from '../../sip-core/api/softphone';

const conn: HostConnection = { id: 'test', send: () => undefined };
let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rc-fav-mirror-'));
  dbPath = join(dir, 'contacts.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  readonly contacts: ContactsService;
  readonly service: ConsoleService;
  ok<T>(name: string, args: unknown): Promise<T>;
  fail(name: string, args: unknown): Promise<{ key?: string }>;
  names(query: string): Promise<{ name: string; favorite: boolean }[]>;
  stop(): Promise<void>;
}

/** One launch, as the hosts do it: compose, apply the saved settings, start the contacts service. */
async function launch(saved: { settings?: Provisioning }): Promise<Running> {
  const contacts = new ContactsService({ dbPath, config: { defaultCountry: 'FR', queues: [] } as never });
  const service = createConsoleService({ host: 'web', headset: false, extensions: [contacts], persist: (s) => (saved.settings = s as Provisioning) });
  if (saved.settings) await service.applyProvisioning(saved.settings);
  contacts.start(service);
  await contacts.favoritesMirrored();
  const ok = async <T>(name: string, args: unknown): Promise<T> => {
    const r = await service.dispatch(conn, name, args);
    if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
    await contacts.favoritesMirrored();
    return r.value as T;
  };
  const fail = async (name: string, args: unknown) => {
    const r = await service.dispatch(conn, name, args);
    if (r.ok) throw new Error(`${name} should have failed`);
    return r.error;
  };
  const names = async (query: string) =>
    (await ok<{ contact: { name: string; favorite: boolean } }[]>('contacts.search', { query })).map((h) => ({ name: h.contact.name, favorite: h.contact.favorite }));
  return { contacts, service, ok, fail, names, stop: () => service.stop() };
}

/** Three Martins: the one starred must come first whatever the name order says. */
async function seed(r: Running): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  for (const [name, phones] of [
    ['Martin Alain', [{ type: 'work', number: '1002' }]],
    ['Martin Bernard', [{ type: 'mobile', number: '06 12 34 56 78' }, { type: 'work', number: '01 40 00 00 10' }]],
    ['Martin Zoé', [{ type: 'mobile', number: '06 00 00 00 01' }, { type: 'extension', number: '1004' }]],
  ] as const) {
    ids[name] = (await r.ok<{ id: number }>('contacts.create', { contact: { name, phones } })).id;
  }
  return ids;
}

describe('favorites first in search, with the favorites list as the single source of truth', () => {
  test('star from search → ranked first; unstar → not; restart → still consistent', async () => {
    const saved: { settings?: Provisioning } = {};
    const a = await launch(saved);
    await seed(a);
    expect((await a.names('martin')).map((h) => h.name)).toEqual(['Martin Alain', 'Martin Bernard', 'Martin Zoé']);

    // The search row's star (renderer presence.toggleFavorite): Zoé's extension becomes a monitored favorite.
    await a.ok('favorites.add', { extension: '1004', name: 'Martin Zoé' });
    expect(await a.names('martin')).toEqual([
      { name: 'Martin Zoé', favorite: true },
      { name: 'Martin Alain', favorite: false },
      { name: 'Martin Bernard', favorite: false },
    ]);
    // Number search too (prefix tier), and the Favorites list.
    expect((await a.names('100')).map((h) => h.name)).toEqual(['Martin Zoé', 'Martin Alain']);
    expect((await a.ok<{ name: string }[]>('contacts.list', { favorites: true })).map((c) => c.name)).toEqual(['Martin Zoé']);
    // A favorite added by extension alone (Favorites panel) stars the contact that has it.
    await a.ok('favorites.add', { extension: '1002' });
    expect((await a.names('martin')).map((h) => [h.name, h.favorite])).toEqual([
      ['Martin Alain', true],
      ['Martin Zoé', true],
      ['Martin Bernard', false],
    ]);

    // Unstar: back in name order.
    await a.ok('favorites.remove', { extension: '1004' });
    expect((await a.names('martin')).map((h) => [h.name, h.favorite])).toEqual([
      ['Martin Alain', true],
      ['Martin Bernard', false],
      ['Martin Zoé', false],
    ]);
    expect(saved.settings?.favorites).toEqual([{ extension: '1002' }]);
    await a.stop();

    // Restart: a new service on the same file, with the saved settings.
    const b = await launch(saved);
    expect((await b.names('martin')).map((h) => [h.name, h.favorite])).toEqual([
      ['Martin Alain', true],
      ['Martin Bernard', false],
      ['Martin Zoé', false],
    ]);
    await b.ok('favorites.remove', { extension: '1002' });
    expect((await b.names('martin')).every((h) => !h.favorite)).toBe(true);
    await b.stop();
    const c = await launch(saved);
    expect((await c.names('martin')).map((h) => [h.name, h.favorite])).toEqual([
      ['Martin Alain', false],
      ['Martin Bernard', false],
      ['Martin Zoé', false],
    ]);
    await c.stop();
  });

  test('the database follows the list, not the other way: a flag left behind (settings edited while closed) is cleared at start', async () => {
    const saved: { settings?: Provisioning } = {};
    const a = await launch(saved);
    await seed(a);
    await a.ok('favorites.add', { extension: '1004', name: 'Martin Zoé' });
    await a.stop();
    saved.settings = { ...saved.settings!, favorites: [{ extension: '1002' }] };
    const b = await launch(saved);
    expect((await b.names('martin')).map((h) => [h.name, h.favorite])).toEqual([
      ['Martin Alain', true],
      ['Martin Bernard', false],
      ['Martin Zoé', false],
    ]);
    await b.stop();
  });

  test('contacts created or edited later follow the list; editing away the extension drops the star, not the favorite', async () => {
    const saved: { settings?: Provisioning } = {};
    const a = await launch(saved);
    await a.ok('favorites.add', { extension: '1007', name: 'New colleague' });
    const created = await a.ok<{ id: number }>('contacts.create', { contact: { name: 'Martin Nouveau', phones: [{ type: 'work', number: '1007' }] } });
    await seed(a);
    expect((await a.names('martin'))[0]).toEqual({ name: 'Martin Nouveau', favorite: true });
    // The edit form sending favorite: false does not beat the list.
    await a.ok('contacts.update', { id: created.id, contact: { name: 'Martin Nouveau', favorite: false, phones: [{ type: 'work', number: '1007' }] } });
    expect((await a.names('martin'))[0]).toEqual({ name: 'Martin Nouveau', favorite: true });
    await a.ok('contacts.update', { id: created.id, contact: { name: 'Martin Nouveau', phones: [{ type: 'mobile', number: '06 11 11 11 11' }] } });
    expect((await a.names('martin')).find((h) => h.name === 'Martin Nouveau')).toEqual({ name: 'Martin Nouveau', favorite: false });
    expect(saved.settings?.favorites).toEqual([{ extension: '1007', name: 'New colleague' }]);
    await a.stop();
  });

  test('contacts.favorite stars through the list; a contact without an extension gets a clear refusal', async () => {
    const saved: { settings?: Provisioning } = {};
    const a = await launch(saved);
    const ids = await seed(a);
    await a.ok('contacts.favorite', { id: ids['Martin Zoé'], favorite: true });
    expect(saved.settings?.favorites).toEqual([{ extension: '1004', name: 'Martin Zoé' }]);
    expect((await a.names('martin'))[0]).toEqual({ name: 'Martin Zoé', favorite: true });
    expect(await a.fail('contacts.favorite', { id: ids['Martin Bernard'], favorite: true })).toMatchObject({ key: 'error.favoriteNoExtension' });
    await a.ok('contacts.favorite', { id: ids['Martin Zoé'], favorite: false });
    expect(saved.settings?.favorites).toEqual([]);
    expect((await a.names('martin')).every((h) => !h.favorite)).toBe(true);
    await a.stop();
  });
});

/** A softphone that watches (the hand-over runs when the first account's softphone is attached). */
const phone = {
  watch: (extension: string): Watch => ({ extension, status: (): PresenceStatus => ({ state: 'idle', since: 1 }), onDidChange: () => () => undefined, dispose: () => undefined }),
} as unknown as Softphone;

/** PresenceService + ContactsService wired as composition.ts wires them, with the softphone attached. */
async function launchWithAccount(saved: { favorites?: { extension: string; name?: string }[] }) {
  const contacts = new ContactsService({ dbPath, config: { defaultCountry: 'FR', queues: [] } as never });
  const presence = new PresenceService({ starred: () => contacts.takeStarredContacts(), onFavoritesChanged: () => contacts.favoritesChanged() });
  contacts.linkFavorites({
    extensions: () => presence.favorites().map((f) => f.extension),
    add: (extension, name) => void presence.add({ extension, name }),
    remove: (extension) => void presence.remove(extension),
  });
  presence.start({ dispatch: async () => ({ ok: true, value: undefined }), preferences: () => ({}) as never, persistNow: () => (saved.favorites = presence.persisted().favorites) });
  if (saved.favorites) presence.setFavorites(saved.favorites);
  contacts.start({ messages: { add: () => undefined } });
  // The hand-over runs in the background once the softphone is attached; it ends by emptying the hand-over table.
  presence.attach(phone);
  const svc = await contacts.directory();
  for (let i = 0; i < 200; i++) {
    const left = await svc.db.get<{ n: number }>('SELECT count(*) AS n FROM starred_handover');
    if (left?.n === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await contacts.favoritesMirrored();
  const search = async (q: string) => (await (await contacts.directory()).search(q)).map((h) => [h.contact.name, h.contact.favorite]);
  return { contacts, presence, search, stop: async () => (await presence.stop(), await contacts.stop()) };
}

describe('the one-time hand-over of stars from an earlier version', () => {
  /** A database as an earlier version left it: schema 4, Colette and Zoé starred in the contacts table. */
  async function earlierVersionDatabase(): Promise<void> {
    const c = new ContactsService({ dbPath, config: { defaultCountry: 'FR', queues: [] } as never });
    const svc = await c.directory();
    const dirId = (await svc.ensureDirectory('personal', 'Personal')).id;
    for (const [name, phones] of [
      ['Colette Durand', [{ type: 'work', number: '1003' }]],
      ['Martin Zoé', [{ type: 'extension', number: '1004' }]],
      ['Albert Sans', [{ type: 'work', number: '1005' }]],
    ] as const) {
      const x = await svc.createContact(dirId, { name, phones: [...phones] });
      if (name !== 'Albert Sans') await svc.setFavorite(x.id, true);
    }
    await c.stop();
    const db = await Database.open(dbPath);
    await db.exec('DROP TABLE starred_handover; PRAGMA user_version = 4;');
    await db.close();
  }

  test('old stars become favorites once; one removed later never comes back, across restarts, though the mirror flags it while it is a favorite', async () => {
    await earlierVersionDatabase();
    const saved: { favorites?: { extension: string; name?: string }[] } = {};
    const a = await launchWithAccount(saved);
    expect(saved.favorites).toEqual([
      { extension: '1003', name: 'Colette Durand' },
      { extension: '1004', name: 'Martin Zoé' },
    ]);
    expect(await a.search('durand')).toEqual([['Colette Durand', true]]);
    // The receptionist removes Zoé; the mirror clears her flag.
    a.presence.remove('1004');
    await a.contacts.favoritesMirrored();
    expect(await a.search('martin')).toEqual([['Martin Zoé', false]]);
    await a.stop();

    const b = await launchWithAccount(saved);
    expect(saved.favorites).toEqual([{ extension: '1003', name: 'Colette Durand' }]);
    expect(await b.search('martin')).toEqual([['Martin Zoé', false]]);
    expect(await b.search('durand')).toEqual([['Colette Durand', true]]);
    // Colette (flagged by the mirror) removed too, and the app stopped before the mirror could run.
    b.presence.remove('1003');
    await b.stop();
    const db = await Database.open(dbPath);
    expect(await db.get("SELECT favorite FROM contacts WHERE name = 'Colette Durand'")).toEqual({ favorite: 1 });
    expect(await db.get('SELECT count(*) AS n FROM starred_handover')).toEqual({ n: 0 });
    await db.close();

    // Next launch: the leftover flag is not an old star: it is cleared, Colette stays removed.
    const c = await launchWithAccount(saved);
    expect(saved.favorites).toEqual([]);
    expect(await c.search('durand')).toEqual([['Colette Durand', false]]);
    await c.stop();
  });

  test('interrupted before its end (stars read, favorites not yet saved): handed over again at the next start, nothing lost', async () => {
    await earlierVersionDatabase();
    const c = new ContactsService({ dbPath, config: { defaultCountry: 'FR', queues: [] } as never });
    const first = await c.takeStarredContacts();
    expect(first.contacts.map((x) => x.name)).toEqual(['Colette Durand', 'Martin Zoé']);
    await c.stop(); // done() never called
    const saved: { favorites?: { extension: string; name?: string }[] } = {};
    const a = await launchWithAccount(saved);
    expect(saved.favorites?.map((f) => f.extension)).toEqual(['1003', '1004']);
    expect((await a.contacts.takeStarredContacts()).contacts).toEqual([]);
    await a.stop();
  });
});
