/**
 * Presence (issue 4): favorites with busy-lamp field, message waiting, voicemail. Kept in its own file and spread
 * into `commands` / `Events` by contract.ts. Pure TS + zod.
 */
import { z } from 'zod';

function def<R>() {
  return <A extends z.ZodType>(args: A): { readonly args: A; readonly result?: R } => ({ args });
}

export const PRESENCE_STATE_NAMES = ['idle', 'ringing', 'busy', 'held', 'offline', 'stale', 'unknown'] as const;
export type PresenceStateName = (typeof PRESENCE_STATE_NAMES)[number];

export interface PresencePartyView {
  readonly name?: string;
  readonly user: string;
}

/** One favorite (monitored extension) and its lamp. */
export interface FavoriteView {
  readonly extension: string;
  readonly name?: string;
  readonly state: PresenceStateName;
  /** Ringing: who is calling the colleague. */
  readonly caller?: PresencePartyView;
  /** In a call / on hold: with whom, when the PBX says. */
  readonly peer?: PresencePartyView;
  /** Epoch ms of the last state change. */
  readonly since: number;
}

/** Our own voicemail box (RFC 3842). */
export interface MwiView {
  readonly waiting: boolean;
  readonly newMessages: number;
  readonly oldMessages: number;
}

export const extensionSchema = z.string().trim().regex(/^[0-9A-Za-z*#+._-]{1,32}$/, 'must be an extension');

export const FavoriteInputSchema = z.strictObject({
  extension: extensionSchema,
  name: z.string().trim().max(128).optional(),
});
export type FavoriteInput = z.input<typeof FavoriteInputSchema>;

/** Provisioning: `favorites: [{extension, name?}]` (at most 1000). */
export const FavoritesSchema = z.array(FavoriteInputSchema).max(1000);

export const presenceCommands = {
  /** Watch an extension (no-op when it already is a favorite; the name is updated). */
  'favorites.add': def<FavoriteView>()(FavoriteInputSchema),
  'favorites.remove': def<void>()(z.strictObject({ extension: extensionSchema })),
  /** Dial the voicemail access number (preference `voicemailNumber`, default *97). */
  'call.voicemail': def<{ callId: string }>()(z.strictObject({})),
  // issue 13 item 2: presence everywhere — the lamps of the directory rows on screen (replaces this window's set).
  'presence.watch': def<PresenceWatchResult>()(z.strictObject({ extensions: z.array(extensionSchema).max(200) })),
} as const;

/** What `presence.watch` did: extensions watched on demand now (all windows) and the cap (favorites not counted). */
export interface PresenceWatchResult {
  readonly watching: number;
  readonly cap: number;
}
export { contactExtension, type ContactPhonesLike } from './contact-extension';

export interface PresenceEvents {
  /** One favorite's lamp changed. */
  'presence.changed': FavoriteView;
  /** The list of favorites changed (added, removed, renamed). */
  'favorites.changed': { readonly favorites: readonly FavoriteView[] };
  'mwi.changed': MwiView;
  /** The lamp of an extension watched on demand (a directory row on screen, not a favorite; no name). */
  'presence.lamp': FavoriteView;
}
export const PRESENCE_EVENT_NAMES = ['presence.changed', 'favorites.changed', 'mwi.changed', 'presence.lamp'] as const;

/** Default voicemail access number (many PBXs; seed 003 uses 123). */
export const DEFAULT_VOICEMAIL_NUMBER = '*97';
export type PresenceCommandName = keyof typeof presenceCommands;
