/**
 * The product AMI client (pbx/asterisk/ami-client.ts): framing of what Asterisk sends, including garbage and
 * oversized input from a hostile peer, and the client's behaviour against an in-process fake AMI server (a seam we own).
 */
import net from 'node:net';
import { AmiClient, AmiError, AmiParser, formatAction, type AmiConnectionState } from '../../pbx/asterisk/ami-client';
import { FakeAmi } from './pbx-fake-ami';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('AMI framing', () => {
  it('reads the banner, then messages ended by an empty line, across arbitrary chunk boundaries', () => {
    const wire = 'Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: rc-1\r\nMessage: Authentication accepted\r\n\r\n' +
      'Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n';
    for (const size of [1, 2, 3, 7, 1000]) {
      const p = new AmiParser();
      const out = [];
      for (let i = 0; i < wire.length; i += size) out.push(...p.push(b(wire.slice(i, i + size))));
      expect(p.banner).toBe('Asterisk Call Manager/11.0.0');
      expect(out).toEqual([
        { Response: 'Success', ActionID: 'rc-1', Message: 'Authentication accepted' },
        { Event: 'FullyBooted', Status: 'Fully Booted' },
      ]);
    }
  });

  it('accepts bare LF (Asterisk 22 sends stray ones), joins repeated keys, keeps colons in values', () => {
    const p = new AmiParser({}, false);
    const out = p.push(b('Response: Error\nMessage: No Contacts found\n\nEvent: X\r\nChanVariable: A=1\r\nChanVariable: B=2\r\nTime: 10:20:30\r\n\r\n'));
    expect(out).toEqual([
      { Response: 'Error', Message: 'No Contacts found' },
      { Event: 'X', ChanVariable: 'A=1\nB=2', Time: '10:20:30' },
    ]);
  });

  it('decodes UTF-8 split across chunks', () => {
    const p = new AmiParser({}, false);
    const bytes = b('Event: QueueCallerJoin\r\nCallerIDName: Zoë Ångström\r\n\r\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two-byte ë
    expect([...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut))]).toEqual([
      { Event: 'QueueCallerJoin', CallerIDName: 'Zoë Ångström' },
    ]);
  });

  it('ignores garbage lines and blank runs without inventing messages', () => {
    const p = new AmiParser({}, false);
    const out = p.push(b('\r\n\r\n\u0000\u0001garbage without colon\r\n: no key\r\n\r\n\r\nEvent: Ok\r\n\r\n'));
    expect(out).toEqual([{ Event: 'Ok' }]);
  });

  it('prototype keys from the peer are plain data', () => {
    const p = new AmiParser({}, false);
    const [m] = p.push(b('__proto__: x\r\nconstructor: y\r\n\r\n'));
    expect(Object.getPrototypeOf(m)).toBeNull();
    expect(m).toMatchObject({ __proto__: 'x', constructor: 'y' });
  });

  it('refuses a line longer than the cap, even when it never ends (no unbounded buffer)', () => {
    const p = new AmiParser({ maxLineBytes: 1024 }, false);
    expect(() => {
      for (let i = 0; i < 100; i++) p.push(Buffer.alloc(100, 0x41));
    }).toThrow(AmiError);
    const q = new AmiParser({ maxLineBytes: 1024 }, false);
    expect(() => q.push(Buffer.alloc(5 * 1024 * 1024, 0x41))).toThrow(/oversized line/);
  });

  it('refuses a message with too many fields or too many bytes', () => {
    const fields = new AmiParser({ maxFieldsPerMessage: 10 }, false);
    expect(() => fields.push(b('K: v\r\n'.repeat(11)))).toThrow(/fields/);
    const bytes = new AmiParser({ maxMessageBytes: 4096 }, false);
    expect(() => bytes.push(b(`K: ${'x'.repeat(1000)}\r\n`.repeat(5)))).toThrow(/oversized message/);
  });

  it('never lets a value inject a line or an action', () => {
    expect(formatAction({ Action: 'QueuePause', Reason: 'lunch\r\n\r\nAction: Logoff' })).toBe(
      'Action: QueuePause\r\nReason: lunch Action: Logoff\r\n\r\n',
    );
    expect(() => formatAction({ 'Bad\r\nKey': 'x' })).toThrow(AmiError);
  });
});

