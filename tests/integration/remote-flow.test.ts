/**
 * A TCP flow to a PBX on another host dies silently when the path is cut: no FIN, no RST, TCP retransmits for many
 * minutes. Kamailio answers RFC 5626 §4.4.1 CRLF pings with a pong, so the console notices within keep-alive + 10 s,
 * reconnects when the path is back, and registers again (remote test bed, tests/testbed/remote/).
 */
import { createSoftphone } from '../../sip-core';
import type { RegistrationState } from '../../sip-core/api/registration-state';
import type { Softphone } from '../../sip-core/api/softphone';
import { cutLink, REMOTE, restoreLink, startRemoteBed } from '../testbed/remote';
import { account1001, noMedia, waitForRegistration } from './sip-core-helpers';

jest.setTimeout(90_000);

let phone: Softphone | undefined;
beforeAll(() => {
  startRemoteBed();
});
afterEach(async () => {
  restoreLink();
  await phone?.stop();
  phone = undefined;
});

it('a cut path under a TCP connection is noticed by the missing keep-alive pongs; the path back brings the registration back', async () => {
  phone = createSoftphone({
    account: account1001({ server: REMOTE.primary, domain: REMOTE.domain, transport: 'tcp', port: 5060, registerExpires: 600 }),
    media: noMedia,
    keepAliveMs: 1000,
  });
  const seen: RegistrationState[] = [];
  phone.onDidChangeRegistration((s) => seen.push(s));
  await phone.start();
  await waitForRegistration(phone, (s) => s.state === 'registered');
  await new Promise((r) => setTimeout(r, 2500)); // a few pings answered: the server does pong
  const cutAt = Date.now();
  cutLink();
  const lost = await waitForRegistration(phone, (s) => s.state === 'failed', 20_000);
  // Ping every 1 s, pong due within 10 s: noticed in about 11 s, not at the next refresh (600 s) nor TCP's timeout.
  expect(Date.now() - cutAt).toBeLessThan(15_000);
  expect(lost).toMatchObject({ state: 'failed', reason: 'timeout', lost: true });
  restoreLink();
  const back = await waitForRegistration(phone, (s) => s.state === 'registered', 40_000);
  expect(back.state).toBe('registered');
});
