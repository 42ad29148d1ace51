/**
 * The Contacts pane's state: search-as-you-type, the directory tabs, personal contacts, import and the call history.
 * Main owns the data (SQLite); this class only asks for pages of it and reloads when main says it changed.
 */
import type {
  CallTypeName,
  CommandArgs,
  CommandName,
  CommandResult,
  ConsoleClient,
  ContactHitView,
  ContactView,
  ContractError,
  DirectoryKindName,
  DirectoryView,
  HistoryDetailView,
  HistoryEntryView,
  ImportPreviewView,
  ImportResultView,
  QueueView,
  Result,
} from '../../../electron/contract';
import { IMPORT_CHUNK_BASE64 } from '../../../electron/contract';
import { importProgressOf } from './import-progress';
import { Latest } from './latest';
import { NextPage, readFirstRows } from './list-pages';

export const CONTACT_TABS = ['search', 'favorites', 'company', 'personal', 'speed-dial', 'queues', 'custom', 'outlook', 'history'] as const;
export type ContactTab = (typeof CONTACT_TABS)[number];

export type HistoryFilter = 'all' | 'missed' | 'received' | 'placed';
const HISTORY_TYPES: Record<HistoryFilter, CallTypeName[] | undefined> = {
  all: undefined,
  missed: ['missed', 'rejected'],
  received: ['received', 'transferred', 'picked-up'],
  placed: ['placed'],
};

const LIST_KIND: Partial<Record<ContactTab, DirectoryKindName>> = { company: 'company', personal: 'personal', outlook: 'outlook' };
/** A directory `contacts.list` pages through: a built-in one by kind, a custom one by id. */
type PagedList = { kind: DirectoryKindName } | { directoryId: number };
const pagedKey = (p: PagedList): string => ('kind' in p ? `kind:${p.kind}` : `id:${p.directoryId}`);
/** What the history filter and text ask `history.list` for. */
type HistoryQuery = { types?: CallTypeName[]; text?: string };

export interface ImportState {
  readonly step: 'idle' | 'uploading' | 'preview' | 'importing' | 'done' | 'error' | 'cancelled';
  readonly fileName?: string;
  /** Overall progress 0…1 (upload, then parse ≈ the first fifth of the commit, then write). */
  readonly progress?: number;
  /** What is being done right now and how far (issue 14: the progress bar's text). */
  readonly phase?: 'upload' | 'parse' | 'write';
  readonly done?: number;
  readonly total?: number;
  /** Cancel was pressed during the commit: waiting for main to roll back. */
  readonly cancelling?: boolean;
  readonly preview?: ImportPreviewView;
  readonly result?: ImportResultView;
  /** Why the import failed: main's error (key + params, translated by the pane), never shown as main's English text. */
  readonly error?: ContractError;
}

/** What Export CSV writes: a directory, or the call history. */
export type ExportTarget = 'outlook' | 'personal' | 'history';

/** An export (issue 14): running with its progress, or cancelled (told until closed). */
export interface ExportState {
  readonly step: 'idle' | 'exporting' | 'cancelled';
  /** The request's id: its `contacts.exportProgress` events and `contacts.exportCancel`. */
  readonly exportId?: string;
  readonly what?: ExportTarget;
  readonly done?: number;
  readonly total?: number;
  /** Cancel was pressed: waiting for the export to stop before its next page. */
  readonly cancelling?: boolean;
}

/** A request id for `contacts.export` (crypto.getRandomValues: also outside secure contexts). */
function newExportId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A failed command inside the import sequence: carries main's error to the `catch`. */
class ImportFailure extends Error {
  constructor(readonly error: ContractError) {
    super(error.message);
  }
}

/** Which number a contact is dialled on: work/extension first, then mobile, then any. */
export function primaryNumber(c: ContactView): string | undefined {
  const order = ['extension', 'work', 'main', 'mobile', 'other', 'home'];
  const sorted = [...c.phones].filter((p) => p.type !== 'fax').sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  return sorted[0]?.number;
}

