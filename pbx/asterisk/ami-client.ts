/**
 * A small typed Asterisk Manager Interface (AMI) client: TCP or TLS, plain `Login`, ActionID-correlated responses,
 * list actions, events, keep-alive and reconnect with backoff. Node only (net/tls); no project imports.
 *
 * Wire format: the server opens with one banner line (`Asterisk Call Manager/x.y.z`), then messages of `Key: Value`
 * lines (CRLF; we also accept a bare LF, Asterisk 22 sends stray ones) ended by an empty line. A response carries our
 * `ActionID`; a list action answers `Response: Success` + `EventList: start`, then events with the same ActionID,
 * then an event with `EventList: Complete`.
 *
 * The peer is not trusted: every line and message is size-capped, and a peer that breaks the caps is disconnected
 * (then retried with backoff) rather than allowed to grow our memory. Nothing here throws into the caller's event
 * loop: socket errors become state changes, listener exceptions are logged and swallowed.
 */
import net from 'node:net';
import tls from 'node:tls';

export type AmiMessage = Readonly<Record<string, string>>;
export type AmiDisposable = () => void;

export type AmiErrorCode =
  /** TCP/TLS connect failed, refused, reset, or the connection is down. */
  | 'unreachable'
  /** Login refused. */
  | 'auth-failed'
  /** No answer within the action timeout (or keep-alive). */
  | 'timeout'
  /** The server answered `Response: Error`. */
  | 'refused'
  /** The peer broke the protocol or our size caps. */
  | 'protocol'
  /** The client was stopped. */
  | 'stopped';

export class AmiError extends Error {
  constructor(
    readonly code: AmiErrorCode,
    message: string,
    readonly response?: AmiMessage,
  ) {
    super(message);
    this.name = 'AmiError';
  }
}

export type AmiConnectionState =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'connected'; readonly banner: string }
  | { readonly state: 'unreachable'; readonly error: AmiError; readonly retryAt: number }
  | { readonly state: 'auth-failed'; readonly error: AmiError; readonly retryAt: number }
  | { readonly state: 'stopped' };

export interface AmiLogger {
  debug(m: string): void;
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

export interface AmiLimits {
  /** Longest accepted line, bytes (default 8 KiB). */
  readonly maxLineBytes: number;
  /** Most `Key: Value` lines in one message (default 512). */
  readonly maxFieldsPerMessage: number;
  /** Largest accepted message, bytes (default 64 KiB). */
  readonly maxMessageBytes: number;
  /** Most events collected for one list action (default 100 000). */
  readonly maxListEvents: number;
  /** Most actions waiting for an answer (default 1000). */
  readonly maxPendingActions: number;
}

export interface AmiClientOptions {
  readonly host: string;
  /** Default 5038. */
  readonly port?: number;
  readonly user: string;
  readonly secret: string;
  /** TLS (AMI over TLS, usually port 5039); `true` or Node TLS options (ca, servername, …). */
  readonly tls?: boolean | tls.ConnectionOptions;
  /** Per-action timeout (default 10 s). */
  readonly actionTimeoutMs?: number;
  /** TCP/TLS connect + banner + login must finish within this (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** `Ping` every N ms while connected (default 20 s); a missing Pong drops the connection. 0 disables. */
  readonly pingIntervalMs?: number;
  /** Reconnect backoff: first delay (default 2 s), doubling up to `maxMs` (default 30 s), ±20 % jitter. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly limits?: Partial<AmiLimits>;
  readonly logger?: AmiLogger;
}

const DEFAULT_LIMITS: AmiLimits = {
  maxLineBytes: 8 * 1024,
  maxFieldsPerMessage: 512,
  maxMessageBytes: 64 * 1024,
  maxListEvents: 100_000,
  maxPendingActions: 1000,
};

const silent: AmiLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Incremental AMI framer: bytes in, banner and messages out. Throws `AmiError('protocol')` when the peer breaks a
 * cap; the client then drops the connection. Repeated keys (e.g. `ChanVariable`) are joined with '\n'.
 */
export class AmiParser {
  readonly #limits: AmiLimits;
  #partial: Buffer = Buffer.alloc(0);
  #expectBanner: boolean;
  #fields: [string, string][] = [];
  #messageBytes = 0;
  banner: string | undefined;

