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
import { AccountInputSchema, DEFAULT_PREFERENCES, registrationFailureKey } from '../contract/dto';
import {
  MAX_COMMAND_BYTES,
  parseCommand,
  type CommandName,
  type CommandParsedArgs,
  type CommandResult,
  type ContractError,
  type ErrorCode,
  type ErrorParams,
  type EventName,
  type Events,
  type Result,
} from '../contract/contract';
import type { ContactsCommandName } from '../contract/contacts';
import type { HeadsetCommandName } from '../contract/headset';
import type { MissedCallsCommandName } from '../contract/missed-calls';
import type { PresenceCommandName } from '../contract/presence';
import type { ParkingCommandName } from '../contract/parking';
import type { QueuesCommandName } from '../contract/queues';
import type { ServicesCommandName } from '../contract/services';
import type { AppInfoCommandName } from '../contract/app-info';
import type { VoicemailCommandName } from '../contract/voicemail';
import type { SipAccountConfig } from '../../sip-core/api/account';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import type { RegistrationState } from '../../sip-core/api/registration-state';
import type { Call, DialOptions, Softphone, SoftphoneOptions, SipLogger } from '../../sip-core/api/softphone';
import { CallError } from '../../sip-core/api/softphone';
import { planLeave } from '../contract/conference';
import { linkNamesForeignHost, parseDialUrl } from './dial-url';
import { keepsStoredPassword, mergeAccountUpdate } from './account-edit';
import { companyCa, TlsCaError } from './tls-ca';
import { MessageCenter } from './message-center';
import { RendererMediaHub } from './renderer-media-hub';
import type { Provisioning } from './provisioning';

/** One client of the services: an Electron window or a web-host WebSocket. */
export interface HostConnection {
  readonly id: string;
  send<E extends EventName>(event: E, payload: Events[E]): void;
}

type Handler<N extends CommandName> = (args: CommandParsedArgs<N>, conn: HostConnection) => Promise<CommandResult<N>> | CommandResult<N>;
/** Commands the call desk answers itself; the others belong to an extension. */
type CoreCommandName = Exclude<CommandName, ContactsCommandName | HeadsetCommandName | MissedCallsCommandName | ParkingCommandName | PresenceCommandName | QueuesCommandName | ServicesCommandName | AppInfoCommandName | VoicemailCommandName>;

/**
 * A service beside the call desk that answers some contract commands and watches calls (the contacts service: caller
 * lookup and call history). It lives in its own file; this one stays about calls.
 */
export interface ConsoleExtension {
  readonly handlers: { readonly [N in CommandName]?: Handler<N> };
  /** Called once: lets the extension push its own events to every client. */
  bind?(broadcast: <E extends EventName>(event: E, payload: Events[E]) => void): void;
  /** Who has this number (a directory lookup without a call: queue callers)? */
  lookupNumber?(number: string): Promise<CallView['contact']>;
  /** Who is on this call? Asked after the call is shown, so it never delays the ringing event. */
  lookupCaller?(call: CallView): Promise<CallView['contact']>;
  /** Every `call.changed` view, in order (the contacts service builds each call's timeline from them). */
  callChanged?(call: CallView): void;
  /** A call ended (its final view). */
  callEnded?(call: CallView, context: { readonly pickupPrefix: string }): void;
  stop?(): Promise<void>;
  /** Delete all data (issue 13 item 9): forget what was saved, as on first start; without it, `provision` gets the first-start settings. */
  forget?(): Promise<void> | void;
  /** The extension's part of the snapshot (e.g. the headset slot); it cannot replace the call desk's fields. */
  snapshot?(): Partial<Snapshot>;
  /** The provisioning file (e.g. favorites), before its accounts are added. */
  provision?(p: Provisioning): void;
  /** The primary account's softphone changed (presence subscriptions ride on it); undefined: no account. */
  primarySoftphone?(softphone: Softphone | undefined): void;
  /** The extension's part of the saved settings (same format as the provisioning file, e.g. favorites). */
  persisted?(): Partial<Pick<Provisioning, ExtensionSettings>>;
  /** The receptionist's preferences changed (e.g. do-not-disturb turned on). */
  preferencesChanged?(preferences: Preferences): void;
  /** The call-routing services' verdict on an incoming call before it rings (the first extension that has one wins). */
  screenIncoming?(call: CallSnapshot, context: { readonly busy: boolean }): IncomingDecision | undefined;
  /** Options for an outgoing call (the presented number); `presentAs` is the receptionist's choice for this call. */
  dialOptions?(presentAs?: string): DialOptions | undefined;
}

/** Why the console itself refused or redirected a call (message keys `call.screened.<reason>`). */
export type ScreenReason = 'blacklist' | 'anonymous' | 'dnd' | 'forward-always' | 'forward-busy' | 'forward-no-answer';

/** The services' verdict on an incoming call, before it rings. */
export type IncomingDecision =
  | { readonly action: 'refuse'; readonly code: 486 | 603; readonly reason: ScreenReason }
  | {
      readonly action: 'deflect';
      readonly target: string;
      readonly reason: ScreenReason;
      readonly warningRing: boolean;
      /** The target is the receptionist's voicemail (the message says "sent to your voicemail"). */
      readonly voicemail?: boolean;
    }
  | {
      readonly action: 'ring';
      /** A priority caller: rings through do-not-disturb. */
      readonly priority: boolean;
      /** Forward on no answer, done by the console. */
      readonly noAnswer?: { readonly target: string; readonly seconds: number; readonly warningRing: boolean; readonly voicemail?: boolean };
    };

/** Parts of the saved settings that extensions own: favorites (presence), the PBX connection and the queue pane's choices (queues), the directories (contacts). */
export type ExtensionSettings = 'favorites' | 'pbx' | 'queuePane' | 'services' | 'directories';

