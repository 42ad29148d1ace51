/**
 * Queued calls (issue 11): the PBX's call queues in the pane, and the receptionist's agent controls. A ConsoleExtension:
 * it answers `queue.*`, builds the `queues` part of the snapshot and pushes `queues.changed`.
 *
 * The PBX side is a provider-neutral QueueProvider (pbx/api/queues.ts); the Asterisk one is loaded lazily from
 * pbx/asterisk so a build without it still starts (the pane then says the PBX is not configured). The provider's
 * events are folded into our own model and the pane is sent at most once per BATCH_MS, whatever the AMI chatter.
 * Caller names come from the directories (like calls), looked up off the hot path and cached.
 */
import { CallerNames } from './caller-names';
import type { EventName, Events } from '../contract/contract';
import type { Snapshot } from '../contract/dto';
import {
  DEFAULT_CALLS_SHOWN,
  MAX_SHOWN_QUEUES,
  NOT_CONFIGURED_QUEUES,
  PbxConfigSchema,
  type PbxSettingsInput,
  type PbxSettingsView,
  type QueueCallerView,
  type QueueConnectionView,
  type QueueMemberView,
  type QueuePaneSelection,
  type QueuePaneView,
  type QueueSummaryView,
  type QueuesView,
} from '../contract/queues';
import {
  QueueError,
  type QueueCaller,
  type QueueConnectionState,
  type QueueEvent,
  type QueueMember,
  type QueueProvider,
  type QueueSnapshot,
  type QueueStats,
} from '../../pbx/api/queues';
import type { SipLogger } from '../../sip-core/api/softphone';
import type { Softphone } from '../../sip-core/api/softphone';
import { CommandFailure, type ConsoleExtension } from './console-service';
import type { PbxConfig, Provisioning } from './provisioning';

/** "Test connection" gives up (unreachable) after this long. */
export const TEST_TIMEOUT_MS = 6000;
/** Coalescing window of provider events into one `queues.changed` (≈ three frames). */
export const BATCH_MS = 50;

/** What the Asterisk factory takes (pbx/asterisk's AsteriskQueueConfig, without its test timings). */
export interface QueueProviderConfig {
  readonly ami: { readonly host: string; readonly port?: number; readonly user: string; readonly secret: string; readonly tls?: boolean };
  readonly context: string;
  readonly extension: string;
  readonly agentInterface?: string;
  readonly queues?: readonly string[];
  readonly takeMethod?: 'redirect' | 'withdraw';
}
export type QueueProviderFactory = (config: QueueProviderConfig, logger?: SipLogger) => QueueProvider | Promise<QueueProvider>;

/** The real one: pbx/asterisk, imported on first use. */
export const asteriskProviderFactory: QueueProviderFactory = async (config, logger) => {
  const { createAsteriskQueueProvider } = await import('../../pbx/asterisk');
  return createAsteriskQueueProvider(config, logger);
};

/** What the queue service needs from the call desk (ConsoleService implements it). */
export interface QueueHost {
  primaryAccount(): { readonly user: string } | undefined;
  /** Save the settings now (the pane's choices survive a restart). */
  persistNow?(): void;
}

export interface QueueServiceOptions {
  readonly createProvider?: QueueProviderFactory;
  /** The directories' name for a number (ContactsService.lookupNumber). */
  readonly lookup?: (number: string) => Promise<string | undefined>;
  readonly logger?: SipLogger;
  readonly batchMs?: number;
  readonly testTimeoutMs?: number;
}

interface QueueModel {
  readonly name: string;
  stats: QueueStats;
  readonly members: Map<string, QueueMember>;
  readonly callers: Map<string, QueueCaller>;
}

type Broadcast = <E extends EventName>(event: E, payload: Events[E]) => void;

function modelFrom(snapshot: QueueSnapshot): Map<string, QueueModel> {
  return new Map(
    snapshot.queues.map((q) => [
      q.name,
      { name: q.name, stats: q.stats, members: new Map(q.members.map((m) => [m.interface, m])), callers: new Map(q.callers.map((c) => [c.id, c])) },
    ]),
  );
}

function connectionView(c: QueueConnectionState): QueueConnectionView {
  switch (c.state) {
    case 'connected':
      return { state: 'connected' };
    case 'connecting':
    case 'stopped':
      return { state: 'connecting' };
    case 'unreachable':
    case 'auth-failed':
      return { state: c.state, ...(c.retryAt !== undefined && { retryAt: c.retryAt }) };
    default: {
      const never: never = c;
      return never;
    }
  }
}

