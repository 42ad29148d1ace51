/**
 * The web host refuses strangers and survives hostile commands: wrong token, foreign Origin, unknown commands,
 * wrong types, oversized and binary payloads all get an error and the host keeps serving.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ConsoleService } from '../../electron/services/console-service';
import { startWebHost, type WebHost } from '../../electron/web-host/server';
import type { Softphone } from '../../sip-core/api/softphone';

type Frame = { t: string; id?: number | null; name?: string; result?: { ok: boolean; error?: { code: string; message: string } } };

function connect(url: string, origin?: string): Promise<{ ws: WebSocket; frames: Frame[]; next: (pred: (f: Frame) => boolean) => Promise<Frame> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    const frames: Frame[] = [];
    const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as Frame;
      frames.push(f);
      for (const w of [...waiters]) if (w.pred(f)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(f); }
    });
    const next = (pred: (f: Frame) => boolean) =>
      new Promise<Frame>((res) => {
        const hit = frames.find(pred);
        if (hit) return res(hit);
        waiters.push({ pred, resolve: res });
      });
    ws.on('open', () => resolve({ ws, frames, next }));
    ws.on('error', reject);
  });
}

/** One raw HTTP exchange over TCP (Node's http client would normalise the path): the status code, or 0 when the
 * connection closed without an answer. */
function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(request.slice(0, 60))}`));
    }, 5000);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      data += d;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      if (m) {
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(0);
    });
    socket.write(request);
  });
}

describe('web host security and robustness', () => {
  let host: WebHost;
  let service: ConsoleService;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-web-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    service = new ConsoleService({
      host: 'web',
      createSoftphone: () => {
        throw new Error('no account in this test');
      },
      createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    });
    host = await startWebHost({ service, rendererDir: dir, port: 0 });
  });
  afterAll(async () => {
    await host.close();
    await service.stop();
  });

  const rpc = () => `ws://127.0.0.1:${host.port}/rpc?token=${host.token}`;

  it('serves the page only with the launch token', async () => {
    expect((await fetch(`http://127.0.0.1:${host.port}/`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${host.port}/?token=wrong`)).status).toBe(403);
    const ok = await fetch(host.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('answers a malformed path (GET /%, GET //) with 400 and keeps serving — it used to crash the process', async () => {
    const get = (target: string, token = '') =>
      rawStatus(host.port, `GET ${target}${token} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n\r\n`);
    for (const target of ['/%', '//', '/%?token=', '//?token=', '/%E0%A4%A', '/dial%']) {
      expect([target, await get(target)]).toEqual([target, 400]);
      expect(await get('/?token=', host.token)).toBe(200);
    }
    expect(await get('/%?token=', host.token)).toBe(400);
    expect(await get('//?token=', host.token)).toBe(400);
  });

  it('a handler that throws answers 500, is logged, and the host keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-web-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const logs: string[] = [];
    const buggy = await startWebHost({
      service,
      rendererDir: dir,
      token: 'tok',
      routes: (url) => {
        if (url.pathname === '/boom') throw new Error('route bug');
        return false;
      },
      log: (l) => logs.push(l),
    });
    try {
      const get = (target: string) => rawStatus(buggy.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${buggy.port}\r\nConnection: close\r\n\r\n`);
      expect(await get('/boom?token=tok')).toBe(500);
      expect(logs.join('\n')).toMatch(/GET "\/boom\?…" failed: Error: route bug/);
      expect(logs.join('\n')).not.toContain('token=tok');
      expect(await get('/?token=tok')).toBe(200);
    } finally {
      await buggy.close();
    }
  });

  it('refuses a socket without the token or from a foreign origin', async () => {
    await expect(connect(`ws://127.0.0.1:${host.port}/rpc?token=nope`)).rejects.toThrow(/403/);
    await expect(connect(rpc(), 'https://evil.example')).rejects.toThrow(/403/);
  });

  it('sends the snapshot first, then answers hostile commands with errors and keeps serving', async () => {
    const c = await connect(rpc(), `http://127.0.0.1:${host.port}`);
    const first = await c.next(() => true);
    expect(first).toMatchObject({ t: 'evt', name: 'snapshot' });

    const send = (o: unknown) => c.ws.send(typeof o === 'string' ? o : JSON.stringify(o));
    send({ t: 'cmd', id: 1, name: 'call.explode', args: {} });
    expect((await c.next((f) => f.id === 1)).result?.error?.code).toBe('unknown-command');
    send({ t: 'cmd', id: 2, name: 'call.dial', args: { target: { $gt: 1 } } });
    expect((await c.next((f) => f.id === 2)).result?.error).toMatchObject({ code: 'bad-request' });
    send({ t: 'cmd', id: 3, name: 'call.dial', args: { target: 'x'.repeat(200_000) } });
    expect((await c.next((f) => f.id === null && f.result?.error?.code === 'too-large')).result?.ok).toBe(false);
    send('{not json');
    expect((await c.next((f) => f.result?.error?.message === 'Not JSON')).result?.ok).toBe(false);
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await c.next((f) => f.result?.error?.message === 'Binary frames are not accepted')).result?.ok).toBe(false);
    send({ t: 'cmd', id: 4, name: 'call.hangup', args: { callId: 'nope' } });
    expect((await c.next((f) => f.id === 4)).result?.error?.code).toBe('not-found');
    send({ t: 'cmd', id: 5, name: 'call.dial', args: { target: '1003' } });
    expect((await c.next((f) => f.id === 5)).result?.error?.code).toBe('not-found');
    // Still alive and serving.
    send({ t: 'cmd', id: 6, name: 'app.snapshot', args: {} });
    expect((await c.next((f) => f.id === 6)).result?.ok).toBe(true);
    c.ws.close();
  });

  it('closes (never crashes) on a frame beyond the socket limit, and serves the next client', async () => {
    const c = await connect(rpc());
    const closed = new Promise<number>((r) => c.ws.on('close', (code) => r(code)));
    c.ws.send('x'.repeat(1024 * 1024));
    expect(await closed).toBe(1009);
    const d = await connect(rpc());
    expect(await d.next(() => true)).toMatchObject({ name: 'snapshot' });
    d.ws.close();
  });
});

// Keep the type import used: the fake above stands at our own Softphone seam.
export type _S = Softphone;
