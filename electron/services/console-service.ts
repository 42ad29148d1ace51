/**
 * The main-process services behind the contract: accounts, registration, calls, preferences, messages.
 * Both hosts (Electron main and the web host) construct one ConsoleService and connect their clients to it.
 * Call state lives here, not in the renderer: a reloaded window gets everything back from `snapshot()`.
 */
import type {
  AccountInput,
  AccountView,
  CallView,
  GlobalMessage,
  Preferences,
  RegistrationView,
  Snapshot,
} from '../contract/dto';
import {
  AccountInputSchema,
} from '../contract/dto';
import {
  MAX_COMMAND_BYTES,
  parseCommand,
  type CommandName,
  type CommandParsedArgs,
  type CommandResult,
  type ContractError,
  type ErrorCode,
  type EventName,
  type Events,
  type Result,
} from '../contract/contract';
import type { SipAccountConfig } from '../../sip-core/api/account';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import type { RegistrationState } from '../../sip-core/api/registration-state';
import type { Call, Softphone, SoftphoneOptions, SipLogger } from '../../sip-core/api/softphone';
import { CallError } from '../../sip-core/api/softphone';
import { MessageCenter } from './message-center';
import { RendererMediaHub } from './renderer-media-hub';
import type { Provisioning } from './provisioning';

/** One client of the services: an Electron window or a web-host WebSocket. */
export interface HostConnection {
  readonly id: string;
  send<E extends EventName>(event: E, payload: Events[E]): void;
}

export class CommandFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ConsoleServiceOptions {
  readonly host: 'electron' | 'web';
  readonly createSoftphone: (options: SoftphoneOptions) => Softphone;
  /** Builds the per-call media factory for the given renderer hub (WebRTC relay or RTP bridge). */
  readonly createMediaFactory: (hub: RendererMediaHub) => MediaSessionFactory;
  readonly logger?: SipLogger;
  /** How long an ended call stays visible before `call.removed` (ms). */
  readonly endedCallLingerMs?: number;
  readonly userAgent?: string;
  /** Persist accounts/preferences (Electron: user-data + safeStorage). Web host: none (memory only). */
  readonly persist?: (state: { accounts: AccountInput[]; preferences: Preferences }) => void;
}

interface AccountEntry {
  readonly id: string;
  readonly input: AccountInput;
  readonly config: SipAccountConfig;
  softphone: Softphone;
  registration: RegistrationView;
  disposers: (() => void)[];
}

interface CallEntry {
  readonly call: Call;
  view: CallView;
  dispose: () => void;
  removeTimer?: NodeJS.Timeout;
}

const DEFAULT_PORTS: Record<SipAccountConfig['transport'], number> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

export function accountConfigFromInput(id: string, input: AccountInput): SipAccountConfig {
  const a = AccountInputSchema.parse(input);
  return {
    id,
    server: a.server,
    port: a.port ?? DEFAULT_PORTS[a.transport],
    transport: a.transport,
    user: a.user,
    password: a.password,
    media: a.media,
    ...(a.authUser !== undefined && { authUser: a.authUser }),
    ...(a.displayName !== undefined && { displayName: a.displayName }),
    ...(a.domain !== undefined && { domain: a.domain }),
    ...(a.outboundProxy !== undefined && { outboundProxy: a.outboundProxy }),
    ...(a.registerExpires !== undefined && { registerExpires: a.registerExpires }),
    ...(a.tlsVerify !== undefined && { tlsVerify: a.tlsVerify }),
    ...(a.wsPath !== undefined && { wsPath: a.wsPath }),
  };
}

function accountView(e: AccountEntry): AccountView {
  const c = e.config;
  return {
    id: c.id,
    server: c.server,
    port: c.port,
    transport: c.transport,
    user: c.user,
    media: c.media,
    hasPassword: c.password.length > 0,
    ...(c.displayName !== undefined && { displayName: c.displayName }),
  };
}

function registrationView(s: RegistrationState): RegistrationView {
  return s;
}

