/**
 * createSoftphone: SIP.js UserAgent + Registerer + Inviter/Invitation behind our Softphone API.
 *
 * A "generation" is one connection + one UserAgent + one Registerer. Transport-level failures (connect error,
 * ICMP unreachable, dropped TCP/WS, REGISTER timeout) throw the whole generation away and build a new one after
 * the backoff: stale transactions then die with their socket instead of answering into the new state.
 * Server answers (401/403/404/5xx) keep the generation and only retry the REGISTER.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  SIPExtension,
  UserAgent,
  type Core,
  type Notification,
  type Session,
  type SessionDescriptionHandler,
} from 'sip.js';
import { resolveMediaMode, type SipAccountConfig } from '../../api/account';
import {
  assertRegistrationTransition,
  registrationBackoffMs,
  type RegistrationFailureReason,
  type RegistrationState,
} from '../../api/registration-state';
import {
  CallError,
  type Call,
  type Disposable,
  type SipLogger,
  type Softphone,
  type SoftphoneOptions,
} from '../../api/softphone';
import { createSipConnection, SipConnectionError, type SipConnection } from '../../transports';
import { autoAnswerAfter } from './auto-answer';
import { parseNameAddr, sanitizeRemoteParty } from './caller-id';
import { dialTargetToUri } from './dial-target';
import { offerLooksWebRtc } from './media-sdh';
import { scrubSecret } from './redact';
import { SipJsCallAdapter } from './sipjs-call';
import { ConnectionTransport, type ConnectionTransportOptions } from './sipjs-transport';
import { PresenceSubscriptions } from './subscriptions';
import type { MailboxWatch, Watch } from '../../api/presence';

const DEFAULT_EXPIRES = 300;
const DEFAULT_REQUEST_TIMEOUT_MS = 8000;
/** A wrong password does not fix itself: retry slowly so the PBX's fail2ban doesn't lock the account out. */
export const AUTH_RETRY_MIN_MS = 60_000;
const STOP_GRACE_MS = 2000;
const DEFAULT_KEEPALIVE_MS = 25_000;

const NULL_LOGGER: SipLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

interface Generation {
  readonly connection: SipConnection;
  readonly ua: UserAgent;
  readonly registerer: Registerer;
  /** Last transport error seen on this generation (send failure or drop). */
  lastTransportError: SipConnectionError | undefined;
  disposed: boolean;
  keepAlive?: NodeJS.Timeout;
}

export function createSoftphone(options: SoftphoneOptions): Softphone {
  return new SipJsSoftphone(options);
}

/** Refresh at 85 % of the granted expiry, and at least 5 s before it (RFC 3261 §10.2.4). */
export function refreshDelayMs(expiresSeconds: number): number {
  const ms = expiresSeconds * 1000;
  return Math.max(1000, Math.min(ms * 0.85, ms - 5000));
}

class SipJsSoftphone implements Softphone {
  readonly accountId: string;
  readonly #account: SipAccountConfig;
  readonly #options: SoftphoneOptions;
  readonly #logger: SipLogger;
  readonly #backoff: (attempt: number) => number;
  readonly #contactName: string;
  #state: RegistrationState = { state: 'unregistered' };
  /** Local UDP port of the last connection, reused by the next one (stable Contact across reconnects). */
  #lastUdpPort: number | undefined;
  #gen: Generation | undefined;
  #running = false;
  #failures = 0;
  /** Incremented for each REGISTER attempt and on teardown: callbacks of older attempts are ignored. */
  #attemptToken = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #responseTimer: NodeJS.Timeout | undefined;
  #settleAttempt: (() => void) | undefined;
  readonly #regListeners = new Set<(state: RegistrationState) => void>();
  readonly #incomingListeners = new Set<(call: Call) => void>();
  readonly #calls = new Map<string, SipJsCallAdapter>();
  readonly #sessionCalls = new WeakMap<Session, { call: SipJsCallAdapter; mode: 'webrtc' | 'rtp' }>();
  /** BLF and MWI subscriptions; they follow the generations (re-subscribe on reconnect). */
  readonly #presence: PresenceSubscriptions;

