/**
 * Contacts, directories and call history: the part of the contract the Contacts pane speaks (issue 5).
 * Kept in its own file and spread into `commands` / `Events` by contract.ts. Pure TS + zod.
 */
import { z } from 'zod';
import { callQualityCommands, type QualitySampleView, type TimelineEventView } from './call-quality';

export const DIRECTORY_KIND_NAMES = ['personal', 'company', 'outlook', 'speed-dial', 'custom'] as const;
export type DirectoryKindName = (typeof DIRECTORY_KIND_NAMES)[number];
export const PHONE_TYPE_NAMES = ['work', 'mobile', 'home', 'fax', 'pager', 'main', 'extension', 'other'] as const;
export type PhoneTypeName = (typeof PHONE_TYPE_NAMES)[number];
/** `answered-elsewhere`: rang here, taken by another device or a colleague (issue 13 item 8; not a missed call). */
export const CALL_TYPE_NAMES = ['missed', 'received', 'placed', 'rejected', 'transferred', 'picked-up', 'answered-elsewhere'] as const;
export type CallTypeName = (typeof CALL_TYPE_NAMES)[number];

export interface DirectoryView {
  readonly id: number;
  readonly kind: DirectoryKindName;
  readonly name: string;
  readonly count: number;
}

export interface ContactView {
  readonly id: number;
  readonly directory: { readonly id: number; readonly kind: DirectoryKindName; readonly name: string };
  readonly name: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly company: string;
  readonly department: string;
  readonly title: string;
  readonly notes: string;
  readonly favorite: boolean;
  readonly phones: readonly { readonly type: PhoneTypeName; readonly number: string; readonly e164: string | null }[];
  readonly emails: readonly string[];
  /** Speed-dial key (1-based) for entries of the speed-dial directory. */
  readonly speedDial?: number;
}

export interface ContactHitView {
  readonly contact: ContactView;
  readonly matchedOn: 'extension' | 'phone' | 'name' | 'company';
}

/** The contact shown on a call (caller lookup). */
export interface CallContactView {
  readonly id: number;
  readonly name: string;
  readonly company?: string;
  readonly directory: string;
  readonly directoryKind: DirectoryKindName;
}

export interface QueueView {
  readonly name: string;
  readonly number: string;
}

export interface ImportPreviewView {
  readonly uploadId: string;
  readonly format: string;
  readonly encoding: string;
  readonly total: number;
  readonly valid: number;
  readonly skipped: readonly { readonly row: number; readonly reason: string }[];
  readonly sample: readonly {
    readonly name: string;
    readonly company: string;
    readonly phones: readonly { readonly type: string; readonly number: string }[];
    readonly emails: readonly string[];
  }[];
}

export interface ImportResultView {
  readonly inserted: number;
  readonly updated: number;
  readonly skipped: readonly { readonly row: number; readonly reason: string }[];
  readonly directory: string;
}

export interface HistoryEntryView {
  readonly id: number;
  readonly direction: 'incoming' | 'outgoing';
  readonly type: CallTypeName;
  readonly remoteNumber: string;
  readonly remoteName: string;
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  readonly ringMs: number;
  readonly talkMs: number;
  readonly line: number | null;
  readonly transferTarget: string | null;
  readonly endReason: string;
}

/** One history entry with its timeline and call-quality samples (the detail window). */
export interface HistoryDetailView {
  readonly entry: HistoryEntryView;
  readonly timeline: readonly TimelineEventView[];
  readonly quality: readonly QualitySampleView[];
}

export interface CompanySyncView {
  readonly configured: boolean;
  readonly label?: string;
  readonly lastSyncAt?: number;
  /** English, for the log and support; the UI shows `lastErrorKey` (issue 13 item 9). */
  readonly lastError?: string;
  /** When the last error happened. */
  readonly lastErrorAt?: number;
  /** i18n key of the last error in plain words (`contacts.companyError.<reason>`) and its values. */
  readonly lastErrorKey?: string;
  readonly lastErrorParams?: Readonly<Record<string, string | number>>;
  /** A refresh is running now. */
  readonly refreshing?: boolean;
  /**
   * How far it is (issue 14: it runs in the storage worker): entries read from the server so far (their total is
   * unknown until the last page), then entries written out of `total`.
   */
  readonly progress?: { readonly phase: 'fetch' | 'write'; readonly done: number; readonly total?: number };
  readonly count: number;
}

