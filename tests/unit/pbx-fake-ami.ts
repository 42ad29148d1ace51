/**
 * In-process fake AMI server for the pbx unit tests (a seam we own): banner, Login, Ping, QueueStatus answered from
 * `status` (a recorded QueueStatus of the Asterisk 22 bed, editable by the test), any other action → Success (or what
 * `answers` says), and `emit()` pushes recorded events to every connected client.
 */
import net from 'node:net';
import { AmiParser, formatAction, type AmiMessage } from '../../pbx/asterisk/ami-client';

export const recordedStatus = (): Record<string, string>[] => [
  { Event: 'QueueParams', Queue: 'support', Max: '0', Strategy: 'ringall', Calls: '0', Holdtime: '0', TalkTime: '0', Completed: '0', Abandoned: '0', ServiceLevel: '0', ServicelevelPerf: '0.0', ServicelevelPerf2: '0.0', Weight: '0' },
  { Event: 'QueueMember', Queue: 'support', Name: 'Agent 2002', Location: 'PJSIP/2002', StateInterface: 'PJSIP/2002', Membership: 'static', Penalty: '0', CallsTaken: '0', LastCall: '0', LastPause: '0', LoginTime: '1796286362', InCall: '0', Status: '5', Paused: '0', PausedReason: '', Wrapuptime: '0' },
  { Event: 'QueueMember', Queue: 'support', Name: 'Agent 2003', Location: 'PJSIP/2003', StateInterface: 'PJSIP/2003', Membership: 'static', Penalty: '0', CallsTaken: '0', LastCall: '0', LastPause: '0', LoginTime: '1796286362', InCall: '0', Status: '1', Paused: '0', PausedReason: '', Wrapuptime: '0' },
];

export class FakeAmi {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  /** The QueueStatus answer. */
  status: Record<string, string>[] = recordedStatus();
  /** Actions received (without ActionID), in order. */
  readonly actions: Record<string, string>[] = [];
  /** Canned answers per action name (fields merged into the response). */
  readonly answers = new Map<string, Record<string, string>>();
  /** Other list actions (e.g. ParkedCalls): their events and the name of their closing `…Complete` event. */
  readonly lists = new Map<string, { readonly complete: string; events: Record<string, string>[] }>();
  /** Sent once, in the same write as the next QueueStatus answer, right after its Complete. */
  trailing: Record<string, string>[] = [];
  logins = 0;
  /** Close every new connection at once (as a dead server would). */
  refuse = false;
  #silent: string | undefined;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  static async start(): Promise<FakeAmi> {
    const server = net.createServer();
    const fake = new FakeAmi(server);
    server.on('connection', (s) => fake.#accept(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  /** Do not answer this action (simulates a hung peer); undefined = answer everything again. */
  silence(action: string | undefined): void {
    this.#silent = action;
  }

  emit(event: Record<string, string>): void {
    for (const s of this.#sockets) s.write(formatAction(event));
  }

  raw(text: string): void {
    for (const s of this.#sockets) s.write(text);
  }

  cutAll(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  #accept(s: net.Socket): void {
    if (this.refuse) {
      s.destroy();
      return;
    }
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => this.#sockets.delete(s));
    s.write('Asterisk Call Manager/11.0.0\r\n');
    const parser = new AmiParser({}, false);
    s.on('data', (chunk: Buffer) => {
      for (const m of parser.push(chunk)) this.#answer(s, m);
    });
  }

  #answer(s: net.Socket, m: AmiMessage): void {
    const { ActionID: id = '', ...fields } = m;
    this.actions.push(fields);
    if (fields.Action === this.#silent) return;
    const send = (msg: Record<string, string>): void => {
      if (!s.destroyed) s.write(formatAction({ ...msg, ActionID: id }));
    };
    switch (fields.Action) {
      case 'Login':
        if (fields.Secret === 'secret') {
          this.logins++;
          send({ Response: 'Success', Message: 'Authentication accepted' });
        } else send({ Response: 'Error', Message: 'Authentication failed' });
        return;
      case 'Ping':
        send({ Response: 'Success', Ping: 'Pong', Timestamp: String(Date.now() / 1000) });
        return;
      case 'QueueStatus': {
        send({ Response: 'Success', EventList: 'start', Message: 'Queue status will follow' });
        const mine = this.status.filter((e) => !fields.Queue || e.Queue === fields.Queue);
        for (const e of mine) send(e);
        send({ Event: 'QueueStatusComplete', EventList: 'Complete', ListItems: String(mine.length) });
        // Events queued right behind the list's end (same TCP write, as Asterisk may do).
        for (const e of this.trailing.splice(0)) s.write(formatAction(e));
        return;
      }
      case 'ParkedCalls': {
        const list = this.lists.get('ParkedCalls') ?? { complete: 'ParkedCallsComplete', events: [] };
        send({ Response: 'Success', EventList: 'start', Message: 'Parked calls will follow' });
        for (const e of list.events) send(e);
        send({ Event: list.complete, EventList: 'Complete', ListItems: String(list.events.length), Total: String(list.events.length) });
        for (const e of this.trailing.splice(0)) s.write(formatAction(e));
        return;
      }
      case 'Nope':
        send({ Response: 'Error', Message: 'Invalid/unknown command: Nope' });
        return;
      default:
        send({ Response: 'Success', Message: 'ok', ...this.answers.get(fields.Action ?? '') });
    }
  }
}