  constructor(options: SoftphoneOptions) {
    this.#options = options;
    this.#account = options.account;
    this.accountId = options.account.id;
    this.#logger = options.logger ?? NULL_LOGGER;
    this.#backoff = options.backoffMs ?? ((attempt) => registrationBackoffMs(attempt));
    // Stable Contact user per account and process, so refreshes and re-registrations replace one binding.
    this.#contactName = `rc${randomBytes(4).toString('hex')}`;
    const domain = options.account.domain ?? options.account.server;
    this.#presence = new PresenceSubscriptions({
      logger: this.#logger,
      domain,
      aor: `sip:${options.account.user}@${domain}`,
      ...options.presence,
    });
  }

  /** Watch a colleague's line (RFC 4235 dialog event package). */
  watch(extension: string): Watch {
    return this.#presence.watch(extension);
  }

  /** Our own voicemail box (RFC 3842 message-summary). */
  watchMailbox(): MailboxWatch {
    return this.#presence.watchMailbox();
  }

  presenceStats(): { watched: number; active: number; queued: number } {
    return this.#presence.stats();
  }

  registration(): RegistrationState {
    return this.#state;
  }

  onDidChangeRegistration(listener: (state: RegistrationState) => void): Disposable {
    this.#regListeners.add(listener);
    return () => this.#regListeners.delete(listener);
  }

  onIncomingCall(listener: (call: Call) => void): Disposable {
    this.#incomingListeners.add(listener);
    return () => this.#incomingListeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#failures = 0;
    await this.#register();
  }

  async reconnect(): Promise<void> {
    if (!this.#running) return this.start();
    this.#teardown('network');
    this.#failures = 0;
    await this.#register();
  }

  async stop(): Promise<void> {
    if (!this.#running && !this.#gen) return;
    this.#running = false;
    this.#clearTimers();
    this.#attemptToken++;
    this.#settleAttempt?.();
    const gen = this.#gen;
    this.#gen = undefined;
    if (gen) {
      await this.#presence.stop();
      await Promise.all([...this.#calls.values()].map((c) => c.hangup().catch(() => undefined)));
      if (gen.registerer.state === RegistererState.Registered) {
        // RFC 3261 §10.2.2: Expires 0 removes our binding.
        await withTimeout(
          new Promise<void>((resolve) => {
            gen.registerer
              .unregister({ requestDelegate: { onAccept: () => resolve(), onReject: () => resolve() } })
              .catch(() => resolve());
          }),
          STOP_GRACE_MS,
        );
      }
      this.#disposeGeneration(gen);
    }
    for (const call of this.#calls.values()) call.terminateForNetwork();
    this.#calls.clear();
    this.#setState({ state: 'unregistered' });
  }

  dial(target: string): Call {
    const gen = this.#gen;
    if (!this.#running || !gen || !gen.ua.transport.isConnected()) {
      throw new CallError('not-registered', 'The account is not connected');
    }
    const domain = this.#account.domain ?? this.#account.server;
    const uriText = dialTargetToUri(target, domain);
    const uri = UserAgent.makeURI(uriText);
    if (!uri) throw new CallError('invalid-target', 'Target is not a valid SIP URI');
    const mode = resolveMediaMode(this.#account);
    const inviter = new Inviter(gen.ua, uri);
    const call = new SipJsCallAdapter({
      id: randomUUID(),
      accountId: this.accountId,
      direction: 'outgoing',
      remote: sanitizeRemoteParty({ user: uri.user ?? '', uri: uriText }),
      mediaMode: mode,
      session: inviter,
      logger: this.#logger,
      transportFailed: () => gen.lastTransportError !== undefined,
      domain,
      dtmfMode: this.#account.dtmfMode,
    });
    this.#track(inviter, call, mode);
    call.invite();
    return call;
  }

  calls(): readonly Call[] {
    return [...this.#calls.values()];
  }

  // ── registration ────────────────────────────────────────────────────────────────────────────────────────────

  async #register(): Promise<void> {
    this.#clearTimers();
    this.#settleAttempt?.();
    const token = ++this.#attemptToken;
    this.#setState({ state: 'registering', attempt: this.#failures + 1 });
    let gen = this.#gen;
    if (!gen) {
      try {
        gen = await this.#createGeneration();
      } catch (err) {
        if (token !== this.#attemptToken) return;
        const e = err instanceof SipConnectionError ? err : new SipConnectionError('network', String(err));
        this.#fail(e.kind, connectionDetail(e));
        return;
      }
      if (token !== this.#attemptToken || !this.#running) {
        this.#disposeGeneration(gen);
        return;
      }
      this.#gen = gen;
    }
    const g = gen;
    const timeoutMs = this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    await new Promise<void>((settle) => {
      this.#settleAttempt = () => {
        this.#settleAttempt = undefined;
        settle();
      };
      const done = (fn: () => void) => {
        if (token !== this.#attemptToken) return;
        clearTimeout(this.#responseTimer);
        fn();
        this.#settleAttempt?.();
      };
      this.#responseTimer = setTimeout(() => {
        done(() => {
          this.#teardown('timeout');
          this.#fail('timeout', `No answer to REGISTER within ${Math.round(timeoutMs / 1000)} s`);
        });
      }, timeoutMs);
      g.registerer
        .register({
          requestDelegate: {
            onAccept: (response: Core.IncomingResponse) => done(() => this.#registered(response)),
            onReject: (response: Core.IncomingResponse) => done(() => this.#rejected(g, response)),
          },
        })
        .catch((err: unknown) =>
          done(() => {
            this.#teardown('network');
            this.#fail('network', this.#scrub(err instanceof Error ? err.message : String(err)));
          }),
        );
    });
  }

  #registered(response: Core.IncomingResponse): void {
    const expires = grantedExpires(response, this.#contactName) ?? this.#account.registerExpires ?? DEFAULT_EXPIRES;
    this.#failures = 0;
    this.#setState({ state: 'registered', expiresAt: Date.now() + expires * 1000 });
    // First registration of a generation: (re-)subscribe presence on it.
    if (this.#gen) this.#presence.attach(this.#gen.ua);
    this.#refreshTimer = setTimeout(() => void this.#register(), refreshDelayMs(expires));
  }

  #rejected(gen: Generation, response: Core.IncomingResponse): void {
    const status = response.message.statusCode ?? 0;
    const detail = this.#scrub(`${status} ${response.message.reasonPhrase ?? ''}`.trim());
    // SIP.js turns a transport failure into a local 503 and Timer F into a local 408.
    if (gen.lastTransportError && (status === 503 || status === 408)) {
      const e = gen.lastTransportError;
      this.#teardown(e.kind);
      this.#fail(e.kind, connectionDetail(e));
      return;
    }
    if (status === 401 || status === 407 || status === 403) this.#fail('auth', detail);
    else if (status === 408) this.#fail('timeout', detail);
    else this.#fail('rejected', detail);
  }

  #fail(reason: RegistrationFailureReason, detail: string): void {
    this.#clearTimers();
    if (!this.#running) return;
    this.#failures++;
    const backoff = this.#backoff(this.#failures);
    const delay = reason === 'auth' ? Math.max(AUTH_RETRY_MIN_MS, backoff) : backoff;
    const retryAt = Date.now() + delay;
    this.#logger.warn(`Registration of ${this.accountId} failed (${reason}: ${detail}); retry in ${delay} ms`);
    this.#setState({ state: 'failed', reason, detail, retryAt });
    this.#retryTimer = setTimeout(() => void this.#register(), delay);
  }

  #onConnectionLost(gen: Generation, error: SipConnectionError | undefined): void {
    if (gen !== this.#gen || gen.disposed) return;
    const e = error ?? new SipConnectionError('network', 'Connection lost');
    gen.lastTransportError = e;
    this.#logger.warn(`Connection of ${this.accountId} lost: ${connectionDetail(e)}`);
    // Abandon any REGISTER in flight on the dead connection.
    this.#attemptToken++;
    this.#settleAttempt?.();
    this.#teardown(e.kind);
    this.#fail(e.kind === 'dns' ? 'network' : e.kind, connectionDetail(e));
  }

  async #createGeneration(): Promise<Generation> {
    const account = this.#account;
    const [proxyHost, proxyPort] = splitHostPort(account.outboundProxy);
    const connection = createSipConnection({
      kind: account.transport,
      host: proxyHost ?? account.server,
      port: proxyPort ?? account.port,
      connectTimeoutMs: this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      tlsVerify: account.tlsVerify,
      tlsCa: account.tlsCa,
      wsPath: account.wsPath,
      ...(this.#lastUdpPort !== undefined && { localPort: this.#lastUdpPort }),
    });
    const domain = account.domain ?? account.server;
    const aor = UserAgent.makeURI(`sip:${account.user}@${domain}`);
    if (!aor) throw new SipConnectionError('dns', 'Invalid account user or domain');
    // eslint-disable-next-line prefer-const -- assigned after the UA exists, read by callbacks later
    let gen: Generation | undefined;
    const viaHost = `${randomBytes(6).toString('hex')}.invalid`;
    const isWs = account.transport === 'ws' || account.transport === 'wss';
    const transportOptions: ConnectionTransportOptions = {
      connection,
      viaHost,
      rewriteHost: !isWs,
      trace: this.#logger.sipTrace ? (dir, text) => this.#logger.sipTrace?.(dir, this.#scrub(text)) : undefined,
      onConnectionLost: (error) => {
        if (gen) this.#onConnectionLost(gen, error);
      },
      onSendError: (error) => {
        if (gen) gen.lastTransportError = error;
      },
    };
    const ua = new UserAgent({
      uri: aor,
      authorizationUsername: account.authUser ?? account.user,
      authorizationPassword: account.password,
      displayName: account.displayName,
      contactName: this.#contactName,
      // RFC 7118 §5: WebSocket contacts say transport=ws for ws and wss alike.
      // UDP is the default transport (RFC 3261 §19.1.1): no param, so a registrar that rewrites our Contact without
      // it (Asterisk rewrite_contact=yes) still returns a binding SIP.js recognises (§19.1.4 comparison).
      contactParams: isWs ? { transport: 'ws' } : account.transport === 'udp' ? {} : { transport: account.transport },
      viaHost,
      forceRport: true, // RFC 3581: the PBX answers to where the request came from
      userAgentString: this.#options.userAgent ?? 'ReceptionistConsole',
      transportConstructor: ConnectionTransport,
      transportOptions,
      reconnectionAttempts: 0, // reconnection is ours (backoff + new generation)
      logBuiltinEnabled: false,
      logLevel: 'warn',
      logConnector: (level, category, _label, content) => {
        const line = `[sip.js ${category}] ${this.#scrub(content)}`;
        if (level === 'error' || level === 'warn') this.#logger.debug(line);
      },
      sessionDescriptionHandlerFactory: (session: Session) => this.#createSdh(session),
      // RFC 3891: INVITE with Replaces of one of our dialogs (handled in #onInvite); 481 when nothing matches.
      sipExtensionReplaces: SIPExtension.Supported,
      delegate: {
        onInvite: (invitation: Invitation) => this.#onInvite(invitation),
        onNotify: (notification: Notification) => this.#onUnsolicitedNotify(notification),
      },
    });
    const registerer = new Registerer(ua, {
      expires: account.registerExpires ?? DEFAULT_EXPIRES,
      // We refresh ourselves (refreshDelayMs); SIP.js's own timer at 99 % only fires if ours could not.
      refreshFrequency: 99,
    });
    gen = { connection, ua, registerer, lastTransportError: undefined, disposed: false };
    try {
      await ua.start();
    } catch (err) {
      this.#disposeGeneration(gen);
      throw err;
    }
    if (account.transport === 'udp' && connection.local.port > 0) this.#lastUdpPort = connection.local.port;
    const keepAliveMs = this.#options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (keepAliveMs > 0) {
      const g = gen;
      // Errors surface through connection.onClose (ICMP on UDP, reset on TCP); the send result adds nothing.
      g.keepAlive = setInterval(() => void connection.send('\r\n\r\n').catch(() => undefined), keepAliveMs);
      g.keepAlive.unref();
    }
    return gen;
  }

  /** Drop the current generation (connection, UA, registerer); calls on it end with `network`. */
  #teardown(_reason: string): void {
    const gen = this.#gen;
    this.#gen = undefined;
    if (!gen) return;
    this.#presence.detach();
    for (const call of this.#calls.values()) call.terminateForNetwork();
    this.#disposeGeneration(gen);
  }

  /** Out-of-dialog NOTIFY: unsolicited message-summary (many PBXs send MWI to the registered contact). */
  #onUnsolicitedNotify(notification: Notification): void {
    const req = notification.request;
    const handled = this.#presence.unsolicitedNotify(
      req.getHeader('event') ?? '',
      req.getHeader('content-type') ?? '',
      typeof req.body === 'string' ? req.body : '',
    );
    if (handled) notification.accept().catch(() => undefined);
    else notification.reject({ statusCode: 489 }).catch(() => undefined);
  }

  #disposeGeneration(gen: Generation): void {
    if (gen.disposed) return;
    gen.disposed = true;
    clearInterval(gen.keepAlive);
    // Close the socket first: whatever SIP.js still sends while stopping fails fast instead of reaching the PBX.
    gen.connection.close();
    gen.ua.stop().catch((err: unknown) => this.#logger.debug(`UA stop: ${String(err)}`));
  }

  #clearTimers(): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#refreshTimer);
    clearTimeout(this.#responseTimer);
    this.#retryTimer = this.#refreshTimer = this.#responseTimer = undefined;
  }

  #setState(next: RegistrationState): void {
    assertRegistrationTransition(this.#state.state, next.state);
    this.#state = next;
    for (const l of [...this.#regListeners]) {
      try {
        l(next);
      } catch (err) {
        this.#logger.error(`Registration listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  #scrub(text: string): string {
    return scrubSecret(text, this.#account.password);
  }

  // ── calls ───────────────────────────────────────────────────────────────────────────────────────────────────

  #track(session: Session, call: SipJsCallAdapter, mode: 'webrtc' | 'rtp'): void {
    this.#sessionCalls.set(session, { call, mode });
    this.#calls.set(call.id, call);
    call.onDidChange((snap) => {
      if (snap.state === 'ended') this.#calls.delete(call.id);
    });
  }

  #createSdh(session: Session): SessionDescriptionHandler {
    const entry = this.#sessionCalls.get(session);
    if (!entry) throw new Error('Session without a call');
    const media = this.#options.media.create(entry.call.id, entry.mode);
    return entry.call.createSdh(media);
  }

  #onInvite(invitation: Invitation): void {
    const gen = this.#gen;
    if (!gen) {
      invitation.reject({ statusCode: 480 }).catch(() => undefined);
      return;
    }
    const request = invitation.request;
    // RFC 3325 §9.1: the network-asserted identity wins over the caller-controlled From.
    const raw =
      parseNameAddr(request.getHeader('p-asserted-identity')) ??
      parseNameAddr(request.getHeader('from')) ?? { user: '', uri: '' };
    const mode =
      this.#account.media === 'auto' ? (offerLooksWebRtc(invitation.body) ? 'webrtc' : 'rtp') : this.#account.media;
    // RFC 3891: SIP.js matched the Replaces header to one of our dialogs (no match was already answered 481).
    const replacee = invitation.replacee;
    let replaced: SipJsCallAdapter | undefined;
    if (replacee) {
      // We end the replaced call ourselves (SIP.js would BYE it, which fails on an early dialog).
      invitation._replacee = undefined;
      replaced = this.#sessionCalls.get(replacee)?.call;
      // Only a confirmed dialog, or our own outgoing early dialog (call pickup), may be replaced (RFC 3891 §3).
      const replaceable =
        replaced !== undefined &&
        (replacee.state === SessionState.Established || (replacee instanceof Inviter && replacee.state === SessionState.Establishing));
      if (!replaceable) {
        invitation.reject({ statusCode: 481 }).catch(() => undefined);
        return;
      }
    }
    const autoAnswer = autoAnswerAfter({
      callInfo: request.getHeaders('call-info'),
      alertInfo: request.getHeaders('alert-info'),
      answerMode: [...request.getHeaders('answer-mode'), ...request.getHeaders('priv-answer-mode')],
    });
    const call = new SipJsCallAdapter({
      id: randomUUID(),
      accountId: this.accountId,
      direction: 'incoming',
      remote: sanitizeRemoteParty(raw),
      mediaMode: mode,
      session: invitation,
      logger: this.#logger,
      transportFailed: () => gen.lastTransportError !== undefined,
      domain: this.#account.domain ?? this.#account.server,
      dtmfMode: this.#account.dtmfMode,
      ...(autoAnswer !== undefined && !replaced ? { autoAnswerAfter: autoAnswer } : {}),
      ...(replaced ? { replaces: replaced.id } : {}),
    });
    this.#track(invitation, call, mode);
    if (replaced) {
      const old = replaced;
      const off = call.onDidChange((snap) => {
        if (snap.state === 'active') old.endReplaced();
        if (snap.state === 'active' || snap.state === 'ended') off();
      });
      // The replacing INVITE takes over a call the receptionist already has: answer it at once (RFC 3891 §3).
      call.answer().catch((err: unknown) => this.#logger.warn(`Answering a replacing call failed: ${String(err)}`));
    } else {
      // 180 Ringing so the caller hears ringback (RFC 3261 §13.3.1.1).
      invitation.progress().catch(() => undefined);
    }
    for (const l of [...this.#incomingListeners]) {
      try {
        l(call);
      } catch (err) {
        this.#logger.error(`Incoming-call listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

function connectionDetail(e: SipConnectionError): string {
  return e.code ? `${e.code}: ${e.message}` : e.message;
}

/** Granted expiry: our Contact's `expires` param, else the Expires header (RFC 3261 §10.2.4). */
function grantedExpires(response: Core.IncomingResponse, contactName: string): number | undefined {
  const message = response.message;
  for (const contact of message.getHeaders('contact')) {
    for (const part of contact.split(/,(?=\s*(?:"[^"]*"\s*)?<)/)) {
      if (!part.includes(`:${contactName}@`)) continue;
      const m = /;\s*expires\s*=\s*(\d+)/i.exec(part);
      if (m) return Number(m[1]);
    }
  }
  const header = message.getHeader('expires');
  if (header && /^\d+$/.test(header.trim())) return Number(header.trim());
  return undefined;
}

function splitHostPort(value: string | undefined): [string | undefined, number | undefined] {
  if (!value) return [undefined, undefined];
  const v = value.trim().replace(/^sips?:/i, '');
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(v);
  if (!m) return [v, undefined];
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return [host, m[2] ? Number(m[2]) : undefined];
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