/** What is saved between launches: the provisioning format (settings-store.ts). */
export interface PersistedState {
  readonly accounts: AccountInput[];
  readonly preferences: Preferences;
  readonly favorites?: Provisioning['favorites'];
  /** The PBX connection for queues (its AMI secret is protected like the SIP password: settings-store.ts codec). */
  readonly pbx?: Provisioning['pbx'];
  readonly queuePane?: Provisioning['queuePane'];
  readonly services?: Provisioning['services'];
  /** Default country, company LDAP directory (its bind password protected like the SIP password), queues. */
  readonly directories?: Provisioning['directories'];
}

/**
 * A command refused in words: `code` for programs, `key` + `params` for the receptionist (translated by the renderer,
 * renderer/i18n — tests/unit/renderer-i18n.test.ts checks every key thrown here exists in en, fr and nl), `message`
 * in English for the log.
 */
export class CommandFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly key?: string,
    readonly params?: ErrorParams,
  ) {
    super(message);
  }

  toContractError(): ContractError {
    return {
      code: this.code,
      message: this.message,
      ...(this.key !== undefined && { key: this.key }),
      ...(this.params !== undefined && { params: this.params }),
    };
  }
}

/** sip-core's CallError codes as contract codes, and the key of their text (`error.call.<code>`). */
export function callErrorToContract(e: CallError): ContractError {
  const code: ErrorCode = e.code === 'invalid-target' ? 'bad-request' : e.code === 'media' ? 'internal' : e.code;
  return { code, message: e.message, key: `error.call.${e.code}` };
}

export interface ConsoleServiceOptions {
  readonly host: 'electron' | 'web';
  readonly createSoftphone: (options: SoftphoneOptions) => Softphone;
  /** Builds the per-call media factory for the given renderer hub (WebRTC relay or RTP bridge). */
  readonly createMediaFactory: (hub: RendererMediaHub, account: SipAccountConfig) => MediaSessionFactory;
  readonly logger?: SipLogger;
  /** How long an ended call stays visible before `call.removed` (ms). */
  readonly endedCallLingerMs?: number;
  readonly userAgent?: string;
  /** Persist accounts/preferences (Electron: user-data + safeStorage). Web host: none (memory only). */
  readonly persist?: (state: PersistedState) => void;
  readonly extensions?: readonly ConsoleExtension[];
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
  /** Console-side state merged into the view (the SIP side knows nothing of lines, mute or conferences). */
  local: {
    line: number;
    muted: boolean;
    volume: number;
    consultFor?: string;
    conferenceId?: string;
    /** Conference panel's Mute on this party (issue 13 item 4). */
    partyMuted?: boolean;
    autoAnswerAt?: number;
    autoAnswered?: boolean;
    contact?: CallView['contact'];
  };
  autoAnswerTimer?: NodeJS.Timeout;
  /** Forward on no answer (console-side services). */
  forwardTimer?: NodeJS.Timeout;
}

const DEFAULT_PORTS: Record<SipAccountConfig['transport'], number> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

/**
 * Throws TlsCaError when the company CA (tlsCa / tlsCaFile) cannot be used, unless `onTlsCaProblem` is given: then
 * the account is set up without it (its TLS connections fail as "not signed by a trusted authority").
 */
export function accountConfigFromInput(id: string, input: AccountInput, onTlsCaProblem?: (e: TlsCaError) => void): SipAccountConfig {
  const a = AccountInputSchema.parse(input);
  const tlsCa = companyCaOrReport(a, onTlsCaProblem);
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
    ...(a.dtmfMode !== undefined && { dtmfMode: a.dtmfMode }),
    ...(tlsCa !== undefined && { tlsCa }),
    ...(a.servers !== undefined && { servers: a.servers }),
    ...(a.dnsServers !== undefined && { dnsServers: a.dnsServers }),
    ...(a.keepAliveSeconds !== undefined && { keepAliveSeconds: a.keepAliveSeconds }),
    ...(a.mediaTimeoutSeconds !== undefined && { mediaTimeoutSeconds: a.mediaTimeoutSeconds }),
    ...(a.mediaAddress !== undefined && { mediaAddress: a.mediaAddress }),
    ...(a.trustRelayedHeaders !== undefined && { trustRelayedHeaders: a.trustRelayedHeaders }),
    // issue 14: RFC 4662 resource list for the busy lamps
    ...((a.blfListUri !== undefined || a.xcapRoot !== undefined) && {
      presenceList: { ...(a.blfListUri !== undefined && { uri: a.blfListUri }), ...(a.xcapRoot !== undefined && { xcapRoot: a.xcapRoot }) },
    }),
  };
}

function companyCaOrReport(a: Pick<AccountInput, 'tlsCa' | 'tlsCaFile'>, onProblem?: (e: TlsCaError) => void): string | undefined {
  try {
    return companyCa(a);
  } catch (e) {
    if (!(e instanceof TlsCaError) || !onProblem) throw e;
    onProblem(e);
    return undefined;
  }
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
    ...(c.authUser !== undefined && { authUser: c.authUser }),
    ...(c.servers !== undefined && { servers: c.servers.map((s) => ({ ...s })) }),
  };
}

function registrationView(s: RegistrationState): RegistrationView {
  return s;
}

