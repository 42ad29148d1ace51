/**
 * QueueProvider for Asterisk's app_queue over AMI. AMI field names stay in this file: everything leaves as
 * pbx/api/queues.ts types.
 *
 * Model: `QueueStatus` at every (re)connect (QueueParams / QueueMember / QueueEntry), then live events
 * (QueueCallerJoin/Leave/Abandon, QueueMember*, AgentConnect/Complete). Asterisk emits no event for a priority change
 * and a join carries no queue priority (its `Priority` is the dialplan priority), so the affected queue is re-queried
 * (debounced) after those and after calls end (for the Completed/Abandoned counters).
 */
import {
  QueueError,
  type Disposable,
  type QueueCaller,
  type QueueCallerOutcome,
  type QueueCapabilities,
  type QueueConnectionState,
  type QueueEvent,
  type QueueMember,
  type QueueMemberStatus,
  type QueueProvider,
  type QueueSnapshot,
  type QueueState,
  type QueueStats,
} from '../api/queues';
import { amiClientFor, type AmiClient, AmiError, type AmiConnectionState, type AmiLogger, type AmiMessage } from './ami-client';
import { Listeners } from './listeners';

export interface AsteriskQueueConfig {
  readonly ami: { readonly host: string; readonly port?: number /* 5038 */; readonly user: string; readonly secret: string; readonly tls?: boolean };
  /** dialplan context where the receptionist's extension is dialable (for take = Redirect) */
  readonly context: string;
  /** the receptionist's extension in that context (the SIP user) */
  readonly extension: string;
  /** the agent interface for login/logout/pause (default `PJSIP/${extension}`) */
  readonly agentInterface?: string;
  /** queues to follow (default: every queue the AMI user sees) */
  readonly queues?: readonly string[];
  /** 'redirect' (default: works on a stock dialplan, counted as abandoned by queue statistics) or 'withdraw' (QueueWithdrawCaller, Asterisk ≥ 20, needs the documented dialplan snippet) */
  readonly takeMethod?: 'redirect' | 'withdraw';
  /** Timings; defaults suit production, tests shorten them. */
  readonly timing?: {
    readonly actionTimeoutMs?: number;
    readonly pingIntervalMs?: number;
    readonly backoffInitialMs?: number;
    readonly backoffMaxMs?: number;
    /** Debounce of the per-queue re-query (default 300 ms). */
    readonly requeryDelayMs?: number;
    /** How long a leaving caller waits for its AgentConnect before the outcome is 'unknown' (default 1 s). */
    readonly outcomeGraceMs?: number;
  };
}

export type QueueLogger = AmiLogger;

const MAX_NUMBER = 64;
const MAX_NAME = 80;
/** Events held during one QueueStatus; beyond that a full re-sync is cheaper than the backlog. */
const MAX_HELD_EVENTS = 20_000;
/** C0/C1 controls, bidi embeddings/overrides/isolates and marks, zero-width characters, BOM. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** Caller-ID text from the network is hostile: strip control/bidi characters, cap the length. */
export function sanitizeText(value: string | undefined, max: number): string {
  if (value === undefined) return '';
  const clean = value.replace(UNSAFE, '').trim();
  return [...clean].slice(0, max).join('');
}

function callerIdPart(value: string | undefined, max: number): string | undefined {
  const s = sanitizeText(value, max);
  return s === '' || /^<?unknown>?$/i.test(s) ? undefined : s;
}

function int(value: string | undefined, fallback = 0): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : fallback;
}

/** AST_DEVICE_* (include/asterisk/devicestate.h) → our status. */
function memberStatus(status: string | undefined, inCall: boolean): QueueMemberStatus {
  let s: QueueMemberStatus;
  switch (int(status, -1)) {
    case 1:
      s = 'idle';
      break;
    case 2:
    case 8: // on hold: still on a call
      s = 'in-call';
      break;
    case 3:
      s = 'busy';
      break;
    case 4: // invalid
    case 5:
      s = 'unavailable';
      break;
    case 6:
    case 7: // ringing while in use
      s = 'ringing';
      break;
    default:
      s = 'unknown';
  }
  return s === 'idle' && inCall ? 'in-call' : s;
}

