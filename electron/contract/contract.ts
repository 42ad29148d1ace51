/**
 * THE IPC contract: every command the renderer may send and every event main may push.
 * Both hosts (Electron ipcMain/preload and the web host's WebSocket RPC) are derived from these tables;
 * no channel name is typed by hand anywhere else.
 */
import { z } from 'zod';
import {
  AccountInputSchema,
  PreferencesPatchSchema,
  type AccountView,
  type CallView,
  type GlobalMessage,
  type Preferences,
  type RegistrationView,
  type Snapshot,
} from './dto';
import { accountCommands } from './account';
import { CONTACTS_EVENT_NAMES, contactsCommands, type ContactsEvents } from './contacts';
import { HEADSET_EVENT_NAMES, headsetCommands, type HeadsetEvents } from './headset';
import { MISSED_CALLS_EVENT_NAMES, missedCallsCommands, type MissedCallsEvents } from './missed-calls';
import { PARKING_EVENT_NAMES, parkingCommands, type ParkingEvents } from './parking';
import { PRESENCE_EVENT_NAMES, presenceCommands, type PresenceEvents } from './presence';
import { QUEUES_EVENT_NAMES, queuesCommands, type QueuesEvents } from './queues';
import { SERVICES_EVENT_NAMES, servicesCommands, type ServicesEvents } from './services';
import { VOICEMAIL_EVENT_NAMES, voicemailCommands, type VoicemailEvents } from './voicemail';
import { appInfoCommands } from './app-info';

const callId = z.string().min(1).max(128);
/** A number, extension or SIP URI as typed. */
const target = z.string().trim().min(1).max(256);

/** A command: its argument schema (validated in main) and its result type (phantom). */
export interface CommandDef<A extends z.ZodType, R> {
  readonly args: A;
  /** Phantom field carrying the result type; never set at runtime. */
  readonly result?: R;
}
function command<R>() {
  return <A extends z.ZodType>(args: A): CommandDef<A, R> => ({ args });
}

