/**
 * Minimal Asterisk Manager Interface (AMI) client for the test bed. Test-only: it trusts the peer, keeps every
 * message in memory and speaks plain TCP to 127.0.0.1.
 *
 * Wire format (Asterisk AMI): a banner line `Asterisk Call Manager/x.y.z\r\n`, then messages made of
 * `Key: Value\r\n` lines ended by an empty line. Responses carry our `ActionID`; list actions answer
 * `Response: Success` + `EventList: start`, then events with the same ActionID, then `...Complete`.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';

export type AmiMessage = Record<string, string>;

export interface AmiOptions {
  host?: string;
  port?: number;
  username?: string;
  secret?: string;
  /** Per-action timeout in ms (default 10 000). */
  timeoutMs?: number;
}

export class AmiError extends Error {
  constructor(
    message: string,
    readonly response?: AmiMessage,
  ) {
    super(message);
    this.name = 'AmiError';
  }
}

interface Pending {
  resolve: (m: AmiMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  /** List actions: collected events, finished by an event whose EventList is `Complete`. */
  list?: AmiMessage[];
  listResolve?: (events: AmiMessage[]) => void;
}

/** Events: `event` (every AMI event), `close`. */
export class AmiClient extends EventEmitter {
  readonly #socket: net.Socket;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  #buffer = '';
  #banner: string | undefined;
  #nextId = 1;
  #closed = false;

  private constructor(socket: net.Socket, timeoutMs: number) {
    super();
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
  }

  /** The banner Asterisk sent on connect, e.g. `Asterisk Call Manager/11.0.0`. */
  get banner(): string | undefined {
    return this.#banner;
  }

  /** Connects to 127.0.0.1:5038 and logs in as console/secret unless told otherwise. */
  static async connect(options: AmiOptions = {}): Promise<AmiClient> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 5038;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection({ host, port });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    const client = new AmiClient(socket, options.timeoutMs ?? 10_000);
    client.#attach();
    const login = await client.action({
      Action: 'Login',
      Username: options.username ?? 'console',
      Secret: options.secret ?? 'secret',
    });
    if (login.Response !== 'Success') {
      client.close();
      throw new AmiError(`AMI login failed: ${login.Message ?? login.Response}`, login);
    }
    return client;
  }

  /**
   * Sends one action and resolves with its response (matched by ActionID). An `Error` response resolves too:
   * callers assert on `Response`, because some tests expect refusals.
   */
  action(fields: AmiMessage): Promise<AmiMessage> {
    return this.#send(fields, false).then((r) => r.response);
  }

  /**
   * Sends a list action (CoreShowChannels, ParkedCalls, QueueStatus, PJSIPShowContacts, …) and resolves with
   * the events it produced, without the closing `...Complete` event.
   */
  async list(fields: AmiMessage): Promise<AmiMessage[]> {
    const { response, events } = await this.#send(fields, true);
    // Asterisk quirk: some list actions answer an empty list with an error ("No Contacts found").
    if (response.Response === 'Error' && /^No \w+ found$/i.test(response.Message ?? '')) return [];
    if (response.Response !== 'Success') {
      throw new AmiError(`${fields.Action} failed: ${response.Message ?? response.Response}`, response);
    }
    return events;
  }

  /** Resolves with the first event for which `match` is true, or rejects after `timeoutMs`. */
  waitForEvent(match: (event: AmiMessage) => boolean, timeoutMs = this.#timeoutMs): Promise<AmiMessage> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: AmiMessage): void => {
        if (!match(e)) return;
        cleanup();
        resolve(e);
      };
      const onClose = (): void => {
        cleanup();
        reject(new AmiError('AMI connection closed while waiting for an event'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new AmiError(`no matching AMI event within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('close', onClose);
      };
      this.on('event', onEvent);
      this.on('close', onClose);
    });
  }

  /** Logs off and closes the socket; pending actions are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.action({ Action: 'Logoff' }),
        new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
      ]);
    } catch {
      // Already gone: nothing to log off from.
    } finally {
      clearTimeout(timer);
    }
    this.#socket.destroy();
  }

  #send(fields: AmiMessage, isList: boolean): Promise<{ response: AmiMessage; events: AmiMessage[] }> {
    if (this.#closed) return Promise.reject(new AmiError('AMI connection is closed'));
    const actionId = `rc-${this.#nextId++}`;
    const lines = Object.entries({ ...fields, ActionID: actionId }).map(([k, v]) => `${k}: ${v}`);
    return new Promise((resolve, reject) => {
      let response: AmiMessage | undefined;
      const timer = setTimeout(() => {
        this.#pending.delete(actionId);
        reject(new AmiError(`AMI ${fields.Action} timed out after ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const pending: Pending = {
        timer,
        reject,
        resolve: (m) => {
          response = m;
          // A list action that failed sends no events; one that succeeded says `EventList: start`.
          if (!isList || m.Response !== 'Success') {
            clearTimeout(timer);
            this.#pending.delete(actionId);
            resolve({ response: m, events: [] });
          }
        },
      };
      if (isList) {
        pending.list = [];
        pending.listResolve = (events) => {
          clearTimeout(timer);
          this.#pending.delete(actionId);
          resolve({ response: response ?? {}, events });
        };
      }
      this.#pending.set(actionId, pending);
      this.#socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  }

  #attach(): void {
    this.#socket.setEncoding('utf8');
    this.#socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      if (this.#banner === undefined) {
        const eol = this.#buffer.indexOf('\r\n');
        if (eol < 0) return;
        this.#banner = this.#buffer.slice(0, eol);
        this.#buffer = this.#buffer.slice(eol + 2);
      }
      let end: number;
      while ((end = this.#buffer.indexOf('\r\n\r\n')) >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 4);
        this.#dispatch(parseBlock(block));
      }
    });
    const onGone = (): void => {
      if (this.#closed) return;
      this.#closed = true;
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(new AmiError('AMI connection closed'));
      }
      this.#pending.clear();
      this.emit('close');
    };
    this.#socket.on('close', onGone);
    this.#socket.on('error', onGone);
  }

  #dispatch(msg: AmiMessage): void {
    const id = msg.ActionID;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (msg.Response !== undefined) {
      pending?.resolve(msg);
      return;
    }
    if (msg.Event === undefined) return;
    if (pending?.list) {
      if (msg.EventList === 'Complete') pending.listResolve?.(pending.list);
      else pending.list.push(msg);
      return;
    }
    this.emit('event', msg);
  }
}

/** Repeated keys (e.g. `ChanVariable`) are joined with '\n' so nothing is lost. */
function parseBlock(block: string): AmiMessage {
  const msg: AmiMessage = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    // trim(): Asterisk 22 ends some messages with a stray bare LF ("No Contacts found\n").
    const value = line.slice(colon + 1).trim();
    msg[key] = key in msg ? `${msg[key]}\n${value}` : value;
  }
  return msg;
}

/** AMI of the Asterisk test bed, or an error that says how to start it (every Asterisk suite begins here). */
export async function connectTestbedAmi(): Promise<AmiClient> {
  try {
    return await AmiClient.connect();
  } catch (e) {
    throw new Error(
      `The Asterisk test bed is not running (AMI 127.0.0.1:5038: ${(e as Error).message}). ` +
        'Start it as root with: tests/testbed/asterisk/start.sh',
    );
  }
}
