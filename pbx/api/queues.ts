/**
 * Provider-neutral call-queue API (issue "Queued calls"): what the console needs from a PBX's queues, whatever the
 * PBX (Asterisk AMI first; BroadWorks Xsi, FreePBX… later). Plain data and one interface: no Node, no Electron, no
 * provider type leaks out of pbx/<provider>/.
 *
 * A provider keeps a live model: a full snapshot at (re)connect, then events. Actions are requests to the PBX; their
 * effect comes back as events (or a re-query), never assumed.
 */

export type Disposable = () => void;

/** How the queue server (e.g. Asterisk's AMI) is reachable; the pane says so instead of going stale silently. */
export type QueueConnectionState =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'connected' }
  /** Unreachable, refused, timed out: retrying with backoff at `retryAt`. */
  | { readonly state: 'unreachable'; readonly detail: string; readonly retryAt?: number }
  /** The PBX refused our credentials: retrying slowly. */
  | { readonly state: 'auth-failed'; readonly detail: string; readonly retryAt?: number }
  | { readonly state: 'stopped' };

/** One caller waiting in a queue. */
export interface QueueCaller {
  /** Stable id of the waiting call (Asterisk: the channel's Uniqueid). */
  readonly id: string;
  readonly queue: string;
  /** 1 = next to be served. */
  readonly position: number;
  /** Caller number and name as the PBX knows them (sanitised by the provider: no control characters, capped). */
  readonly number: string;
  readonly name?: string;
  /** When the caller joined the queue (epoch ms; from the PBX's wait time at snapshot). */
  readonly joinedAt: number;
  /** Queue priority (higher is served first). */
  readonly priority: number;
  /** The number the caller dialled (DNIS), when known. */
  readonly dialled?: string;
}

export type QueueMemberStatus = 'idle' | 'in-call' | 'ringing' | 'busy' | 'unavailable' | 'unknown';

/** One agent (member) of a queue. */
export interface QueueMember {
  /** The member's interface, e.g. `PJSIP/2002`: the key of agent actions. */
  readonly interface: string;
  readonly name: string;
  readonly status: QueueMemberStatus;
  readonly paused: boolean;
  readonly pausedReason?: string;
  /** Paused by the PBX itself (e.g. Asterisk autopause after an unanswered call), not by a person. */
  readonly autoPaused?: boolean;
  /** Dynamic member (logged in by an action), as opposed to a static one from the configuration. */
  readonly dynamic: boolean;
  readonly callsTaken: number;
  readonly lastCallAt?: number;
}

export interface QueueStats {
  /** e.g. ringall, leastrecent, rrmemory… as the PBX names it. */
  readonly strategy?: string;
  /** Calls answered / abandoned since the PBX's counters were reset (usually daily or at restart), if known. */
  readonly completed?: number;
  readonly abandoned?: number;
  /** Average hold time (s), if known. */
  readonly holdTimeS?: number;
  /** Service level (%) within the configured threshold, if known. */
  readonly serviceLevelPct?: number;
}

export interface QueueState {
  readonly name: string;
  readonly stats: QueueStats;
  readonly members: readonly QueueMember[];
  /** Ordered by position. */
  readonly callers: readonly QueueCaller[];
}

export interface QueueSnapshot {
  readonly connection: QueueConnectionState;
  readonly queues: readonly QueueState[];
}

/** Why a caller left a queue. */
export type QueueCallerOutcome = 'answered' | 'abandoned' | 'withdrawn' | 'timeout' | 'unknown';

export type QueueEvent =
  /** Full state (after connect / reconnect / re-query). */
  | { readonly kind: 'snapshot'; readonly snapshot: QueueSnapshot }
  | { readonly kind: 'connection'; readonly connection: QueueConnectionState }
  | { readonly kind: 'caller-joined'; readonly caller: QueueCaller }
  /** Position or priority changed (re-query after a priority change: Asterisk emits no event for it). */
  | { readonly kind: 'caller-updated'; readonly caller: QueueCaller }
  | { readonly kind: 'caller-left'; readonly queue: string; readonly id: string; readonly outcome: QueueCallerOutcome; readonly answeredBy?: string }
  | { readonly kind: 'member-updated'; readonly queue: string; readonly member: QueueMember }
  | { readonly kind: 'member-removed'; readonly queue: string; readonly interface: string }
  | { readonly kind: 'stats'; readonly queue: string; readonly stats: QueueStats };

export interface QueueCapabilities {
  /** take(): bring a waiting caller to the receptionist. */
  readonly take: boolean;
  readonly priority: boolean;
  readonly login: boolean;
  readonly pause: boolean;
  /** pause() with a reason the PBX records. */
  readonly pauseReason: boolean;
}

export class QueueError extends Error {
  constructor(
    readonly code: 'unreachable' | 'not-found' | 'refused' | 'unsupported' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'QueueError';
  }
}

export interface QueueProvider {
  readonly capabilities: QueueCapabilities;
  /** Connect (and keep reconnecting with backoff until stop()). Resolves once the first attempt is made. */
  start(): Promise<void>;
  stop(): Promise<void>;
  snapshot(): QueueSnapshot;
  onDidChange(listener: (event: QueueEvent) => void): Disposable;
  /** Re-query everything (emits a `snapshot`). */
  refresh(): Promise<void>;
  /** Bring the waiting caller `callerId` of `queue` to the receptionist's own extension (it rings there). */
  take(queue: string, callerId: string): Promise<void>;
  /** Set a waiting caller's priority (higher is served first); the new positions come back as events. */
  setPriority(queue: string, callerId: string, priority: number): Promise<void>;
  /** Log the agent (default: the receptionist) in / out of a queue. */
  login(queue: string, agentInterface?: string): Promise<void>;
  logout(queue: string, agentInterface?: string): Promise<void>;
  /** Pause / resume the agent in one queue, or in every queue when `queue` is undefined. */
  pause(queue: string | undefined, reason?: string, agentInterface?: string): Promise<void>;
  resume(queue: string | undefined, agentInterface?: string): Promise<void>;
}
