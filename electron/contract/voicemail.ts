/**
 * Voicemail (issue 13 item 7): the receptionist's mailbox as the PBX keeps it — messages new / old, caller, date,
 * duration — with play on the console, mark as read and delete. Needs the PBX connection (Settings › PBX); without it
 * the list says so and only "Call voicemail" (`call.voicemail`, presence.ts) is offered. Spread into contract.ts.
 * Pure TS + zod.
 */
import { z } from 'zod';

function def<R>() {
  return <A extends z.ZodType>(args: A): { readonly args: A; readonly result?: R } => ({ args });
}

/**
 * - `not-configured`: no PBX connection (the list cannot exist; "Call voicemail" still works);
 * - `connecting` / `unreachable` / `auth-failed`: the PBX connection's state;
 * - `no-mailbox`: the PBX has no mailbox for this extension;
 * - `ready`: `messages` is the mailbox as last listed (`listedAt`).
 */
export type VoicemailState = 'not-configured' | 'connecting' | 'ready' | 'unreachable' | 'auth-failed' | 'no-mailbox';

export interface VoicemailMessageView {
  readonly id: string;
  readonly folder: 'new' | 'old';
  /** As the PBX recorded it (text; sanitised in main, shown as text only). */
  readonly callerNumber?: string;
  readonly callerName?: string;
  /** The contact the number belongs to, from the console's directories. */
  readonly contactName?: string;
  /** Epoch ms. */
  readonly receivedAt?: number;
  readonly durationS: number;
  readonly urgent: boolean;
}

export interface VoicemailView {
  readonly state: VoicemailState;
  /** `2001@default`, when known. */
  readonly mailbox?: string;
  /** Newest first. */
  readonly messages: readonly VoicemailMessageView[];
  readonly listedAt?: number;
  /** The message the PBX is calling the console to play (until that call ends or 60 s pass). */
  readonly playing?: string;
}

export const NOT_CONFIGURED_VOICEMAIL: VoicemailView = { state: 'not-configured', messages: [] };

/** app_voicemail's msg_id (`1796313269-00000000`) and the like. */
export const voicemailIdSchema = z.string().regex(/^[0-9A-Za-z_.-]{1,64}$/, 'must be a voicemail message id');

export const voicemailCommands = {
  /** List the mailbox again now. */
  'voicemail.refresh': def<VoicemailView>()(z.strictObject({})),
  /** The PBX calls the console and plays the message (the console answers that call by itself). */
  'voicemail.play': def<VoicemailView>()(z.strictObject({ id: voicemailIdSchema })),
  /** Move a new message to the old ones (the message-waiting lamp follows). */
  'voicemail.markRead': def<VoicemailView>()(z.strictObject({ id: voicemailIdSchema })),
  /** Delete a message for good (the renderer asks for confirmation first). */
  'voicemail.delete': def<VoicemailView>()(z.strictObject({ id: voicemailIdSchema })),
} as const;
export type VoicemailCommandName = keyof typeof voicemailCommands;

export interface VoicemailEvents {
  'voicemail.changed': VoicemailView;
}
export const VOICEMAIL_EVENT_NAMES = ['voicemail.changed'] as const;
