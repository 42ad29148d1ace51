/**
 * A fake Softphone/Call at our own sip-core seam (the interfaces in sip-core/api), for unit tests that drive the real
 * ConsoleService (call desk, headset bridge): answer/hold/unhold/hangup settle at once, dialed
 * calls are answered on the next microtask.
 */
import type { CallSnapshot, CallStateName } from '../../../sip-core/api/call';
import { CallError, type Call, type DialOptions, type Softphone } from '../../../sip-core/api/softphone';
import type { RegistrationState } from '../../../sip-core/api/registration-state';

let seq = 0;
export class FakeCall implements Call {
  readonly id = `c${++seq}`;
  #s: CallSnapshot;
  readonly #listeners = new Set<(s: CallSnapshot) => void>();
  readonly log: string[] = [];
  failTransfer = false;
  constructor(direction: 'incoming' | 'outgoing', user: string, extra: Partial<CallSnapshot> = {}) {
    this.#s = {
      id: this.id,
      accountId: 'acc-1',
      direction,
      state: direction === 'incoming' ? 'incoming' : 'dialing',
      remote: { user, uri: `sip:${user}@pbx` },
      mediaMode: 'rtp',
      createdAt: Date.now(),
      ...extra,
    };
  }
  set(state: CallStateName, patch: Partial<CallSnapshot> = {}): void {
    this.#s = { ...this.#s, ...patch, state };
    for (const l of [...this.#listeners]) l(this.#s);
  }
  snapshot(): CallSnapshot {
    return this.#s;
  }
  onDidChange(l: (s: CallSnapshot) => void) {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  async answer() {
    this.log.push('answer');
    this.set('active', { answeredAt: Date.now() });
  }
  async decline(code: 486 | 603 = 486) {
    this.log.push(`decline ${code}`);
    this.set('ended', { endReason: 'declined' });
  }
  async hangup() {
    this.log.push('hangup');
    this.set('ended', { endReason: 'local-hangup' });
  }
  async sendDtmf(t: string) {
    this.log.push(`dtmf ${t}`);
  }
  async renegotiate() {}
  async hold() {
    this.log.push('hold');
    this.set('held');
  }
  async unhold() {
    this.log.push('unhold');
    this.set('active');
  }
  async transfer(target: string) {
    this.log.push(`transfer ${target}`);
    if (this.failTransfer) {
      this.set(this.#s.state, { transfer: { kind: 'blind', target, state: 'failed', status: 404 } });
      throw new CallError('transfer-failed', 'Transfer failed: 404');
    }
    this.set('ended', { endReason: 'transferred' });
  }
  async transferTo(other: Call) {
    this.log.push(`transferTo ${other.id}`);
    this.set('ended', { endReason: 'transferred' });
    (other as FakeCall).set('ended', { endReason: 'transferred' });
  }
  async deflect(target: string) {
    this.log.push(`deflect ${target}`);
    this.set('ended', { endReason: 'deflected' });
  }
}

export class FakeSoftphone implements Softphone {
  readonly accountId = 'acc-1';
  readonly dialed: FakeCall[] = [];
  /** The options of each dial() (presented number, silent feature-code calls). */
  readonly dialOptions: (DialOptions | undefined)[] = [];
  #incoming = new Set<(c: Call) => void>();
  #reg = new Set<(s: RegistrationState) => void>();
  registration(): RegistrationState {
    return { state: 'registered', expiresAt: Date.now() + 300_000 };
  }
  onDidChangeRegistration(l: (s: RegistrationState) => void) {
    this.#reg.add(l);
    return () => this.#reg.delete(l);
  }
  onIncomingCall(l: (c: Call) => void) {
    this.#incoming.add(l);
    return () => this.#incoming.delete(l);
  }
  async start() {
    for (const l of this.#reg) l(this.registration());
  }
  async stop() {}
  async reconnect() {}
  dial(target: string, options?: DialOptions): Call {
    const c = new FakeCall('outgoing', target);
    this.dialed.push(c);
    this.dialOptions.push(options);
    queueMicrotask(() => c.set('active', { answeredAt: Date.now() }));
    return c;
  }
  calls() {
    return this.dialed;
  }
  ring(user: string, extra: Partial<CallSnapshot> = {}): FakeCall {
    return this.deliver(new FakeCall('incoming', user, extra));
  }
  /** Hand a prepared incoming call to the listeners (e.g. one whose deflect() fails). */
  deliver(c: FakeCall): FakeCall {
    for (const l of this.#incoming) l(c);
    return c;
  }
}
