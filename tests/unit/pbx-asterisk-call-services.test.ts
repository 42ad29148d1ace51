/**
 * The Asterisk call-services provider (pbx/asterisk/call-services-provider.ts) against fake AMI servers, seams we own:
 * - the shared FakeAmi (pbx-fake-ami.ts) records the exact actions sent and plays refusals, silence and a dead server;
 * - AstDbAmi below answers the AstDB actions the way Asterisk 22's main/db.c does (DBGet is a list: Success +
 *   DBGetResponse + DBGetComplete; a missing key is `Response: Error`), for the cases that depend on what is stored.
 */
import net from 'node:net';
import { CallServicesError, type CallServicesProvider, type PbxCallServicesState } from '../../pbx/api/call-services';
import { createAsteriskCallServicesProvider, type AsteriskQueueConfig } from '../../pbx/asterisk';
import { AmiParser, formatAction, type AmiMessage } from '../../pbx/asterisk/ami-client';
import { FakeAmi } from './pbx-fake-ami';

/** AstDB over AMI with Asterisk's answers (main/db.c manager_db*), hints for ExtensionState, nothing else. */
class AstDbAmi {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  /** Asterisk's key form: `/Family/Key`. */
  readonly db = new Map<string, string>();
  readonly actions: Record<string, string>[] = [];
  hints = new Set(['2001', '2002', '2003']);

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async start(): Promise<AstDbAmi> {
    const server = net.createServer();
    const fake = new AstDbAmi(server);
    server.on('connection', (s) => {
      fake.#sockets.add(s);
      s.on('close', () => fake.#sockets.delete(s));
      s.write('Asterisk Call Manager/11.0.0\r\n');
      const parser = new AmiParser({}, false);
      s.on('data', (chunk: Buffer) => {
        for (const m of parser.push(chunk)) fake.#answer(s, m);
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  #answer(s: net.Socket, m: AmiMessage): void {
    const { ActionID: id = '', ...f } = m;
    this.actions.push(f);
    const send = (msg: Record<string, string>): void => void s.write(formatAction({ ...msg, ActionID: id }));
    const key = `/${f.Family}/${f.Key}`;
    switch (f.Action) {
      case 'DBPut':
        this.db.set(key, f.Val ?? '');
        return send({ Response: 'Success', Message: 'Updated database successfully' });
      case 'DBGet': {
        const val = this.db.get(key);
        if (val === undefined) return send({ Response: 'Error', Message: 'Database entry not found' });
        send({ Response: 'Success', EventList: 'start', Message: 'Result will follow' });
        send({ Event: 'DBGetResponse', Family: f.Family ?? '', Key: f.Key ?? '', Val: val });
        return send({ Event: 'DBGetComplete', EventList: 'Complete', ListItems: '1' });
      }
      case 'DBDel':
        if (!this.db.delete(key)) return send({ Response: 'Error', Message: 'Database entry could not be deleted' });
        return send({ Response: 'Success', Message: 'Key deleted successfully' });
      case 'DBDelTree': {
        const prefix = f.Key ? key : `/${f.Family}`;
        const doomed = [...this.db.keys()].filter((k) => `${k}/`.startsWith(`${prefix}/`));
        for (const k of doomed) this.db.delete(k);
        if (doomed.length === 0) return send({ Response: 'Error', Message: 'Database entry not found' });
        return send({ Response: 'Success', Message: 'Key tree deleted successfully' });
      }
      case 'Setvar': {
        // DEVICE_STATE(Custom:X) is stored by func_devstate as CustomDevstate/X.
        const custom = /^DEVICE_STATE\(Custom:(.+)\)$/.exec(f.Variable ?? '');
        if (custom) this.db.set(`/CustomDevstate/${custom[1]}`, f.Value ?? '');
        return send({ Response: 'Success', Message: 'Variable Set' });
      }
      case 'ExtensionState': {
        const known = this.hints.has(f.Exten ?? '');
        return send({ Response: 'Success', Message: 'Extension Status', Exten: f.Exten ?? '', Context: f.Context ?? '', Hint: known ? `PJSIP/${f.Exten}` : '', Status: known ? '0' : '-1' });
      }
      default:
        return send({ Response: 'Success', Message: f.Action === 'Login' ? 'Authentication accepted' : 'ok' });
    }
  }
}

const OFF: PbxCallServicesState = { dnd: false, dndAction: 'busy', priorityCallers: [], voicemailDeposit: '*2001' };
const FULL: PbxCallServicesState = {
  dnd: true,
  dndAction: 'voicemail',
  priorityCallers: ['2004', '+33612345678', '2004'],
  forwardAlways: '2003',
  forwardBusy: '2002',
  forwardNoAnswer: { target: '*2001', seconds: 5 },
  followMe: { number: '0612345678', seconds: 3 },
  voicemailDeposit: '*2001',
};

let provider: CallServicesProvider | undefined;
const cleanups: (() => Promise<void>)[] = [];

function make(port: number, extra: { secret?: string; actionTimeoutMs?: number } = {}): CallServicesProvider {
  // The queue provider's config is accepted as is: one provisioning block feeds both.
  const config: AsteriskQueueConfig = {
    ami: { host: '127.0.0.1', port, user: 'console', secret: extra.secret ?? 'secret' },
    context: 'internal',
    extension: '2001',
    timing: { backoffInitialMs: 50, backoffMaxMs: 100, actionTimeoutMs: extra.actionTimeoutMs ?? 1000, pingIntervalMs: 0 },
  };
  provider = createAsteriskCallServicesProvider(config);
  return provider;
}

async function fake(): Promise<FakeAmi> {
  const server = await FakeAmi.start();
  // FakeAmi answers unknown actions with a bare Success; DBGet is a list action, so say "not found" like Asterisk.
  server.answers.set('DBGet', { Response: 'Error', Message: 'Database entry not found' });
  cleanups.push(() => server.close());
  return server;
}

async function astdb(): Promise<AstDbAmi> {
  const server = await AstDbAmi.start();
  cleanups.push(() => server.close());
  return server;
}

const sent = (server: { actions: Record<string, string>[] }) => server.actions.filter((a) => a.Action !== 'Login');

afterEach(async () => {
  await provider?.stop();
  provider = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('Asterisk call services: what is written', () => {
  it('writes a whole state as this exact sequence of AMI actions (plain keys first, DND last)', async () => {
    const server = await fake();
    const p = make(server.port);
    await p.start();
    await p.apply('2001', FULL);
    expect(sent(server)).toEqual([
      { Action: 'DBPut', Family: 'RC', Key: '2001/dndaction', Val: 'voicemail' },
      { Action: 'DBPut', Family: 'RC', Key: '2001/vmdeposit', Val: '*2001' },
      { Action: 'DBDelTree', Family: 'RC', Key: '2001/priority' },
      // duplicates are written once
      { Action: 'DBPut', Family: 'RC', Key: '2001/priority/2004', Val: '1' },
      { Action: 'DBPut', Family: 'RC', Key: '2001/priority/+33612345678', Val: '1' },
      { Action: 'DBPut', Family: 'CF', Key: '2001', Val: '2003' },
      { Action: 'DBPut', Family: 'CFB', Key: '2001', Val: '2002' },
      { Action: 'DBPut', Family: 'CFU', Key: '2001', Val: '*2001' },
      // no saved ring time yet: the current one (none) is saved before ours is written
      { Action: 'DBGet', Family: 'RC', Key: '2001/ringtimer_saved' },
      { Action: 'DBGet', Family: 'AMPUSER', Key: '2001/ringtimer' },
      { Action: 'DBPut', Family: 'RC', Key: '2001/ringtimer_saved', Val: '' },
      { Action: 'DBPut', Family: 'AMPUSER', Key: '2001/ringtimer', Val: '5' },
      { Action: 'DBPut', Family: 'RC', Key: '2001/followme', Val: '0612345678' },
      { Action: 'DBPut', Family: 'RC', Key: '2001/followme_delay', Val: '3' },
      { Action: 'DBPut', Family: 'DND', Key: '2001', Val: 'YES' },
      { Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:DND2001)', Value: 'BUSY' },
    ]);
  });

  it('turning everything off deletes the keys; keys that were not there are no error', async () => {
    const server = await fake();
    // What Asterisk answers when there is nothing to delete (DBDelTree; DBDel would say "could not be deleted").
    server.answers.set('DBDelTree', { Response: 'Error', Message: 'Database entry not found' });
    const p = make(server.port);
    await p.start();
    await expect(p.apply('2001', { ...OFF, voicemailDeposit: '' })).resolves.toBeUndefined();
    expect(sent(server)).toEqual([
      { Action: 'DBPut', Family: 'RC', Key: '2001/dndaction', Val: 'busy' },
      { Action: 'DBDelTree', Family: 'RC', Key: '2001/vmdeposit' },
      { Action: 'DBDelTree', Family: 'RC', Key: '2001/priority' },
      { Action: 'DBDelTree', Family: 'CF', Key: '2001' },
      { Action: 'DBDelTree', Family: 'CFB', Key: '2001' },
      { Action: 'DBDelTree', Family: 'CFU', Key: '2001' },
      // nothing saved: the ring time is not ours, left alone
      { Action: 'DBGet', Family: 'RC', Key: '2001/ringtimer_saved' },
      { Action: 'DBDelTree', Family: 'RC', Key: '2001/followme' },
      { Action: 'DBDelTree', Family: 'RC', Key: '2001/followme_delay' },
      { Action: 'DBDelTree', Family: 'DND', Key: '2001' },
      { Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:DND2001)', Value: 'INVALID' },
    ]);
  });

  it('replaces the priority callers as a set: numbers taken off the list do not linger', async () => {
    const server = await astdb();
    const p = make(server.port);
    await p.start();
    await p.apply('2001', { ...OFF, priorityCallers: ['2004', '2005', '0611223344'] });
    server.db.set('/RC/2002/priority/2004', '1'); // another user's list is not touched
    await p.apply('2001', { ...OFF, priorityCallers: ['2005'] });
    expect([...server.db.keys()].filter((k) => k.includes('/priority/')).sort()).toEqual(['/RC/2001/priority/2005', '/RC/2002/priority/2004']);
    await p.apply('2001', OFF);
    expect([...server.db.keys()].filter((k) => k.includes('/priority/'))).toEqual(['/RC/2002/priority/2004']);
  });

  it("no-answer forwarding borrows FreePBX's ring time and gives the administrator's value back", async () => {
    const server = await astdb();
    server.db.set('/AMPUSER/2001/ringtimer', '30');
    const p = make(server.port);
    await p.start();
    await p.apply('2001', { ...OFF, forwardNoAnswer: { target: '2003', seconds: 5 } });
    expect(server.db.get('/AMPUSER/2001/ringtimer')).toBe('5');
    expect(server.db.get('/CFU/2001')).toBe('2003');
    // A second change keeps the administrator's value, not ours.
    await p.apply('2001', { ...OFF, forwardNoAnswer: { target: '2003', seconds: 8 } });
    expect(server.db.get('/AMPUSER/2001/ringtimer')).toBe('8');
    expect(server.db.get('/RC/2001/ringtimer_saved')).toBe('30');
    await p.apply('2001', OFF);
    expect(server.db.get('/AMPUSER/2001/ringtimer')).toBe('30');
    expect(server.db.has('/RC/2001/ringtimer_saved')).toBe(false);
    expect(server.db.has('/CFU/2001')).toBe(false);

    // No ring time before: none after.
    server.db.delete('/AMPUSER/2001/ringtimer');
    await p.apply('2001', { ...OFF, forwardNoAnswer: { target: '2003', seconds: 5 } });
    await p.apply('2001', OFF);
    expect(server.db.has('/AMPUSER/2001/ringtimer')).toBe(false);
  });

  it('DND sets the key FreePBX reads and the custom device state the hint includes', async () => {
    const server = await astdb();
    const p = make(server.port);
    await p.start();
    await p.apply('2001', { ...OFF, dnd: true });
    expect(server.db.get('/DND/2001')).toBe('YES');
    expect(server.db.get('/CustomDevstate/DND2001')).toBe('BUSY');
    await p.apply('2001', OFF);
    expect(server.db.has('/DND/2001')).toBe(false);
    expect(server.db.get('/CustomDevstate/DND2001')).toBe('INVALID');
  });
});

describe('Asterisk call services: read()', () => {
  it('reports DND and forward-always; extensions without a hint and malformed ones are left out', async () => {
    const server = await astdb();
    server.db.set('/DND/2002', 'YES');
    server.db.set('/CF/2003', '0612345678');
    server.db.set('/CF/2002', '2003;evil'); // set by something else: not passed on
    server.db.set('/DND/2099', 'YES'); // no hint: not a user of this context
    const p = make(server.port);
    await p.start();
    const read = await p.read(['2001', '2002', '2003', '2099', '20\r\n01', '2002']);
    expect([...read.entries()]).toEqual([
      ['2001', { dnd: false }],
      ['2002', { dnd: true }],
      ['2003', { dnd: false, forwardAlways: '0612345678' }],
    ]);
    expect(server.actions.filter((a) => a.Action === 'ExtensionState').map((a) => [a.Exten, a.Context])).toEqual([
      ['2001', 'internal'], ['2002', 'internal'], ['2003', 'internal'], ['2099', 'internal'],
    ]);
    expect((await p.read([])).size).toBe(0);
  });
});

describe('Asterisk call services: hostile values are refused before anything is sent', () => {
  const hostile = [
    '2003\r\nAction: Originate',
    '2003\nChannel: Local/666',
    '2003,tTkK',
    '2003&PJSIP/2005',
    'Local/2003@internal',
    '${SHELL(id)}',
    '$[1+1]',
    '2003 ',
    '',
    '２００３', // full-width digits
    '2003\u202e',
    '../2003',
    'x'.repeat(65),
  ];
  const states: [string, (v: string) => PbxCallServicesState][] = [
    ['forwardAlways', (v) => ({ ...OFF, forwardAlways: v })],
    ['forwardBusy', (v) => ({ ...OFF, forwardBusy: v })],
    ['forwardNoAnswer.target', (v) => ({ ...OFF, forwardNoAnswer: { target: v, seconds: 5 } })],
    ['followMe.number', (v) => ({ ...OFF, followMe: { number: v, seconds: 5 } })],
    ['a priority caller', (v) => ({ ...OFF, priorityCallers: ['2004', v] })],
  ];

  it.each(states)('%s', async (_what, build) => {
    const server = await fake();
    const p = make(server.port);
    await p.start();
    for (const v of hostile) {
      const err = await p.apply('2001', build(v)).catch((e: unknown) => e);
      expect([JSON.stringify(v), err]).toEqual([JSON.stringify(v), expect.any(CallServicesError)]);
      expect((err as CallServicesError).code).toBe('refused');
    }
    expect(sent(server)).toEqual([]);
  });

  it('the extension, the deposit number, delays, the DND action and the shape', async () => {
    const server = await fake();
    const p = make(server.port);
    await p.start();
    const bad: [string, PbxCallServicesState][] = [
      ['2001\r\nAction: Logoff', OFF],
      ['2001/priority', OFF],
      ['', OFF],
      ['2001', { ...OFF, voicemailDeposit: '*2001\r\n' }],
      ['2001', { ...OFF, forwardNoAnswer: { target: '2003', seconds: 0 } }],
      ['2001', { ...OFF, forwardNoAnswer: { target: '2003', seconds: 1.5 } }],
      ['2001', { ...OFF, forwardNoAnswer: { target: '2003', seconds: Number.NaN } }],
      ['2001', { ...OFF, forwardNoAnswer: { target: '2003', seconds: 601 } }],
      ['2001', { ...OFF, followMe: { number: '2003', seconds: -1 } }],
      ['2001', { ...OFF, followMe: { number: '2003', seconds: '3' as unknown as number } }],
      ['2001', { ...OFF, dndAction: 'hangup' as 'busy' }],
      ['2001', { ...OFF, dnd: 'yes' as unknown as boolean }],
      ['2001', { ...OFF, priorityCallers: '2004' as unknown as string[] }],
      ['2001', { ...OFF, priorityCallers: Array.from({ length: 501 }, (_, i) => String(1000 + i)) }],
    ];
    for (const [ext, state] of bad) {
      await expect(p.apply(ext, state)).rejects.toMatchObject({ name: 'CallServicesError', code: 'refused' });
    }
    expect(sent(server)).toEqual([]);
    // The dialplan's whole alphabet is fine.
    await expect(p.apply('2001', { ...OFF, forwardAlways: '+33*12#ab' })).resolves.toBeUndefined();
  });
});

describe('Asterisk call services: errors', () => {
  it('an action the PBX refuses (e.g. the AMI user lacks write=system) is "refused", with its message', async () => {
    const server = await fake();
    server.answers.set('DBPut', { Response: 'Error', Message: 'Permission denied' });
    const p = make(server.port);
    await p.start();
    await expect(p.apply('2001', OFF)).rejects.toMatchObject({ name: 'CallServicesError', code: 'refused', message: expect.stringMatching(/Permission denied/) });
    // A refused delete is an error too: only "nothing to delete" is tolerated.
    server.answers.delete('DBPut');
    server.answers.set('DBDelTree', { Response: 'Error', Message: 'Permission denied' });
    await expect(p.apply('2001', OFF)).rejects.toMatchObject({ code: 'refused' });
  });

  it('no answer is "timeout"', async () => {
    const server = await fake();
    server.silence('DBPut');
    const p = make(server.port, { actionTimeoutMs: 300 });
    await p.start();
    await expect(p.apply('2001', OFF)).rejects.toMatchObject({ name: 'CallServicesError', code: 'timeout' });
  });

  it('a dead server is "unreachable", a wrong secret "refused", a provider not started "unreachable"', async () => {
    const server = await fake();
    server.refuse = true;
    const dead = make(server.port);
    await dead.start();
    await expect(dead.apply('2001', OFF)).rejects.toMatchObject({ name: 'CallServicesError', code: 'unreachable' });
    await expect(dead.read(['2001'])).rejects.toMatchObject({ code: 'unreachable' });
    await dead.stop();

    server.refuse = false;
    const wrong = make(server.port, { secret: 'wrong' });
    await wrong.start();
    await expect(wrong.apply('2001', OFF)).rejects.toMatchObject({ code: 'refused', message: expect.stringMatching(/login/i) });
    await wrong.stop();

    const idle = make(server.port);
    await expect(idle.apply('2001', OFF)).rejects.toMatchObject({ code: 'unreachable', message: expect.stringMatching(/not started/) });
  });

  it('a connection cut mid-way is "unreachable"; the next apply after the reconnect works', async () => {
    const server = await fake();
    server.silence('DBDelTree');
    const p = make(server.port, { actionTimeoutMs: 3000 });
    await p.start();
    const pending = p.apply('2001', OFF);
    for (let i = 0; i < 200 && !server.actions.some((a) => a.Action === 'DBDelTree'); i++) await new Promise((r) => setTimeout(r, 10));
    server.cutAll();
    await expect(pending).rejects.toMatchObject({ code: 'unreachable' });
    server.silence(undefined);
    for (let i = 0; i < 300 && server.logins < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await expect(p.apply('2001', OFF)).resolves.toBeUndefined();
  });
});