describe('AMI client against a fake server', () => {
  let server: FakeAmi;
  const clients: AmiClient[] = [];
  beforeEach(async () => {
    server = await FakeAmi.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await server.close();
  });
  function client(extra: Partial<ConstructorParameters<typeof AmiClient>[0]> = {}): AmiClient {
    const c = new AmiClient({ host: '127.0.0.1', port: server.port, user: 'console', secret: 'secret', backoff: { initialMs: 50, maxMs: 200 }, ...extra });
    clients.push(c);
    return c;
  }
  function waitState(c: AmiClient, state: AmiConnectionState['state'], ms = 3000): Promise<AmiConnectionState> {
    if (c.state.state === state) return Promise.resolve(c.state);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${state} within ${ms} ms (now ${c.state.state})`)), ms);
      const off = c.onState((s) => {
        if (s.state !== state) return;
        clearTimeout(t);
        off();
        resolve(s);
      });
    });
  }

  it('logs in, correlates concurrent actions by ActionID, collects a list, delivers events', async () => {
    const c = client();
    const events: string[] = [];
    c.onEvent((e) => events.push(e.Event ?? ''));
    c.start();
    expect(await waitState(c, 'connected')).toMatchObject({ banner: 'Asterisk Call Manager/11.0.0' });
    const [pong, list] = await Promise.all([c.action({ Action: 'Ping' }), c.list({ Action: 'QueueStatus' })]);
    expect(pong.Ping).toBe('Pong');
    expect(list.map((e) => e.Event)).toEqual(['QueueParams', 'QueueMember', 'QueueMember']);
    server.emit({ Event: 'QueueMemberPause', Queue: 'support' });
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toContain('QueueMemberPause');
    await expect(c.action({ Action: 'Nope' })).rejects.toMatchObject({ code: 'refused' });
  });

  it('classifies a wrong secret as auth-failed and a closed port as unreachable', async () => {
    const bad = client({ secret: 'wrong' });
    bad.start();
    expect(await waitState(bad, 'auth-failed')).toMatchObject({ error: { code: 'auth-failed' } });
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const gone = client({ port });
    gone.start();
    expect(await waitState(gone, 'unreachable')).toMatchObject({ error: { code: 'unreachable' } });
    await expect(gone.action({ Action: 'Ping' })).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('times out an unanswered action, and a missing Pong drops and re-establishes the connection', async () => {
    const c = client({ actionTimeoutMs: 200, pingIntervalMs: 150 });
    c.start();
    await waitState(c, 'connected');
    server.silence('Ping');
    const logins = server.logins;
    await expect(c.action({ Action: 'Ping' })).rejects.toMatchObject({ code: 'timeout' });
    await waitState(c, 'unreachable');
    server.silence(undefined);
    await waitState(c, 'connected');
    expect(server.logins).toBeGreaterThan(logins);
  });

  it('reconnects after the server cuts the connection, with growing (capped) backoff', async () => {
    const c = client();
    const retries: number[] = [];
    c.onState((s) => {
      if (s.state === 'unreachable') retries.push(s.retryAt - Date.now());
    });
    c.start();
    await waitState(c, 'connected');
    server.refuse = true;
    server.cutAll();
    await new Promise((r) => setTimeout(r, 900));
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...retries)).toBeLessThanOrEqual(200 * 1.2 + 5);
    server.refuse = false;
    await waitState(c, 'connected', 2000);
  });

  it('drops a peer that floods garbage without a newline, then reconnects', async () => {
    const c = client({ limits: { maxLineBytes: 4096 } });
    c.start();
    await waitState(c, 'connected');
    server.raw('A'.repeat(100_000));
    const s = await waitState(c, 'unreachable');
    expect(s).toMatchObject({ error: { code: 'protocol' } });
    await waitState(c, 'connected');
  });

  it('a listener that throws does not break the client', async () => {
    const c = client();
    c.onEvent(() => {
      throw new Error('listener bug');
    });
    c.start();
    await waitState(c, 'connected');
    server.emit({ Event: 'Anything' });
    expect((await c.action({ Action: 'Ping' })).Ping).toBe('Pong');
  });

  it('stop() rejects pending actions and stops retrying', async () => {
    const c = client();
    c.start();
    await waitState(c, 'connected');
    server.silence('Wait');
    const pending = c.action({ Action: 'Wait' });
    await c.stop();
    await expect(pending).rejects.toMatchObject({ code: 'stopped' });
    expect(c.state.state).toBe('stopped');
  });
});
