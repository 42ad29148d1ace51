/**
 * The ONLY module that touches the host API. It hides which host we have:
 *  - Electron: the preload exposes `window.receptionist` (invoke + on).
 *  - Web host: a WebSocket to `/rpc?token=…` speaking JSON text frames:
 *      client→host {"t":"cmd","id":n,"name":…,"args":…}
 *      host→client {"t":"res","id":n,"result":Result} | {"t":"evt","name":…,"payload":…}
 *    The first event after every connect is `snapshot`; we reconnect with backoff when the socket closes.
 */
import type {
  CommandArgs,
  CommandName,
  CommandResult,
  ConsoleClient,
  EventName,
  Events,
  Result,
} from '../../../electron/contract';

/** What the Electron preload exposes through contextBridge. */
export interface PreloadApi {
  invoke(name: string, args: unknown): Promise<Result<unknown>>;
  on(listener: (event: { name: string; payload: unknown }) => void): () => void;
}

declare global {
  interface Window {
    receptionist?: PreloadApi;
  }
}

type ConnectionState = 'open' | 'closed';
type AnyListener = (payload: never) => void;

/** Reconnect delays: fast first retry (a web host restart takes ~1 s), capped so a long outage doesn't spin. */
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000] as const;

function networkError(message: string): Result<never> {
  return { ok: false, error: { code: 'network', message, key: 'error.network' } };
}

/** Shared event fan-out for both transports. */
class Emitter {
  readonly #events = new Map<string, Set<AnyListener>>();
  readonly #connection = new Set<(state: ConnectionState) => void>();
  #state: ConnectionState = 'closed';

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.#events.get(event);
    if (!set) this.#events.set(event, (set = new Set()));
    const entry = listener as AnyListener;
    set.add(entry);
    return () => set.delete(entry);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.#connection.add(listener);
    // Late subscribers learn the current state at once, so "attach after connect" never misses the open.
    if (this.#state === 'open') queueMicrotask(() => this.#connection.has(listener) && listener('open'));
    return () => this.#connection.delete(listener);
  }

  emit(name: string, payload: unknown): void {
    const set = this.#events.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (p: unknown) => void)(payload);
      } catch (err) {
        // One broken listener must not starve the others (e.g. the media engine) of events.
        console.error(`listener for ${name} failed`, err);
      }
    }
  }

  setConnection(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of [...this.#connection]) listener(state);
  }
}

function createPreloadClient(api: PreloadApi): ConsoleClient {
  const emitter = new Emitter();
  api.on(({ name, payload }) => emitter.emit(name, payload));
  const client: ConsoleClient = {
    invoke: <N extends CommandName>(name: N, args: CommandArgs<N>) =>
      api.invoke(name, args).catch((err: unknown) => networkError(String(err))) as Promise<Result<CommandResult<N>>>,
    on: (event, listener) => emitter.on(event, listener),
    onConnection: (listener) => emitter.onConnection(listener),
  };
  // IPC has no "connect" moment: ask for the snapshot ourselves and hand it out like the socket's first event.
  void api.invoke('app.snapshot', {}).then((result) => {
    if (result.ok) emitter.emit('snapshot', result.value);
    emitter.setConnection('open');
  });
  return client;
}

interface ResponseFrame {
  t: 'res';
  id: number;
  result: Result<unknown>;
}
interface EventFrame {
  t: 'evt';
  name: string;
  payload: unknown;
}

function parseFrame(data: unknown): ResponseFrame | EventFrame | undefined {
  if (typeof data !== 'string') return undefined;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof frame !== 'object' || frame === null) return undefined;
  const f = frame as Record<string, unknown>;
  if (f.t === 'res' && typeof f.id === 'number' && typeof f.result === 'object' && f.result !== null) {
    return f as unknown as ResponseFrame;
  }
  if (f.t === 'evt' && typeof f.name === 'string') return f as unknown as EventFrame;
  return undefined;
}

export interface SocketClientOptions {
  /** Full ws:// or wss:// URL including the token. */
  url: string;
}

function createSocketClient({ url }: SocketClientOptions): ConsoleClient {
  const emitter = new Emitter();
  const pending = new Map<number, (result: Result<unknown>) => void>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let attempt = 0;

  const connect = (): void => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      attempt = 0;
      emitter.setConnection('open');
    });
    ws.addEventListener('message', (event: MessageEvent) => {
      const frame = parseFrame(event.data);
      if (!frame) return;
      if (frame.t === 'res') {
        const resolve = pending.get(frame.id);
        pending.delete(frame.id);
        resolve?.(frame.result);
      } else {
        emitter.emit(frame.name, frame.payload);
      }
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = undefined;
      for (const resolve of pending.values()) resolve(networkError('Connection to the console service lost'));
      pending.clear();
      emitter.setConnection('closed');
      const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 8000;
      attempt += 1;
      // Jitter so several windows don't hammer a restarting host in lockstep.
      setTimeout(connect, base + Math.floor(Math.random() * base * 0.2));
    });
  };
  connect();

  return {
    invoke<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Result<CommandResult<N>>> {
      const ws = socket;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        return Promise.resolve(networkError('Not connected to the console service'));
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as (result: Result<unknown>) => void);
        ws.send(JSON.stringify({ t: 'cmd', id, name, args }));
      });
    },
    on: (event, listener) => emitter.on(event, listener),
    onConnection: (listener) => emitter.onConnection(listener),
  };
}

/** The web host's RPC URL for the current page: same host, `/rpc`, token from the page's query string. */
export function rpcUrlFor(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return `${scheme}//${location.host}/rpc?token=${encodeURIComponent(token)}`;
}

export function createConsoleClient(): ConsoleClient {
  if (window.receptionist) return createPreloadClient(window.receptionist);
  return createSocketClient({ url: rpcUrlFor(window.location) });
}