/** Next selection index for ArrowDown/ArrowUp over `count` results (wraps; -1 = none). */
export function moveSelection(index: number, step: 1 | -1, count: number): number {
  if (count === 0) return -1;
  if (index < 0) return step === 1 ? 0 : count - 1;
  return (index + step + count) % count;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export class ContactsState {
  #tab = $state<ContactTab>('search');
  #query = $state('');
  // Lists are replaced whole, never changed in place: raw state (no proxy around each contact read by the rows).
  #hits = $state.raw<ContactHitView[]>([]);
  #selected = $state(-1);
  #list = $state.raw<ContactView[]>([]);
  /** Which view `#list` answers (tab, directory, filter): a refresh of the same view keeps its key. */
  #listView = $state('');
  /** The list is a directory's pages and its last page came full: more may follow (lib/state/list-pages.ts). */
  #listMore = $state(false);
  readonly #listNext = new NextPage<ContactView>(
    () => this.#list,
    (last, limit) => {
      const paged = this.#pagedList();
      return paged ? this.#listPage(paged, last, limit) : Promise.resolve(undefined);
    },
    (rows, more) => {
      this.#list = rows;
      this.#listMore = more;
    },
  );
  #listFilter = $state('');
  #queues = $state<QueueView[]>([]);
  #history = $state.raw<HistoryEntryView[]>([]);
  /** Which filter and text `#history` answers. */
  #historyView = $state('');
  /** The history's last page came full: older calls may follow. */
  #historyMore = $state(false);
  readonly #historyNext = new NextPage<HistoryEntryView>(
    () => this.#history,
    (last, limit) => this.#historyPage(this.#historyQuery(), last, limit),
    (rows, more) => {
      this.#history = rows;
      this.#historyMore = more;
    },
  );
  #historyFilter = $state<HistoryFilter>('all');
  #historyText = $state('');
  #import = $state<ImportState>({ step: 'idle' });
  #export = $state<ExportState>({ step: 'idle' });
  /** Every directory (search filter, Custom tab); reloaded with the tabs that show them. */
  #directories = $state<DirectoryView[]>([]);
  /** The size of a paged directory (`pagedKey` of the directory it counts): "1,200 contacts" beside its list. */
  #listCount = $state<{ readonly key: string; readonly count: number } | undefined>();
  /** Search only this directory (undefined: all of them). */
  #searchDirectory = $state<number | undefined>(undefined);
  /** The custom directory shown on the Custom tab. */
  #customDirectory = $state<number | undefined>(undefined);
  #detail = $state<HistoryDetailView | undefined>(undefined);
  #error = $state<ContractError | undefined>(undefined);
  /** The search box's, the directory tabs' filter's and the history's queries: sent as she types, newest shown. */
  readonly #searches = new Latest();
  readonly #lists = new Latest();
  readonly #histories = new Latest();
  readonly #client: ConsoleClient;

  constructor(client: ConsoleClient) {
    this.#client = client;
    client.on('contacts.changed', () => {
      void this.refresh();
    });
    client.on('history.added', (entry) => {
      if (this.#tab === 'history') void this.loadHistory();
      else this.#history = [entry, ...this.#history.filter((e) => e.id !== entry.id)];
    });
    client.on('contacts.exportProgress', (p) => {
      if (this.#export.step === 'exporting' && p.exportId === this.#export.exportId) this.#export = { ...this.#export, done: p.done, total: p.total };
    });
    client.on('contacts.importProgress', (p) => {
      if (this.#import.step === 'importing' && p.total > 0 && p.uploadId === this.#import.preview?.uploadId) {
        this.#import = { ...this.#import, ...importProgressOf(p.phase, p.done, p.total) };
      }
    });
  }

  get tab(): ContactTab {
    return this.#tab;
  }
  get query(): string {
    return this.#query;
  }
  get hits(): readonly ContactHitView[] {
    return this.#hits;
  }
  get selected(): number {
    return this.#selected;
  }
  get list(): readonly ContactView[] {
    return this.#list;
  }
  /** The view (tab, directory, filter) the list answers: another key is another list, the same key a refresh. */
  get listView(): string {
    return this.#listView;
  }
  /** More contacts of the directory may follow the list (asked for by `loadMore` as she scrolls). */
  get listMore(): boolean {
    return this.#listMore;
  }
  get listFilter(): string {
    return this.#listFilter;
  }
  get queues(): readonly QueueView[] {
    return this.#queues;
  }
  get history(): readonly HistoryEntryView[] {
    return this.#history;
  }
  /** The filter and text the history answers (as `listView`). */
  get historyView(): string {
    return this.#historyView;
  }
  /** Older calls may follow the history shown (asked for by `loadMoreHistory` as she scrolls). */
  get historyMore(): boolean {
    return this.#historyMore;
  }
  get historyFilter(): HistoryFilter {
    return this.#historyFilter;
  }
  get historyText(): string {
    return this.#historyText;
  }
  get directories(): readonly DirectoryView[] {
    return this.#directories;
  }
  /** How many contacts the directory of the tab holds (no filter typed), once known: "1,200 contacts" beside its list. */
  get listCount(): number | undefined {
    const paged = this.#pagedList();
    const known = this.#listCount;
    return paged && known?.key === pagedKey(paged) ? known.count : undefined;
  }
  /** The named directories the administrator provisioned (Custom tab). */
  get customDirectories(): readonly DirectoryView[] {
    return this.#directories.filter((d) => d.kind === 'custom');
  }
  get searchDirectory(): number | undefined {
    return this.#searchDirectory;
  }
  get customDirectory(): number | undefined {
    return this.#customDirectory;
  }
  /** The history entry open in the detail window. */
  get detail(): HistoryDetailView | undefined {
    return this.#detail;
  }
  get importState(): ImportState {
    return this.#import;
  }
  get exportState(): ExportState {
    return this.#export;
  }
  /** The last failed command's error (the pane shows it translated: `locale.error`). */
  get error(): ContractError | undefined {
    return this.#error;
  }

  async #call<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Result<CommandResult<N>>> {
    const r = await this.#client.invoke(name, args);
    this.#error = r.ok ? undefined : r.error;
    return r;
  }

  setTab(tab: ContactTab): void {
    this.#tab = tab;
    this.#listFilter = '';
    void this.refresh();
  }

  /** Reload what the current tab shows. */
  async refresh(): Promise<void> {
    switch (this.#tab) {
      case 'search':
        await this.loadDirectories();
        if (this.#query.trim()) await this.#search();
        return;
      case 'custom':
        await this.loadDirectories();
        await this.#loadList();
        return this.#loadListCount();
      case 'queues': {
        const r = await this.#call('contacts.queues', {});
        if (r.ok) this.#queues = r.value;
        return;
      }
      case 'history':
        return this.loadHistory();
      default:
        await this.#loadList();
        // The directory's size beside its list ("1,200 contacts"), asked for after the list is shown, not before it.
        return this.#loadListCount();
    }
  }

  // ─── search ───
  setQuery(q: string): void {
    this.#query = q;
    if (q.trim()) {
      void this.#search();
      return;
    }
    this.#searches.drop();
    this.#hits = [];
    this.#selected = -1;
  }

  /** Searches what the box holds now (at every keystroke: see Latest); resolves once the newest answer is shown. */
  #search(): Promise<void> {
    this.#searches.request(async () => {
      const dir = this.#searchDirectory;
      const r = await this.#call('contacts.search', { query: this.#query, limit: 30, ...(dir !== undefined && { directoryIds: [dir] }) });
      if (!r.ok) return undefined;
      return () => {
        this.#hits = r.value;
        this.#selected = r.value.length ? 0 : -1;
      };
    });
    return this.#searches.settled();
  }

  /** Wait until the results match what was typed (Enter right after typing). */
  settle(): Promise<void> {
    return this.#searches.settled();
  }

  async loadDirectories(): Promise<void> {
    const r = await this.#call('contacts.directories', {});
    if (!r.ok) return;
    this.#directories = r.value;
    const ids = new Set(r.value.map((d) => d.id));
    if (this.#searchDirectory !== undefined && !ids.has(this.#searchDirectory)) this.#searchDirectory = undefined;
    const custom = this.customDirectories;
    if (this.#customDirectory === undefined || !custom.some((d) => d.id === this.#customDirectory)) this.#customDirectory = custom[0]?.id;
  }

  /** Restrict the search to one directory (undefined: all). */
  setSearchDirectory(id: number | undefined): void {
    this.#searchDirectory = id;
    if (this.#query.trim()) void this.#search();
  }

  setCustomDirectory(id: number): void {
    this.#customDirectory = id;
    this.#listFilter = '';
    void this.#loadList().then(() => this.#loadListCount());
  }

  move(step: 1 | -1): void {
    this.#selected = moveSelection(this.#selected, step, this.#hits.length);
  }
  select(index: number): void {
    this.#selected = index;
  }

  // ─── directory tabs ───
  setListFilter(text: string): void {
    this.#listFilter = text;
    void this.#loadList();
  }

  /** Loads what the current directory tab shows (its filter too); resolves once the newest request's list is shown. */
  #loadList(): Promise<void> {
    this.#lists.request(() => this.#fetchList());
    return this.#lists.settled();
  }

  /**
   * What `contacts.list` pages through for the current tab (a directory by kind or id), or undefined when the tab
   * shows something else: a filter's matches, the speed dials, the favorites.
   */
  #pagedList(): PagedList | undefined {
    if (this.#listFilter.trim()) return undefined;
    if (this.#tab === 'custom') return this.#customDirectory === undefined ? undefined : { directoryId: this.#customDirectory };
    const kind = LIST_KIND[this.#tab];
    return kind ? { kind } : undefined;
  }

  /** Counts the directory the tab pages through (that one only), once its list is shown. */
  async #loadListCount(): Promise<void> {
    const paged = this.#pagedList();
    if (!paged) return;
    const r = await this.#call('contacts.count', paged);
    if (r.ok) this.#listCount = { key: pagedKey(paged), count: r.value };
  }

  async #fetchList(): Promise<(() => void) | undefined> {
    const tab = this.#tab;
    const view = `${tab}|${this.#customDirectory ?? ''}|${this.#listFilter.trim()}`;
    const paged = this.#pagedList();
    let contacts: ContactView[] | undefined;
    let more = false;
    if (paged) {
      const first = await readFirstRows<ContactView>((last, limit) => this.#listPage(paged, last, limit), view === this.#listView, this.#list.length);
      if (first) {
        contacts = first.rows;
        more = first.more;
      }
    } else if (tab === 'speed-dial') {
      const r = await this.#call('contacts.speedDials', {});
      if (r.ok) contacts = r.value;
    } else if (tab === 'favorites') {
      // The favorites tab shows the favorites list with its lamps (presence), not a list of contacts.
      contacts = [];
    } else if (tab === 'custom') {
      const id = this.#customDirectory;
      const filter = this.#listFilter.trim();
      if (id === undefined) contacts = [];
      else {
        const r = await this.#call('contacts.search', { query: filter, limit: 200, directoryIds: [id] });
        contacts = r.ok ? r.value.map((h) => h.contact) : [];
      }
    } else {
      const kind = LIST_KIND[tab];
      if (!kind) return;
      const r = await this.#call('contacts.search', { query: this.#listFilter.trim(), limit: 200, kind });
      contacts = r.ok ? r.value.map((h) => h.contact) : [];
    }
    if (!contacts) return undefined;
    const list = contacts;
    return () => {
      if (tab !== this.#tab) return;
      this.#list = list;
      this.#listView = view;
      this.#listMore = more;
    };
  }

  /** A page of the directory `paged` after the contact `last` (lib/state/list-pages.ts: keyset pages). */
  async #listPage(paged: PagedList, last: ContactView | undefined, limit: number): Promise<ContactView[] | undefined> {
    const r = await this.#call('contacts.list', { ...paged, limit, ...(last && { afterId: last.id }) });
    return r.ok ? r.value : undefined;
  }

  /**
   * The directory's next page after the list (she scrolled near its end). One at a time; dropped if the list was
   * replaced meanwhile (another tab, a filter, a refresh: that answer is newer).
   */
  async loadMore(): Promise<void> {
    if (this.#pagedList() && this.#listMore && !this.#lists.busy) await this.#listNext.load();
  }

  async save(id: number | undefined, contact: CommandArgs<'contacts.create'>['contact']): Promise<boolean> {
    const r = id === undefined ? await this.#call('contacts.create', { contact }) : await this.#call('contacts.update', { id, contact });
    if (r.ok) await this.refresh();
    return r.ok;
  }
  async remove(id: number): Promise<void> {
    if ((await this.#call('contacts.delete', { id })).ok) await this.refresh();
  }
  async favorite(id: number, favorite: boolean): Promise<void> {
    if ((await this.#call('contacts.favorite', { id, favorite })).ok) await this.refresh();
  }
  async setSpeedDial(position: number, name: string, number: string): Promise<boolean> {
    const r = await this.#call('contacts.setSpeedDial', { position, name, number });
    if (r.ok) await this.refresh();
    return r.ok;
  }
  async clearSpeedDial(position: number): Promise<void> {
    if ((await this.#call('contacts.clearSpeedDial', { position })).ok) await this.refresh();
  }

  // ─── import / export ───
  async importFile(file: File): Promise<void> {
    this.#import = { step: 'uploading', fileName: file.name, progress: 0 };
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const chunk = (IMPORT_CHUNK_BASE64 / 4) * 3; // bytes that encode to one base64 chunk
      let uploadId: string | undefined;
      for (let i = 0; i < Math.max(1, bytes.length); i += chunk) {
        const r = await this.#call('contacts.importChunk', {
          ...(uploadId ? { uploadId } : { fileName: file.name.slice(0, 256), size: bytes.length }),
          data: toBase64(bytes.subarray(i, i + chunk)),
        });
        if (!r.ok) throw new ImportFailure(r.error);
        uploadId = r.value.uploadId;
        this.#import = {
          ...this.#import,
          progress: Math.min(1, r.value.received / Math.max(1, bytes.length)),
          phase: 'upload',
          done: r.value.received,
          total: bytes.length,
        };
      }
      const p = await this.#call('contacts.importPreview', { uploadId: uploadId!, limit: 5 });
      if (!p.ok) {
        void this.#client.invoke('contacts.importCancel', { uploadId: uploadId! });
        throw new ImportFailure(p.error);
      }
      this.#import = { step: 'preview', fileName: file.name, preview: p.value };
    } catch (e) {
      const error: ContractError =
        e instanceof ImportFailure ? e.error : { code: 'internal', message: e instanceof Error ? e.message : String(e), key: 'error.fileUnreadable' };
      this.#import = { step: 'error', fileName: file.name, error };
    }
  }

  async commitImport(directory: 'outlook' | 'personal'): Promise<void> {
    const preview = this.#import.preview;
    if (!preview) return;
    this.#import = { ...this.#import, step: 'importing', ...importProgressOf('parse', 0, 1) };
    const r = await this.#call('contacts.importCommit', { uploadId: preview.uploadId, directory });
    const fileName = this.#import.fileName;
    this.#import = r.ok
      ? { step: 'done', ...(fileName && { fileName }), result: r.value, progress: 1 }
      : r.error.key === 'contacts.importError.cancelled'
        ? { step: 'cancelled', ...(fileName && { fileName }) }
        : { step: 'error', error: r.error };
  }

  /** Cancel while the commit runs: main stops, rolls back, and the commit answers `cancelled` (nothing changed). */
  stopImport(): void {
    const id = this.#import.preview?.uploadId;
    if (this.#import.step !== 'importing' || !id || this.#import.cancelling) return;
    this.#import = { ...this.#import, cancelling: true };
    void this.#client.invoke('contacts.importCancel', { uploadId: id });
  }

  cancelImport(): void {
    const id = this.#import.preview?.uploadId;
    if (id) void this.#client.invoke('contacts.importCancel', { uploadId: id });
    this.#import = { step: 'idle' };
  }

  /**
   * The directory (or the call history) as a CSV file, with its progress in `exportState` (a large one takes a second
   * or more) and Cancel (`stopExport`); undefined when it failed (the error is shown) or was cancelled (exportState
   * says so).
   */
  async exportCsv(what: ExportTarget): Promise<{ fileName: string; data: string } | undefined> {
    if (this.#export.step === 'exporting') return undefined;
    const exportId = newExportId();
    this.#export = { step: 'exporting', exportId, what, done: 0, total: 0 };
    const r = what === 'history' ? await this.#call('history.export', { exportId }) : await this.#call('contacts.export', { directory: what, exportId });
    if (r.ok) {
      this.#export = { step: 'idle' };
      return r.value;
    }
    if (r.error.key === 'contacts.exportCancelled') {
      this.#error = undefined; // not a failure: she asked for it (told in the export's own status)
      this.#export = { step: 'cancelled', what };
    } else {
      this.#export = { step: 'idle' };
    }
    return undefined;
  }

  /** Cancel while the export runs: it stops before its next page and no file is made. */
  stopExport(): void {
    const { step, exportId, cancelling } = this.#export;
    if (step !== 'exporting' || !exportId || cancelling) return;
    this.#export = { ...this.#export, cancelling: true };
    void this.#client.invoke('contacts.exportCancel', { exportId });
  }

  closeExport(): void {
    if (this.#export.step === 'cancelled') this.#export = { step: 'idle' };
  }

  // ─── history ───
  setHistoryFilter(f: HistoryFilter): void {
    this.#historyFilter = f;
    void this.loadHistory();
  }
  setHistoryText(text: string): void {
    this.#historyText = text;
    void this.loadHistory();
  }
  /** Loads the history the filter and text ask for; resolves once the newest request's entries are shown. */
  loadHistory(): Promise<void> {
    this.#histories.request(async () => {
      const view = `${this.#historyFilter}|${this.#historyText.trim()}`;
      // A first page, or what she had loaded of the same view (a call added, a deletion): lib/state/list-pages.ts.
      const query = this.#historyQuery();
      const first = await readFirstRows<HistoryEntryView>((last, limit) => this.#historyPage(query, last, limit), view === this.#historyView, this.#history.length);
      if (!first) return undefined;
      return () => {
        this.#history = first.rows;
        this.#historyView = view;
        this.#historyMore = first.more;
      };
    });
    return this.#histories.settled();
  }

  #historyQuery(): HistoryQuery {
    const types = HISTORY_TYPES[this.#historyFilter];
    const text = this.#historyText.trim();
    return { ...(types && { types }), ...(text && { text }) };
  }

  /** Calls older than `last` (newest first), as the query asks. */
  async #historyPage(query: HistoryQuery, last: HistoryEntryView | undefined, limit: number): Promise<HistoryEntryView[] | undefined> {
    const r = await this.#call('history.list', { ...query, limit, ...(last && { beforeId: last.id }) });
    return r.ok ? r.value : undefined;
  }

  /** Older calls after the history shown (she scrolled near its end); as `loadMore`. */
  async loadMoreHistory(): Promise<void> {
    if (this.#historyMore && !this.#histories.busy) await this.#historyNext.load();
  }
  /** Open the detail window of a history entry. */
  async openDetail(id: number): Promise<boolean> {
    const r = await this.#call('history.detail', { id });
    this.#detail = r.ok ? r.value : undefined;
    return r.ok;
  }
  closeDetail(): void {
    this.#detail = undefined;
  }
  async clearHistory(): Promise<void> {
    if ((await this.#call('history.delete', { all: true })).ok) await this.loadHistory();
  }
}
