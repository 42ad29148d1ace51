/**
 * createSoftphone: SIP.js UserAgent + Registerer + Inviter/Invitation behind our Softphone API.
 *
 * One UserAgent per account for the softphone's whole life: its dialogs (calls) outlive any connection. Under it,
 * the transport's connection is replaced whenever it drops (TCP/TLS/WS closed, ICMP unreachable, keep-alive pongs
 * missing, REGISTER unanswered) or the softphone moves to another server: reconnect with backoff, register again
 * with the same Contact user and RFC 5626 instance id, and send each call a target-refresh re-INVITE when our
 * address changed. A call ends only when a person hangs up or its audio is gone for the media timeout ("line lost").
 *
 * Servers: the account's list, each resolved the RFC 3263 way (transports/resolver.ts); the next one when the one in
 * use stops answering (after a short grace if we were registered there: a restart), back to the first when an
 * OPTIONS probe says it answers again and no call is up.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  SIPExtension,
  UserAgent,
  UserAgentState,
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
  type DialOptions,
  type Disposable,
  type SipLogger,
  type Softphone,
  type SoftphoneOptions,
} from '../../api/softphone';
import {
  createSipConnection,
  formatHostPort,
  probeSipServer,
  resolveSipServers,
  SipConnectionError,
  type SipConnection,
  type SipServerSpec,
  type SipTarget,
} from '../../transports';
import { autoAnswerAfter } from './auto-answer';
import { parseNameAddr, sanitizeRemoteParty } from './caller-id';
import { dialTargetToUri } from './dial-target';
import { parseRedirection } from './diversion';
import { installFastGrammar } from './fast-grammar';
import { pongServerKey, ServerPongMemory, startKeepAlive } from './keep-alive';
import { offerLooksWebRtc } from './media-sdh';
import { redactSipMessage, scrubSecret } from './redact';
import { DEFAULT_MEDIA_TIMEOUT_MS, SipJsCallAdapter } from './sipjs-call';
import { ConnectionTransport, type ConnectionTransportOptions } from './sipjs-transport';
import { PresenceSubscriptions, type PresenceStats } from './subscriptions';
import { authorizeReplaces, networkHeadersTrusted, requestOrigin, type TrustPolicy } from './trust';
import type { MailboxWatch, Watch, WatchOptions } from '../../api/presence';
import type { MediaSession } from '../../api/media';

const DEFAULT_EXPIRES = 300;
const DEFAULT_REQUEST_TIMEOUT_MS = 8000;
/** A wrong password does not fix itself: retry slowly so the PBX's fail2ban doesn't lock the account out. */
export const AUTH_RETRY_MIN_MS = 60_000;
const STOP_GRACE_MS = 2000;
/** CRLF keep-alive (RFC 5626 §3.5.1 / §4.4.1) default: frequent enough to notice a dead server between refreshes. */
export const DEFAULT_KEEPALIVE_MS = 10_000;
/** A server we were registered on gets this long to come back (a restart) before we move to the next one. */
export const DEFAULT_FAILOVER_AFTER_MS = 5000;
/** While on a backup server, how often the first server is asked whether it is back (SIP OPTIONS). */
export const DEFAULT_FAILBACK_PROBE_MS = 15_000;
/** First retry after a lost connection: quick (a PBX restart takes a second or two), then the usual backoff. */
const LOST_RETRY_MS = 500;

const NULL_LOGGER: SipLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function createSoftphone(options: SoftphoneOptions): Softphone {
  return new SipJsSoftphone(options);
}

/** Refresh at 85 % of the granted expiry, and at least 5 s before it (RFC 3261 §10.2.4). */
export function refreshDelayMs(expiresSeconds: number): number {
  const ms = expiresSeconds * 1000;
  return Math.max(1000, Math.min(ms * 0.85, ms - 5000));
}

/** The configured servers in order (RFC 3263 input): `servers`, else server/port/transport (or the outbound proxy). */
export function serverSpecs(account: SipAccountConfig): SipServerSpec[] {
  if (account.servers && account.servers.length > 0) {
    return account.servers.map((s) => ({ host: s.host, ...(s.port !== undefined && { port: s.port }), transport: s.transport ?? account.transport }));
  }
  const [proxyHost, proxyPort] = splitHostPort(account.outboundProxy);
  if (proxyHost) return [{ host: proxyHost, ...(proxyPort !== undefined && { port: proxyPort }), transport: account.transport }];
  return [{ host: account.server, port: account.port, transport: account.transport }];
}

/** Longest presented number (RFC 3261 sets no limit; PBX caller-ID fields and displays do). */
export const MAX_PRESENTED_USER = 64;
/** Longest presented display name, in code points (the same cap as caller-id.ts applies to what we receive). */
export const MAX_PRESENTED_NAME = 64;
/** Digits, letters and the few marks numbers and extensions use; nothing that could end a URI or a header. */
const PRESENTED_USER = /^[0-9A-Za-z+*#._-]+$/;
/**
 * Refused in a presented display name: C0/C1 controls (CR/LF would start a new header), DEL, bidi embeddings,
 * overrides and isolates (Trojan-source spoofing of the far end's display), zero-width characters, BOM, line and
 * paragraph separators, lone surrogates.
 */
const UNSAFE_NAME =
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udfff]/u;

/** What dial() adds to the INVITE for DialOptions.identity. */
export interface PresentedIdentityHeaders {
  /** Complete header lines, without CRLF (SIP.js adds it). */
  readonly headers: string[];
  /** Overrides the From display name (the From URI never changes). */
  readonly fromDisplayName?: string;
}

/**
 * The number as a SIP URI user part. `#` is not allowed unescaped in a user part (RFC 3261 §25.1 `user` =
 * unreserved / escaped / user-unreserved), so it is sent as %23; the PBX unescapes it. Throws on anything else.
 */
