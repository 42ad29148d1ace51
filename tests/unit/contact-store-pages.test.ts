/**
 * A directory read a page at a time after its last contact (ContactStore.list afterId, what the contacts pane pages
 * by as she scrolls): the same contacts in the same order as the whole list, whatever names repeat, and not shifted by a
 * contact added or removed before the page.
 */
import { freshContactStore } from './helpers/contact-db';
import type { ContactStore } from '../../electron/storage/contact-store';

/** Every page of 100 after the last contact of the page before, to the end. */
async function byPages(store: ContactStore, dir: number, size = 100): Promise<number[]> {
  const ids: number[] = [];
  for (let afterId: number | undefined; ; ) {
    const page = await store.list(dir, { limit: size, ...(afterId !== undefined && { afterId }) });
    ids.push(...page.map((c) => c.id));
    if (page.length < size) return ids;
    afterId = page.at(-1)!.id;
  }
}

describe('ContactStore.list, a page after the last contact', () => {
  it('reads the whole directory in name order, each contact once, names repeated across page edges included', async () => {
    const { db, store, dir } = await freshContactStore('company', 'Company');
    const other = (await store.ensureDirectory('personal', 'Personal')).id;
    // 350 contacts on 70 names (five of each, ties ordered by id), written in an order that is not the name order.
    const names = Array.from({ length: 70 }, (_, i) => `Name ${String((i * 37) % 70).padStart(2, '0')}`);
    await db.transaction(async (tx) => {
      await store.upsertMany(tx, dir, Array.from({ length: 350 }, (_, i) => ({ name: names[i % 70]! })), { dedupe: false });
      await store.upsertMany(tx, other, [{ name: 'Name 00' }, { name: 'Name 50' }], { dedupe: false });
    });
    const whole = (await store.list(dir)).map((c) => c.id);
    expect(whole).toHaveLength(350);
    expect(await byPages(store, dir)).toEqual(whole);
    expect(await byPages(store, dir, 7)).toEqual(whole); // 5 ties of a name split across pages of 7
    await db.close();
  });

  it('is not shifted by a contact added or removed before the page; a contact no longer there gives an empty page', async () => {
    const { db, store, dir } = await freshContactStore('personal', 'Personal');
    const other = (await store.ensureDirectory('company', 'Company')).id;
    for (const name of ['Anne', 'Bruno', 'Claire', 'David', 'Emma']) await store.create(dir, { name });
    const stranger = await store.create(other, { name: 'Alice' });
    const first = await store.list(dir, { limit: 2 });
    expect(first.map((c) => c.name)).toEqual(['Anne', 'Bruno']);
    // Added before the page's start, and the first contact deleted: the next page still starts after Bruno.
    await store.create(dir, { name: 'Aaron' });
    await store.delete(first[0]!.id);
    expect((await store.list(dir, { limit: 2, afterId: first[1]!.id })).map((c) => c.name)).toEqual(['Claire', 'David']);
    // By offset, the same change would have repeated Bruno.
    expect((await store.list(dir, { limit: 2, offset: 1 })).map((c) => c.name)).toEqual(['Bruno', 'Claire']);

    await store.delete(first[1]!.id);
    expect(await store.list(dir, { limit: 2, afterId: first[1]!.id })).toEqual([]);
    expect(await store.list(dir, { limit: 2, afterId: stranger.id })).toEqual([]); // another directory's contact
    await db.close();
  });
});
