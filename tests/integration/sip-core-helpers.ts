/** Shared helpers for sip-core integration tests (real Kamailio on 127.0.0.1). */
import dgram from 'node:dgram';
import type { SipAccountConfig } from '../../sip-core/api/account';
import type { MediaSession, MediaSessionFactory } from '../../sip-core/api/media';
import type { RegistrationState } from '../../sip-core/api/registration-state';
import type { Softphone } from '../../sip-core/api/softphone';

export function account1001(overrides: Partial<SipAccountConfig> = {}): SipAccountConfig {
  return {
    id: 'acc-test',
    server: '127.0.0.1',
    port: 5060,
    transport: 'udp',
    user: '1001',
    password: 'secret',
    domain: '127.0.0.1',
    media: 'rtp',
    registerExpires: 60,
    ...overrides,
  };
}

/** Media is not under test in registration scenarios. */
export const noMedia: MediaSessionFactory = {
  create(): MediaSession {
    throw new Error('no media in this test');
  },
};

export function waitForRegistration(
  phone: Softphone,
  predicate: (s: RegistrationState) => boolean,
  timeoutMs = 15_000,
): Promise<RegistrationState> {
  return new Promise((resolve, reject) => {
    if (predicate(phone.registration())) return resolve(phone.registration());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`Timed out waiting; last state ${JSON.stringify(phone.registration())}`));
    }, timeoutMs);
    const off = phone.onDidChangeRegistration((s) => {
      if (predicate(s)) {
        clearTimeout(timer);
        off();
        resolve(s);
      }
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A plain RTP/AVP PCMU endpoint on a real UDP socket; counts RTP packets it receives (a seam we own). */
export class CountingRtpMedia implements MediaSession {
  received = 0;
  remoteOffers: string[] = [];
  closed = false;
  #version = 1;
  readonly ready: Promise<void>;
  readonly #socket = dgram.createSocket('udp4');

  constructor() {
    this.#socket.on('message', (msg) => {
      // RTP version 2, payload type 0 (PCMU): RFC 3550 §5.1.
      if (msg.length >= 12 && msg[0] !== undefined && msg[0] >> 6 === 2) this.received++;
    });
    this.ready = new Promise((r) => this.#socket.bind(0, '127.0.0.1', () => r()));
  }

  #sdp(): string {
    const port = this.#socket.address().port;
    return [
      'v=0',
      `o=- 4242 ${this.#version++} IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }
  async createOffer(): Promise<string> {
    await this.ready;
    return this.#sdp();
  }
  /** Always answers sendrecv: sip-core must narrow the direction itself (hold tests rely on it). */
  async createAnswer(remoteOffer: string): Promise<string> {
    this.remoteOffers.push(remoteOffer);
    await this.ready;
    return this.#sdp();
  }
  async acceptAnswer(): Promise<void> {}
  async sendDtmf(): Promise<boolean> {
    return false;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#socket.close();
  }
}
