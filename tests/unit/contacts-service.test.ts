/**
 * The contacts service as the console runs it: contract commands through ConsoleService.dispatch, caller lookup on
 * calls, and call history written when calls end. A fake Softphone is the seam (real SIP is covered by the E2E).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallView, Events } from '../../electron/contract';
import { ConsoleService, type HostConnection } from '../../electron/services/console-service';
import { ContactsService, historyEntryFromCall } from '../../electron/services/contacts-service';
import { storageWorkerFile } from './helpers/storage-worker';
import type { CallSnapshot, CallStateName } from '../../sip-core/api/call';
import type { Call, Softphone, SoftphoneOptions } from '../../sip-core/api/softphone';
import type { RegistrationState } from '../../sip-core/api/registration-state';

const FIXTURES = join(__dirname, '..', 'fixtures', 'contacts');
let seq = 0;

class FakeCall {
  readonly id = `k${++seq}`;
  #s: CallSnapshot;
  readonly #listeners = new Set<(s: CallSnapshot) => void>();
  constructor(direction: 'incoming' | 'outgoing', user: string) {
    this.#s = { id: this.id, accountId: 'acc-1', direction, state: direction === 'incoming' ? 'incoming' : 'dialing', remote: { user, uri: `sip:${user}@pbx` }, mediaMode: 'rtp', createdAt: Date.now() };
  }
  set(state: CallStateName, patch: Partial<CallSnapshot> = {}): void {
    this.#s = { ...this.#s, ...patch, state };
    for (const l of [...this.#listeners]) l(this.#s);
  }
  snapshot = () => this.#s;
  onDidChange(l: (s: CallSnapshot) => void) {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  answer = async () => this.set('active', { answeredAt: Date.now() });
  hangup = async () => this.set('ended', { endReason: 'local-hangup', endedAt: Date.now() });
}

class FakePhone {
  readonly accountId = 'acc-1';
  #incoming = new Set<(c: Call) => void>();
  registration = (): RegistrationState => ({ state: 'registered', expiresAt: Date.now() + 300_000 });
  onDidChangeRegistration = () => () => undefined;
  onIncomingCall(l: (c: Call) => void) {
    this.#incoming.add(l);
    return () => this.#incoming.delete(l);
  }
  start = async () => undefined;
  stop = async () => undefined;
  reconnect = async () => undefined;
  dial = (target: string) => new FakeCall('outgoing', target) as unknown as Call;
  calls = () => [];
  ring(user: string): FakeCall {
    const c = new FakeCall('incoming', user);
    for (const l of this.#incoming) l(c as unknown as Call);
    return c;
  }
}

const flush = () => new Promise((r) => setTimeout(r, 20));

async function setup(dbPath = ':memory:', storageWorker?: { workerFile: string }) {
  const phone = new FakePhone();
  const contacts = new ContactsService({ dbPath, ...(storageWorker && { storageWorker }) });
  const service = new ConsoleService({
    host: 'web',
    createSoftphone: (_o: SoftphoneOptions) => phone as unknown as Softphone,
    createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    endedCallLingerMs: 10,
    extensions: [contacts],
  });
  await service.applyProvisioning({ accounts: [{ server: '127.0.0.1', user: '1005', password: 'x', transport: 'udp', media: 'auto' }], preferences: {} });
  const events: { name: keyof Events; payload: unknown }[] = [];
  const conn: HostConnection = { id: 'w1', send: (name, payload) => events.push({ name, payload }) };
  service.connect(conn);
  const cmd = async (name: string, args: unknown) => service.dispatch(conn, name, args);
  const ok = async <T>(name: string, args: unknown): Promise<T> => {
    const r = await cmd(name, args);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  /** Upload a file in chunks the way the renderer does. */
  const upload = async (buf: Buffer): Promise<string> => {
    let id: string | undefined;
    for (let i = 0; i < Math.max(1, buf.length); i += 48 * 1024) {
      const r = await ok<{ uploadId: string }>('contacts.importChunk', { ...(id && { uploadId: id }), fileName: 'f', data: buf.subarray(i, i + 48 * 1024).toString('base64') });
      id = r.uploadId;
    }
    return id!;
  };
  return { phone, service, contacts, cmd, ok, upload, events };
}