/** Settings › PBX: the connection without its secret (never sent to any window). */
export function pbxSettingsView(c: PbxConfig): PbxSettingsView {
  return {
    type: c.type,
    host: c.ami.host,
    ...(c.ami.port !== undefined && { port: c.ami.port }),
    user: c.ami.user,
    hasSecret: c.ami.secret.length > 0,
    tls: c.ami.tls ?? false,
    context: c.context,
    ...(c.agentInterface !== undefined && { agentInterface: c.agentInterface }),
    pauseReasons: [...c.pauseReasons],
    ...(c.queues !== undefined && { queues: [...c.queues] }),
    ...(c.takeMethod !== undefined && { takeMethod: c.takeMethod }),
    ...(c.voicemailContext !== undefined && { voicemailContext: c.voicemailContext }),
    ...(c.voicemailMailbox !== undefined && { voicemailMailbox: c.voicemailMailbox }),
  };
}

const BUSY: ReadonlySet<QueueMember['status']> = new Set(['in-call', 'ringing', 'busy']);

function summary(q: QueueModel): QueueSummaryView {
  let available = 0;
  let busy = 0;
  let paused = 0;
  for (const m of q.members.values()) {
    if (m.paused) paused++;
    else if (BUSY.has(m.status)) busy++;
    else if (m.status === 'idle') available++;
  }
  let longestSince: number | undefined;
  for (const c of q.callers.values()) if (longestSince === undefined || c.joinedAt < longestSince) longestSince = c.joinedAt;
  return { name: q.name, waiting: q.callers.size, ...(longestSince !== undefined && { longestSince }), available, busy, paused };
}

/** Callers by position (ties by join time); positions renumbered 1…n so a caller who left leaves no gap. */
export function orderedCallers(q: Pick<QueueModel, 'callers'>): QueueCaller[] {
  return [...q.callers.values()].sort((a, b) => a.position - b.position || a.joinedAt - b.joinedAt);
}

/** Fold one provider event into the model. Returns false when the event changed nothing we show. */
export function applyQueueEvent(model: Map<string, QueueModel>, e: QueueEvent): boolean {
  const queue = (name: string): QueueModel => {
    let q = model.get(name);
    if (!q) {
      q = { name, stats: {}, members: new Map(), callers: new Map() };
      model.set(name, q);
    }
    return q;
  };
  switch (e.kind) {
    case 'snapshot':
    case 'connection':
      return true; // handled by the service (it owns the connection and replaces the model)
    case 'caller-joined':
    case 'caller-updated':
      queue(e.caller.queue).callers.set(e.caller.id, e.caller);
      return true;
    case 'caller-left': {
      const q = model.get(e.queue);
      const gone = q?.callers.get(e.id);
      if (!q || !gone) return false;
      q.callers.delete(e.id);
      // Everyone behind moves up one (the provider may or may not say so itself).
      for (const c of q.callers.values()) if (c.position > gone.position) q.callers.set(c.id, { ...c, position: c.position - 1 });
      return true;
    }
    case 'member-updated':
      queue(e.queue).members.set(e.member.interface, e.member);
      return true;
    case 'member-removed':
      return model.get(e.queue)?.members.delete(e.interface) ?? false;
    case 'stats':
      queue(e.queue).stats = e.stats;
      return true;
    default: {
      const never: never = e;
      return never;
    }
  }
}

export class QueueService implements ConsoleExtension {
  #broadcast: Broadcast = () => undefined;
  #host: QueueHost | undefined;
  readonly #options: QueueServiceOptions;
  readonly #createProvider: QueueProviderFactory;
  #config: PbxConfig | undefined;
  #selection: QueuePaneSelection = { queues: [], callsShown: DEFAULT_CALLS_SHOWN };
  #provider: QueueProvider | undefined;
  #providerKey: string | undefined;
  #providerOff: (() => void) | undefined;
  /** The provider could not be loaded (a build without pbx/asterisk): shown as not configured. */
  #providerMissing = false;
  /** Serialises provider start/stop (a config change while the previous provider is starting). */
  #lifecycle: Promise<void> = Promise.resolve();
  #connection: QueueConnectionState | undefined;
  #model = new Map<string, QueueModel>();
  #timer: NodeJS.Timeout | undefined;
  #lastSent = '';
  readonly #names: CallerNames;
  #stopped = false;
  readonly #configListeners = new Set<() => void>();

