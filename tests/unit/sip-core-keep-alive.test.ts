/**
 * RFC 5626 §4.4.1 CRLF keep-alive over real TCP connections to a local server we script: a server that answered our
 * pings on one connection must answer them from the first ping on the next one, or that flow is dead; a server that
 * never answered pings is never judged dead for it.
 */
import net from 'node:net';
import { pongServerKey, ServerPongMemory, startKeepAlive } from '../../sip-core/adapters/sipjs/keep-alive';
import { createSipConnection, type SipConnection, type SipConnectionError } from '../../sip-core/transports';

const PING_MS = 50;
const PONG_TIMEOUT_MS = 200;
/** Pings a server must have received before we say "not judged dead": the first one's pong deadline has long passed. */
const PINGS_PAST_DEADLINE = Math.ceil((2 * PONG_TIMEOUT_MS) / PING_MS) + 2;

type Mode = 'answer' | 'silent' | 'stuck';

/**
 * A SIP-over-TCP server stand-in: per connection, in order, it answers pings with a pong, stays silent, or starts a
 * message whose body never completes and then answers pings (its pongs vanish into the body our framer waits for).
 */
class PingServer {
  readonly pings: number[] = [];
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  port = 0;
  constructor(readonly script: Mode[]) {
    this.#server = net.createServer((socket) => {
      const index = this.pings.push(0) - 1;
      const mode = this.script[index] ?? 'silent';
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      if (mode === 'stuck') socket.write('NOTIFY sip:rc1@127.0.0.1 SIP/2.0\r\nContent-Length: 4096\r\n\r\npartial');
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        let at: number;
        while ((at = buffered.indexOf('\r\n\r\n')) >= 0) {
          buffered = buffered.slice(at + 4);
          this.pings[index]!++;
          if (mode !== 'silent') socket.write('\r\n');
        }
      });
    });
  }
  async start(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as net.AddressInfo).port;
    return this;
  }
  get key(): string {
    return pongServerKey({ transport: 'tcp', address: '127.0.0.1', port: this.port });
  }
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

const servers: PingServer[] = [];
const connections: SipConnection[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const c of connections.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop();
});

async function serve(script: Mode[]): Promise<PingServer> {
  const server = await new PingServer(script).start();
  servers.push(server);
  return server;
}

/** A real TCP connection to `server` with keep-alive running; `dead` lists the verdicts. */
async function keepAliveTo(server: PingServer, memory: ServerPongMemory) {
  const connection = createSipConnection({ kind: 'tcp', host: '127.0.0.1', address: '127.0.0.1', port: server.port });
  await connection.connect();
  connections.push(connection);
  const dead: SipConnectionError[] = [];
  let pongs = 0;
  let current = true;
  const timer = startKeepAlive(connection, {
    intervalMs: PING_MS,
    pongTimeoutMs: PONG_TIMEOUT_MS,
    server: server.key,
    memory,
    isCurrent: () => current,
    onDead: (e) => dead.push(e),
  });
  const onPong = connection.onPong;
  connection.onPong = () => {
    pongs++;
    onPong?.();
  };
  timers.push(timer);
  return {
    dead,
    get pongs() {
      return pongs;
    },
    close: () => {
      current = false;
      clearInterval(timer);
      connection.close();
    },
  };
}

describe('CRLF keep-alive: a server known to answer pings (RFC 5626 §4.4.1)', () => {
  jest.setTimeout(20_000);

  it('reconnected to a server that ponged before, a flow silent from its first ping is declared dead', async () => {
    const server = await serve(['answer', 'silent', 'silent']);
    const memory = new ServerPongMemory();

    const first = await keepAliveTo(server, memory);
    await until(() => first.pongs >= 2);
    expect(memory.answers(server.key)).toBe(true);
    first.close();

    // The flow dies right after the reconnect: no pong ever on it, yet it is noticed (not at the next REGISTER refresh).
    const second = await keepAliveTo(server, memory);
    await until(() => second.dead.length > 0);
    expect(second.pongs).toBe(0);
    expect(server.pings[1]).toBeGreaterThanOrEqual(1);
    expect(second.dead).toHaveLength(1);
    expect(second.dead[0]).toMatchObject({ kind: 'timeout', code: 'ETIMEDOUT' });
    second.close();

    // Judged on memory alone ⇒ the server is forgotten: if it really stopped answering pings, the next connection
    // judges on its own pongs again instead of being declared dead over and over.
    expect(memory.answers(server.key)).toBe(false);
    const third = await keepAliveTo(server, memory);
    await until(() => (server.pings[2] ?? 0) >= PINGS_PAST_DEADLINE);
    expect(third.dead).toEqual([]);
  });

  it('reconnected to a server that ponged before, a framer stuck waiting for a body is declared dead', async () => {
    const server = await serve(['answer', 'stuck']);
    const memory = new ServerPongMemory();
    const first = await keepAliveTo(server, memory);
    await until(() => first.pongs >= 1);
    first.close();

    const second = await keepAliveTo(server, memory);
    await until(() => second.dead.length > 0);
    // The server did answer each ping, but nothing after the unfinished NOTIFY reaches us.
    expect(server.pings[1]).toBeGreaterThanOrEqual(1);
    expect(second.pongs).toBe(0);
    expect(second.dead[0]).toMatchObject({ kind: 'timeout' });
  });

  it('a server that never answered pings is not judged dead, though another server in memory does answer them', async () => {
    const answering = await serve(['answer']);
    const silent = await serve(['silent']);
    const memory = new ServerPongMemory();

    const a = await keepAliveTo(answering, memory);
    await until(() => a.pongs >= 1);
    expect(memory.answers(answering.key)).toBe(true);

    const s = await keepAliveTo(silent, memory);
    await until(() => (silent.pings[0] ?? 0) >= PINGS_PAST_DEADLINE);
    expect(s.dead).toEqual([]);
    expect(a.dead).toEqual([]);
    expect(memory.answers(silent.key)).toBe(false);
  });

  it('the server is the transport, address and port: another port or transport on the same host is another server', () => {
    const tcp = pongServerKey({ transport: 'tcp', address: '127.0.0.1', port: 5060 });
    expect(pongServerKey({ transport: 'tcp', address: '127.0.0.1', port: 5060 })).toBe(tcp);
    expect(pongServerKey({ transport: 'tls', address: '127.0.0.1', port: 5060 })).not.toBe(tcp);
    expect(pongServerKey({ transport: 'tcp', address: '127.0.0.1', port: 5061 })).not.toBe(tcp);
  });
});
