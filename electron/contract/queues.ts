/**
 * Queued calls (issue 11): the pane's view of the PBX's call queues and the receptionist's agent controls. Kept in
 * its own file and spread into `commands` / `Events` by contract.ts. Pure TS + zod.
 *
 * Main sends the whole pane (`QueuesView`) at most once per batch (coalesced), not one event per AMI event: a queue of
 * 50 callers costs one render per frame, whatever the PBX's chatter.
 */
import { z } from 'zod';

function def<R>() {
  return <A extends z.ZodType>(args: A): { readonly args: A; readonly result?: R } => ({ args });
}

/** How many queues the pane shows at once, and the bounds of "calls shown per queue". */
export const MAX_SHOWN_QUEUES = 5;
export const MAX_CALLS_SHOWN = 50;
export const DEFAULT_CALLS_SHOWN = 10;

export const QUEUE_CONNECTION_NAMES = ['connected', 'connecting', 'unreachable', 'auth-failed', 'not-configured'] as const;
export type QueueConnectionName = (typeof QUEUE_CONNECTION_NAMES)[number];

export const QUEUE_MEMBER_STATUS_NAMES = ['idle', 'in-call', 'ringing', 'busy', 'unavailable', 'unknown'] as const;
export type QueueMemberStatusName = (typeof QUEUE_MEMBER_STATUS_NAMES)[number];

export interface QueueConnectionView {
  readonly state: QueueConnectionName;
  /** Epoch ms of the next attempt (unreachable / auth-failed). */
  readonly retryAt?: number;
}

/** One waiting caller. */
export interface QueueCallerView {
  readonly id: string;
  /** 1 = next to be served. */
  readonly position: number;
  readonly number: string;
  /** The directory's name for the number when found, else the caller ID name. */
  readonly name?: string;
  /** Epoch ms the caller joined the queue (the renderer ticks the wait from it). */
  readonly joinedAt: number;
  readonly priority: number;
}

/** One agent of a queue. */
export interface QueueMemberView {
  readonly interface: string;
  readonly name: string;
  readonly status: QueueMemberStatusName;
  readonly paused: boolean;
  readonly pausedReason?: string;
  /** Paused by the PBX (no answer), not by a person: shown distinctly. */
  readonly autoPaused?: boolean;
  /** This is the receptionist. */
  readonly self?: boolean;
}

/** The receptionist's own membership of a queue. */
export interface QueueAgentView {
  readonly loggedIn: boolean;
  readonly paused: boolean;
  readonly pausedReason?: string;
  readonly autoPaused?: boolean;
  /** A static member (PBX configuration): cannot log out from the console. */
  readonly static?: boolean;
}

/** A queue's counts: the Contacts pane's Queues tab and the "choose queues" dialog use these for every queue. */
export interface QueueSummaryView {
  readonly name: string;
  readonly waiting: number;
  /** joinedAt of the caller waiting longest (undefined: nobody waits). */
  readonly longestSince?: number;
  readonly available: number;
  readonly busy: number;
  readonly paused: number;
}

/** A queue shown in the pane. */
export interface QueuePaneView extends QueueSummaryView {
  readonly strategy?: string;
  /** Since the PBX's counters were reset, if it says. */
  readonly answered?: number;
  readonly abandoned?: number;
  readonly members: readonly QueueMemberView[];
  /** The first `callsShown` callers by position (`waiting` is the full count). */
  readonly callers: readonly QueueCallerView[];
  readonly agent: QueueAgentView;
}

export interface QueueCapabilitiesView {
  readonly take: boolean;
  readonly priority: boolean;
  readonly login: boolean;
  readonly pause: boolean;
  readonly pauseReason: boolean;
}

/** The whole Queued calls pane. */
export interface QueuesView {
  readonly connection: QueueConnectionView;
  readonly capabilities: QueueCapabilitiesView;
  /** The administrator's list; empty ⇒ pause without a reason. */
  readonly pauseReasons: readonly string[];
  /** Every queue the PBX shows us (for the dialog and the Contacts pane). */
  readonly all: readonly QueueSummaryView[];
  /** The queues the receptionist chose (at most MAX_SHOWN_QUEUES); empty ⇒ the first ones. */
  readonly selected: readonly string[];
  readonly callsShown: number;
  /** The queues shown, in order, while connected (empty otherwise: no stale data). */
  readonly queues: readonly QueuePaneView[];
  /** The PBX connection as set (Settings › PBX), WITHOUT its secret; absent when none is set. */
  readonly pbx?: PbxSettingsView;
}

/** The PBX connection shown in Settings › PBX: everything but the secret (only whether one is stored). */
export interface PbxSettingsView {
  readonly type: 'asterisk';
  readonly host: string;
  readonly port?: number;
  readonly user: string;
  readonly hasSecret: boolean;
  readonly tls: boolean;
  readonly context: string;
  readonly agentInterface?: string;
  readonly pauseReasons: readonly string[];
  readonly queues?: readonly string[];
  readonly takeMethod?: 'redirect' | 'withdraw';
  readonly voicemailContext?: string;
  readonly voicemailMailbox?: string;
}

export const NOT_CONFIGURED_QUEUES: QueuesView = {
  connection: { state: 'not-configured' },
  capabilities: { take: false, priority: false, login: false, pause: false, pauseReason: false },
  pauseReasons: [],
  all: [],
  selected: [],
  callsShown: DEFAULT_CALLS_SHOWN,
  queues: [],
};

export const queueNameSchema = z.string().trim().min(1).max(128).regex(/^[^\u0000-\u001f\u007f]+$/, 'must be a queue name');
const callerId = z.string().min(1).max(128);
export const pauseReasonSchema = z.string().trim().min(1).max(80).regex(/^[^\u0000-\u001f\u007f]+$/, 'must be plain text');