/** QueueMember (QueueStatus) and QueueMember* events name the same things differently. */
function toMember(m: AmiMessage): QueueMember | undefined {
  const iface = sanitizeText(m.Interface ?? m.Location, 128);
  if (iface === '') return undefined;
  const paused = m.Paused === '1';
  const reason = paused ? sanitizeText(m.PausedReason, MAX_NAME) : '';
  const lastCall = int(m.LastCall);
  return {
    interface: iface,
    name: sanitizeText(m.MemberName ?? m.Name, MAX_NAME) || iface,
    status: memberStatus(m.Status, m.InCall === '1'),
    paused,
    ...(reason ? { pausedReason: reason } : {}),
    ...(paused && reason === 'Auto-Pause' ? { autoPaused: true } : {}), // app_queue's autopause reason
    dynamic: m.Membership === 'dynamic',
    callsTaken: int(m.CallsTaken),
    ...(lastCall > 0 ? { lastCallAt: lastCall * 1000 } : {}),
  };
}

function toStats(m: AmiMessage): QueueStats {
  const perf = Number.parseFloat(m.ServicelevelPerf ?? '');
  return {
    ...(m.Strategy ? { strategy: sanitizeText(m.Strategy, 40) } : {}),
    completed: int(m.Completed),
    abandoned: int(m.Abandoned),
    holdTimeS: int(m.Holdtime),
    ...(Number.isFinite(perf) ? { serviceLevelPct: perf } : {}),
  };
}

/** `ChanVariable: QUEUE_PRIO=5` (manager.conf `channelvars=QUEUE_PRIO`); older versions: `ChanVariable(chan): …`. */
function queuePrio(m: AmiMessage): number | undefined {
  for (const [k, v] of Object.entries(m)) {
    if (!k.startsWith('ChanVariable')) continue;
    for (const line of v.split('\n')) {
      // `QUEUE_PRIO=` (unset) is the default priority 0.
      const match = /^QUEUE_PRIO=(-?\d*)$/.exec(line.trim());
      if (match) return match[1] ? Number(match[1]) : 0;
    }
  }
  return undefined;
}

interface CallerEntry {
  caller: QueueCaller;
  /** Asterisk channel name: the key of Redirect / QueueChangePriorityCaller / QueueWithdrawCaller. */
  channel: string;
}

interface QueueModel {
  name: string;
  stats: QueueStats;
  members: Map<string, QueueMember>;
  /** Ordered by position. */
  callers: CallerEntry[];
}

