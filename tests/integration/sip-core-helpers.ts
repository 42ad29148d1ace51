/** Shared helpers for sip-core integration tests (real Kamailio on 127.0.0.1). */
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