export const commands = {
  /** Full state; the renderer calls it at start and after a reconnect. */
  'app.snapshot': command<Snapshot>()(z.strictObject({})),
  /** First-launch setup (or edit): replace the account list with one account. */
  'account.save': command<AccountView>()(AccountInputSchema),
  'preferences.update': command<Preferences>()(PreferencesPatchSchema),
  /** Dial a number, extension or SIP URI. */
  'call.dial': command<{ callId: string }>()(
    z.strictObject({
      target,
      accountId: z.string().max(64).optional(),
      /** The number presented for this call: `''` the account's own, `anonymous`, or one the administrator allows. */
      presentAs: z.string().trim().max(64).optional(),
    }),
  ),
  'call.answer': command<void>()(z.strictObject({ callId })),
  'call.decline': command<void>()(
    z.strictObject({ callId, code: z.union([z.literal(486), z.literal(603)]).optional() }),
  ),
  'call.hangup': command<void>()(z.strictObject({ callId })),
  'call.dtmf': command<void>()(z.strictObject({ callId, tones: z.string().regex(/^[0-9A-D*#,]{1,32}$/) })),
  /** Put on hold (re-INVITE sendonly). */
  'call.hold': command<void>()(z.strictObject({ callId })),
  /** Take back from hold; any other call that is up is held first (one active line at a time). */
  'call.resume': command<void>()(z.strictObject({ callId })),
  /** Select a line: answers it if ringing, resumes it if held; the previously active line is held. */
  'call.select': command<void>()(z.strictObject({ callId })),
  'call.mute': command<void>()(z.strictObject({ callId, muted: z.boolean() })),
  'call.volume': command<void>()(z.strictObject({ callId, volume: z.number().min(0).max(1) })),
  /** Blind transfer (REFER). On failure the call stays with us and the reason is shown. */
  'call.transfer': command<void>()(z.strictObject({ callId, target })),
  /** Attended transfer, step 1: hold the call and call the target (returns the consultation call). */
  'call.consult': command<{ callId: string }>()(z.strictObject({ callId, target })),
  /**
   * Attended transfer, step 2: connect the two parties (REFER with Replaces). `callId` is either side of a
   * consultation, or any call with `toCallId` naming the other line ("transfer line A to line B").
   */
  'call.completeTransfer': command<void>()(z.strictObject({ callId, toCallId: callId.optional() })),
  /** Attended transfer abandoned: hang up the consultation and go back to the held caller. */
  'call.cancelTransfer': command<void>()(z.strictObject({ callId })),
  /** Send a ringing call elsewhere without answering (302). */
  'call.deflect': command<void>()(z.strictObject({ callId, target })),
  /** Park the call on the PBX's park extension (blind transfer to it). */
  'call.park': command<void>()(z.strictObject({ callId })),
  /** Directed pickup of a colleague's ringing phone (pickup prefix + extension). */
  'call.pickup': command<{ callId: string }>()(z.strictObject({ extension: z.string().regex(/^[0-9A-Za-z*#+._-]{1,32}$/) })),
  /** Merge calls into one conference mixed in the renderer (at least two; adds to an existing one). */
  'call.conference': command<{ conferenceId: string }>()(z.strictObject({ callIds: z.array(callId).min(2).max(12) })),
  /**
   * Call someone straight into a conference with `callId` (which joins it if it wasn't in one): nobody is held, the
   * people already talking keep hearing the receptionist while the new party rings.
   */
  'call.addToConference': command<{ callId: string; conferenceId: string }>()(z.strictObject({ callId, target })),
  /**
   * Leave the conference: the other parties stay connected to each other — two by transfer, three or more by a blind
   * transfer of each to preferences.conferenceRoom (refused, `error.conferenceNoRoom`, when there is none; see
   * planLeave in conference.ts); `end` hangs up all.
   */
  'call.leaveConference': command<void>()(z.strictObject({ conferenceId: z.string().max(64), end: z.boolean().optional() })),
  /** Conference panel: stop (or restart) mixing this party's voice to the others and to the receptionist. */
  'call.muteParty': command<void>()(z.strictObject({ callId, muted: z.boolean() })),
  /** A tel:/callto:/sip: link (clicked in the console, or handed over by the OS): dial it, or prefill when confirming. */
  'call.dialUrl': command<{ callId?: string }>()(z.strictObject({ url: z.string().min(1).max(512) })),
  /** Call the last number dialed again. */
  'call.redial': command<{ callId: string }>()(z.strictObject({})),
  'messages.dismiss': command<void>()(z.strictObject({ id: z.string().max(64) })),
  /** This renderer owns audio (mic/speaker/ringer): main will route media requests to it. */
  'media.attach': command<void>()(z.strictObject({})),
  /** The renderer's answer to a `media.request` event. */
  'media.reply': command<void>()(
    z.strictObject({
      requestId: z.string().min(1).max(64),
      ok: z.boolean(),
      sdp: z.string().max(65536).optional(),
      value: z.boolean().optional(),
      error: z.string().max(1024).optional(),
    }),
  ),
  /**
   * Audio from the far end reached this (audio-owning) window's peer for `callId` since its previous getStats()
   * sample: sent at most once per QUALITY_SAMPLE_INTERVAL_MS per WebRTC call, and only while packets arrive. Main
   * stamps it on receipt; it feeds the call's "line lost" watchdog (WebRTC media never passes through main).
   */
  'media.inbound': command<void>()(z.strictObject({ callId })),
  // Account after setup: edit from Settings, log out (electron/contract/account.ts).
  ...accountCommands,
  // Contacts, directories and call history (electron/contract/contacts.ts).
  ...contactsCommands,
  // USB headset: test mode of the "test your headset" dialog (electron/contract/headset.ts).
  ...headsetCommands,
  // Missed-call counter (electron/contract/missed-calls.ts).
  ...missedCallsCommands,
  // Park panel: parked calls and Retrieve (electron/contract/parking.ts).
  ...parkingCommands,
  // Favorites/BLF, message waiting, voicemail (electron/contract/presence.ts).
  ...presenceCommands,
  // Queued calls and agent controls (electron/contract/queues.ts).
  ...queuesCommands,
  // Call-routing services and screen pop (electron/contract/services.ts).
  ...servicesCommands,
  // issue 13 item 7: the voicemail list (electron/contract/voicemail.ts).
  ...voicemailCommands,
  // About, user guide, Delete all data (electron/contract/app-info.ts; issue 13 item 9).
  ...appInfoCommands,
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandArgs<N extends CommandName> = z.input<Commands[N]['args']>;
export type CommandParsedArgs<N extends CommandName> = z.output<Commands[N]['args']>;
export type CommandResult<N extends CommandName> = Commands[N] extends CommandDef<z.ZodType, infer R> ? R : never;

export type MediaRequest =
  /** `keep`: re-negotiate the call's existing peer if there is one (hold, re-INVITE), instead of a new one. */
  | { readonly requestId: string; readonly op: 'offer'; readonly callId: string; readonly keep?: boolean }
  | { readonly requestId: string; readonly op: 'answer'; readonly callId: string; readonly sdp: string; readonly keep?: boolean }
  | { readonly requestId: string; readonly op: 'accept'; readonly callId: string; readonly sdp: string }
  | { readonly requestId: string; readonly op: 'dtmf'; readonly callId: string; readonly tones: string }
  | { readonly requestId: string; readonly op: 'close'; readonly callId: string };

/** Events main pushes. The first event on every connection is `snapshot`; the rest are deltas. */
export interface Events extends ContactsEvents, HeadsetEvents, MissedCallsEvents, ParkingEvents, PresenceEvents, QueuesEvents, ServicesEvents, VoicemailEvents {
  snapshot: Snapshot;
  'registration.changed': { readonly accountId: string; readonly registration: RegistrationView };
  'accounts.changed': { readonly accounts: readonly AccountView[]; readonly needsSetup: boolean };
  'call.changed': CallView;
  'call.removed': { readonly callId: string };
  'message.added': GlobalMessage;
  'message.removed': { readonly id: string };
  'preferences.changed': Preferences;
  'network.changed': { readonly online: boolean };
  /** Put this number in the Number field for the receptionist to confirm (tel: link with confirmation on). */
  'dial.prefill': { readonly target: string };
  'media.request': MediaRequest;
}
export type EventName = keyof Events;
export const EVENT_NAMES: readonly EventName[] = [
  'snapshot',
  'registration.changed',
  'accounts.changed',
  'call.changed',
  'call.removed',
  'message.added',
  'message.removed',
  'preferences.changed',
  'network.changed',
  'dial.prefill',
  'media.request',
  ...CONTACTS_EVENT_NAMES,
  ...HEADSET_EVENT_NAMES,
  ...MISSED_CALLS_EVENT_NAMES,
  ...PARKING_EVENT_NAMES,
  ...PRESENCE_EVENT_NAMES,
  ...QUEUES_EVENT_NAMES,
  ...SERVICES_EVENT_NAMES,
  ...VOICEMAIL_EVENT_NAMES,
];

/** Result envelope: errors cross the boundary as data. */
export type ErrorCode =
  | 'bad-request' // arguments failed the schema
  | 'unknown-command'
  | 'too-large'
  | 'not-found'
  | 'invalid-state'
  | 'not-registered'
  | 'transfer-failed'
  | 'lines-busy'
  | 'network'
  | 'not-configured' // the feature needs the administrator's set-up (e.g. no PBX connection for queues)
  | 'internal';
/** Values for an error key's `{placeholders}` (numbers are formatted for the UI language by the renderer). */
export type ErrorParams = Readonly<Record<string, string | number>>;
/**
 * An error as data. `code` is the stable machine code; `key` + `params` are what the renderer shows, translated
 * (renderer/i18n: every key main sends exists in en, fr and nl, checked by tests/unit/renderer-i18n.test.ts);
 * `message` is English for logs and diagnostics and is never shown in the UI.
 */
export interface ContractError {
  readonly code: ErrorCode;
  readonly message: string;
  /** i18n key of the text to show (e.g. `error.lines-busy`); absent: the renderer shows a generic text with `code`. */
  readonly key?: string;
  readonly params?: ErrorParams;
}
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ContractError };

/** Largest accepted serialized command (bytes). */
export const MAX_COMMAND_BYTES = 128 * 1024;

/** Electron IPC channel names, derived (never typed by hand elsewhere). */
export const ipcChannel = {
  /** renderer → main (invoke): [name, args] → Result */
  command: 'rc:command',
  /** main → renderer: {name, payload} */
  event: 'rc:event',
  /** renderer → main (send): the renderer is listening; main answers with a `snapshot` event, then deltas. */
  hello: 'rc:hello',
} as const;

/** What the Electron preload exposes as `window.receptionist` (and nothing else). */
export interface PreloadBridge {
  invoke(name: string, args: unknown): Promise<Result<unknown>>;
  /** Start receiving events; returns the unsubscribe function. */
  on(listener: (event: { name: EventName; payload: unknown }) => void): () => void;
}

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commands, name);
}

/** Validate a raw (untrusted) command. Pure: used by both hosts. */
export function parseCommand(
  name: unknown,
  args: unknown,
): { ok: true; name: CommandName; args: unknown } | { ok: false; error: ContractError } {
  if (!isCommandName(name)) {
    return {
      ok: false,
      error: { code: 'unknown-command', message: `Unknown command: ${String(name).slice(0, 64)}`, key: 'error.unknownCommand' },
    };
  }
  const parsed = commands[name].args.safeParse(args ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? issue.path.join('.') : 'arguments';
    return {
      ok: false,
      error: { code: 'bad-request', message: `${name}: ${where}: ${issue?.message ?? 'invalid'}`, key: 'error.badValue', params: { field: where } },
    };
  }
  return { ok: true, name, args: parsed.data };
}

/** The client interface the renderer codes against (implemented over Electron IPC or the web host's socket). */
export interface ConsoleClient {
  invoke<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Result<CommandResult<N>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** Connection to main: 'open' (events flowing) or 'closed' (retrying). */
  onConnection(listener: (state: 'open' | 'closed') => void): () => void;
}

export type { AccountView, CallView, GlobalMessage, Preferences, RegistrationView, Snapshot };