const id = z.number().int().min(1).max(2 ** 53 - 1);
const text = (max: number) => z.string().max(max);

export const ContactInputViewSchema = z.strictObject({
  name: text(256).optional(),
  firstName: text(128).optional(),
  lastName: text(128).optional(),
  company: text(256).optional(),
  department: text(256).optional(),
  title: text(256).optional(),
  notes: text(4096).optional(),
  favorite: z.boolean().optional(),
  phones: z
    .array(z.strictObject({ type: z.enum(PHONE_TYPE_NAMES), number: z.string().trim().min(1).max(64) }))
    .max(20)
    .optional(),
  emails: z.array(z.string().trim().min(3).max(254)).max(10).optional(),
});
export type ContactInputView = z.input<typeof ContactInputViewSchema>;

/** One base64 chunk of an uploaded file; 64 KiB of base64 keeps a command well under MAX_COMMAND_BYTES. */
export const IMPORT_CHUNK_BASE64 = 64 * 1024;
/** Largest file the renderer may upload for an import. */
export const MAX_IMPORT_BYTES = 32 * 1024 * 1024;

const uploadId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);

interface Def<A extends z.ZodType, R> {
  readonly args: A;
  readonly result?: R;
}
const def =
  <R>() =>
  <A extends z.ZodType>(args: A): Def<A, R> => ({ args });

