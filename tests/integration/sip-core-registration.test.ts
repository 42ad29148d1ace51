import dgram from 'node:dgram';
import { createSoftphone } from '../../sip-core';
import type { RegistrationState } from '../../sip-core/api/registration-state';
import type { Softphone } from '../../sip-core/api/softphone';
import { account1001, noMedia, sleep, waitForRegistration } from './sip-core-helpers';

jest.setTimeout(60_000);

const phones: Softphone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()));
});

function phone(...args: Parameters<typeof createSoftphone>): Softphone {
  const p = createSoftphone(...args);
  phones.push(p);
  return p;
}

describe('receptionist account registers with the PBX', () => {
  it.each(['udp', 'tcp', 'ws'] as const)('registers 1001 over %s and un-registers on stop', async (transport) => {
    const trace: string[] = [];
    const p = phone({
      account: account1001({ transport, port: transport === 'ws' ? 8080 : 5060 }),
      media: noMedia,
      logger: { debug() {}, info() {}, warn() {}, error() {}, sipTrace: (_d, text) => trace.push(text) },
    });
    const states: string[] = [];
    p.onDidChangeRegistration((s) => states.push(s.state));
    await p.start();
    const s = await waitForRegistration(p, (x) => x.state === 'registered');
    expect(s.state === 'registered' && s.expiresAt).toBeGreaterThan(Date.now() + 30_000);
    expect(states).toEqual(['registering', 'registered']);
    // The digest went out (Kamailio challenged) but never in clear in the trace.
    expect(trace.some((t) => /^Authorization: <redacted>$/m.test(t))).toBe(true);
    expect(trace.join('\n')).not.toMatch(/response="/);
    await p.stop();
    expect(p.registration()).toEqual({ state: 'unregistered' });
    // The last REGISTER we sent removes the binding (Expires 0 on our contact).
    const lastRegister = trace.filter((t) => t.startsWith('REGISTER ')).pop() ?? '';
    expect(lastRegister).toMatch(/expires=0/i);
  });

  it('wrong password ends in failed(auth) without a retry storm', async () => {
    const trace: string[] = [];
    const p = phone({
      account: account1001({ password: 'wrong-password-xyz' }),
      media: noMedia,
      backoffMs: () => 200, // even with an aggressive backoff, auth failures wait
      logger: { debug() {}, info() {}, warn() {}, error() {}, sipTrace: (d, text) => d === 'out' && trace.push(text) },
    });
    await p.start();
    const failed = await waitForRegistration(p, (s) => s.state === 'failed');
    expect(failed).toMatchObject({ state: 'failed', reason: 'auth', detail: '401 Unauthorized' });
    expect(JSON.stringify(failed)).not.toContain('wrong-password-xyz');
    expect((failed as Extract<RegistrationState, { state: 'failed' }>).retryAt).toBeGreaterThanOrEqual(Date.now() + 50_000);
    await sleep(1500);
    // One REGISTER without credentials, one with: then silence.
    expect(trace.filter((t) => t.startsWith('REGISTER ')).length).toBe(2);
    expect(p.registration().state).toBe('failed');
  });

  it('unreachable server: failed(network) over UDP (ICMP) and TCP, then automatic retries', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const p = phone({ account: account1001({ transport, port: 5999 }), media: noMedia, backoffMs: () => 300 });
      const seen: RegistrationState[] = [];
      p.onDidChangeRegistration((s) => seen.push(s));
      await p.start();
      await waitForRegistration(p, () => seen.filter((s) => s.state === 'failed').length >= 2);
      const failures = seen.filter((s) => s.state === 'failed');
      expect(failures[0]).toMatchObject({ state: 'failed', reason: 'network' });
      expect(failures[0]?.state === 'failed' && failures[0].detail).toMatch(/ECONNREFUSED/);
      // Retried by itself: registering attempt 2 followed the first failure.
      expect(seen).toContainEqual({ state: 'registering', attempt: 2 });
      await p.stop();
    }
  });

  it('a silent server gives failed(timeout)', async () => {
    const blackhole = dgram.createSocket('udp4');
    await new Promise<void>((r) => blackhole.bind(0, '127.0.0.1', r));
    try {
      const p = phone({
        account: account1001({ port: blackhole.address().port }),
        media: noMedia,
        requestTimeoutMs: 1500,
        backoffMs: () => 60_000,
      });
      await p.start();
      const failed = await waitForRegistration(p, (s) => s.state === 'failed');
      expect(failed).toMatchObject({ state: 'failed', reason: 'timeout' });
    } finally {
      blackhole.close();
    }
  });

  it('reconnect() after a network change re-registers at once', async () => {
    const p = phone({ account: account1001(), media: noMedia });
    await p.start();
    await waitForRegistration(p, (s) => s.state === 'registered');
    const states: string[] = [];
    p.onDidChangeRegistration((s) => states.push(s.state));
    await p.reconnect();
    expect(states).toEqual(['registering', 'registered']);
  });

  it('server back: re-registers by itself after the path to the PBX returns', async () => {
    const forwarder = new UdpForwarder('127.0.0.1', 5060);
    const port = await forwarder.start(0);
    try {
      // Frequent CRLF keep-alives so the cut path is noticed between refreshes.
      const p = phone({ account: account1001({ port }), media: noMedia, backoffMs: () => 500, keepAliveMs: 300 });
      await p.start();
      await waitForRegistration(p, (s) => s.state === 'registered');

      await forwarder.stop();
      // Nobody calls reconnect(): a keep-alive hits ICMP port unreachable and the machine fails by itself.
      const down = await waitForRegistration(p, (s) => s.state === 'failed');
      expect(down).toMatchObject({ state: 'failed', reason: 'network' });

      await forwarder.start(port);
      const back = await waitForRegistration(p, (s) => s.state === 'registered', 20_000);
      expect(back.state).toBe('registered');
      await p.stop();
    } finally {
      await forwarder.stop();
    }
  });
});

/** A UDP relay between the UA and Kamailio: a seam we own, to cut and restore the path. */
class UdpForwarder {
  #socket: dgram.Socket | undefined;
  #upstreams = new Map<string, dgram.Socket>();
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async start(port: number): Promise<number> {
    const socket = dgram.createSocket('udp4');
    this.#socket = socket;
    socket.on('message', (msg, from) => {
      const key = `${from.address}:${from.port}`;
      let up = this.#upstreams.get(key);
      if (!up) {
        up = dgram.createSocket('udp4');
        up.on('message', (reply) => this.#socket?.send(reply, from.port, from.address));
        up.on('error', () => undefined);
        this.#upstreams.set(key, up);
      }
      up.send(msg, this.port, this.host);
    });
    await new Promise<void>((r) => socket.bind(port, '127.0.0.1', r));
    return socket.address().port;
  }

  async stop(): Promise<void> {
    for (const up of this.#upstreams.values()) up.close();
    this.#upstreams.clear();
    const s = this.#socket;
    this.#socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