  constructor(limits: Partial<AmiLimits> = {}, expectBanner = true) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
    this.#expectBanner = expectBanner;
  }

  /** Feeds bytes; returns the messages they completed. */
  push(chunk: Buffer): AmiMessage[] {
    const out: AmiMessage[] = [];
    let data = this.#partial.length > 0 ? Buffer.concat([this.#partial, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0) break;
      if (nl - start > this.#limits.maxLineBytes) throw this.#tooBig('line');
      let end = nl;
      if (end > start && data[end - 1] === 0x0d) end--;
      this.#line(data.toString('utf8', start, end), nl + 1 - start, out);
      start = nl + 1;
    }
    data = data.subarray(start);
    if (data.length > this.#limits.maxLineBytes) throw this.#tooBig('line');
    // Copy: keeping a subarray would pin the whole (possibly large) chunk in memory.
    this.#partial = Buffer.from(data);
    return out;
  }

  #line(line: string, bytes: number, out: AmiMessage[]): void {
    if (this.#expectBanner) {
      this.#expectBanner = false;
      this.banner = line.trim();
      return;
    }
    if (line.trim() === '') {
      if (this.#fields.length > 0) out.push(toMessage(this.#fields));
      this.#fields = [];
      this.#messageBytes = 0;
      return;
    }
    this.#messageBytes += bytes;
    if (this.#messageBytes > this.#limits.maxMessageBytes) throw this.#tooBig('message');
    const colon = line.indexOf(':');
    // Not `Key: Value` (e.g. the body of a `Response: Follows` command output): ignored.
    if (colon <= 0) return;
    if (this.#fields.length >= this.#limits.maxFieldsPerMessage) throw this.#tooBig('message (fields)');
    this.#fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }

  #tooBig(what: string): AmiError {
    this.#partial = Buffer.alloc(0);
    this.#fields = [];
    return new AmiError('protocol', `AMI peer sent an oversized ${what}`);
  }
}

function toMessage(fields: [string, string][]): AmiMessage {
  const msg: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of fields) msg[k] = k in msg ? `${msg[k]}\n${v}` : v;
  return msg;
}

/** Serialises an action. CR/LF in values would let a value inject fields or actions: they become spaces. */
export function formatAction(fields: Record<string, string>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (!/^[A-Za-z0-9_()-]+$/.test(k)) throw new AmiError('protocol', `invalid AMI field name ${JSON.stringify(k)}`);
    out += `${k}: ${String(v).replace(/[\r\n]+/g, ' ')}\r\n`;
  }
  return `${out}\r\n`;
}

interface Pending {
  readonly action: string;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (r: { response: AmiMessage; events: AmiMessage[] }) => void;
  readonly reject: (e: AmiError) => void;
  readonly list: boolean;
  response?: AmiMessage;
  events?: AmiMessage[];
  readonly noList?: (response: AmiMessage) => boolean;
}

/** Events are delivered through `onEvent`, connection changes through `onState`. Call `start()` once. */
export class AmiClient {
  readonly #opts: AmiClientOptions;
  readonly #limits: AmiLimits;
  readonly #log: AmiLogger;
  readonly #eventListeners = new Set<(e: AmiMessage) => void>();
  readonly #stateListeners = new Set<(s: AmiConnectionState) => void>();
  readonly #pending = new Map<string, Pending>();
  #state: AmiConnectionState = { state: 'stopped' };
  #socket: net.Socket | undefined;
  #started = false;
  #stopped = false;
  #attempt = 0;
  #nextId = 1;
  #retryTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #connectTimer: NodeJS.Timeout | undefined;
  /** Resolves once the login of the current socket succeeded. */
  #loggedIn = false;