describe('contacts service behind the contract', () => {
  it('an incoming call from an imported Outlook contact rings at once, then shows the contact name; its end is in the history', async () => {
    const { phone, service, ok, upload, events } = await setup();
    const id = await upload(readFileSync(join(FIXTURES, 'outlook-en.csv')));
    const preview = await ok<{ valid: number; sample: { name: string }[] }>('contacts.importPreview', { uploadId: id });
    expect(preview.valid).toBe(3);
    expect(preview.sample[0]!.name).toBe('John Smith');
    const report = await ok<{ inserted: number }>('contacts.importCommit', { uploadId: id, directory: 'outlook' });
    expect(report.inserted).toBe(3);

    events.length = 0;
    const call = phone.ring('+12125550100');
    const changes = () => events.filter((e) => e.name === 'call.changed').map((e) => e.payload as CallView);
    // The ringing event goes out synchronously, before any database work.
    expect(changes()).toHaveLength(1);
    expect(changes()[0]!.contact).toBeUndefined();
    await flush();
    expect(changes().at(-1)!.contact).toMatchObject({ name: 'John Smith', company: 'Acme Corp', directory: 'Outlook', directoryKind: 'outlook' });

    await call.answer();
    await new Promise((r) => setTimeout(r, 30));
    await call.hangup();
    await flush();
    const history = await ok<{ type: string; remoteName: string; answeredAt: number; endedAt: number; startedAt: number; talkMs: number }[]>('history.list', {});
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ type: 'received', remoteName: 'John Smith', remoteNumber: '+12125550100', endReason: 'local-hangup', line: 1 });
    expect(history[0]!.endedAt - history[0]!.answeredAt).toBe(history[0]!.talkMs);
    expect(history[0]!.answeredAt).toBeGreaterThanOrEqual(history[0]!.startedAt);
    expect(events.some((e) => e.name === 'history.added')).toBe(true);
    expect(await ok('history.list', { types: ['missed'] })).toEqual([]);
    await service.stop();
  });

  it('personal contacts: create, edit, favorite, search accent-blind, delete; imported ones cannot be edited', async () => {
    const { service, ok, cmd } = await setup();
    const c = await ok<{ id: number; directory: { kind: string } }>('contacts.create', {
      contact: { firstName: 'Hélène', lastName: 'Dupré', company: 'Acme', phones: [{ type: 'work', number: '01 23 45 67 89' }] },
    });
    expect(c.directory.kind).toBe('personal');
    await ok('contacts.update', { id: c.id, contact: { firstName: 'Hélène', lastName: 'Dupré-Martin', phones: [{ type: 'mobile', number: '06 11 22 33 44' }] } });
    await ok('contacts.favorite', { id: c.id, favorite: true });
    const hits = await ok<{ contact: { name: string; favorite: boolean } }[]>('contacts.search', { query: 'helene' });
    expect(hits.map((h) => h.contact.name)).toEqual(['Hélène Dupré-Martin']);
    expect(hits[0]!.contact.favorite).toBe(true);
    expect((await ok<unknown[]>('contacts.list', { favorites: true })).length).toBe(1);
    expect(await ok<unknown[]>('contacts.search', { query: '*)(' })).toEqual([]);

    const company = await service.dispatch({ id: 'x', send: () => undefined }, 'contacts.list', { kind: 'company' });
    expect(company).toEqual({ ok: true, value: [] });
    await ok('contacts.delete', { id: c.id });
    expect(await cmd('contacts.get', { id: c.id })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await service.stop();
  });

  it("a directory tab's size counts its one directory; its filter searches that kind; favorites page after the last one", async () => {
    const { service, ok, cmd } = await setup();
    const ids: number[] = [];
    for (const name of ['Claire Petit', 'Anna Dupont', 'Bruno Martin']) {
      ids.push((await ok<{ id: number }>('contacts.create', { contact: { name, phones: [{ type: 'work', number: '+33 1 23 45 67 89' }] } })).id);
    }
    await ok('contacts.setSpeedDial', { position: 3, name: 'Anna Taxi', number: '0800 123 456' });
    const personal = (await ok<{ id: number; kind: string }[]>('contacts.directories', {})).find((d) => d.kind === 'personal')!.id;

    expect(await ok('contacts.count', { kind: 'personal' })).toBe(3);
    expect(await ok('contacts.count', { directoryId: personal })).toBe(3);
    expect(await ok('contacts.count', { kind: 'speed-dial' })).toBe(1);
    expect(await ok('contacts.count', { kind: 'company' })).toBe(0); // no company directory yet
    expect(await cmd('contacts.count', {})).toMatchObject({ ok: false, error: { code: 'bad-request' } });

    const names = (hits: { contact: { name: string } }[]) => hits.map((h) => h.contact.name);
    expect(names(await ok('contacts.search', { query: 'anna' })).sort()).toEqual(['Anna Dupont', 'Anna Taxi']);
    expect(names(await ok('contacts.search', { query: 'anna', kind: 'personal' }))).toEqual(['Anna Dupont']);
    expect(names(await ok('contacts.search', { query: 'anna', kind: 'speed-dial' }))).toEqual(['Anna Taxi']);
    expect(await ok('contacts.search', { query: 'anna', kind: 'company' })).toEqual([]);
    expect(await ok('contacts.search', { query: 'anna', kind: 'personal', directoryIds: [personal + 1000] })).toEqual([]);

    // Pages go by keyset only: an offset is refused by the contract.
    expect(await cmd('contacts.list', { kind: 'personal', offset: 1 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    for (const id of ids) await ok('contacts.favorite', { id, favorite: true });
    const first = await ok<{ id: number; name: string }[]>('contacts.list', { favorites: true, limit: 2 });
    expect(first.map((c) => c.name)).toEqual(['Anna Dupont', 'Bruno Martin']);
    expect((await ok<{ name: string }[]>('contacts.list', { favorites: true, limit: 2, afterId: first[1]!.id })).map((c) => c.name)).toEqual(['Claire Petit']);
    await ok('contacts.favorite', { id: first[1]!.id, favorite: false });
    expect(await ok('contacts.list', { favorites: true, afterId: first[1]!.id })).toEqual([]); // no longer a favorite
    await service.stop();
  });

  it('speed dial: a key holds a name and number and its code is found first by search', async () => {
    const { service, ok } = await setup();
    await ok('contacts.setSpeedDial', { position: 7, name: 'Taxi', number: '0800 123 456' });
    const keys = await ok<{ speedDial: number; name: string }[]>('contacts.speedDials', {});
    expect(keys).toMatchObject([{ speedDial: 7, name: 'Taxi' }]);
    const hits = await ok<{ contact: { name: string } }[]>('contacts.search', { query: '7' });
    expect(hits[0]!.contact.name).toBe('Taxi');
    await ok('contacts.clearSpeedDial', { position: 7 });
    expect(await ok('contacts.speedDials', {})).toEqual([]);
    await service.stop();
  });

  it('hostile imports give a clear message and leave the database unchanged', async () => {
    const { service, ok, cmd, upload } = await setup();
    const binary = await upload(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8, 9, 0, 0, 0]));
    const r = await cmd('contacts.importCommit', { uploadId: binary, directory: 'outlook' });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(r.ok ? '' : r.error.message).toMatch(/\w{4,}/);
    const formulas = await upload(Buffer.from('First Name,Last Name,Business Phone\r\nEvil,=cmd|calc,123\r\n'));
    expect(await cmd('contacts.importPreview', { uploadId: formulas })).toMatchObject({ ok: false });
    const dirs = await ok<{ count: number }[]>('contacts.directories', {});
    expect(dirs.reduce((n, d) => n + d.count, 0)).toBe(0);
    expect(await cmd('contacts.importChunk', { data: 'not base64!' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await cmd('contacts.importPreview', { uploadId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await service.stop();
  });

  it('history delete and export', async () => {
    const { service, ok, contacts } = await setup();
    const svc = await contacts.directory();
    await svc.addHistory({ direction: 'outgoing', type: 'placed', remoteNumber: '=1+2', startedAt: 1000 });
    const csv = Buffer.from((await ok<{ data: string }>('history.export', {})).data, 'base64').toString('utf8');
    expect(csv).toContain("'=1+2");
    expect(await ok('history.delete', { all: true })).toEqual({ deleted: 1 });
    await service.stop();
  });
});

describe('history rows from ended calls', () => {
  const base: CallView = {
    id: 'c', accountId: 'acc-1', direction: 'incoming', state: 'ended', remote: { user: '1002', uri: 'sip:1002@pbx' },
    mediaMode: 'rtp', createdAt: 1000, line: 2, muted: false, volume: 1,
  };
  const ctx = { pickupPrefix: '**' };
  it.each([
    [{ endReason: 'cancelled', endedAt: 5000 }, 'missed', 4000, 0],
    [{ endReason: 'declined', endedAt: 3000 }, 'rejected', 2000, 0],
    [{ answeredAt: 2000, endedAt: 9000, endReason: 'remote-hangup' }, 'received', 1000, 7000],
    [{ answeredAt: 2000, endedAt: 9000, endReason: 'transferred', transfer: { kind: 'blind', target: '1003', state: 'done' } }, 'transferred', 1000, 7000],
    [{ endReason: 'deflected', endedAt: 1500 }, 'transferred', 500, 0],
    [{ direction: 'outgoing', answeredAt: 3000, endedAt: 4000, endReason: 'local-hangup' }, 'placed', 2000, 1000],
    [{ direction: 'outgoing', remote: { user: '**1002', uri: 'sip:**1002@pbx' }, answeredAt: 3000, endedAt: 4000 }, 'picked-up', 2000, 1000],
  ] as const)('%j → %s', (patch, type, ringMs, talkMs) => {
    const e = historyEntryFromCall({ ...base, ...(patch as Partial<CallView>) }, ctx);
    expect(e).toMatchObject({ type, ringMs, talkMs, startedAt: 1000, line: 2 });
  });
});

describe('history written while the console stops', () => {
  it('a call that ends as the console stops (its goodbye 486) still gets its history row before the database closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-contacts-stop-'));
    let stopReopened: (() => Promise<void>) | undefined;
    try {
      const dbPath = join(dir, 'contacts.sqlite');
      // The database in the storage worker, as both hosts run it: its answers take a message round trip.
      const worker = { workerFile: storageWorkerFile() };
      const { phone, service, ok } = await setup(dbPath, worker);
      await ok('history.list', {}); // the database is open
      const call = phone.ring('1002');
      await flush();
      call.set('ended', { endReason: 'local-hangup', endedAt: Date.now() });
      await service.stop();

      const reopened = await setup(dbPath, worker);
      stopReopened = () => reopened.service.stop();
      const rows = await reopened.ok<{ id: number; remoteNumber: string; type: string }[]>('history.list', {});
      expect(rows.map((r) => [r.remoteNumber, r.type])).toEqual([['1002', 'missed']]);
      // …with its details (written after the row, which is what the closing database used to cut off).
      const detail = await reopened.ok<{ timeline: { kind: string }[] }>('history.detail', { id: rows[0]!.id });
      expect(detail.timeline.map((e) => e.kind)).toEqual(['ringing', 'ended']);
    } finally {
      await stopReopened?.();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('history detail: timeline and call quality', () => {
  it('receptionist answers, holds and resumes a call; the renderer sends quality samples; Details shows both after the end', async () => {
    const { phone, service, contacts, ok, cmd } = await setup();
    const call = phone.ring('1002');
    await flush();
    await call.answer();
    const t0 = Date.now();
    await ok('call.quality', { callId: call.id, samples: [{ t: t0, rttMs: 12.34, jitterMs: 3, kbps: 80 }] });
    call.set('held');
    call.set('active');
    await ok('call.quality', { callId: call.id, samples: [{ t: t0 + 2000, rttMs: 14, jitterMs: 4, lossPct: 1.5, kbps: 82 }] });
    // A replayed (older) sample is dropped, the call's samples stay in time order.
    await ok('call.quality', { callId: call.id, samples: [{ t: t0 + 1000, kbps: 1 }] });
    await call.hangup();
    await flush();
    // The renderer's last batch arrives after the history row was written: it tops it up.
    await ok('call.quality', { callId: call.id, samples: [{ t: t0 + 4000, rttMs: 16, kbps: 79 }] });
    await flush();

    const [entry] = await ok<{ id: number }[]>('history.list', {});
    const detail = await ok<{ entry: { id: number }; timeline: { kind: string; detail?: string }[]; quality: { t: number; rttMs?: number }[] }>(
      'history.detail',
      { id: entry!.id },
    );
    expect(detail.entry.id).toBe(entry!.id);
    expect(detail.timeline.map((e) => e.kind)).toEqual(['ringing', 'answered', 'held', 'resumed', 'ended']);
    expect(detail.timeline.at(-1)!.detail).toBe('local-hangup');
    // Stored oldest first, replays/out-of-order dropped, figures rounded to a tenth.
    expect(detail.quality.map((q) => q.t)).toEqual([t0, t0 + 2000, t0 + 4000]);
    expect(detail.quality[0]).toEqual({ t: t0, rttMs: 12.3, jitterMs: 3, kbps: 80 });

    // A call main never knew, and hostile batches, are refused as data.
    expect(await cmd('call.quality', { callId: 'nope', samples: [{ t: t0 }] })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await cmd('call.quality', { callId: call.id, samples: [{ t: t0, kbps: -1 }] })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await cmd('history.detail', { id: 999_999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    // Deleting the history deletes the details with it (foreign key cascade).
    await ok('history.delete', { all: true });
    const db = (await contacts.directory()).db;
    expect(await db.get('SELECT count(*) AS n FROM call_details')).toEqual({ n: 0 });
    await service.stop();
  });
});