export const contactsCommands = {
  /** Search-as-you-type across every directory (or the given ones). */
  'contacts.search': def<ContactHitView[]>()(
    z.strictObject({
      query: z.string().max(256),
      limit: z.number().int().min(1).max(200).optional(),
      directoryIds: z.array(id).max(32).optional(),
      /** Only the directories of this kind (a directory tab's filter); with directoryIds, those of them of this kind. */
      kind: z.enum(DIRECTORY_KIND_NAMES).optional(),
    }),
  ),
  /** Every directory with its size. */
  'contacts.directories': def<DirectoryView[]>()(z.strictObject({})),
  /** How many contacts one directory holds (kind picks the built-in one; 0 when there is none of that kind). */
  'contacts.count': def<number>()(
    z.strictObject({ directoryId: id.optional(), kind: z.enum(DIRECTORY_KIND_NAMES).optional() }),
  ),
  /** A directory's contacts by name (kind picks the built-in one), or the favorites of every directory. */
  'contacts.list': def<ContactView[]>()(
    z.strictObject({
      directoryId: id.optional(),
      kind: z.enum(DIRECTORY_KIND_NAMES).optional(),
      favorites: z.boolean().optional(),
      limit: z.number().int().min(1).max(1000).optional(),
      /** The next page: the contacts after this one in name order (the last of the page before). */
      afterId: id.optional(),
    }),
  ),
  'contacts.get': def<ContactView>()(z.strictObject({ id })),
  /** A new personal contact. */
  'contacts.create': def<ContactView>()(z.strictObject({ contact: ContactInputViewSchema })),
  /** Edit a personal contact (other directories are read-only: they come from LDAP or an import). */
  'contacts.update': def<ContactView>()(z.strictObject({ id, contact: ContactInputViewSchema })),
  'contacts.delete': def<void>()(z.strictObject({ id })),
  'contacts.favorite': def<void>()(z.strictObject({ id, favorite: z.boolean() })),
  'contacts.speedDials': def<ContactView[]>()(z.strictObject({})),
  /** Put a name and number on a speed-dial key (replaces what was there). */
  'contacts.setSpeedDial': def<ContactView>()(
    z.strictObject({ position: z.number().int().min(1).max(99), name: z.string().trim().min(1).max(128), number: z.string().trim().min(1).max(64) }),
  ),
  'contacts.clearSpeedDial': def<void>()(z.strictObject({ position: z.number().int().min(1).max(99) })),
  /** The queues / DNIS the receptionist serves (from provisioning). */
  'contacts.queues': def<QueueView[]>()(z.strictObject({})),
  /** Upload a file to import, in base64 chunks (offset = bytes already sent); returns the bytes received. */
  'contacts.importChunk': def<{ uploadId: string; received: number }>()(
    z.strictObject({
      uploadId: uploadId.optional(),
      fileName: z.string().max(256).optional(),
      size: z.number().int().min(0).max(MAX_IMPORT_BYTES, 'the file is larger than 32 MB: split it into smaller files').optional(),
      data: z.string().max(IMPORT_CHUNK_BASE64).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
    }),
  ),
  /** Parse the uploaded file without writing: format, counts, first rows, skipped rows and why. */
  'contacts.importPreview': def<ImportPreviewView>()(z.strictObject({ uploadId, limit: z.number().int().min(1).max(100).optional() })),
  /** Write the uploaded file into a directory (one transaction; progress as `contacts.importProgress`). */
  'contacts.importCommit': def<ImportResultView>()(
    z.strictObject({ uploadId, directory: z.enum(['outlook', 'personal']).default('outlook') }),
  ),
  /** Drop an upload; during `contacts.importCommit`, stop it: rolled back, the commit fails with `contacts.importError.cancelled`. */
  'contacts.importCancel': def<void>()(z.strictObject({ uploadId })),
  /**
   * A directory as CSV (UTF-8 with BOM, formula cells neutralised), base64: `directoryId`, else the Outlook or Personal
   * directory (Personal by default). With `exportId`, progress as `contacts.exportProgress` and `contacts.exportCancel`
   * stops it (it then fails with `contacts.exportCancelled`).
   */
  'contacts.export': def<{ fileName: string; data: string; count: number }>()(
    z.strictObject({ directoryId: id.optional(), directory: z.enum(['outlook', 'personal']).optional(), exportId: uploadId.optional() }),
  ),
  /** Stops a running `contacts.export` or `history.export` between two pages: no file. */
  'contacts.exportCancel': def<void>()(z.strictObject({ exportId: uploadId })),
  'contacts.companyStatus': def<CompanySyncView>()(z.strictObject({})),
  /** Refresh the company directory from LDAP now. */
  'contacts.companyRefresh': def<CompanySyncView>()(z.strictObject({})),
  /** Stops a running refresh between two pages or batches: the local copy stays as it was. */
  'contacts.companyCancel': def<CompanySyncView>()(z.strictObject({})),
  'history.list': def<HistoryEntryView[]>()(
    z.strictObject({
      types: z.array(z.enum(CALL_TYPE_NAMES)).max(CALL_TYPE_NAMES.length).optional(),
      direction: z.enum(['incoming', 'outgoing']).optional(),
      text: z.string().max(128).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
      beforeId: id.optional(),
    }),
  ),
  'history.delete': def<{ deleted: number }>()(
    z.union([z.strictObject({ ids: z.array(id).min(1).max(10_000) }), z.strictObject({ all: z.literal(true) })]),
  ),
  /** Every call of the history as CSV, base64; `exportId` as for `contacts.export` (progress, cancel). */
  'history.export': def<{ fileName: string; data: string }>()(z.strictObject({ exportId: uploadId.optional() })),
  /** One history entry with its timeline and quality samples (the detail window). */
  'history.detail': def<HistoryDetailView>()(z.strictObject({ id })),
  // Call-quality samples from the renderer (electron/contract/call-quality.ts).
  ...callQualityCommands,
} as const;

export type ContactsCommandName = keyof typeof contactsCommands;

export interface ContactsEvents {
  /** Directory contents changed (import, edit, LDAP refresh): lists on screen should reload. */
  'contacts.changed': { readonly directoryKind?: DirectoryKindName };
  'contacts.importProgress': { readonly uploadId: string; readonly phase: string; readonly done: number; readonly total: number };
  /** A `contacts.export` or `history.export` with an `exportId`: contacts (calls) written of the total. */
  'contacts.exportProgress': { readonly exportId: string; readonly done: number; readonly total: number };
  'history.added': HistoryEntryView;
}
export const CONTACTS_EVENT_NAMES = ['contacts.changed', 'contacts.importProgress', 'contacts.exportProgress', 'history.added'] as const;