  constructor(options: AmiClientOptions) {
    this.#opts = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#log = options.logger ?? silent;
  }

  get state(): AmiConnectionState {
    return this.#state;
  }

  get connected(): boolean {
    return this.#state.state === 'connected';
  }

  onEvent(listener: (event: AmiMessage) => void): AmiDisposable {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onState(listener: (state: AmiConnectionState) => void): AmiDisposable {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Starts connecting; keeps reconnecting with backoff until `stop()`. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#connect();
  }

  /** Logs off (best effort, 1 s), closes, stops retrying; pending actions are rejected with 'stopped'. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    clearTimeout(this.#connectTimer);
    const socket = this.#socket;
    if (socket && this.#loggedIn) {
      try {
        await this.#send({ Action: 'Logoff' }, false, 1000);
      } catch {
        // Gone already or slow: closing anyway.
      }
    }
    this.#failAll(new AmiError('stopped', 'AMI client stopped'));
    socket?.destroy();
    this.#socket = undefined;
    this.#setState({ state: 'stopped' });
  }

  /** Drops the current connection (e.g. after a failed re-sync); the client reconnects with backoff. */
  reconnect(reason: string): void {
    if (this.#socket) this.#drop(this.#socket, new AmiError('unreachable', reason));
  }

  /**
   * Sends an action and resolves with its `Response: Success` message. `Response: Error` rejects with
   * `AmiError('refused')` carrying the response; a down connection with 'unreachable'; no answer with 'timeout'.
   */
  async action(fields: Record<string, string>, timeoutMs?: number): Promise<AmiMessage> {
    const { response } = await this.#send(fields, false, timeoutMs);
    if (response.Response !== 'Success') {
      throw new AmiError('refused', `${fields.Action ?? 'action'}: ${response.Message ?? response.Response ?? '?'}`, response);
    }
    return response;
  }

  /**
   * Sends a list action and resolves with its events (without the closing `…Complete`). `noList`: a `Response:
   * Success` matching it is the whole answer, no list follows (app_voicemail acks an unknown mailbox with "There is no
   * voicemail user …" and no EventList: waiting for a Complete would only time out).
   */
  async list(fields: Record<string, string>, timeoutMs?: number, noList?: (response: AmiMessage) => boolean): Promise<AmiMessage[]> {
    const { response, events } = await this.#send(fields, true, timeoutMs, false, noList);
    // Asterisk answers some empty lists with an error ("No Contacts found").
    if (response.Response === 'Error' && /^No \w+ found/i.test(response.Message ?? '')) return [];
    if (response.Response !== 'Success') {
      throw new AmiError('refused', `${fields.Action ?? 'list'}: ${response.Message ?? response.Response ?? '?'}`, response);
    }
    return events;
  }

  #send(
    fields: Record<string, string>,
    list: boolean,
    timeoutMs = this.#opts.actionTimeoutMs ?? 10_000,
    beforeLogin = false,
    noList?: (response: AmiMessage) => boolean,
  ): Promise<{ response: AmiMessage; events: AmiMessage[] }> {
    const socket = this.#socket;
    if (this.#stopped) return Promise.reject(new AmiError('stopped', 'AMI client stopped'));
    if (!socket || (!this.#loggedIn && !beforeLogin)) {
      return Promise.reject(new AmiError('unreachable', 'AMI is not connected'));
    }
    if (this.#pending.size >= this.#limits.maxPendingActions) {
      return Promise.reject(new AmiError('timeout', 'too many AMI actions waiting for an answer'));
    }
    const id = `rc-${this.#nextId++}`;
    let text: string;
    try {
      text = formatAction({ ...fields, ActionID: id });
    } catch (e) {
      return Promise.reject(e as AmiError);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new AmiError('timeout', `AMI ${fields.Action ?? 'action'} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { action: fields.Action ?? '', timer, resolve, reject, list, ...(list ? { events: [] } : {}), ...(noList ? { noList } : {}) });
      socket.write(text);
    });
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#attempt++;
    this.#setState({ state: 'connecting', attempt: this.#attempt });
    const port = this.#opts.port ?? 5038;
    const host = this.#opts.host;
    let socket: net.Socket;
    try {
      socket = this.#opts.tls
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...(this.#opts.tls === true ? {} : this.#opts.tls) })
        : net.connect({ host, port });
    } catch (e) {
      this.#scheduleRetry(new AmiError('unreachable', `AMI ${host}:${port}: ${(e as Error).message}`));
      return;
    }
    this.#socket = socket;
    this.#loggedIn = false;
    const parser = new AmiParser(this.#limits);
    clearTimeout(this.#connectTimer);
    const connectTimer = (this.#connectTimer = setTimeout(
      () => this.#drop(socket, new AmiError('timeout', `AMI ${host}:${port}: no banner/login within the connect timeout`)),
      this.#opts.connectTimeoutMs ?? 10_000,
    ));
    let bannerSeen = false;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      let messages: AmiMessage[];
      try {
        messages = parser.push(chunk);
      } catch (e) {
        this.#drop(socket, e instanceof AmiError ? e : new AmiError('protocol', String(e)));
        return;
      }
      if (!bannerSeen && parser.banner !== undefined) {
        bannerSeen = true;
        if (!/^Asterisk Call Manager\//.test(parser.banner)) {
          this.#log.warn(`AMI: unexpected banner ${JSON.stringify(parser.banner.slice(0, 80))}`);
        }
        void this.#login(socket, parser.banner, connectTimer);
      }
      for (const m of messages) {
        this.#dispatch(m);
        if (this.#socket !== socket) return;
      }
    });
    socket.on('error', (e) => this.#drop(socket, new AmiError('unreachable', `AMI ${host}:${port}: ${e.message}`)));
    socket.on('close', () => this.#drop(socket, new AmiError('unreachable', `AMI ${host}:${port}: connection closed`)));
  }

  async #login(socket: net.Socket, banner: string, connectTimer: NodeJS.Timeout): Promise<void> {
    try {
      const { response } = await this.#send(
        { Action: 'Login', Username: this.#opts.user, Secret: this.#opts.secret, Events: 'on' },
        false,
        this.#opts.actionTimeoutMs ?? 10_000,
        true,
      );
      if (this.#socket !== socket) return;
      clearTimeout(connectTimer);
      if (response.Response !== 'Success') {
        this.#drop(socket, new AmiError('auth-failed', `AMI login as ${this.#opts.user} refused: ${response.Message ?? response.Response ?? '?'}`, response));
        return;
      }
      this.#loggedIn = true;
      this.#attempt = 0;
      this.#startPing(socket);
      this.#log.info(`AMI connected to ${this.#opts.host}:${this.#opts.port ?? 5038} (${banner.slice(0, 80)})`);
      this.#setState({ state: 'connected', banner });
    } catch (e) {
      clearTimeout(connectTimer);
      if (this.#socket === socket) this.#drop(socket, e instanceof AmiError ? e : new AmiError('unreachable', String(e)));
    }
  }

  #startPing(socket: net.Socket): void {
    clearInterval(this.#pingTimer);
    const every = this.#opts.pingIntervalMs ?? 20_000;
    if (every <= 0) return;
    this.#pingTimer = setInterval(() => {
      this.#send({ Action: 'Ping' }, false, Math.min(every, this.#opts.actionTimeoutMs ?? 10_000)).catch((e: AmiError) => {
        if (this.#socket === socket && e.code === 'timeout') {
          this.#drop(socket, new AmiError('timeout', 'AMI keep-alive: no answer to Ping'));
        }
      });
    }, every);
    this.#pingTimer.unref?.();
  }

  /** Tears down `socket` once (close and error both land here) and schedules a reconnect. */
  #drop(socket: net.Socket, error: AmiError): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#loggedIn = false;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#connectTimer);
    socket.destroy();
    this.#failAll(error.code === 'auth-failed' ? error : new AmiError(error.code === 'timeout' ? 'unreachable' : error.code, error.message));
    if (this.#stopped) return;
    this.#log.warn(error.message);
    this.#scheduleRetry(error);
  }

  #scheduleRetry(error: AmiError): void {
    const initial = this.#opts.backoff?.initialMs ?? 2000;
    const max = this.#opts.backoff?.maxMs ?? 30_000;
    const base = error.code === 'auth-failed' ? max : Math.min(max, initial * 2 ** Math.max(0, this.#attempt - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    const retryAt = Date.now() + delay;
    this.#setState(error.code === 'auth-failed' ? { state: 'auth-failed', error, retryAt } : { state: 'unreachable', error, retryAt });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #failAll(error: AmiError): void {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.#pending.clear();
  }

  #dispatch(m: AmiMessage): void {
    const id = m.ActionID;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    // An event may carry a Response field too (OriginateResponse: `Event: OriginateResponse`, `Response: Success`).
    if (m.Response !== undefined && m.Event === undefined) {
      if (!pending) return;
      if (pending.list && m.Response === 'Success' && !pending.noList?.(m)) {
        pending.response = m;
        // Not every list action says `EventList: start`, but all end with `EventList: Complete`.
        return;
      }
      this.#finish(id as string, pending, m);
      return;
    }
    if (m.Event === undefined) return;
    if (pending?.list && pending.response) {
      if (m.EventList === 'Complete') {
        this.#finish(id as string, pending, pending.response);
        return;
      }
      const events = pending.events as AmiMessage[];
      if (events.length >= this.#limits.maxListEvents) {
        if (this.#socket) this.#drop(this.#socket, new AmiError('protocol', `AMI ${pending.action}: list longer than ${this.#limits.maxListEvents} events`));
        return;
      }
      events.push(m);
      return;
    }
    for (const l of this.#eventListeners) {
      try {
        l(m);
      } catch (e) {
        this.#log.error(`AMI event listener threw: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }

  #finish(id: string, p: Pending, response: AmiMessage): void {
    clearTimeout(p.timer);
    this.#pending.delete(id);
    p.resolve({ response, events: p.events ?? [] });
  }

  #setState(s: AmiConnectionState): void {
    this.#state = s;
    for (const l of this.#stateListeners) {
      try {
        l(s);
      } catch (e) {
        this.#log.error(`AMI state listener threw: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }
}

/** An AMI server as provisioned (`pbx.ami`), and the timings tests shorten. */
export interface AmiServerConfig {
  readonly ami: { readonly host: string; readonly port?: number /* 5038 */; readonly user: string; readonly secret: string; readonly tls?: boolean };
  readonly timing?: {
    readonly actionTimeoutMs?: number;
    readonly pingIntervalMs?: number;
    readonly backoffInitialMs?: number;
    readonly backoffMaxMs?: number;
  };
}

/** The client every provider of pbx/asterisk uses for `config` (retry 2 s → 30 s unless the timings say otherwise). */
export function amiClientFor(config: AmiServerConfig, logger: AmiLogger): AmiClient {
  const t = config.timing ?? {};
  return new AmiClient({
    host: config.ami.host,
    ...(config.ami.port !== undefined ? { port: config.ami.port } : {}),
    user: config.ami.user,
    secret: config.ami.secret,
    ...(config.ami.tls ? { tls: true } : {}),
    ...(t.actionTimeoutMs !== undefined ? { actionTimeoutMs: t.actionTimeoutMs } : {}),
    ...(t.pingIntervalMs !== undefined ? { pingIntervalMs: t.pingIntervalMs } : {}),
    backoff: { initialMs: t.backoffInitialMs ?? 2000, maxMs: t.backoffMaxMs ?? 30_000 },
    logger,
  });
}