function presentedUser(user: unknown, what: string): string {
  if (typeof user !== 'string' || user.length === 0 || user.length > MAX_PRESENTED_USER || !PRESENTED_USER.test(user)) {
    throw new CallError('invalid-target', `${what} must be 1 to ${MAX_PRESENTED_USER} of 0-9 A-Z a-z + * # . _ -`);
  }
  return user.replace(/#/g, '%23');
}

/**
 * A display name as an RFC 3261 quoted-string (§25.1: `"` and `\` as quoted-pairs; UTF-8 is allowed as is).
 * Throws on characters that cannot or must not be sent; `''` ⇒ undefined (no display name).
 */
export function quoteDisplayName(name: unknown): string | undefined {
  if (typeof name !== 'string') throw new CallError('invalid-target', 'Display name must be a string');
  if (name === '') return undefined;
  if (UNSAFE_NAME.test(name)) throw new CallError('invalid-target', 'Display name contains control or invisible characters');
  if (Array.from(name).length > MAX_PRESENTED_NAME) {
    throw new CallError('invalid-target', `Display name is longer than ${MAX_PRESENTED_NAME} characters`);
  }
  return `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The account's own display name when it can be sent; a bad one is left out rather than failing every call. */
function accountDisplayName(account: SipAccountConfig): string | undefined {
  try {
    return quoteDisplayName(account.displayName ?? '');
  } catch {
    return undefined;
  }
}

/**
 * Headers for DialOptions.identity (RFC 3325 identity header, RFC 3323 Privacy). Pure, so that hostile values are
 * unit-tested without a network; throws CallError('invalid-target') on a value that could not be sent safely.
 *
 * The URI is `sip:<user>@<account domain>` (the PBX's domain: it asserts the identity), with `;user=phone` for a
 * global number (RFC 3261 §19.1.6) so that gateways read `+33…` as E.164 and not as a user name.
 */
export function presentedIdentity(account: SipAccountConfig, options: DialOptions | undefined): PresentedIdentityHeaders {
  const identity = options?.identity;
  if (identity === undefined) return { headers: [] };
  const headerName = identityHeaderName(options?.identityHeader);
  const domain = account.domain ?? account.server;
  const nameAddr = (user: string, quotedName: string | undefined): string => {
    const params = /^\+[0-9]+$/.test(user) ? ';user=phone' : '';
    return `${quotedName !== undefined ? `${quotedName} ` : ''}<sip:${user}@${domain}${params}>`;
  };
  if (identity === 'anonymous') {
    // Our own identity, for the PBX only: with Privacy: id a privacy service (the PBX) must not pass it on to an
    // untrusted far end (RFC 3325 §9.3). From: "Anonymous" per RFC 3323 §4.1.1, its URI kept (see DialOptions).
    const own = nameAddr(presentedUser(account.user, "The account's user"), accountDisplayName(account));
    return { headers: [`${headerName}: ${own}`, 'Privacy: id'], fromDisplayName: 'Anonymous' };
  }
  if (typeof identity !== 'object' || identity === null) {
    throw new CallError('invalid-target', "Identity must be a number or 'anonymous'");
  }
  const user = presentedUser(identity.user, 'The presented number');
  const quoted = identity.displayName === undefined ? accountDisplayName(account) : quoteDisplayName(identity.displayName);
  return { headers: [`${headerName}: ${nameAddr(user, quoted)}`] };
}

function identityHeaderName(kind: unknown): string {
  if (kind === undefined || kind === 'pai') return 'P-Asserted-Identity';
  if (kind === 'ppi') return 'P-Preferred-Identity';
  throw new CallError('invalid-target', "identityHeader must be 'pai' or 'ppi'");
}

/** How the UI names a server: "sip2.pbx.test:5060", with the transport when it is not UDP. */
export function targetLabel(t: SipTarget): string {
  const base = t.via === 'srv' || t.via === 'naptr' ? t.label : formatHostPort({ host: t.name, port: t.port });
  return t.transport === 'udp' ? base : `${base} (${t.transport.toUpperCase()})`;
}

class SipJsSoftphone implements Softphone {
  readonly accountId: string;
  readonly #account: SipAccountConfig;
  readonly #options: SoftphoneOptions;
  readonly #logger: SipLogger;
  readonly #backoff: (attempt: number) => number;
  readonly #contactName: string;
  readonly #instanceId: string;
  #state: RegistrationState = { state: 'unregistered' };
  /** Local UDP port of the last connection, reused by the next one (stable Contact across reconnects). */
  #lastUdpPort: number | undefined;
  /** One UserAgent for the softphone's life: its dialogs (calls) outlive any connection. */
  #ua: UserAgent | undefined;
  #transport: ConnectionTransport | undefined;
  #registerer: Registerer | undefined;
  #running = false;
  #failures = 0;
  /** Incremented for each REGISTER attempt and on teardown: callbacks of older attempts are ignored. */
  #attemptToken = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #responseTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  /** Servers that answered our CRLF pings: a new connection to one of them must pong from its first ping. */
  readonly #pongServers = new ServerPongMemory();
  #settleAttempt: (() => void) | undefined;
  /** Last transport error seen on the connection in use (send failure or drop); reset on each new connection. */
  #lastTransportError: SipConnectionError | undefined;
  // ── servers (RFC 3263 targets, failover) ──
  #targets: SipTarget[] = [];
  #targetIndex = 0;
  /** The target of the connection in use. */
  #current: SipTarget | undefined;
  /** Targets tried since the last success: a whole round failed ⇒ back off. */
  #roundTried = 0;
  /** The target we were last registered on, and since when it fails (a restart gets DEFAULT_FAILOVER_AFTER_MS). */
  #lastGood: SipTarget | undefined;
  #failingSince: number | undefined;
  /** We were registered and lost the connection: until registered again the UI says "connection lost, reconnecting". */
  #lost = false;
  /** Identity of the connection our Contact was last registered from (kind, local and remote address). */
  #flowKey: string | undefined;
  readonly #regListeners = new Set<(state: RegistrationState) => void>();
  readonly #incomingListeners = new Set<(call: Call) => void>();
  readonly #calls = new Map<string, SipJsCallAdapter>();
  /** Each session's call; `peer`: the URI of the party the dialog is with, as far as we believed it (trust.ts). */
  readonly #sessionCalls = new WeakMap<Session, { call: SipJsCallAdapter; mode: 'webrtc' | 'rtp'; silent?: boolean; peer?: string }>();
  /** The flow each call's dialog last told the far end about (its Contact); a new flow ⇒ target refresh. */
  readonly #callFlows = new WeakMap<SipJsCallAdapter, string>();
  /** BLF and MWI subscriptions; they follow the connection (re-subscribe after each re-registration). */
  readonly #presence: PresenceSubscriptions;

  constructor(options: SoftphoneOptions) {
    this.#options = options;
    this.#account = options.account;
    this.accountId = options.account.id;
    this.#logger = options.logger ?? NULL_LOGGER;
    this.#backoff = options.backoffMs ?? ((attempt) => registrationBackoffMs(attempt));
    // Stable Contact user per account and process, so refreshes and re-registrations replace one binding.
    this.#contactName = `rc${randomBytes(4).toString('hex')}`;
    // RFC 5626 §4.1: one instance id per device and account, stable across reconnects (and across restarts: derived).
    this.#instanceId = stableUuid(`${options.account.user}@${options.account.domain ?? options.account.server}/${options.account.id}`);
    const domain = options.account.domain ?? options.account.server;
    this.#presence = new PresenceSubscriptions({
      logger: this.#logger,
      domain,
      aor: `sip:${options.account.user}@${domain}`,
      // XCAP (resource lists) authenticates with the SIP credentials.
      credentials: { user: options.account.authUser ?? options.account.user, password: options.account.password },
      ...options.presence,
      ...((options.presence?.list ?? options.account.presenceList) && { list: options.presence?.list ?? options.account.presenceList }),
    });
  }

  /** Watch a colleague's line (RFC 4235 dialog event package; RFC 4662 list when configured and `listed`). */
  watch(extension: string, options?: WatchOptions): Watch {
    return this.#presence.watch(extension, options);
  }

  /** Our own voicemail box (RFC 3842 message-summary). */
  watchMailbox(): MailboxWatch {
    return this.#presence.watchMailbox();
  }

  presenceStats(): PresenceStats {
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
    this.#roundTried = 0;
    this.#lost = false;
    await this.#register();
  }

  /**
   * Network changed / resumed from sleep / screen unlocked: a new connection to the same server and a new
   * REGISTER now. Calls stay up; if our address changed, each call tells the far end (target refresh).
   */
  async reconnect(): Promise<void> {
    if (!this.#running) return this.start();
    this.#dropConnection();
    this.#failures = 0;
    this.#roundTried = 0;
    await this.#register();
  }

  async stop(): Promise<void> {
    if (!this.#running && !this.#ua) return;
    this.#running = false;
    this.#clearTimers();
    this.#attemptToken++;
    this.#settleAttempt?.();
    const ua = this.#ua;
    const registerer = this.#registerer;
    const transport = this.#transport;
    this.#ua = undefined;
    this.#registerer = undefined;
    this.#transport = undefined;
    if (ua && transport) {
      await this.#presence.stop();
      if (transport.isConnected()) {
        await Promise.all([...this.#calls.values()].map((c) => c.hangup().catch(() => undefined)));
        if (registerer?.state === RegistererState.Registered) {
          // RFC 3261 §10.2.2: Expires 0 removes our binding.
          await withTimeout(
            new Promise<void>((resolve) => {
              registerer
                .unregister({ requestDelegate: { onAccept: () => resolve(), onReject: () => resolve() } })
                .catch(() => resolve());
            }),
            STOP_GRACE_MS,
          );
        }
      }
      transport.dropHeld();
      clearInterval(this.#keepAlive);
      await transport.dispose().catch(() => undefined);
      ua.stop().catch((err: unknown) => this.#logger.debug(`UA stop: ${String(err)}`));
    }
    for (const call of this.#calls.values()) call.terminateForNetwork();
    this.#calls.clear();
    this.#setState({ state: 'unregistered' });
  }

  dial(target: string, options?: DialOptions): Call {
    const ua = this.#ua;
    if (!this.#running || !ua || !this.#transport?.isConnected()) {
      throw new CallError('not-registered', 'The account is not connected');
    }
    const domain = this.#account.domain ?? this.#account.server;
    const uriText = dialTargetToUri(target, domain);
    const uri = UserAgent.makeURI(uriText);
    if (!uri) throw new CallError('invalid-target', 'Target is not a valid SIP URI');
    // Validated before anything exists: a refused identity must not leave a half-made call behind.
    const presented = presentedIdentity(this.#account, options);
    const mode = this.#mediaMode();
    const inviter = new Inviter(ua, uri, {
      extraHeaders: presented.headers,
      ...(presented.fromDisplayName !== undefined && { params: { fromDisplayName: presented.fromDisplayName } }),
    });
    if (presented.headers.length > 0) this.#logger.debug(`dial ${uriText}: ${presented.headers.join(', ')}`);
    const call = new SipJsCallAdapter({
      id: randomUUID(),
      accountId: this.accountId,
      direction: 'outgoing',
      remote: sanitizeRemoteParty({ user: uri.user ?? '', uri: uriText }),
      mediaMode: mode,
      session: inviter,
      logger: this.#logger,
      transportFailed: () => this.#lastTransportError !== undefined,
      domain,
      dtmfMode: this.#account.dtmfMode,
      ...this.#mediaTimeout(),
    });
    this.#track(inviter, call, mode, options?.silent === true, uriText);
    call.invite();
    return call;
  }

  calls(): readonly Call[] {
    return [...this.#calls.values()];
  }

  // ── registration ────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * One REGISTER attempt. `refresh`: the connection is up and we are registered; the state stays `registered`
   * (a refresh in flight must not block dialing, answering or transfers).
   */
  async #register(refresh = false): Promise<void> {
    this.#clearTimers();
    this.#settleAttempt?.();
    const token = ++this.#attemptToken;
    const transport = this.#ensureUa();
    if (!refresh || !transport.isConnected()) {
      refresh = false;
      if (this.#state.state !== 'registering') this.#setState({ state: 'registering', attempt: this.#failures + 1 });
    }
    if (!transport.isConnected()) {
      try {
        await this.#connect();
      } catch (err) {
        if (token !== this.#attemptToken) return;
        const e = err instanceof SipConnectionError ? err : new SipConnectionError('network', String(err));
        this.#failed(e.kind, connectionDetail(e), { failover: true, error: e });
        return;
      }
      if (token !== this.#attemptToken || !this.#running) return;
    }
    // A REGISTER abandoned with its connection never gets a final answer: SIP.js's Registerer would refuse every
    // further one ("already in progress") until its Timer F, 32 s later. Start over with a fresh one.
    const registerer = (this.#registerer as unknown as { waiting: boolean }).waiting ? this.#replaceRegisterer() : this.#registerer!;
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
          // No answer: the server (or the path to it) is gone. A connection-oriented flow is suspect too: start over.
          this.#dropConnection();
          this.#failed('timeout', `No answer to REGISTER within ${Math.round(timeoutMs / 1000)} s`, { failover: true });
        });
      }, timeoutMs);
      registerer
        .register({
          requestDelegate: {
            onAccept: (response: Core.IncomingResponse) => done(() => this.#registered(response)),
            onReject: (response: Core.IncomingResponse) => done(() => this.#rejected(response)),
          },
        })
        .catch((err: unknown) =>
          done(() => {
            this.#dropConnection();
            this.#failed('network', this.#scrub(err instanceof Error ? err.message : String(err)), { failover: true });
          }),
        );
    });
  }

  #registered(response: Core.IncomingResponse): void {
    // RFC 5627: a registrar that sees our +sip.instance may hand out GRUUs, and SIP.js would then put the GRUU in
    // every dialog's Contact. Many proxies (Kamailio without gruu routing in its config) cannot route a GRUU back to
    // us: in-dialog requests (the ACK of our 200, a BYE) would be lost. Our Contact is reachable by itself.
    if (this.#ua) {
      this.#ua.contact.pubGruu = undefined;
      this.#ua.contact.tempGruu = undefined;
    }
    const expires = grantedExpires(response, this.#contactName) ?? this.#account.registerExpires ?? DEFAULT_EXPIRES;
    const current = this.#current;
    this.#failures = 0;
    this.#roundTried = 0;
    this.#failingSince = undefined;
    this.#lastGood = current;
    this.#lost = false;
    const backup = current !== undefined && this.#targets.length > 1 && !sameTarget(current, this.#targets[0]);
    this.#setState({
      state: 'registered',
      expiresAt: Date.now() + expires * 1000,
      ...(current && { server: targetLabel(current) }),
      ...(backup && { backup: true }),
    });
    const connection = this.#transport?.connection;
    const flow = connection ? flowKey(connection) : undefined;
    const newFlow = flow !== this.#flowKey;
    this.#flowKey = flow;
    // First registration on this connection: (re-)subscribe presence (a no-op on a refresh), and tell every call's
    // far end where we are now.
    if (this.#ua) this.#presence.attach(this.#ua);
    if (newFlow) this.#refreshCallTargets();
    this.#refreshTimer = setTimeout(() => void this.#register(true), refreshDelayMs(expires));
    if (backup) this.#scheduleFailbackProbe();
  }

  #rejected(response: Core.IncomingResponse): void {
    const status = response.message.statusCode ?? 0;
    const detail = this.#scrub(`${status} ${response.message.reasonPhrase ?? ''}`.trim());
    // SIP.js turns a transport failure into a local 503 and Timer F into a local 408.
    const transportError = this.#lastTransportError;
    if (transportError && (status === 503 || status === 408)) {
      this.#dropConnection();
      this.#failed(transportError.kind === 'dns' ? 'network' : transportError.kind, connectionDetail(transportError), {
        failover: true,
        error: transportError,
      });
      return;
    }
    if (status === 401 || status === 407 || status === 403) this.#failed('auth', detail);
    // RFC 3263 §4.3: 503 (and a timeout) send the client to the next server.
    else if (status === 408) this.#failed('timeout', detail, { failover: true });
    else if (status === 503) this.#failed('rejected', detail, { failover: true });
    else this.#failed('rejected', detail);
  }

  /**
   * A REGISTER attempt failed. Calls are never ended here. With `failover`, the next attempt goes to the next server
   * at once — unless the server we were registered on only just went away (a restart): it gets a few seconds first.
   * After a whole round of servers, back off.
   */
  #failed(reason: RegistrationFailureReason, detail: string, opts: { failover?: boolean; error?: SipConnectionError } = {}): void {
    this.#clearTimers();
    if (!this.#running) return;
    this.#failures++;
    const now = Date.now();
    if (this.#state.state === 'registered' && (reason === 'network' || reason === 'timeout')) this.#lost = true;
    const wasRegistered = this.#state.state === 'registered' || this.#lost;
    let delay: number;
    if (reason === 'auth') {
      delay = Math.max(AUTH_RETRY_MIN_MS, this.#backoff(this.#failures));
    } else if (opts.failover && this.#targets.length > 1) {
      const current = this.#current;
      const restarting =
        current !== undefined &&
        this.#lastGood !== undefined &&
        sameTarget(current, this.#lastGood) &&
        now - (this.#failingSince ?? now) < (this.#options.failoverAfterMs ?? DEFAULT_FAILOVER_AFTER_MS);
      this.#failingSince ??= now;
      if (restarting) {
        delay = Math.min(1000, this.#backoff(this.#failures));
      } else {
        this.#roundTried++;
        this.#targetIndex = (this.#targetIndex + 1) % this.#targets.length;
        if (this.#roundTried < this.#targets.length) {
          delay = 0;
        } else {
          // Every server failed: start again from the first one after the backoff (and resolve DNS again).
          this.#roundTried = 0;
          this.#targetIndex = 0;
          this.#targets = [];
          delay = this.#backoff(this.#failures);
        }
      }
    } else {
      if (opts.failover) this.#targets = [];
      delay = this.#failures === 1 && wasRegistered ? LOST_RETRY_MS : this.#backoff(this.#failures);
    }
    const retryAt = now + delay;
    this.#logger.warn(`Registration of ${this.accountId} failed (${reason}: ${detail}); retry in ${delay} ms`);
    const server = this.#current ? targetLabel(this.#current) : undefined;
    this.#setState({
      state: 'failed',
      reason,
      detail,
      retryAt,
      ...(server !== undefined && { server }),
      ...(this.#lost && { lost: true }),
      ...(tlsProblemOfError(opts.error) !== undefined && { tlsProblem: tlsProblemOfError(opts.error) }),
    } as RegistrationState);
    this.#retryTimer = setTimeout(() => void this.#register(), delay);
  }

  #onConnectionLost(error: SipConnectionError | undefined): void {
    if (!this.#running) return;
    const e = error ?? new SipConnectionError('network', 'Connection lost');
    this.#lastTransportError = e;
    this.#logger.warn(`Connection of ${this.accountId} lost: ${connectionDetail(e)} (calls stay up)`);
    clearInterval(this.#keepAlive);
    this.#presence.detach();
    // Abandon any REGISTER in flight on the dead connection.
    this.#attemptToken++;
    this.#settleAttempt?.();
    this.#failed(e.kind === 'dns' ? 'network' : e.kind, connectionDetail(e), { failover: true, error: e });
  }

  /** The UserAgent and its transport, created once per softphone run. */
  #ensureUa(): ConnectionTransport {
    if (this.#ua && this.#transport) return this.#transport;
    const account = this.#account;
    const domain = account.domain ?? account.server;
    const aor = UserAgent.makeURI(`sip:${account.user}@${domain}`);
    if (!aor) throw new SipConnectionError('dns', 'Invalid account user or domain');
    const viaHost = `${randomBytes(6).toString('hex')}.invalid`;
    const isWs = this.#isWs();
    const transportOptions: ConnectionTransportOptions = {
      viaHost,
      rewriteHost: !isWs,
      open: () => this.#open(),
      trace: this.#logger.sipTrace ? (dir, text) => this.#logger.sipTrace?.(dir, this.#scrub(text)) : undefined,
      onConnectionLost: (error) => this.#onConnectionLost(error),
      onSendError: (error) => (this.#lastTransportError = error),
      holdWhileDisconnected: () => this.#running,
    };
    installFastGrammar(); // issue 14: common header values read without SIP.js's PEG grammar (same results)
    const ua = new UserAgent({
      uri: aor,
      authorizationUsername: account.authUser ?? account.user,
      authorizationPassword: account.password,
      displayName: account.displayName,
      contactName: this.#contactName,
      // RFC 7118 §5: WebSocket contacts say transport=ws for ws and wss alike. Other transports: the transport adds
      // the connection's own parameter on the wire (none for UDP, RFC 3261 §19.1.1), so a failover from UDP to TCP
      // keeps a correct Contact, and a registrar that rewrites our Contact without it (Asterisk rewrite_contact=yes)
      // still returns a binding SIP.js recognises (§19.1.4 comparison).
      contactParams: isWs ? { transport: 'ws' } : {},
      instanceId: this.#instanceId,
      viaHost,
      forceRport: true, // RFC 3581: the PBX answers to where the request came from
      userAgentString: this.#options.userAgent ?? 'ReceptionistConsole',
      transportConstructor: ConnectionTransport,
      transportOptions,
      reconnectionAttempts: 0, // reconnection is ours (backoff, failover)
      // #onInvite sends the 180 itself, with a catch. SIP.js's automatic one (`progress().then(…)`, no catch) turned an
      // INVITE whose body it cannot type (no or unparsable Content-Type) into an unhandled rejection (issue 15).
      sendInitialProvisionalResponse: false,
      logBuiltinEnabled: false,
      logLevel: 'warn',
      logConnector: (level, category, _label, content) => {
        // SIP.js calls the connector for every level, logLevel notwithstanding (dozens of debug lines per INVITE):
        // redact only what is kept (issue 14: INVITE → 180 latency).
        if (level !== 'error' && level !== 'warn') return;
        this.#logger.debug(`[sip.js ${category}] ${redactSipMessage(this.#scrub(content))}`);
      },
      sessionDescriptionHandlerFactory: (session: Session) => this.#createSdh(session),
      // RFC 3891: INVITE with Replaces of one of our dialogs (handled in #onInvite); 481 when nothing matches.
      sipExtensionReplaces: SIPExtension.Supported,
      delegate: {
        onInvite: (invitation: Invitation) => this.#onInvite(invitation),
        onNotify: (notification: Notification) => this.#onUnsolicitedNotify(notification),
      },
    });
    skipTrying(ua);
    this.#ua = ua;
    this.#registerer = this.#newRegisterer(ua);
    this.#transport = ua.transport as unknown as ConnectionTransport;
    return this.#transport;
  }

  #newRegisterer(ua: UserAgent): Registerer {
    return new Registerer(ua, {
      expires: this.#account.registerExpires ?? DEFAULT_EXPIRES,
      // We refresh ourselves (refreshDelayMs); SIP.js's own timer at 99 % only fires if ours could not.
      refreshFrequency: 99,
      // RFC 5626 §4.2: instance id + reg-id, so a registrar that supports outbound replaces our flow on reconnect.
      ...(this.#options.outbound !== false && { regId: 1 }),
    });
  }

  /** Forget the current Registerer (its timers and its place in the UA) without un-registering, and make a new one. */
  #replaceRegisterer(): Registerer {
    const ua = this.#ua!;
    const old = this.#registerer;
    if (old) {
      const internals = old as unknown as { clearTimers(): void; id: string };
      internals.clearTimers();
      delete (ua as unknown as { _registerers: Record<string, unknown> })._registerers[internals.id];
    }
    this.#registerer = this.#newRegisterer(ua);
    return this.#registerer;
  }

  /** Connect the UA's transport (it calls #open, which picks the server). */
  async #connect(): Promise<void> {
    const ua = this.#ua!;
    if (ua.state === UserAgentState.Started) await this.#transport!.connect();
    else await ua.start();
  }

  /** Open a connection to the current target (resolving the configured servers first when needed). */
  async #open(): Promise<SipConnection> {
    const account = this.#account;
    if (this.#targets.length === 0) {
      this.#targets = await resolveSipServers(serverSpecs(account), {
        ...(account.dnsServers && { dnsServers: account.dnsServers }),
        defaultTransport: account.transport,
      });
      this.#targetIndex = Math.min(this.#targetIndex, this.#targets.length - 1);
      this.#logger.info(`Servers of ${this.accountId}: ${this.#targets.map(targetLabel).join(', ')}`);
    }
    const target = this.#targets[this.#targetIndex] ?? this.#targets[0]!;
    this.#current = target;
    const connection = createSipConnection({
      kind: target.transport,
      host: target.name,
      address: target.address,
      port: target.port,
      connectTimeoutMs: this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      tlsVerify: account.tlsVerify,
      tlsCa: account.tlsCa,
      wsPath: account.wsPath,
      ...(target.transport === 'udp' && this.#lastUdpPort !== undefined && { localPort: this.#lastUdpPort }),
    });
    await connection.connect();
    if (!this.#running) {
      connection.close();
      throw new SipConnectionError('network', 'stopped');
    }
    this.#lastTransportError = undefined;
    if (target.transport === 'udp' && connection.local.port > 0) this.#lastUdpPort = connection.local.port;
    this.#startKeepAlive(connection, target);
    this.#logger.info(`Connected to ${targetLabel(target)} from ${formatHostPort(connection.local)}`);
    return connection;
  }

  #startKeepAlive(connection: SipConnection, target: SipTarget): void {
    clearInterval(this.#keepAlive);
    const keepAliveMs = this.#options.keepAliveMs ?? (this.#account.keepAliveSeconds !== undefined ? this.#account.keepAliveSeconds * 1000 : DEFAULT_KEEPALIVE_MS);
    if (keepAliveMs <= 0) return;
    // keep-alive.ts: missing pongs kill the flow only on a server known to answer pings (on this or an earlier connection).
    this.#keepAlive = startKeepAlive(connection, {
      intervalMs: keepAliveMs,
      server: pongServerKey(target),
      memory: this.#pongServers,
      isCurrent: () => this.#transport?.connection === connection,
      onDead: (error) => this.#flowDead(error),
    });
  }

  /** The flow in use is dead though the socket does not know it yet: close it and recover like a dropped one. */
  #flowDead(error: SipConnectionError): void {
    void this.#transport?.disconnect();
    this.#onConnectionLost(error);
  }

  /** Close the connection in use without ending anything else (calls, UA); the next #register reconnects. */
  #dropConnection(): void {
    clearInterval(this.#keepAlive);
    this.#presence.detach();
    void this.#transport?.disconnect();
  }

  /** After a (re-)registration from a new flow: a target-refresh re-INVITE (RFC 3261 §12.2.1.1) per live call. */
  #refreshCallTargets(): void {
    const flow = this.#flowKey;
    if (!flow) return;
    for (const call of this.#calls.values()) {
      const known = this.#callFlows.get(call);
      if (known === undefined || known === flow) {
        this.#callFlows.set(call, flow);
        continue;
      }
      if (!call.canRefreshTarget()) continue;
      this.#logger.info(`Call ${call.id}: new connection, refreshing its target`);
      call
        .refreshTarget()
        .then(() => {
          if (this.#flowKey === flow) this.#callFlows.set(call, flow);
        })
        .catch((err: unknown) => this.#logger.warn(`Target refresh of call ${call.id} failed: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  /** On a backup server: ask the first server now and then whether it is back; when it is (and no call is up), return. */
  #scheduleFailbackProbe(): void {
    clearTimeout(this.#probeTimer);
    const every = this.#options.failbackProbeMs ?? DEFAULT_FAILBACK_PROBE_MS;
    this.#probeTimer = setTimeout(() => void this.#probeFirst(), every);
    this.#probeTimer.unref();
  }

  async #probeFirst(): Promise<void> {
    const first = this.#targets[0];
    if (!this.#running || !first || this.#state.state !== 'registered' || !this.#state.backup) return;
    const alive = await probeSipServer(first, {
      domain: this.#account.domain ?? this.#account.server,
      user: this.#account.user,
      tlsVerify: this.#account.tlsVerify,
      tlsCa: this.#account.tlsCa,
      wsPath: this.#account.wsPath,
    }).catch(() => false);
    if (!this.#running || this.#state.state !== 'registered' || !this.#state.backup) return;
    const busy = [...this.#calls.values()].some((c) => c.snapshot().state !== 'ended');
    if (!alive || busy) {
      // A call's dialog runs through the backup: move back once the receptionist is free.
      this.#scheduleFailbackProbe();
      return;
    }
    this.#logger.info(`${targetLabel(first)} answers again: returning to it`);
    const registerer = this.#registerer;
    if (registerer?.state === RegistererState.Registered) {
      await withTimeout(
        new Promise<void>((resolve) => {
          registerer.unregister({ requestDelegate: { onAccept: () => resolve(), onReject: () => resolve() } }).catch(() => resolve());
        }),
        STOP_GRACE_MS,
      );
    }
    if (!this.#running) return;
    this.#dropConnection();
    this.#targetIndex = 0;
    this.#roundTried = 0;
    this.#failures = 0;
    await this.#register();
  }

  #clearTimers(): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#refreshTimer);
    clearTimeout(this.#responseTimer);
    clearTimeout(this.#probeTimer);
    this.#retryTimer = this.#refreshTimer = this.#responseTimer = this.#probeTimer = undefined;
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

  #isWs(): boolean {
    const specs = serverSpecs(this.#account);
    return specs.every((s) => s.transport === 'ws' || s.transport === 'wss');
  }

  #mediaMode(): 'webrtc' | 'rtp' {
    const transport = this.#current?.transport ?? this.#account.transport;
    return resolveMediaMode({ media: this.#account.media, transport });
  }

  #mediaTimeout(): { mediaTimeoutMs?: number } {
    const s = this.#account.mediaTimeoutSeconds;
    return { mediaTimeoutMs: s === undefined ? DEFAULT_MEDIA_TIMEOUT_MS : s * 1000 };
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

  // ── calls ───────────────────────────────────────────────────────────────────────────────────────────────────

  #track(session: Session, call: SipJsCallAdapter, mode: 'webrtc' | 'rtp', silent = false, peer?: string): void {
    this.#sessionCalls.set(session, { call, mode, silent, ...(peer !== undefined && { peer }) });
    this.#calls.set(call.id, call);
    if (this.#flowKey !== undefined) this.#callFlows.set(call, this.#flowKey);
    call.onDidChange((snap) => {
      if (snap.state === 'ended') this.#calls.delete(call.id);
    });
  }

  #createSdh(session: Session): SessionDescriptionHandler {
    const entry = this.#sessionCalls.get(session);
    if (!entry) throw new Error('Session without a call');
    const peer = this.#current?.address;
    if (entry.silent) return entry.call.createSdh(silentMediaSession(this.#current?.address));
    const media = this.#options.media.create(entry.call.id, entry.mode, peer !== undefined ? { signallingPeer: peer } : undefined);
    return entry.call.createSdh(media);
  }

  /** What trust.ts needs to know about this account: is its proxy trusted, which domains are ours. */
  #trustPolicy(): TrustPolicy {
    const account = this.#account;
    const names = [
      account.domain,
      account.server,
      splitHostPort(account.outboundProxy)[0],
      ...(account.servers ?? []).map((s) => s.host),
      this.#current?.name,
    ];
    const domains = new Set(
      names.filter((n): n is string => typeof n === 'string' && n !== '').map((n) => n.toLowerCase().replace(/^\[|\]$/g, '')),
    );
    return { trustRelayedHeaders: account.trustRelayedHeaders === true, domains };
  }

  /**
   * The number the caller dialed, from To: a proxy keeps the caller's To (the DNIS, or our user), but a PBX such as
   * Asterisk addresses To to our registered contact (`rc…`, random): that says nothing and is dropped.
   */
  #calledUser(to: string | undefined): string | undefined {
    const user = sanitizeRemoteParty(parseNameAddr(to) ?? { user: '', uri: '' }).user;
    return user && user !== this.#contactName ? user : undefined;
  }

  /**
   * An INVITE from the server (the only place requests come from: see trust.ts). What is believed in it depends on
   * whether the server originated it (a PBX: one Via) or relayed it from another user agent (a proxy).
   */
  #onInvite(invitation: Invitation): void {
    if (!this.#ua) {
      invitation.reject({ statusCode: 480 }).catch(() => undefined);
      return;
    }
    // RFC 3891: SIP.js matched the Replaces header to one of our dialogs (no match was already answered 481).
    const replacee = invitation.replacee;
    // 180 Ringing so the caller hears ringback (RFC 3261 §13.3.1.1), before anything else (issue 14: INVITE → 180
    // latency). Nothing below changes it: caller ID, trust, auto-answer and the call object only concern what we show
    // and do next, and they all run in this same tick, before any other message (a CANCEL) can be handled. A replacing
    // INVITE is answered at once instead (below), or refused.
    if (!replacee) invitation.progress().catch(() => undefined);
    const request = invitation.request;
    const origin = requestOrigin(request.getHeaders('via'));
    const policy = this.#trustPolicy();
    // RFC 3325 §9.1: a network-asserted identity wins over the caller-controlled From — when the network asserted it.
    const trusted = networkHeadersTrusted(origin, policy);
    const asserted = parseNameAddr(request.getHeader('p-asserted-identity'));
    const from = parseNameAddr(request.getHeader('from'));
    const raw = (trusted ? asserted : undefined) ?? from ?? { user: '', uri: '' };
    const mode =
      this.#account.media === 'auto' ? (offerLooksWebRtc(invitation.body) ? 'webrtc' : 'rtp') : this.#account.media;
    let replaced: SipJsCallAdapter | undefined;
    if (replacee) {
      // We end the replaced call ourselves (SIP.js would BYE it, which fails on an early dialog).
      invitation._replacee = undefined;
      const entry = this.#sessionCalls.get(replacee);
      replaced = entry?.call;
      if (replaced === undefined) {
        invitation.reject({ statusCode: 481 }).catch(() => undefined);
        return;
      }
      // RFC 3891 §7: only the replaced dialog's peer, or the PBX itself, may replace it (trust.ts). Dialog identifiers
      // are no secret: BLF NOTIFYs publish them to every colleague.
      const decision = authorizeReplaces({ origin, from: from?.uri, assertedIdentity: asserted?.uri }, entry?.peer, policy);
      if (!decision.allowed) {
        this.#logger.warn(`INVITE with Replaces of call ${replaced.id} refused (403): ${decision.why}`);
        invitation.reject({ statusCode: 403 }).catch(() => undefined);
        return;
      }
      // Only a confirmed dialog, or our own outgoing early dialog (call pickup), may be replaced (RFC 3891 §3).
      const replaceable =
        replacee.state === SessionState.Established || (replacee instanceof Inviter && replacee.state === SessionState.Establishing);
      if (!replaceable) {
        invitation.reject({ statusCode: 481 }).catch(() => undefined);
        return;
      }
    }
    const requested = autoAnswerAfter({
      callInfo: request.getHeaders('call-info'),
      alertInfo: request.getHeaders('alert-info'),
      answerMode: [...request.getHeaders('answer-mode'), ...request.getHeaders('priv-answer-mode')],
    });
    // A caller can write these headers too: only a request the PBX originated (or a trusted proxy relayed) counts.
    const autoAnswer = trusted ? requested : undefined;
    const diversion = parseRedirection({ diversion: request.getHeaders('diversion'), historyInfo: request.getHeaders('history-info') });
    if (diversion && !trusted) this.#logger.info('Diversion / History-Info ignored: the INVITE was relayed from another user agent (untrusted proxy)');
    if (requested !== undefined && !trusted) {
      this.#logger.info('Auto-answer request ignored: the INVITE was relayed from another user agent (untrusted proxy)');
    }
    const call = new SipJsCallAdapter({
      id: randomUUID(),
      accountId: this.accountId,
      direction: 'incoming',
      remote: sanitizeRemoteParty(raw),
      mediaMode: mode,
      session: invitation,
      logger: this.#logger,
      transportFailed: () => this.#lastTransportError !== undefined,
      domain: this.#account.domain ?? this.#account.server,
      dtmfMode: this.#account.dtmfMode,
      ...this.#mediaTimeout(),
      ...(autoAnswer !== undefined && !replaced ? { autoAnswerAfter: autoAnswer } : {}),
      ...(replaced ? { replaces: replaced.id } : {}),
      called: this.#calledUser(request.getHeader('to')),
      // Who forwarded the call: a caller can write these headers too, so only where PAI is believed.
      ...(trusted && diversion ? { diversion } : {}),
    });
    this.#track(invitation, call, mode, false, raw.uri);
    if (replaced) {
      const old = replaced;
      const off = call.onDidChange((snap) => {
        if (snap.state === 'active') old.endReplaced();
        if (snap.state === 'active' || snap.state === 'ended') off();
      });
      // The replacing INVITE takes over a call the receptionist already has: answer it at once (RFC 3891 §3).
      call.answer().catch((err: unknown) => this.#logger.warn(`Answering a replacing call failed: ${String(err)}`));
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

/**
 * Issue 14 (INVITE → 180 latency): SIP.js sends 100 Trying to every INVITE before handing it over, so our 180 left
 * one response later. #onInvite answers every INVITE at once (180 Ringing, or a final response), and RFC 3261
 * §17.2.1 needs no 100 then ("unless it knows that the TU will generate a provisional or final response within
 * 200 ms"); a retransmitted INVITE meanwhile is absorbed by the server transaction. A proxy sends its own 100.
 */
export function skipTrying(ua: UserAgent): void {
  const core = ua.userAgentCore as unknown as { delegate?: { onInvite?: (request: { trying(): void }) => void } };
  const onInvite = core.delegate?.onInvite;
  if (!core.delegate || !onInvite) return;
  core.delegate.onInvite = (request) => {
    request.trying = () => undefined;
    onInvite(request);
  };
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

/** What identifies our end of a flow (RFC 5626 §5.2): a change means the far ends must learn our new Contact. */
function flowKey(connection: SipConnection): string {
  return `${connection.kind}|${formatHostPort(connection.local)}|${formatHostPort(connection.remote)}`;
}

function sameTarget(a: SipTarget, b: SipTarget | undefined): boolean {
  return b !== undefined && a.address === b.address && a.port === b.port && a.transport === b.transport;
}

function tlsProblemOfError(error: SipConnectionError | undefined): string | undefined {
  return (error as { tlsProblem?: string } | undefined)?.tlsProblem;
}

/** A name-based UUID (RFC 4122 §4.3 layout, SHA-1): the same account on the same machine keeps its instance id. */
function stableUuid(name: string): string {
  const h = createHash('sha1').update(`receptionist-console:${hostname()}:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
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

/**
 * Media of a silent call (DialOptions.silent): an RTP/AVP offer with a=inactive on the discard port, so the PBX runs
 * its dialplan (a feature code) without any audio flowing either way. Nothing is bound, nothing to release.
 */
export function silentMediaSession(address = '0.0.0.0'): MediaSession {
  const ip = /:/.test(address) ? 'IP6' : 'IP4';
  const sdp = [
    'v=0',
    `o=- ${Date.now()} 1 IN ${ip} ${address}`,
    's=-',
    `c=IN ${ip} ${address}`,
    't=0 0',
    'm=audio 9 RTP/AVP 0 8 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=inactive',
    '',
  ].join('\r\n');
  return {
    createOffer: () => Promise.resolve(sdp),
    createAnswer: () => Promise.resolve(sdp),
    acceptAnswer: () => Promise.resolve(),
    sendDtmf: () => Promise.resolve(false),
    close: () => undefined,
  };
}