function callView(s: CallSnapshot, local: CallEntry['local']): CallView {
  const { transfer, ...rest } = s;
  return {
    ...rest,
    remote: { ...s.remote },
    ...(transfer && { transfer: { ...transfer } }),
    line: local.line,
    muted: local.muted,
    volume: local.volume,
    ...(local.consultFor !== undefined && { consultFor: local.consultFor }),
    ...(local.conferenceId !== undefined && { conferenceId: local.conferenceId }),
    ...(local.conferenceId !== undefined && local.partyMuted && { partyMuted: true }),
    ...(local.autoAnswerAt !== undefined && { autoAnswerAt: local.autoAnswerAt }),
    ...(local.autoAnswered && { autoAnswered: true }),
    ...(local.contact && { contact: local.contact }),
  };
}

/** States in which a call occupies a line and counts as "up" for call waiting. */
const LIVE_STATES: ReadonlySet<CallView['state']> = new Set(['dialing', 'ringing', 'incoming', 'connecting', 'active', 'held']);

export class ConsoleService {
  readonly media: RendererMediaHub;
  readonly messages: MessageCenter;
  #accounts: AccountEntry[] = [];
  #calls = new Map<string, CallEntry>();
  #connections = new Map<string, HostConnection>();
  #preferences: Preferences = { ...DEFAULT_PREFERENCES };
  #lastDialed: { target: string; accountId: string } | undefined;
  #pendingPrefill: { target: string; until: number } | undefined;
  #conferenceSeq = 0;
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
    for (const x of options.extensions ?? []) x.bind?.((event, payload) => this.#broadcast(event, payload));
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** Saved settings could not be used: say so in the info pane (the damaged file was kept aside). */
  reportSettingsProblem(problem: { detail: string; keptIn: string }): void {
    this.messages.add('error', 'settings.damaged', { detail: problem.detail, file: problem.keptIn });
  }

  /**
   * A tel:/callto:/sip: link: from the OS or a browser (`external`: any web page can hand one over), it only fills the
   * Number field for the receptionist to confirm unless she turned confirmation off; clicked in the console itself or
   * sent by her shortcut (`user`), it dials. A SIP address on a host that is not the account's is always confirmed.
   * Unparseable links are reported, never dialed.
   */
  async dialUrl(url: string, origin: 'external' | 'user' = 'external'): Promise<{ callId?: string }> {
    const target = parseDialUrl(url);
    if (target === undefined) {
      this.messages.add('warning', 'link.invalid', {});
      throw new CommandFailure('bad-request', 'This link is not a phone number or SIP address', 'error.linkInvalid');
    }
    const a = this.#accounts[0]?.config;
    const ownHosts = a ? [a.server, ...(a.domain ? [a.domain] : []), ...(a.outboundProxy ? [a.outboundProxy] : []), ...(a.servers ?? []).map((s) => s.host)] : [];
    if ((origin === 'external' && this.#preferences.confirmLinkDial) || linkNamesForeignHost(target, ownHosts)) {
      // Kept a few seconds for a window that is (re)loading — the web host's /dial redirects to the console page.
      this.#pendingPrefill = { target, until: Date.now() + 10_000 };
      this.#broadcast('dial.prefill', { target });
      return {};
    }
    const account = this.#accounts[0];
    if (!account) throw new CommandFailure('not-found', 'No SIP account is configured', 'error.noAccount');
    return { callId: (await this.#dial(account, target)).call.id };
  }

  async applyProvisioning(p: Provisioning): Promise<void> {
    this.#preferences = { ...this.#preferences, ...p.preferences };
    for (const x of this.options.extensions ?? []) x.provision?.(p);
    for (const input of p.accounts) await this.#addAccount(input);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const e of this.#calls.values()) clearTimeout(e.removeTimer);
    await Promise.allSettled(this.#accounts.map((a) => this.#removeAccount(a)));
    await Promise.allSettled((this.options.extensions ?? []).map((x) => x.stop?.()));
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
    const prefill = this.#pendingPrefill;
    this.#pendingPrefill = undefined;
    if (prefill && prefill.until > Date.now()) conn.send('dial.prefill', { target: prefill.target });
    return () => {
      this.#connections.delete(conn.id);
      this.media.detach(conn.id);
    };
  }

  snapshot(): Snapshot {
    return {
      ...(Object.assign({}, ...(this.options.extensions ?? []).map((x) => x.snapshot?.() ?? {})) as Partial<Snapshot>),
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
      return { ok: false, error: { code: 'too-large', message: `Command too large (${rawSize} bytes)`, key: 'error.tooLarge' } };
    }
    const parsed = parseCommand(name, args);
    if (!parsed.ok) return parsed;
    try {
      const handler = (this.#handlers[parsed.name as CoreCommandName] ??
        this.options.extensions?.find((x) => x.handlers[parsed.name])?.handlers[parsed.name]) as
        | ((a: unknown, c: HostConnection) => unknown)
        | undefined;
      if (!handler) {
        return { ok: false, error: { code: 'unknown-command', message: `${parsed.name} is not available in this console`, key: 'error.unknownCommand' } };
      }
      const value = await handler(parsed.args, conn);
      return { ok: true, value: value === undefined ? null : value };
    } catch (e) {
      return { ok: false, error: this.#toContractError(e) };
    }
  }

  #toContractError(e: unknown): ContractError {
    if (e instanceof CommandFailure) return e.toContractError();
    if (e instanceof CallError) return callErrorToContract(e);
    this.#log('error', `command failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return { code: 'internal', message: e instanceof Error ? e.message : 'Unexpected error' };
  }

  // ───────────────────────────── command handlers ─────────────────────────────

  readonly #handlers: { [N in CoreCommandName]: Handler<N> } = {
    'app.snapshot': () => this.snapshot(),
    'account.save': async (input) => {
      // Reading files is for the administrator's provisioning file, not for a (possibly remote) window.
      if (input.tlsCaFile !== undefined) {
        throw new CommandFailure('bad-request', 'tlsCaFile can only be set in a provisioning file', 'error.tlsCaFileProvisioningOnly');
      }
      try {
        companyCa(input);
      } catch (e) {
        if (e instanceof TlsCaError) throw new CommandFailure('bad-request', e.message, 'error.tlsCa', { field: e.field });
        throw e;
      }
      // Issue 13 item 1: an empty password keeps the stored one for the same servers and user (account-edit.ts).
      const previous = this.#accounts[0]?.input;
      if (input.password === '' && previous && keepsStoredPassword(previous, input)) input = { ...input, password: previous.password ?? '' };
      for (const a of [...this.#accounts]) await this.#removeAccount(a);
      const entry = await this.#addAccount(input);
      this.#persist();
      return accountView(entry);
    },
    // Issue 13 item 1: Settings › Account and Log out.
    'account.update': async (update) => {
      const primary = this.#accounts[0];
      if (!primary) throw new CommandFailure('not-found', 'No SIP account is configured', 'error.noAccount');
      this.#refuseAccountChangeDuringCalls();
      const merged = mergeAccountUpdate(primary.input, update);
      if (!merged.ok) throw new CommandFailure('bad-request', 'account.update: password: needed again for a new server or user', 'account.error.passwordAgain');
      // The whole account is checked before anything is stopped: a bad value loses nothing.
      const parsed = AccountInputSchema.safeParse(merged.input);
      if (!parsed.success) {
        const where = parsed.error.issues[0]?.path.join('.') || 'account';
        throw new CommandFailure('bad-request', `account.update: ${where}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'error.badValue', { field: where });
      }
      const inputs = [merged.input, ...this.#accounts.slice(1).map((a) => a.input)];
      for (const a of [...this.#accounts]) await this.#removeAccount(a, true);
      const entries: AccountEntry[] = [];
      for (const input of inputs) entries.push(await this.#addAccount(input));
      this.#persist();
      return accountView(entries[0]!);
    },
    'account.logout': async () => {
      this.#refuseAccountChangeDuringCalls();
      const primary = this.#accounts[0]?.config;
      // softphone.stop() un-REGISTERs (Expires: 0); contacts, history, favorites and preferences are kept.
      for (const a of [...this.#accounts]) await this.#removeAccount(a);
      this.#persist();
      if (primary) this.messages.add('info', 'account.loggedOut', { user: primary.user, server: primary.server });
    },
    'preferences.update': (patch) => {
      const next = { ...this.#preferences };
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
      this.#preferences = next;
      this.#broadcast('preferences.changed', next);
      this.#persist();
      for (const x of this.options.extensions ?? []) x.preferencesChanged?.(next);
      return next;
    },
    'call.dial': async ({ target, accountId, presentAs }) => {
      const account = accountId ? this.#accounts.find((a) => a.id === accountId) : this.#accounts[0];
      if (!account) throw new CommandFailure('not-found', 'No SIP account is configured', 'error.noAccount');
      return { callId: (await this.#dial(account, target, presentAs !== undefined ? { presentAs } : {})).call.id };
    },
    'call.answer': async ({ callId }) => {
      await this.#answer(this.#call(callId));
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
    'call.hold': async ({ callId }) => {
      const entry = this.#call(callId);
      if (entry.local.conferenceId) await this.#holdConference(entry.local.conferenceId);
      else await entry.call.hold();
    },
    'call.resume': async ({ callId }) => {
      await this.#select(this.#call(callId));
    },
    'call.select': async ({ callId }) => {
      await this.#select(this.#call(callId));
    },
    'call.mute': ({ callId, muted }) => {
      const entry = this.#call(callId);
      const members = entry.local.conferenceId ? this.#conferenceMembers(entry.local.conferenceId) : [entry];
      for (const m of members) this.#patchLocal(m, { muted });
    },
    'call.volume': ({ callId, volume }) => {
      this.#patchLocal(this.#call(callId), { volume });
    },
    'call.transfer': async ({ callId, target }) => {
      const entry = this.#call(callId);
      await this.#transferOrReport(entry, () => entry.call.transfer(target));
    },
    'call.consult': async ({ callId, target }) => {
      const entry = this.#call(callId);
      const account = this.#accountOf(entry);
      const consult = await this.#dial(account, target, { consultFor: entry.call.id });
      return { callId: consult.call.id };
    },
    'call.completeTransfer': async ({ callId, toCallId }) => {
      const entry = this.#call(callId);
      let original: CallEntry;
      let consult: CallEntry;
      if (toCallId !== undefined) {
        original = entry;
        consult = this.#call(toCallId);
      } else if (entry.local.consultFor !== undefined) {
        consult = entry;
        original = this.#call(entry.local.consultFor);
      } else {
        const c = [...this.#calls.values()].find((e) => e.local.consultFor === callId && LIVE_STATES.has(e.view.state));
        if (!c) throw new CommandFailure('invalid-state', 'There is no consultation call to transfer to', 'error.noConsultation');
        original = entry;
        consult = c;
      }
      if (original === consult) throw new CommandFailure('invalid-state', 'A call cannot be transferred to itself', 'error.transferToItself');
      await this.#transferOrReport(original, () => original.call.transferTo(consult.call));
    },
    'call.cancelTransfer': async ({ callId }) => {
      const entry = this.#call(callId);
      const consult =
        entry.local.consultFor !== undefined
          ? entry
          : [...this.#calls.values()].find((e) => e.local.consultFor === callId && LIVE_STATES.has(e.view.state));
      if (!consult?.local.consultFor) throw new CommandFailure('invalid-state', 'There is no consultation to cancel', 'error.noConsultationToCancel');
      const original = this.#calls.get(consult.local.consultFor);
      await consult.call.hangup();
      if (original && original.view.state === 'held') await original.call.unhold();
    },
    'call.deflect': async ({ callId, target }) => {
      await this.#call(callId).call.deflect(target);
    },
    'call.park': async ({ callId }) => {
      const entry = this.#call(callId);
      await this.#transferOrReport(entry, () => entry.call.transfer(this.#preferences.parkExtension));
    },
    'call.pickup': async ({ extension }) => {
      const account = this.#accounts[0];
      if (!account) throw new CommandFailure('not-found', 'No SIP account is configured', 'error.noAccount');
      return { callId: (await this.#dial(account, `${this.#preferences.pickupPrefix}${extension}`)).call.id };
    },
    'call.conference': async ({ callIds }) => {
      const entries = callIds.map((id) => this.#call(id));
      for (const e of entries) {
        if (e.view.state !== 'active' && e.view.state !== 'held') {
          throw new CommandFailure('invalid-state', 'Only answered calls can join a conference', 'error.conferenceNotAnswered');
        }
      }
      const conferenceId = entries.find((e) => e.local.conferenceId)?.local.conferenceId ?? `conf-${++this.#conferenceSeq}`;
      // Everyone in the conference talks at once: resume the held ones. One talking line at a time: a call she left
      // out (a caller waiting for a transfer) is held, not mixed in.
      for (const e of entries) this.#patchLocal(e, { conferenceId, consultFor: undefined });
      await this.#holdOthers(entries[0]);
      await Promise.all(entries.filter((e) => e.view.state === 'held').map((e) => e.call.unhold()));
      return { conferenceId };
    },
    'call.addToConference': async ({ callId, target }) => {
      const entry = this.#call(callId);
      if (entry.view.state !== 'active' && entry.view.state !== 'held') {
        throw new CommandFailure('invalid-state', 'Only an answered call can be part of a conference', 'error.conferenceNotAnswered');
      }
      const conferenceId = entry.local.conferenceId ?? `conf-${++this.#conferenceSeq}`;
      if (!entry.local.conferenceId) this.#patchLocal(entry, { conferenceId });
      const members = this.#conferenceMembers(conferenceId);
      await Promise.all(members.filter((m) => m.view.state === 'held').map((m) => m.call.unhold()));
      const added = await this.#dial(this.#accountOf(entry), target, { conferenceId }, false);
      return { callId: added.call.id, conferenceId };
    },
    'call.leaveConference': async ({ conferenceId, end }) => {
      const members = this.#conferenceMembers(conferenceId);
      if (members.length === 0) throw new CommandFailure('not-found', 'This conference no longer exists', 'error.conferenceGone');
      if (end) {
        await Promise.allSettled(members.map((m) => m.call.hangup()));
        return;
      }
      const plan = planLeave(members.map((m) => m.call.id), this.#preferences.conferenceRoom);
      switch (plan.kind) {
        case 'hangup':
          await Promise.allSettled(members.map((m) => m.call.hangup()));
          return;
        case 'connect': {
          const [a, b] = members as [CallEntry, CallEntry];
          await this.#transferOrReport(a, () => a.call.transferTo(b.call));
          return;
        }
        case 'room':
          // One REFER at a time: the ones not yet moved keep talking in our mix meanwhile. A party whose transfer
          // fails stays with us (and in the conference), with the reason in the info pane.
          for (const m of members) {
            await this.#transferOrReport(m, () => m.call.transfer(plan.room)).catch((e: unknown) => this.#log('warn', `conference room ${plan.room}: ${String(e)}`));
          }
          return;
        case 'no-room':
          throw new CommandFailure('not-configured', 'Leaving a conference of three or more needs the PBX conference room (preference conferenceRoom)', 'error.conferenceNoRoom');
        default: {
          const never: never = plan;
          return never;
        }
      }
    },
    'call.muteParty': ({ callId, muted }) => {
      const entry = this.#call(callId);
      if (entry.local.conferenceId === undefined) {
        throw new CommandFailure('invalid-state', 'Only a party of a conference can be muted for the others', 'error.notInConference');
      }
      this.#patchLocal(entry, { partyMuted: muted || undefined });
    },
    'call.dialUrl': async ({ url }) => this.dialUrl(url, 'user'),
    'call.redial': async () => {
      const last = this.#lastDialed;
      if (!last) throw new CommandFailure('not-found', 'No number has been dialed yet', 'error.nothingToRedial');
      const account = this.#accounts.find((a) => a.id === last.accountId) ?? this.#accounts[0];
      if (!account) throw new CommandFailure('not-found', 'No SIP account is configured', 'error.noAccount');
      return { callId: (await this.#dial(account, last.target)).call.id };
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
      if (!accepted) throw new CommandFailure('not-found', `No pending media request ${requestId}`, 'error.mediaRequestGone');
    },
    // One per WebRTC call per quality tick, fire and forget: a report from a non-owner or for a gone call is dropped quietly.
    'media.inbound': ({ callId }, conn) => {
      this.media.inbound(conn.id, callId);
    },
  };

  #call(callId: string): CallEntry {
    const c = this.#calls.get(callId);
    if (!c) throw new CommandFailure('not-found', 'This call no longer exists', 'error.callGone');
    return c;
  }

  #accountOf(entry: CallEntry): AccountEntry {
    const account = this.#accounts.find((a) => a.id === entry.view.accountId) ?? this.#accounts[0];
    if (!account) throw new CommandFailure('not-found', 'No SIP account is configured', 'error.noAccount');
    return account;
  }

  /** Changing or leaving the account would cut the calls: the receptionist ends or transfers them first. */
  #refuseAccountChangeDuringCalls(): void {
    if (this.#live().length > 0) throw new CommandFailure('invalid-state', 'Calls are up: end them before changing the account', 'error.accountCallsUp');
  }

  #live(): CallEntry[] {
    return [...this.#calls.values()].filter((e) => LIVE_STATES.has(e.view.state));
  }

  /** Lowest line not taken by a live call; undefined when all lines are busy. */
  #freeLine(): number | undefined {
    const taken = new Set(this.#live().map((e) => e.local.line));
    for (let line = 1; line <= this.#preferences.lines; line++) if (!taken.has(line)) return line;
    return undefined;
  }

  /** One talking line at a time: hold every answered call except `keep` (and its conference). */
  async #holdOthers(keep?: CallEntry): Promise<void> {
    const conf = keep?.local.conferenceId;
    const toHold = this.#live().filter(
      (e) => e !== keep && e.view.state === 'active' && (conf === undefined || e.local.conferenceId !== conf),
    );
    await Promise.all(toHold.map((e) => e.call.hold()));
  }

  async #dial(
    account: AccountEntry,
    target: string,
    extra: { consultFor?: string; conferenceId?: string; presentAs?: string } = {},
    holdOthers = true,
  ): Promise<CallEntry> {
    if (account.registration.state !== 'registered') {
      throw new CommandFailure('not-registered', 'The phone is not registered: calls cannot be placed yet', 'error.not-registered');
    }
    const line = this.#freeLine();
    if (line === undefined) throw new CommandFailure('lines-busy', 'All lines are busy: end or transfer a call first', 'error.lines-busy');
    // Dialing during a call holds it first (the caller hears music on hold, not the new conversation).
    if (holdOthers) await this.#holdOthers();
    const call = account.softphone.dial(target, this.#dialOptions(extra.presentAs));
    this.#lastDialed = { target, accountId: account.id };
    const { presentAs: _presentAs, ...local } = extra;
    return this.#trackCall(call, { line, ...local });
  }

  /** The presented number (call-routing services): the receptionist's choice for this call, else her setting. */
  #dialOptions(presentAs?: string): DialOptions | undefined {
    for (const x of this.options.extensions ?? []) {
      if (x.dialOptions) return x.dialOptions(presentAs);
    }
    return undefined;
  }

  async #answer(entry: CallEntry): Promise<void> {
    await this.#holdOthers(entry);
    await entry.call.answer();
  }

  /** Line selection: ringing ⇒ answer, held ⇒ resume; whatever was talking is held first. */
  async #select(entry: CallEntry): Promise<void> {
    switch (entry.view.state) {
      case 'incoming':
        return this.#answer(entry);
      case 'held': {
        await this.#holdOthers(entry);
        const conf = entry.local.conferenceId;
        const members = conf ? this.#conferenceMembers(conf) : [entry];
        await Promise.all(members.filter((m) => m.view.state === 'held').map((m) => m.call.unhold()));
        return;
      }
      case 'active':
        return this.#holdOthers(entry);
      default:
        throw new CommandFailure('invalid-state', 'This line cannot be selected now', 'error.lineNotSelectable');
    }
  }

  #conferenceMembers(conferenceId: string): CallEntry[] {
    return this.#live().filter((e) => e.local.conferenceId === conferenceId);
  }

  async #holdConference(conferenceId: string): Promise<void> {
    await Promise.all(this.#conferenceMembers(conferenceId).filter((m) => m.view.state === 'active').map((m) => m.call.hold()));
  }

  /** A failed transfer leaves the call with us; the receptionist is told why in plain words. */
  async #transferOrReport(entry: CallEntry, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (e) {
      if (e instanceof CallError && e.code === 'transfer-failed') {
        const r = entry.view.remote;
        this.messages.add('warning', 'transfer.failed', {
          name: r.displayName ?? r.user,
          status: entry.call.snapshot().transfer?.status ?? 0,
        });
      }
      throw e;
    }
  }

  #patchLocal(entry: CallEntry, patch: Partial<CallEntry['local']>): void {
    const next = { ...entry.local, ...patch };
    for (const k of Object.keys(patch) as (keyof CallEntry['local'])[]) if (patch[k] === undefined) delete next[k];
    entry.local = next;
    entry.view = callView(entry.call.snapshot(), entry.local);
    this.#broadcast('call.changed', entry.view);
  }

  // ───────────────────────────── accounts & calls ─────────────────────────────

  async #addAccount(input: AccountInput): Promise<AccountEntry> {
    const id = `acc-${this.#accounts.length + 1}`;
    // A company CA file that went missing since it was provisioned: say so, and keep the account (it will fail as
    // "not signed by a trusted authority" until the file is back).
    const config = accountConfigFromInput(id, input, (e) => this.messages.add('error', 'account.tlsCaUnusable', { message: e.message }));
    const softphone = this.options.createSoftphone({
      account: config,
      media: this.options.createMediaFactory(this.media, config),
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
    this.#announcePrimary();
    softphone.start().catch((e: unknown) => this.#log('error', `start ${id}: ${String(e)}`));
    return entry;
  }

  /** `replacing`: another account takes its place at once (no "needs setup" in between for the window). */
  async #removeAccount(entry: AccountEntry, replacing = false): Promise<void> {
    entry.disposers.forEach((d) => d());
    this.#accounts = this.#accounts.filter((a) => a !== entry);
    this.#announcePrimary();
    await entry.softphone.stop().catch(() => undefined);
    if (!this.#stopped && !replacing) {
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
    // A certificate problem has its own words (registration.failed.tls.expired …); a new problem is a new message.
    if (s.state === 'failed' && (previous.state !== 'failed' || registrationFailureKey(previous) !== registrationFailureKey(s))) {
      this.messages.add('error', registrationFailureKey(s), { detail: s.detail, server: entry.config.server });
    } else if (s.state === 'registered' && previous.state === 'failed') {
      this.messages.add('info', 'registration.ok', { server: entry.config.server });
    }
  }

  #onIncoming(call: Call): void {
    const snap = call.snapshot();
    if (snap.replaces !== undefined) {
      // INVITE with Replaces (RFC 3891): sip-core already took it over; it continues the replaced call on its line.
      const replaced = this.#calls.get(snap.replaces);
      const line = replaced?.local.line ?? this.#freeLine() ?? this.#preferences.lines + 1;
      this.#trackCall(call, { line, muted: replaced?.local.muted ?? false, volume: replaced?.local.volume ?? 1 });
      return;
    }
    const busy = this.#live().length > 0;
    const who = snap.remote.displayName ?? snap.remote.user;
    const decision = this.#screen(snap, busy);
    if (decision.action === 'refuse') {
      call.decline(decision.code).catch((e: unknown) => this.#log('warn', `decline (${decision.reason}) ${call.id}: ${String(e)}`));
      this.messages.add('info', decision.reason === 'dnd' ? 'call.rejectedDnd' : `call.screened.${decision.reason}`, { name: who, number: snap.remote.user });
      return;
    }
    if (decision.action === 'deflect') {
      this.#deflectScreened(call, decision.target, decision.reason, decision.warningRing, who, snap.remote.user, decision.voicemail === true);
      return;
    }
    const line = this.#freeLine();
    if (line === undefined || (busy && !this.#preferences.callWaiting)) {
      // Call waiting off, or every line taken: the caller hears busy, and the receptionist sees who it was.
      call.decline(486).catch((e: unknown) => this.#log('warn', `decline (busy) ${call.id}: ${String(e)}`));
      this.messages.add('warning', 'call.rejectedBusy', { name: who, number: snap.remote.user });
      return;
    }
    const entry = this.#trackCall(call, { line });
    const r = entry.view.remote;
    this.messages.add('info', 'call.incoming', { name: r.displayName ?? r.user, number: r.user });
    this.#scheduleAutoAnswer(entry, busy);
    const noAnswer = decision.noAnswer;
    if (noAnswer) {
      // Forward on no answer, done by the console (no PBX rule): 302 if the call still rings after N s.
      entry.forwardTimer = setTimeout(() => {
        if (entry.view.state !== 'incoming') return;
        this.#deflectScreened(entry.call, noAnswer.target, 'forward-no-answer', noAnswer.warningRing, r.displayName ?? r.user, r.user, noAnswer.voicemail === true);
      }, noAnswer.seconds * 1000);
      entry.forwardTimer.unref?.();
    }
  }

  /** The services' verdict; without a services extension, do-not-disturb alone (busy for the caller). */
  #screen(snap: CallSnapshot, busy: boolean): IncomingDecision {
    for (const x of this.options.extensions ?? []) {
      const d = x.screenIncoming?.(snap, { busy });
      if (d) return d;
    }
    return this.#preferences.doNotDisturb ? { action: 'refuse', code: 486, reason: 'dnd' } : { action: 'ring', priority: false };
  }

  /**
   * A call sent elsewhere by the services (302): the receptionist sees who it was and where it went. If the redirect
   * fails and the caller is still there, the call rings on a free line like any other: never a caller left hanging.
   */
  #deflectScreened(call: Call, target: string, reason: ScreenReason, ring: boolean, name: string, number: string, voicemail = false): void {
    call.deflect(target).catch((e: unknown) => {
      this.#log('warn', `deflect (${reason}) ${call.id}: ${String(e)}`);
      this.messages.add('warning', 'call.screened.deflectFailed', { name, number, target });
      const line = this.#freeLine();
      if (call.snapshot().state === 'incoming' && !this.#calls.has(call.id) && line !== undefined) this.#trackCall(call, { line });
    });
    this.messages.add('info', `call.screened.${reason}`, { name, number, target, ...(ring && { ring: 1 }), ...(voicemail && { voicemail: 1 }) });
  }

  /** Auto-answer (the console's setting, or the PBX's request when allowed) — never over another call. */
  #scheduleAutoAnswer(entry: CallEntry, busy: boolean): void {
    if (busy) return;
    const server = this.#preferences.serverAutoAnswer ? entry.call.snapshot().autoAnswerAfter : undefined;
    const seconds = server ?? this.#preferences.autoAnswerAfter;
    if (seconds === null || seconds === undefined) return;
    const at = Date.now() + seconds * 1000;
    this.#patchLocal(entry, { autoAnswerAt: at });
    entry.autoAnswerTimer = setTimeout(() => {
      if (entry.view.state !== 'incoming' || this.#live().some((e) => e !== entry && e.view.state === 'active')) return;
      this.#patchLocal(entry, { autoAnswered: true, autoAnswerAt: undefined });
      this.#answer(entry).catch((e: unknown) => this.#log('warn', `auto-answer ${entry.call.id}: ${String(e)}`));
    }, seconds * 1000);
    entry.autoAnswerTimer.unref?.();
  }

  #trackCall(call: Call, local: Partial<CallEntry['local']> & { line: number }): CallEntry {
    const l: CallEntry['local'] = { muted: false, volume: 1, ...local };
    const entry: CallEntry = { call, view: callView(call.snapshot(), l), local: l, dispose: () => undefined };
    entry.dispose = call.onDidChange((s) => this.#onCallChange(entry, s));
    this.#calls.set(call.id, entry);
    this.#broadcast('call.changed', entry.view);
    this.#lookupCaller(entry);
    return entry;
  }

  /** Caller lookup after the first `call.changed`: the name arrives in a second one when the directory answers. */
  #lookupCaller(entry: CallEntry): void {
    for (const x of this.options.extensions ?? []) {
      x.lookupCaller?.(entry.view)
        .then((contact) => {
          if (contact && !entry.local.contact && this.#calls.get(entry.call.id) === entry) this.#patchLocal(entry, { contact });
        })
        .catch((e: unknown) => this.#log('warn', `caller lookup ${entry.call.id}: ${String(e)}`));
    }
  }

  #onCallChange(entry: CallEntry, s: CallSnapshot): void {
    const before = entry.view;
    if (s.state !== 'incoming' && entry.local.autoAnswerAt !== undefined) {
      clearTimeout(entry.autoAnswerTimer);
      delete entry.local.autoAnswerAt;
    }
    entry.view = callView(s, entry.local);
    this.#broadcast('call.changed', entry.view);
    if (s.state === 'ended' && before.state !== 'ended') {
      entry.dispose();
      clearTimeout(entry.autoAnswerTimer);
      clearTimeout(entry.forwardTimer);
      this.#afterEnd(entry);
      this.#reportEnd(before, s);
      for (const x of this.options.extensions ?? []) x.callEnded?.(entry.view, { pickupPrefix: this.#preferences.pickupPrefix });
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
      case 'media-timeout':
        // The far end went silent for good (network trouble): we hung up so nobody stays in a dead call.
        this.messages.add('error', 'call.lineLost', { name: who, number: s.remote.user });
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
      case 'transferred':
      case 'replaced':
      case 'deflected':
      case undefined:
        return;
      default: {
        const never: never = s.endReason;
        return never;
      }
    }
  }

  /** A call ended: dissolve what it was part of (a conference of one, a consultation link). */
  #afterEnd(entry: CallEntry): void {
    const conf = entry.local.conferenceId;
    if (conf !== undefined) {
      const rest = this.#conferenceMembers(conf);
      if (rest.length === 1) this.#patchLocal(rest[0]!, { conferenceId: undefined, partyMuted: undefined });
    }
    for (const e of this.#live()) if (e.local.consultFor === entry.call.id) this.#patchLocal(e, { consultFor: undefined });
  }

  // ───────────────────────────── helpers ─────────────────────────────

  #broadcast<E extends EventName>(event: E, payload: Events[E]): void {
    if (event === 'call.changed') for (const x of this.options.extensions ?? []) x.callChanged?.(payload as CallView);
    for (const c of this.#connections.values()) {
      try {
        c.send(event, payload);
      } catch (e) {
        this.#log('warn', `send ${event} to ${c.id}: ${String(e)}`);
      }
    }
  }

  #persist(): void {
    // Delete all data has the settings file aside: nothing is written until it is done (issue 13 item 9).
    if (this.#savingHeld) {
      this.#savedWhileHeld = true;
      return;
    }
    const extra = Object.assign({}, ...(this.options.extensions ?? []).map((x) => x.persisted?.() ?? {})) as Partial<Pick<Provisioning, ExtensionSettings>>;
    this.options.persist?.({ accounts: this.#accounts.map((a) => a.input), preferences: this.#preferences, ...extra });
  }

  /** Something an extension owns changed (e.g. a favorite added): save the settings now. */
  persistNow(): void {
    this.#persist();
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.logger?.[level](message);
  }

  preferences(): Preferences {
    return this.#preferences;
  }

  /** The primary account (the receptionist's own extension is its user). */
  // ── issue 13 item 9: About and Delete all data ──
  #savingHeld = false;
  #savedWhileHeld = false;

  /** The primary account's registration (About: the server in use). */
  primaryRegistration(): RegistrationView | undefined {
    return this.#accounts[0]?.registration;
  }

  /** A call is up (ringing, talking, held…). */
  hasLiveCalls(): boolean {
    return this.#live().length > 0;
  }

  /** While held, nothing is saved; released, what changed meanwhile is saved (unless `discard`: the data was deleted). */
  holdSaving(hold: boolean, discard = false): void {
    this.#savingHeld = hold;
    if (hold) return;
    const pending = this.#savedWhileHeld;
    this.#savedWhileHeld = false;
    if (pending && !discard) this.#persist();
  }

  /**
   * Delete all data: the accounts are un-REGISTERed and forgotten, the preferences and what the extensions saved are
   * those of `firstStart`; nothing is written (there is no settings file, as on first start). The set-up screen shows.
   */
  async resetToFirstStart(firstStart: Provisioning): Promise<void> {
    const held = this.#savingHeld;
    this.#savingHeld = true;
    try {
      for (const a of [...this.#accounts]) await this.#removeAccount(a);
      this.#lastDialed = undefined;
      this.#preferences = { ...DEFAULT_PREFERENCES, ...firstStart.preferences } as Preferences;
      this.#broadcast('preferences.changed', this.#preferences);
      for (const x of this.options.extensions ?? []) {
        if (x.forget) await x.forget();
        else x.provision?.(firstStart);
      }
      for (const x of this.options.extensions ?? []) x.preferencesChanged?.(this.#preferences);
    } finally {
      this.#savingHeld = held;
      this.#savedWhileHeld = false;
    }
  }

  primaryAccount(): AccountView | undefined {
    const a = this.#accounts[0];
    return a && accountView(a);
  }

  #announcePrimary(): void {
    for (const x of this.options.extensions ?? []) x.primarySoftphone?.(this.#accounts[0]?.softphone);
  }

  /** For tests and the bench. */
  callViews(): readonly CallView[] {
    return [...this.#calls.values()].map((c) => c.view);
  }
  messagesList(): readonly GlobalMessage[] {
    return this.messages.list();
  }
}