const silent: QueueLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class AsteriskQueueProvider implements QueueProvider {
  readonly capabilities: QueueCapabilities = { take: true, priority: true, login: true, pause: true, pauseReason: true };
  readonly #config: AsteriskQueueConfig;
  readonly #log: QueueLogger;
  readonly #ami: AmiClient;
  readonly #listeners: Listeners<QueueEvent>;
  readonly #follow: ReadonlySet<string> | undefined;
  #queues = new Map<string, QueueModel>();
  #connection: QueueConnectionState = { state: 'stopped' };
  #started = false;
  #synced = false;
  readonly #requery = new Map<string, NodeJS.Timeout>();
  /** Callers we took: their leave is 'withdrawn'. */
  readonly #taken = new Set<string>();
  readonly #abandoned = new Set<string>();
  /** Left callers waiting for an AgentConnect (app_queue leaves the queue just before it publishes AgentConnect). */
  readonly #leaving = new Map<string, { queue: string; timer: NodeJS.Timeout }>();
  #syncGeneration = 0;
  /** QueueStatus queries in flight; events are held meanwhile (see #query). */
  #syncing = 0;
  #held: AmiMessage[] = [];
  #heldOverflow = false;

  constructor(config: AsteriskQueueConfig, logger?: QueueLogger) {
    this.#config = config;
    this.#log = logger ?? silent;
    this.#listeners = new Listeners('queue', this.#log);
    this.#follow = config.queues && config.queues.length > 0 ? new Set(config.queues) : undefined;
    this.#ami = amiClientFor(config, this.#log);
    this.#ami.onState((s) => this.#onAmiState(s));
    this.#ami.onEvent((e) => this.#onAmiEvent(e));
  }

  get #agent(): string {
    return this.#config.agentInterface ?? `PJSIP/${this.#config.extension}`;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#ami.start();
  }

  async stop(): Promise<void> {
    for (const t of this.#requery.values()) clearTimeout(t);
    this.#requery.clear();
    for (const l of this.#leaving.values()) clearTimeout(l.timer);
    this.#leaving.clear();
    await this.#ami.stop();
  }

  snapshot(): QueueSnapshot {
    return { connection: this.#connection, queues: [...this.#queues.values()].map(toState) };
  }

  onDidChange(listener: (event: QueueEvent) => void): Disposable {
    return this.#listeners.add(listener);
  }

  async refresh(): Promise<void> {
    await this.#call(() => this.#fullSync());
  }

  async take(queue: string, callerId: string): Promise<void> {
    const entry = this.#entry(queue, callerId);
    this.#taken.add(callerId);
    try {
      if (this.#config.takeMethod === 'withdraw') {
        await this.#call(() => this.#ami.action({ Action: 'QueueWithdrawCaller', Queue: queue, Caller: entry.channel, WithdrawInfo: this.#config.extension }));
      } else {
        await this.#call(() =>
          this.#ami.action({
            Action: 'Redirect',
            Channel: entry.channel,
            Context: this.#config.context,
            Exten: this.#config.extension,
            Priority: '1',
          }),
        );
      }
    } catch (e) {
      this.#taken.delete(callerId);
      throw e;
    }
  }

  async setPriority(queue: string, callerId: string, priority: number): Promise<void> {
    if (!Number.isInteger(priority)) throw new QueueError('refused', `priority must be an integer, got ${priority}`);
    const entry = this.#entry(queue, callerId);
    await this.#call(() =>
      this.#ami.action({ Action: 'QueueChangePriorityCaller', Queue: queue, Caller: entry.channel, Priority: String(priority), Immediate: 'yes' }),
    );
    // No event for a priority change: re-query now so positions come back before we resolve.
    await this.#call(() => this.#syncQueue(queue));
  }

  async login(queue: string, agentInterface = this.#agent): Promise<void> {
    await this.#call(() =>
      this.#ami.action({ Action: 'QueueAdd', Queue: queue, Interface: agentInterface, MemberName: agentInterface === this.#agent ? this.#config.extension : agentInterface, Paused: 'false' }),
    );
  }

  async logout(queue: string, agentInterface = this.#agent): Promise<void> {
    await this.#call(() => this.#ami.action({ Action: 'QueueRemove', Queue: queue, Interface: agentInterface }));
  }

  async pause(queue: string | undefined, reason?: string, agentInterface = this.#agent): Promise<void> {
    const r = sanitizeText(reason, MAX_NAME);
    await this.#call(() =>
      this.#ami.action({ Action: 'QueuePause', Interface: agentInterface, Paused: 'true', ...(queue ? { Queue: queue } : {}), ...(r ? { Reason: r } : {}) }),
    );
  }

  async resume(queue: string | undefined, agentInterface = this.#agent): Promise<void> {
    await this.#call(() => this.#ami.action({ Action: 'QueuePause', Interface: agentInterface, Paused: 'false', ...(queue ? { Queue: queue } : {}) }));
  }

  #entry(queue: string, callerId: string): CallerEntry {
    const entry = this.#queues.get(queue)?.callers.find((c) => c.caller.id === callerId);
    if (!entry) throw new QueueError('not-found', `no caller ${callerId} waiting in queue ${queue}`);
    return entry;
  }

  /** AMI errors → QueueError (errors cross the boundary as data the service can show). */
  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof QueueError) throw e;
      if (e instanceof AmiError) {
        switch (e.code) {
          case 'refused':
            throw new QueueError(/no such|not found/i.test(e.message) ? 'not-found' : 'refused', e.message);
          case 'timeout':
            throw new QueueError('timeout', e.message);
          case 'auth-failed':
          case 'unreachable':
          case 'protocol':
          case 'stopped':
            throw new QueueError('unreachable', e.message);
          default:
            throw new QueueError('unreachable', missing(e.code));
        }
      }
      throw e;
    }
  }

  #emit(e: QueueEvent): void {
    this.#listeners.emit(e);
  }

  #setConnection(c: QueueConnectionState): void {
    this.#connection = c;
    this.#emit({ kind: 'connection', connection: c });
  }

  #onAmiState(s: AmiConnectionState): void {
    switch (s.state) {
      case 'connecting':
        this.#synced = false;
        this.#setConnection({ state: 'connecting', attempt: s.attempt });
        return;
      case 'connected':
        // 'connected' once the snapshot is in: the pane must not show an empty model as live.
        this.#fullSync().catch((e: Error) => {
          this.#log.warn(`queue snapshot failed: ${e.message}`);
          this.#ami.reconnect(`QueueStatus failed: ${e.message}`);
        });
        return;
      case 'unreachable':
        this.#synced = false;
        this.#setConnection({ state: 'unreachable', detail: s.error.message, retryAt: s.retryAt });
        return;
      case 'auth-failed':
        this.#synced = false;
        this.#setConnection({ state: 'auth-failed', detail: s.error.message, retryAt: s.retryAt });
        return;
      case 'stopped':
        this.#synced = false;
        this.#setConnection({ state: 'stopped' });
        return;
      default:
        missing(s);
    }
  }

  /**
   * Runs a QueueStatus and applies it. Events arriving meanwhile are held and replayed after the snapshot is applied:
   * an event can arrive in the same read as the list's end, i.e. before our continuation runs, and must not be
   * overwritten by the (older) snapshot. Replaying one already reflected in the snapshot is harmless (joins of known
   * callers and leaves of unknown ones are ignored; member events carry the member's full state).
   */
  async #query(fields: Record<string, string>, apply: (events: AmiMessage[]) => void): Promise<void> {
    this.#syncing++;
    try {
      apply(await this.#ami.list(fields));
    } finally {
      this.#syncing--;
      if (this.#syncing === 0) this.#replay();
    }
  }

  #replay(): void {
    const held = this.#held;
    this.#held = [];
    if (this.#heldOverflow) {
      this.#heldOverflow = false;
      this.refresh().catch((e: Error) => this.#log.warn(`queue re-sync failed: ${e.message}`));
      return;
    }
    for (const e of held) this.#onAmiEvent(e);
  }

  async #fullSync(): Promise<void> {
    const generation = ++this.#syncGeneration;
    await this.#query({ Action: 'QueueStatus' }, (events) => {
      if (generation !== this.#syncGeneration) return;
      const now = Date.now();
      const queues = new Map<string, QueueModel>();
      for (const e of events) this.#applyStatusEvent(queues, e, now, undefined);
      for (const q of queues.values()) q.callers.sort((a, b) => a.caller.position - b.caller.position);
      this.#queues = queues;
      this.#synced = true;
      // Outcome bookkeeping only for callers still waiting (bounded by what the PBX lists).
      const waiting = new Set([...queues.values()].flatMap((q) => q.callers.map((c) => c.caller.id)));
      for (const set of [this.#taken, this.#abandoned]) for (const id of set) if (!waiting.has(id)) set.delete(id);
      this.#connection = { state: 'connected' };
      this.#emit({ kind: 'connection', connection: this.#connection });
      this.#emit({ kind: 'snapshot', snapshot: this.snapshot() });
    });
  }

  /** Re-query one queue and emit what changed. */
  async #syncQueue(name: string): Promise<void> {
    const generation = this.#syncGeneration;
    await this.#query({ Action: 'QueueStatus', Queue: name }, (events) => {
      if (generation === this.#syncGeneration && this.#synced) this.#applyQueue(name, events);
    });
  }

  #applyQueue(name: string, events: AmiMessage[]): void {
    const fresh = new Map<string, QueueModel>();
    const old = this.#queues.get(name);
    for (const e of events) this.#applyStatusEvent(fresh, e, Date.now(), old);
    const next = fresh.get(name);
    if (!next) return;
    next.callers.sort((a, b) => a.caller.position - b.caller.position);
    this.#queues.set(name, next);
    if (!old) {
      this.#emit({ kind: 'snapshot', snapshot: this.snapshot() });
      return;
    }
    if (JSON.stringify(old.stats) !== JSON.stringify(next.stats)) this.#emit({ kind: 'stats', queue: name, stats: next.stats });
    for (const [iface, m] of next.members) {
      if (JSON.stringify(old.members.get(iface)) !== JSON.stringify(m)) this.#emit({ kind: 'member-updated', queue: name, member: m });
    }
    for (const iface of old.members.keys()) if (!next.members.has(iface)) this.#emit({ kind: 'member-removed', queue: name, interface: iface });
    const before = new Map(old.callers.map((c) => [c.caller.id, c.caller]));
    for (const { caller } of next.callers) {
      const was = before.get(caller.id);
      if (!was) this.#emit({ kind: 'caller-joined', caller });
      else if (JSON.stringify(was) !== JSON.stringify(caller)) this.#emit({ kind: 'caller-updated', caller });
    }
    const now = new Set(next.callers.map((c) => c.caller.id));
    // Gone without our seeing its QueueCallerLeave yet (it may be held, see #query): its outcome may still come.
    for (const id of before.keys()) if (!now.has(id) && !this.#leaving.has(id)) this.#departed(name, id);
  }

  #scheduleRequery(queue: string): void {
    if (this.#requery.has(queue)) return;
    const t = setTimeout(() => {
      this.#requery.delete(queue);
      this.#syncQueue(queue).catch((e: Error) => this.#log.warn(`QueueStatus ${queue} failed: ${e.message}`));
    }, this.#config.timing?.requeryDelayMs ?? 300);
    this.#requery.set(queue, t);
  }

  #followed(queue: string | undefined): queue is string {
    return queue !== undefined && queue !== '' && (this.#follow === undefined || this.#follow.has(queue));
  }

  #applyStatusEvent(into: Map<string, QueueModel>, e: AmiMessage, now: number, previous: QueueModel | undefined): void {
    const name = e.Queue;
    if (!this.#followed(name)) return;
    let q = into.get(name);
    if (!q) {
      q = { name, stats: {}, members: new Map(), callers: [] };
      into.set(name, q);
    }
    switch (e.Event) {
      case 'QueueParams':
        q.stats = toStats(e);
        return;
      case 'QueueMember': {
        const m = toMember(e);
        if (m) q.members.set(m.interface, m);
        return;
      }
      case 'QueueEntry': {
        const id = e.Uniqueid;
        if (!id || !e.Channel) return;
        const prior = (previous ?? this.#queues.get(name))?.callers.find((c) => c.caller.id === id)?.caller;
        const name_ = callerIdPart(e.CallerIDName, MAX_NAME);
        const dialled = prior?.dialled;
        // Keep the first-seen join time: Wait is whole seconds, re-deriving it would make the clock jitter.
        const joinedAt = prior?.joinedAt ?? now - int(e.Wait) * 1000;
        q.callers.push({
          channel: e.Channel,
          caller: {
            id,
            queue: name,
            position: int(e.Position, q.callers.length + 1),
            number: callerIdPart(e.CallerIDNum, MAX_NUMBER) ?? '',
            ...(name_ ? { name: name_ } : {}),
            joinedAt,
            priority: int(e.Priority),
            ...(dialled ? { dialled } : {}),
          },
        });
        return;
      }
      default:
        return;
    }
  }

  #onAmiEvent(e: AmiMessage): void {
    if (this.#syncing > 0) {
      if (this.#held.length < MAX_HELD_EVENTS) this.#held.push(e);
      else this.#heldOverflow = true;
      return;
    }
    if (!this.#synced) return;
    const queue = e.Queue;
    switch (e.Event) {
      case 'QueueCallerJoin':
        if (this.#followed(queue)) this.#onJoin(queue, e);
        return;
      case 'QueueCallerLeave':
        if (this.#followed(queue)) this.#onLeave(queue, e);
        return;
      case 'QueueCallerAbandon':
        if (this.#followed(queue) && e.Uniqueid) {
          const waiting = this.#queues.get(queue)?.callers.some((c) => c.caller.id === e.Uniqueid);
          if (waiting) this.#abandoned.add(e.Uniqueid);
          this.#settle(e.Uniqueid, 'abandoned');
          this.#scheduleRequery(queue);
        }
        return;
      case 'QueueMemberStatus':
      case 'QueueMemberPause':
      case 'QueueMemberAdded':
      case 'QueueMemberPenalty':
      case 'QueueMemberRinginuse': {
        if (!this.#followed(queue)) return;
        const q = this.#queues.get(queue);
        const m = toMember(e);
        if (!q || !m) {
          this.#scheduleRequery(queue);
          return;
        }
        q.members.set(m.interface, m);
        this.#emit({ kind: 'member-updated', queue, member: m });
        return;
      }
      case 'QueueMemberRemoved': {
        if (!this.#followed(queue)) return;
        const iface = sanitizeText(e.Interface, 128);
        if (this.#queues.get(queue)?.members.delete(iface)) this.#emit({ kind: 'member-removed', queue, interface: iface });
        return;
      }
      case 'AgentConnect':
        if (this.#followed(queue) && e.Uniqueid) {
          this.#settle(e.Uniqueid, 'answered', sanitizeText(e.MemberName || e.Interface, MAX_NAME));
        }
        return;
      case 'AgentComplete':
        if (this.#followed(queue)) this.#scheduleRequery(queue);
        return;
      default:
        return;
    }
  }

  #onJoin(queue: string, e: AmiMessage): void {
    const id = e.Uniqueid;
    if (!id || !e.Channel) return;
    let q = this.#queues.get(queue);
    if (!q) {
      // A queue created after the snapshot (e.g. realtime): fetch it whole.
      this.#scheduleRequery(queue);
      return;
    }
    if (q.callers.some((c) => c.caller.id === id)) return;
    const prio = queuePrio(e);
    const name = callerIdPart(e.CallerIDName, MAX_NAME);
    const dialled = callerIdPart(e.Exten, MAX_NUMBER);
    const position = Math.max(1, Math.min(int(e.Position, q.callers.length + 1), q.callers.length + 1));
    const caller: QueueCaller = {
      id,
      queue,
      position,
      number: callerIdPart(e.CallerIDNum, MAX_NUMBER) ?? '',
      ...(name ? { name } : {}),
      joinedAt: Date.now(),
      priority: prio ?? 0,
      ...(dialled ? { dialled } : {}),
    };
    q = this.#queues.get(queue) as QueueModel;
    q.callers.splice(position - 1, 0, { caller, channel: e.Channel });
    this.#emit({ kind: 'caller-joined', caller });
    this.#renumber(q, position);
    if (prio === undefined) this.#scheduleRequery(queue);
  }

  /** Positions after `from` (1-based) follow the array order; emits caller-updated for those that moved. */
  #renumber(q: QueueModel, from: number): void {
    for (let i = from; i < q.callers.length; i++) {
      const entry = q.callers[i] as CallerEntry;
      if (entry.caller.position !== i + 1) {
        entry.caller = { ...entry.caller, position: i + 1 };
        this.#emit({ kind: 'caller-updated', caller: entry.caller });
      }
    }
  }

  #onLeave(queue: string, e: AmiMessage): void {
    const id = e.Uniqueid;
    const q = this.#queues.get(queue);
    if (!id || !q) return;
    const index = q.callers.findIndex((c) => c.caller.id === id);
    if (index < 0) return;
    q.callers.splice(index, 1);
    this.#renumber(q, index);
    this.#scheduleRequery(queue);
    this.#departed(queue, id);
  }

  /** A caller left `queue`: its outcome is known now (we took it, it abandoned) or from an AgentConnect soon. */
  #departed(queue: string, id: string): void {
    if (this.#taken.delete(id)) return this.#left(queue, id, 'withdrawn');
    if (this.#abandoned.delete(id)) return this.#left(queue, id, 'abandoned');
    const timer = setTimeout(() => {
      this.#leaving.delete(id);
      this.#left(queue, id, 'unknown');
    }, this.#config.timing?.outcomeGraceMs ?? 1000);
    this.#leaving.set(id, { queue, timer });
  }

  #settle(id: string, outcome: QueueCallerOutcome, answeredBy?: string): void {
    const l = this.#leaving.get(id);
    if (!l) return;
    clearTimeout(l.timer);
    this.#leaving.delete(id);
    this.#abandoned.delete(id);
    this.#left(l.queue, id, outcome, answeredBy);
  }

  #left(queue: string, id: string, outcome: QueueCallerOutcome, answeredBy?: string): void {
    this.#emit({ kind: 'caller-left', queue, id, outcome, ...(answeredBy ? { answeredBy } : {}) });
  }
}

function toState(q: QueueModel): QueueState {
  return { name: q.name, stats: q.stats, members: [...q.members.values()], callers: q.callers.map((c) => c.caller) };
}

function missing(x: never): never {
  throw new Error(`unhandled case: ${String(x)}`);
}