const amiHost = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.\-:[\]]+$/, 'must be a host name or IP address');
const dialplanName = z.string().trim().min(1).max(80).regex(/^[A-Za-z0-9_.\-]+$/, 'must be a dialplan context name');
const amiSecret = z.string().min(1).max(256);
const amiFields = {
  host: amiHost,
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().trim().min(1).max(80).regex(/^[^\s\u0000-\u001f]+$/, 'must be an AMI user name'),
  tls: z.boolean().optional(),
};
const pbxFields = {
  type: z.literal('asterisk'),
  /** Dialplan context where the receptionist's extension (the primary account's user) is dialable: "take call" redirects there. */
  context: dialplanName,
  /** The agent interface for log in / pause (default `PJSIP/<user>`). */
  agentInterface: z.string().trim().min(3).max(128).regex(/^[A-Za-z][A-Za-z0-9_-]*\/[^\s\u0000-\u001f]+$/, 'must be a channel interface such as PJSIP/2001').optional(),
  /** The administrator's pause reasons (empty: pause without a reason). */
  pauseReasons: z.array(pauseReasonSchema).max(32).default([]),
  /** Queues to follow (default: every queue the AMI user sees). */
  queues: z.array(queueNameSchema).max(64).optional(),
  /** `redirect` (stock dialplan, counted as abandoned by queue statistics) or `withdraw` (Asterisk ≥ 20 + dialplan snippet). */
  takeMethod: z.enum(['redirect', 'withdraw']).optional(),
  // issue 13 item 7: voicemail — the voicemail.conf context of the receptionist's mailbox (default `default`).
  voicemailContext: dialplanName.optional(),
  // issue 13 item 7 leftover: the mailbox when it is not the receptionist's extension (e.g. WebRTC identity 2011 → 2001).
  voicemailMailbox: z.string().trim().min(1).max(80).regex(/^[0-9A-Za-z_.+*#-]+$/, 'must be a mailbox number').optional(),
};

/**
 * The PBX management connection for queues (provisioning `pbx`, docs/provisioning.md "PBX and queues"). Asterisk's
 * AMI first; `type` leaves room for other PBXs. The secret is saved like the SIP password and never echoed.
 */
export const PbxConfigSchema = z.strictObject({ ...pbxFields, ami: z.strictObject({ ...amiFields, secret: amiSecret }) });

/**
 * The same, from Settings › PBX: the secret is write-only, so it may be absent (= keep the stored one, only while the
 * server — host, port, TLS — stays the same: a stored secret is never sent to a server it was not entered for).
 */
export const PbxSettingsInputSchema = z.strictObject({ ...pbxFields, ami: z.strictObject({ ...amiFields, secret: amiSecret.optional() }) });
export type PbxSettingsInput = z.input<typeof PbxSettingsInputSchema>;

/** What the receptionist chose to see (saved in settings as `queuePane`). */
export const QueuePaneSelectionSchema = z.strictObject({
  queues: z.array(queueNameSchema).max(MAX_SHOWN_QUEUES).default([]),
  callsShown: z.number().int().min(1).max(MAX_CALLS_SHOWN).default(DEFAULT_CALLS_SHOWN),
});
export type QueuePaneSelection = z.output<typeof QueuePaneSelectionSchema>;

export const queuesCommands = {
  /** Bring a waiting caller to the console (it rings there). */
  'queue.take': def<void>()(z.strictObject({ queue: queueNameSchema, callerId })),
  /** Reorder: `up` / `down` by one priority step, `top` = above everyone waiting in the queue. */
  'queue.priority': def<void>()(z.strictObject({ queue: queueNameSchema, callerId, change: z.enum(['up', 'down', 'top']) })),
  /** Log the receptionist in (one queue, or every followed queue when `queue` is absent). */
  'queue.login': def<void>()(z.strictObject({ queue: queueNameSchema.optional() })),
  'queue.logout': def<void>()(z.strictObject({ queue: queueNameSchema.optional() })),
  /** Pause (one queue or all); the reason must be one of the administrator's when a list is configured. */
  'queue.pause': def<void>()(z.strictObject({ queue: queueNameSchema.optional(), reason: pauseReasonSchema.optional() })),
  'queue.resume': def<void>()(z.strictObject({ queue: queueNameSchema.optional() })),
  /** Which queues the pane shows (at most 5) and how many calls per queue; saved across restarts. */
  'queue.select': def<QueuesView>()(
    z.strictObject({
      queues: z.array(queueNameSchema).max(MAX_SHOWN_QUEUES),
      callsShown: z.number().int().min(1).max(MAX_CALLS_SHOWN).optional(),
    }),
  ),
  /** Set (or replace) the PBX connection from Settings › PBX; the queue provider restarts with it. Saved. */
  'pbx.configure': def<QueuesView>()(PbxSettingsInputSchema),
  /**
   * Try the entered connection once (not saved): `ok`, `unreachable` or `auth-failed` (wrong user or secret). An
   * absent secret uses the stored one under the same rule as `pbx.configure`.
   */
  'pbx.test': def<{ readonly result: 'ok' | 'unreachable' | 'auth-failed' }>()(PbxSettingsInputSchema),
  /** Forget the PBX connection (the pane says "not set up"). Saved. */
  'pbx.remove': def<QueuesView>()(z.strictObject({})),
} as const;
export type QueuesCommandName = keyof typeof queuesCommands;

export interface QueuesEvents {
  /** The pane changed (coalesced: at most one per batch). */
  'queues.changed': QueuesView;
}
export const QUEUES_EVENT_NAMES = ['queues.changed'] as const;