  constructor(options: QueueServiceOptions = {}) {
    this.#options = options;
    this.#names = new CallerNames({
      lookup: options.lookup,
      onNamed: () => this.#schedule(),
      onError: (e) => this.#log('warn', `queue caller lookup: ${String(e)}`),
    });
    this.#createProvider = options.createProvider ?? asteriskProviderFactory;
  }

  readonly handlers: ConsoleExtension['handlers'] = {
    'queue.take': ({ queue, callerId }) => this.#act(queue, (p) => p.take(queue, callerId), 'caller'),
    'queue.priority': ({ queue, callerId, change }) => {
      const q = this.#model.get(queue);
      const caller = q?.callers.get(callerId);
      if (!q || !caller) throw new CommandFailure('not-found', 'This caller is no longer waiting', 'error.callerGone');
      let priority: number;
      if (change === 'up') priority = caller.priority + 1;
      else if (change === 'down') priority = caller.priority - 1;
      else {
        // No "move to position N" in Asterisk: one step above everyone else (higher priority is served first).
        let max = Number.NEGATIVE_INFINITY;
        for (const c of q.callers.values()) if (c.id !== callerId) max = Math.max(max, c.priority);
        priority = Number.isFinite(max) ? Math.max(caller.priority, max + 1) : caller.priority;
        if (priority === caller.priority && orderedCallers(q)[0]?.id === callerId) return undefined;
      }
      return this.#act(queue, (p) => p.setPriority(queue, callerId, priority), 'caller');
    },
    'queue.login': ({ queue }) => this.#eachQueue(queue, (p, name) => p.login(name, this.#agentOverride())),
    'queue.logout': ({ queue }) => {
      const names = queue !== undefined ? [queue] : this.#shownNames();
      const statics = names.filter((n) => this.#agentOf(n)?.dynamic === false);
      if (queue !== undefined && statics.length > 0) {
        throw new CommandFailure('invalid-state', 'You are a permanent member of this queue: only the administrator can remove you', 'error.queueStaticMember');
      }
      return this.#eachQueue(queue, (p, name) => (statics.includes(name) ? Promise.resolve() : p.logout(name, this.#agentOverride())));
    },
    'queue.pause': ({ queue, reason }) => {
      const reasons = this.#config?.pauseReasons ?? [];
      if (reasons.length > 0 && (reason === undefined || !reasons.includes(reason))) {
        throw new CommandFailure('bad-request', 'Choose one of the pause reasons set by your administrator', 'error.pauseReason');
      }
      if (reasons.length === 0 && reason !== undefined) throw new CommandFailure('bad-request', 'No pause reasons are configured', 'error.noPauseReasons');
      return this.#act(queue, (p) => p.pause(queue, reason, this.#agentOverride()), 'queue');
    },
    'queue.resume': ({ queue }) => this.#act(queue, (p) => p.resume(queue, this.#agentOverride()), 'queue'),
    'queue.select': ({ queues, callsShown }) => {
      const unique = [...new Set(queues.map((q) => q.trim()))].slice(0, MAX_SHOWN_QUEUES);
      this.#selection = { queues: unique, callsShown: callsShown ?? this.#selection.callsShown };
      this.#host?.persistNow?.();
      this.#flush();
      return this.view();
    },
    'pbx.configure': (input) => {
      this.#config = this.#configFrom(input);
      this.#providerMissing = false;
      this.#host?.persistNow?.();
      this.#reconcile();
      this.#flush();
      return this.view();
    },
    'pbx.test': async (input) => {
      const config = this.#configFrom(input);
      return { result: await this.#tryOnce(config) };
    },
    'pbx.remove': () => {
      this.#config = undefined;
      this.#host?.persistNow?.();
      this.#reconcile();
      this.#flush();
      return this.view();
    },
  };

  /** Settings › PBX input → a full config: the stored secret fills an empty field for the same server only. */
  #configFrom(input: PbxSettingsInput): PbxConfig {
    const old = this.#config;
    // Write-only secret: empty keeps the stored one, but only for the same server (host, port, TLS), so that a
    // (possibly remote) window cannot send the stored secret to a server of its choosing.
    const sameServer = old !== undefined && old.ami.host.toLowerCase() === input.ami.host.toLowerCase() && old.ami.port === input.ami.port && (old.ami.tls ?? false) === (input.ami.tls ?? false);
    const secret = input.ami.secret ?? (sameServer ? old.ami.secret : undefined);
    if (secret === undefined) {
      throw old
        ? new CommandFailure('bad-request', 'ami.secret: enter the secret again for a different server', 'pbx.error.secretAgain', { field: 'ami.secret' })
        : new CommandFailure('bad-request', 'ami.secret: the secret is required', 'pbx.error.secret', { field: 'ami.secret' });
    }
    const parsed = PbxConfigSchema.safeParse({ ...input, ami: { ...input.ami, secret } });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'pbx';
      throw new CommandFailure('bad-request', `${field}: ${issue?.message.replace(/:.*$/s, '') ?? 'invalid'}`, 'error.badValue', { field });
    }
    return parsed.data;
  }

  /** "Test connection": a throw-away provider until it connects, is refused, or TEST_TIMEOUT_MS passes. */
  async #tryOnce(config: PbxConfig): Promise<'ok' | 'unreachable' | 'auth-failed'> {
    const extension = this.#host?.primaryAccount()?.user ?? 'test';
    let provider: QueueProvider;
    try {
      provider = await this.#createProvider(
        {
          ami: { ...config.ami },
          context: config.context,
          extension,
          ...(config.queues !== undefined && { queues: [...config.queues] }),
        },
        this.#options.logger,
      );
    } catch (e) {
      this.#log('error', `queue provider unavailable: ${String(e)}`);
      throw new CommandFailure('not-configured', 'This console cannot connect to this PBX', 'error.pbxUnsupported');
    }
    let off: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = new Promise<'ok' | 'unreachable' | 'auth-failed'>((resolve) => {
        const judge = (c: QueueConnectionState): void => {
          if (c.state === 'connected') resolve('ok');
          else if (c.state === 'auth-failed') resolve('auth-failed');
          else if (c.state === 'unreachable') resolve('unreachable');
        };
        off = provider.onDidChange((e) => {
          if (e.kind === 'connection') judge(e.connection);
          else if (e.kind === 'snapshot') judge(e.snapshot.connection);
        });
        timer = setTimeout(() => resolve('unreachable'), this.#options.testTimeoutMs ?? TEST_TIMEOUT_MS);
      });
      await provider.start();
      const now = provider.snapshot().connection;
      if (now.state === 'connected') return 'ok';
      if (now.state === 'auth-failed') return 'auth-failed';
      return await outcome;
    } finally {
      clearTimeout(timer);
      off?.();
      await provider.stop().catch(() => undefined);
    }
  }

  /** Called by the composition with the call desk (the primary account's user is our extension). */
  start(host: QueueHost): void {
    this.#host = host;
    this.#reconcile();
  }

  bind(broadcast: Broadcast): void {
    this.#broadcast = broadcast;
  }

  snapshot(): Partial<Snapshot> {
    return { queues: this.view() };
  }

  provision(p: Provisioning): void {
    this.#config = p.pbx;
    if (p.queuePane) this.#selection = { queues: [...p.queuePane.queues].slice(0, MAX_SHOWN_QUEUES), callsShown: p.queuePane.callsShown };
    this.#reconcile();
  }

  primarySoftphone(_softphone: Softphone | undefined): void {
    this.#reconcile();
  }

  persisted(): Pick<Provisioning, 'pbx' | 'queuePane'> {
    return { ...(this.#config && { pbx: this.#config }), queuePane: { queues: [...this.#selection.queues], callsShown: this.#selection.callsShown } };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#providerKey = undefined;
    await this.#lifecycle;
    await this.#swap(undefined, undefined);
  }

  /** The AMI secret, for log/diagnostics redaction. */
  secrets(): string[] {
    return this.#config ? [this.#config.ami.secret] : [];
  }

  // ───────────────────────────── the view ─────────────────────────────

  view(): QueuesView {
    const config = this.#config;
    const selection = {
      selected: [...this.#selection.queues],
      callsShown: this.#selection.callsShown,
      ...(config && { pbx: pbxSettingsView(config) }),
    };
    // No pbx section, no account to act as, or no provider in this build: nothing the receptionist can fix.
    if (!config || this.#providerKey === undefined || this.#providerMissing) return { ...NOT_CONFIGURED_QUEUES, ...selection };
    if (!this.#provider) return { ...NOT_CONFIGURED_QUEUES, connection: { state: 'connecting' }, pauseReasons: [...config.pauseReasons], ...selection };
    const connection = connectionView(this.#connection ?? { state: 'connecting', attempt: 0 });
    const connected = connection.state === 'connected';
    const all = connected ? [...this.#model.values()].map(summary) : [];
    const queues: QueuePaneView[] = connected ? this.#shownNames().flatMap((n) => {
      const q = this.#model.get(n);
      return q ? [this.#paneQueue(q)] : [];
    }) : [];
    return {
      connection,
      capabilities: { ...this.#provider.capabilities },
      pauseReasons: [...config.pauseReasons],
      all,
      ...selection,
      queues,
    };
  }

  /** The chosen queues that exist, else (nothing chosen) the first ones the PBX shows. */
  #shownNames(): string[] {
    const chosen = this.#selection.queues.filter((n) => this.#model.has(n));
    return (chosen.length > 0 ? chosen : [...this.#model.keys()]).slice(0, MAX_SHOWN_QUEUES);
  }

  #agentInterface(): string | undefined {
    const user = this.#host?.primaryAccount()?.user;
    return this.#config?.agentInterface ?? (user ? `PJSIP/${user}` : undefined);
  }

  /** Only an explicitly configured interface is passed; otherwise the provider's own default (PJSIP/<extension>). */
  #agentOverride(): string | undefined {
    return this.#config?.agentInterface;
  }

  #agentOf(queue: string): QueueMember | undefined {
    const iface = this.#agentInterface()?.toLowerCase();
    if (!iface) return undefined;
    for (const m of this.#model.get(queue)?.members.values() ?? []) if (m.interface.toLowerCase() === iface) return m;
    return undefined;
  }

  #paneQueue(q: QueueModel): QueuePaneView {
    const self = this.#agentOf(q.name);
    const callers: QueueCallerView[] = orderedCallers(q)
      .slice(0, this.#selection.callsShown)
      .map((c, i) => {
        const name = this.#nameOf(c);
        return { id: c.id, position: i + 1, number: c.number, ...(name && { name }), joinedAt: c.joinedAt, priority: c.priority };
      });
    const members: QueueMemberView[] = [...q.members.values()].map((m) => ({
      interface: m.interface,
      name: m.name,
      status: m.status,
      paused: m.paused,
      ...(m.paused && m.pausedReason && { pausedReason: m.pausedReason }),
      ...(m.paused && m.autoPaused && { autoPaused: true }),
      ...(m === self && { self: true }),
    }));
    return {
      ...summary(q),
      ...(q.stats.strategy !== undefined && { strategy: q.stats.strategy }),
      ...(q.stats.completed !== undefined && { answered: q.stats.completed }),
      ...(q.stats.abandoned !== undefined && { abandoned: q.stats.abandoned }),
      members,
      callers,
      agent: self
        ? {
            loggedIn: true,
            paused: self.paused,
            ...(self.paused && self.pausedReason && { pausedReason: self.pausedReason }),
            ...(self.paused && self.autoPaused && { autoPaused: true }),
            ...(!self.dynamic && { static: true }),
          }
        : { loggedIn: false, paused: false },
    };
  }

  /** The directory's name when known (looked up once per number, in the background), else the caller ID name. */
  #nameOf(c: QueueCaller): string | undefined {
    return this.#names.nameOf(c.number, c.name);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#options.batchMs ?? BATCH_MS);
    this.#timer.unref?.();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const view = this.view();
    const text = JSON.stringify(view);
    if (text === this.#lastSent) return;
    this.#lastSent = text;
    this.#broadcast('queues.changed', view);
  }

  // ───────────────────────────── provider lifecycle ─────────────────────────────

  /** Start, restart or stop the provider so it matches the configuration and the receptionist's extension. */
  /** The PBX connection as configured now (the call-routing services use the same PBX). */
  pbxConfig(): PbxConfig | undefined {
    return this.#config;
  }

  /** Called after every change of the PBX connection or of the primary account. */
  onDidChangeConfig(listener: () => void): () => void {
    this.#configListeners.add(listener);
    return () => this.#configListeners.delete(listener);
  }

  #reconcile(): void {
    for (const l of this.#configListeners) l();
    if (this.#stopped || !this.#host) return;
    const config = this.#config;
    const user = this.#host.primaryAccount()?.user;
    const wanted: QueueProviderConfig | undefined =
      config && user
        ? {
            ami: { ...config.ami },
            context: config.context,
            extension: user,
            ...(config.agentInterface !== undefined && { agentInterface: config.agentInterface }),
            ...(config.queues !== undefined && { queues: [...config.queues] }),
            ...(config.takeMethod !== undefined && { takeMethod: config.takeMethod }),
          }
        : undefined;
    const key = wanted && JSON.stringify(wanted);
    if (key === this.#providerKey) return;
    this.#providerKey = key;
    this.#lifecycle = this.#lifecycle.then(() => this.#swap(wanted, key)).catch((e: unknown) => this.#log('error', `queue provider: ${String(e)}`));
  }

  async #swap(config: QueueProviderConfig | undefined, key: string | undefined): Promise<void> {
    const old = this.#provider;
    this.#providerOff?.();
    this.#providerOff = undefined;
    this.#provider = undefined;
    this.#model = new Map();
    this.#connection = undefined;
    if (old) await old.stop().catch((e: unknown) => this.#log('warn', `queue provider stop: ${String(e)}`));
    if (config && !this.#stopped && key === this.#providerKey) {
      this.#flush();
      let provider: QueueProvider;
      try {
        provider = await this.#createProvider(config, this.#options.logger);
      } catch (e) {
        this.#log('error', `queue provider unavailable: ${String(e)}`);
        this.#providerMissing = true;
        this.#flush();
        return;
      }
      this.#providerMissing = false;
      if (this.#stopped || key !== this.#providerKey) return;
      this.#provider = provider;
      this.#providerOff = provider.onDidChange((e) => this.#onEvent(e));
      const s = provider.snapshot();
      this.#model = modelFrom(s);
      this.#connection = s.connection;
      await provider.start();
    }
    this.#flush();
  }

  #onEvent(e: QueueEvent): void {
    if (e.kind === 'snapshot') {
      this.#model = modelFrom(e.snapshot);
      this.#connection = e.snapshot.connection;
    } else if (e.kind === 'connection') {
      this.#connection = e.connection;
    } else if (!applyQueueEvent(this.#model, e)) {
      return;
    }
    this.#schedule();
  }

  // ───────────────────────────── commands ─────────────────────────────

  #ready(): QueueProvider {
    const p = this.#provider;
    if (!this.#config || !p) {
      throw new CommandFailure('not-configured', 'The PBX connection for queues is not set up: ask your administrator', 'error.queuesNotConfigured');
    }
    if (this.#connection?.state !== 'connected') {
      throw new CommandFailure('network', 'The queue server is unreachable: try again in a moment', 'error.queueServerUnreachable');
    }
    return p;
  }

  async #act(queue: string | undefined, run: (p: QueueProvider) => Promise<void>, subject: 'caller' | 'queue'): Promise<void> {
    const p = this.#ready();
    try {
      await run(p);
    } catch (e) {
      throw this.#failure(e, queue, subject);
    }
  }

  /** One queue, or every queue shown in the pane. */
  async #eachQueue(queue: string | undefined, run: (p: QueueProvider, name: string) => Promise<void>): Promise<void> {
    const p = this.#ready();
    const names = queue !== undefined ? [queue] : this.#shownNames();
    const results = await Promise.allSettled(names.map((n) => run(p, n)));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) throw this.#failure((results[failed] as PromiseRejectedResult).reason, names[failed], 'queue');
  }

  /** Provider errors in plain words (the technical detail goes to the log). */
  #failure(e: unknown, queue: string | undefined, subject: 'caller' | 'queue'): CommandFailure {
    if (e instanceof CommandFailure) return e;
    if (!(e instanceof QueueError)) {
      this.#log('error', `queue action: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return new CommandFailure('internal', 'The queue server could not do this', 'error.queueServerFailed');
    }
    this.#log('warn', `queue action refused (${e.code}): ${e.message}`);
    switch (e.code) {
      case 'unreachable':
      case 'timeout':
        return new CommandFailure('network', 'The queue server did not answer: try again in a moment', 'error.queueServerTimeout');
      case 'not-found':
        return subject === 'caller'
          ? new CommandFailure('not-found', 'This caller is no longer waiting', 'error.callerGone')
          : new CommandFailure('not-found', `The queue ${queue ?? ''} does not exist on the PBX`.replace('  ', ' '), 'error.queueNotFound', { queue: queue ?? '' });
      case 'refused':
        return new CommandFailure('invalid-state', 'The PBX refused this action', 'error.pbxRefused');
      case 'unsupported':
        return new CommandFailure('invalid-state', 'This PBX cannot do that', 'error.pbxCannot');
      default: {
        const never: never = e.code;
        return never;
      }
    }
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#options.logger?.[level](message);
  }
}