function callView(s: CallSnapshot): CallView {
  return { ...s, remote: { ...s.remote } };
}

export class ConsoleService {
  readonly media: RendererMediaHub;
  readonly messages: MessageCenter;
  #accounts: AccountEntry[] = [];
  #calls = new Map<string, CallEntry>();
  #connections = new Map<string, HostConnection>();
  #preferences: Preferences = { language: 'en', theme: 'system', declineCode: 486 };
  #online = true;
  #version = 0;
  #stopped = false;

  constructor(private readonly options: ConsoleServiceOptions) {
    this.media = new RendererMediaHub();
    this.messages = new MessageCenter((added, removedId) => {
      if (added) this.#broadcast('message.added', added);
      if (removedId) this.#broadcast('message.removed', { id: removedId });
    });
    // A new audio owner: every live call re-negotiates its renderer leg (RTP bridge does it itself; WebRTC calls
    // need a re-INVITE with the new window's offer).
    this.media.onDidAttach(() => {
      for (const { call, view } of this.#calls.values()) {
        if (view.mediaMode === 'webrtc' && (view.state === 'active' || view.state === 'held')) {
          call.renegotiate().catch((e: unknown) => this.#log('warn', `renegotiate ${view.id}: ${String(e)}`));
        }
      }
    });
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** Saved settings could not be used: say so in the info pane (the damaged file was kept aside). */
  reportSettingsProblem(problem: { detail: string; keptIn: string }): void {
    this.messages.add('error', 'settings.damaged', { detail: problem.detail, file: problem.keptIn });
  }

  async applyProvisioning(p: Provisioning): Promise<void> {
    this.#preferences = { ...this.#preferences, ...p.preferences };
    for (const input of p.accounts) await this.#addAccount(input);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const e of this.#calls.values()) clearTimeout(e.removeTimer);
    await Promise.allSettled(this.#accounts.map((a) => this.#removeAccount(a)));
  }

  /** Network came back / machine resumed: reconnect every account now rather than waiting for the backoff. */
  async setOnline(online: boolean): Promise<void> {
    if (this.#online === online) return;
    this.#online = online;
    this.#broadcast('network.changed', { online });
    if (online) await Promise.allSettled(this.#accounts.map((a) => a.softphone.reconnect()));
  }

  async resume(): Promise<void> {
    await Promise.allSettled(this.#accounts.map((a) => a.softphone.reconnect()));
  }

  // ───────────────────────────── connections ─────────────────────────────

  /** A client connected: it gets the full snapshot first, then deltas. Returns the disconnect function. */
  connect(conn: HostConnection): () => void {
    this.#connections.set(conn.id, conn);
    conn.send('snapshot', this.snapshot());
    return () => {
      this.#connections.delete(conn.id);
      this.media.detach(conn.id);
    };
  }

  snapshot(): Snapshot {
    return {
      version: ++this.#version,
      host: this.options.host,
      needsSetup: this.#accounts.length === 0,
      accounts: this.#accounts.map(accountView),
      registrations: Object.fromEntries(this.#accounts.map((a) => [a.id, a.registration])),
      calls: [...this.#calls.values()].map((c) => c.view),
      messages: this.messages.list(),
      preferences: this.#preferences,
      online: this.#online,
    };
  }

  /**
   * The one entry point for untrusted commands from either host: size check, schema validation, dispatch,
   * and errors as data. Never throws.
   */
  async dispatch(conn: HostConnection, name: unknown, args: unknown, rawSize = 0): Promise<Result<unknown>> {
    if (rawSize > MAX_COMMAND_BYTES) {
      return { ok: false, error: { code: 'too-large', message: `Command too large (${rawSize} bytes)` } };
    }
    const parsed = parseCommand(name, args);
    if (!parsed.ok) return parsed;
    try {
      const handler = this.#handlers[parsed.name] as (a: unknown, c: HostConnection) => unknown;
      const value = await handler(parsed.args, conn);
      return { ok: true, value: value === undefined ? null : value };
    } catch (e) {
      return { ok: false, error: this.#toContractError(e) };
    }
  }

  #toContractError(e: unknown): ContractError {
    if (e instanceof CommandFailure) return { code: e.code, message: e.message };
    if (e instanceof CallError) {
      const code: ErrorCode = e.code === 'invalid-target' ? 'bad-request' : e.code === 'media' ? 'internal' : e.code;
      return { code, message: e.message };
    }
    this.#log('error', `command failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return { code: 'internal', message: e instanceof Error ? e.message : 'Unexpected error' };
  }

  // ───────────────────────────── command handlers ─────────────────────────────

  readonly #handlers: { [N in CommandName]: (args: CommandParsedArgs<N>, conn: HostConnection) => Promise<CommandResult<N>> | CommandResult<N> } = {
    'app.snapshot': () => this.snapshot(),
    'account.save': async (input) => {
      for (const a of [...this.#accounts]) await this.#removeAccount(a);
      const entry = await this.#addAccount(input);
      this.#persist();
      return accountView(entry);
    },
    'preferences.update': (patch) => {
      const next = { ...this.#preferences };
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
      this.#preferences = next;
      this.#broadcast('preferences.changed', next);
      this.#persist();
      return next;
    },
    'call.dial': ({ target, accountId }) => {
      const account = accountId ? this.#accounts.find((a) => a.id === accountId) : this.#accounts[0];
      if (!account) throw new CommandFailure('not-found', 'No SIP account is configured');
      if (account.registration.state !== 'registered') {
        throw new CommandFailure('not-registered', 'The phone is not registered: calls cannot be placed yet');
      }
      const call = account.softphone.dial(target);
      this.#trackCall(call);
      return { callId: call.id };
    },
    'call.answer': async ({ callId }) => {
      await this.#call(callId).call.answer();
    },
    'call.decline': async ({ callId, code }) => {
      await this.#call(callId).call.decline(code ?? this.#preferences.declineCode);
    },
    'call.hangup': async ({ callId }) => {
      await this.#call(callId).call.hangup();
    },
    'call.dtmf': async ({ callId, tones }) => {
      await this.#call(callId).call.sendDtmf(tones);
    },
    'messages.dismiss': ({ id }) => {
      this.messages.dismiss(id);
    },
    'media.attach': (_args, conn) => {
      this.media.attach({ connectionId: conn.id, send: (req) => conn.send('media.request', req) });
    },
    'media.reply': ({ requestId, ok, sdp, value, error }, conn) => {
      const accepted = this.media.reply(conn.id, requestId, {
        ok,
        ...(sdp !== undefined && { sdp }),
        ...(value !== undefined && { value }),
        ...(error !== undefined && { error }),
      });
      if (!accepted) throw new CommandFailure('not-found', `No pending media request ${requestId}`);
    },
  };

  #call(callId: string): CallEntry {
    const c = this.#calls.get(callId);
    if (!c) throw new CommandFailure('not-found', 'This call no longer exists');
    return c;
  }

  // ───────────────────────────── accounts & calls ─────────────────────────────

  async #addAccount(input: AccountInput): Promise<AccountEntry> {
    const id = `acc-${this.#accounts.length + 1}`;
    const config = accountConfigFromInput(id, input);
    const softphone = this.options.createSoftphone({
      account: config,
      media: this.options.createMediaFactory(this.media),
      ...(this.options.logger && { logger: this.options.logger }),
      ...(this.options.userAgent && { userAgent: this.options.userAgent }),
    });
    const entry: AccountEntry = {
      id,
      input,
      config,
      softphone,
      registration: registrationView(softphone.registration()),
      disposers: [],
    };
    entry.disposers.push(
      softphone.onDidChangeRegistration((s) => this.#onRegistration(entry, s)),
      softphone.onIncomingCall((call) => this.#onIncoming(call)),
    );
    this.#accounts.push(entry);
    this.#broadcast('accounts.changed', { accounts: this.#accounts.map(accountView), needsSetup: false });
    softphone.start().catch((e: unknown) => this.#log('error', `start ${id}: ${String(e)}`));
    return entry;
  }

  async #removeAccount(entry: AccountEntry): Promise<void> {
    entry.disposers.forEach((d) => d());
    this.#accounts = this.#accounts.filter((a) => a !== entry);
    await entry.softphone.stop().catch(() => undefined);
    if (!this.#stopped) {
      this.#broadcast('accounts.changed', {
        accounts: this.#accounts.map(accountView),
        needsSetup: this.#accounts.length === 0,
      });
    }
  }

  #onRegistration(entry: AccountEntry, s: RegistrationState): void {
    const previous = entry.registration;
    entry.registration = registrationView(s);
    this.#broadcast('registration.changed', { accountId: entry.id, registration: entry.registration });
    if (s.state === 'failed' && (previous.state !== 'failed' || previous.reason !== s.reason)) {
      this.messages.add('error', `registration.failed.${s.reason}`, { detail: s.detail, server: entry.config.server });
    } else if (s.state === 'registered' && previous.state === 'failed') {
      this.messages.add('info', 'registration.ok', { server: entry.config.server });
    }
  }

  #onIncoming(call: Call): void {
    const entry = this.#trackCall(call);
    const r = entry.view.remote;
    this.messages.add('info', 'call.incoming', { name: r.displayName ?? r.user, number: r.user });
  }

  #trackCall(call: Call): CallEntry {
    const entry: CallEntry = { call, view: callView(call.snapshot()), dispose: () => undefined };
    entry.dispose = call.onDidChange((s) => this.#onCallChange(entry, s));
    this.#calls.set(call.id, entry);
    this.#broadcast('call.changed', entry.view);
    return entry;
  }

  #onCallChange(entry: CallEntry, s: CallSnapshot): void {
    const before = entry.view;
    entry.view = callView(s);
    this.#broadcast('call.changed', entry.view);
    if (s.state === 'ended' && before.state !== 'ended') {
      entry.dispose();
      this.#reportEnd(before, s);
      entry.removeTimer = setTimeout(() => {
        this.#calls.delete(s.id);
        this.#broadcast('call.removed', { callId: s.id });
      }, this.options.endedCallLingerMs ?? 8000);
      entry.removeTimer.unref?.();
    }
  }

  #reportEnd(before: CallView, s: CallSnapshot): void {
    const who = s.remote.displayName ?? s.remote.user;
    switch (s.endReason) {
      case 'busy':
      case 'rejected':
      case 'not-found':
      case 'unavailable':
      case 'timeout':
      case 'network':
      case 'media-failed':
        if (s.direction === 'outgoing' || s.endReason === 'media-failed' || s.endReason === 'network') {
          this.messages.add('warning', `call.failed.${s.endReason === 'media-failed' ? 'media' : s.endReason}`, {
            name: who,
            status: s.endStatus ?? 0,
          });
        }
        return;
      case 'cancelled':
        if (s.direction === 'incoming' && before.state === 'incoming') {
          this.messages.add('warning', 'call.missed', { name: who, number: s.remote.user });
        }
        return;
      case 'local-hangup':
      case 'remote-hangup':
      case 'declined':
      case 'answered-elsewhere':
      case undefined:
        return;
      default: {
        const never: never = s.endReason;
        return never;
      }
    }
  }

  // ───────────────────────────── helpers ─────────────────────────────

  #broadcast<E extends EventName>(event: E, payload: Events[E]): void {
    for (const c of this.#connections.values()) {
      try {
        c.send(event, payload);
      } catch (e) {
        this.#log('warn', `send ${event} to ${c.id}: ${String(e)}`);
      }
    }
  }

  #persist(): void {
    this.options.persist?.({ accounts: this.#accounts.map((a) => a.input), preferences: this.#preferences });
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.logger?.[level](message);
  }

  /** For tests and the bench. */
  callViews(): readonly CallView[] {
    return [...this.#calls.values()].map((c) => c.view);
  }
  messagesList(): readonly GlobalMessage[] {
    return this.messages.list();
  }
}
