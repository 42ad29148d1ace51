/**
 * Issue 13 item 1, account after setup, against the real Kamailio bed (console as 1001, baresip 1002 calling):
 * Settings › Account edits the account and the console registers again (Kamailio's location table says so, and a
 * call reaches the console); a wrong password shows its reason as text with "Fix account"; Log out un-REGISTERs and
 * shows the setup screen, Switch account prefills it, and signing in again works.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { baresip, baresipCalls, hangupAll, waitFor } from '../testbed/baresip';
import { near } from '../testbed/audio';
import { REMOTE, remoteHangupAll, startRemoteBed } from '../testbed/remote';
import { ROOT, expect, heardOn, startConsole, test, type RunningConsole } from './console';

let console_: RunningConsole | undefined;
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
});

interface Binding {
  readonly callId: string;
  readonly socket: string;
  readonly userAgent: string;
}

/** 1001's bindings in Kamailio's location table (usrloc, over its control socket). */
function bindings(user = '1001'): Binding[] {
  let out: string;
  try {
    out = execFileSync('kamcmd', ['-s', `unix:${join(ROOT, 'tests/testbed/run/kamailio_ctl')}`, 'ul.lookup', 'location', `s:${user}`], { encoding: 'utf8', timeout: 5000 });
  } catch (e) {
    // "AOR not found": nobody is registered as this user.
    if (/not found/i.test(String((e as { stdout?: string }).stdout ?? '') + String((e as Error).message))) return [];
    throw e;
  }
  return out.split(/Contact: \{/).slice(1).map((block) => ({
    callId: /Call-ID: (\S+)/.exec(block)?.[1] ?? '',
    socket: /Socket: (\S+)/.exec(block)?.[1] ?? '',
    userAgent: /User-Agent: (.+)/.exec(block)?.[1]?.trim() ?? '',
  }));
}
/** Bindings of this console (its User-Agent) that were not there before it started. */
const ours = (before: readonly Binding[], user = '1001'): Binding[] =>
  bindings(user).filter((b) => b.userAgent.startsWith('ReceptionistConsole') && !before.some((o) => o.callId === b.callId));

const registration = (page: Page): Locator => page.locator('.registration');
const callRow = (page: Page, text: string): Locator => page.locator('li.call', { hasText: text });

async function openAccountTab(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: 'Account' }).click();
  await expect(dialog.getByTestId('account-settings')).toBeVisible();
  return dialog;
}

/** 1002 calls 1001: it rings on the console, which declines it. */
async function callReachesConsole(page: Page): Promise<void> {
  await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
  const row = callRow(page, '1002');
  await expect(row).toContainText('Ringing');
  await row.getByRole('button', { name: 'Decline' }).click();
  await waitFor('1002 to see the call end', async () => !/sip:/.test(await baresipCalls('1002')));
}

test('Settings › Account: change transport, display name and voicemail number; Save registers again over TCP', async ({ page }) => {
  const before = bindings();
  console_ = await startConsole({ transport: 'udp', port: 5060, displayName: 'Reception' });
  await page.goto(console_.url);
  await expect(registration(page)).toHaveText(/Registered/);
  const first = await waitFor('the console in the location table', async () => ours(before)[0]);
  expect(first.socket).toMatch(/^udp:/);

  let dialog = await openAccountTab(page);
  await expect(dialog.locator('#account-server')).toHaveValue('127.0.0.1');
  await expect(dialog.locator('#account-port')).toHaveValue('5060');
  await expect(dialog.getByLabel('User', { exact: true })).toHaveValue('1001');
  await expect(dialog.getByLabel('Password')).toHaveValue('');
  await expect(dialog).toContainText('Leave empty to keep the saved password.');
  await expect(dialog.getByLabel('Voicemail number')).toHaveValue('*97');

  // Checked by field first: nothing is sent, the account stays as it is.
  await dialog.locator('#account-port').fill('99999');
  await dialog.locator('#account-server').fill('192.0.2.55');
  await dialog.getByRole('button', { name: 'Save and register' }).click();
  await expect(dialog).toContainText('The port must be a number between 1 and 65535.');
  await expect(dialog).toContainText('Enter the password again: the server or user changed.');
  await expect(dialog.locator('#account-port')).toHaveAttribute('aria-invalid', 'true');
  expect(ours(before).map((b) => b.callId)).toEqual([first.callId]);

  await dialog.locator('#account-server').fill('127.0.0.1');
  await dialog.locator('#account-port').fill('5060');
  await dialog.getByLabel('Transport').selectOption('tcp');
  await dialog.getByLabel(/Display name/).fill('Front desk');
  await dialog.getByLabel('Voicemail number').fill('123');
  await dialog.getByRole('button', { name: 'Save and register' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('.info .who .name')).toHaveText('Front desk');
  await expect(registration(page)).toHaveText(/Registered/);

  // Kamailio: the UDP binding was removed (un-REGISTER), a TCP one took its place.
  const second = await waitFor('the TCP binding alone', async () => {
    const now = ours(before);
    return now.length === 1 && now[0]!.socket.startsWith('tcp:') ? now[0] : undefined;
  });
  expect(second.callId).not.toBe(first.callId);
  await callReachesConsole(page);

  // Saved: the form shows the new values, never a password.
  dialog = await openAccountTab(page);
  await expect(dialog.getByLabel('Transport')).toHaveValue('tcp');
  await expect(dialog.getByLabel('Voicemail number')).toHaveValue('123');
  await expect(dialog.getByLabel('Password')).toHaveValue('');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

test('a wrong password: the reason is shown as text with "Fix account", which opens Settings › Account to fix it', async ({ page }) => {
  console_ = await startConsole({ password: 'wrong-password' });
  await page.goto(console_.url);
  await expect(registration(page)).toHaveText(/Registration failed: the server refused the user name or password/);
  // Visible text, not a tooltip: the server's own words too.
  await expect(page.getByTestId('registration-detail')).toBeVisible();
  await expect(page.getByTestId('registration-detail')).toHaveText(/\((401|403|407)\b.*\)/);
  const fix = page.getByRole('button', { name: 'Fix account' });
  await expect(fix).toBeVisible();
  await fix.click();

  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog.getByRole('tab', { name: 'Account' })).toHaveAttribute('aria-selected', 'true');
  const password = dialog.getByLabel('Password');
  await expect(password).toHaveValue('');
  await expect(password).toHaveAttribute('type', 'password');
  await password.fill('secret');
  await dialog.getByRole('button', { name: 'Save and register' }).click();
  await expect(dialog).toBeHidden();
  await expect(registration(page)).toHaveText(/Registered/);
  await expect(fix).toBeHidden();
  await callReachesConsole(page);

  // Never shown back: an empty write-only field, and no trace of either password in the page or the log.
  await openAccountTab(page);
  await expect(dialog.getByLabel('Password')).toHaveValue('');
  const html = await page.content();
  expect(html).not.toContain('wrong-password');
  expect(html).not.toMatch(/value="secret"/);
  expect(console_.output()).not.toContain('wrong-password');
});

test('Log out un-REGISTERs and shows the setup screen; Switch account prefills the server; signing in again works', async ({ page }) => {
  const before = bindings();
  console_ = await startConsole({ transport: 'udp', port: 5060 });
  await page.goto(console_.url);
  await expect(registration(page)).toHaveText(/Registered/);
  await waitFor('the console in the location table', async () => ours(before)[0]);

  let dialog = await openAccountTab(page);
  await dialog.getByRole('button', { name: 'Log out' }).click();
  await expect(dialog).toContainText('Log out of 1001@127.0.0.1?');
  await dialog.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('heading', { name: 'Set up your phone account' })).toBeVisible();
  await expect(page.locator('#setup-server')).toHaveValue('');
  await expect(page.getByText('No account configured')).toBeVisible();
  // Kamailio has forgotten the console (Expires: 0), so 1002's call is refused at once instead of ringing here.
  await waitFor('the binding to go', async () => ours(before).length === 0);
  await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
  await waitFor("1002's call to be refused", async () => !/sip:/.test(await baresipCalls('1002')));

  // Sign in again from the setup screen.
  await page.locator('#setup-server').fill('127.0.0.1');
  await page.locator('#setup-user').fill('1001');
  await page.locator('#setup-password').fill('secret');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(registration(page)).toHaveText(/Registered/);
  await waitFor('the console in the location table again', async () => ours(before)[0]);
  await callReachesConsole(page);

  // Switch account: logged out, the setup screen keeps the server and transport for the next user (1005).
  dialog = await openAccountTab(page);
  await dialog.getByLabel('Transport').selectOption('tcp');
  await dialog.getByRole('button', { name: 'Save and register' }).click();
  await expect(registration(page)).toHaveText(/Registered/);
  dialog = await openAccountTab(page);
  await dialog.getByRole('button', { name: 'Switch account' }).click();
  await dialog.getByRole('button', { name: 'Switch account' }).click();
  await expect(page.getByRole('heading', { name: 'Set up your phone account' })).toBeVisible();
  await expect(page.getByTestId('setup-prefilled')).toBeVisible();
  await expect(page.locator('#setup-server')).toHaveValue('127.0.0.1');
  await expect(page.locator('#setup-transport')).toHaveValue('tcp');
  await expect(page.locator('#setup-user')).toHaveValue('');
  await expect(page.locator('#setup-password')).toHaveValue('');
  await waitFor('1001 to be gone', async () => ours(before).length === 0);
  const before1005 = bindings('1005');
  await page.locator('#setup-user').fill('1005');
  await page.locator('#setup-password').fill('secret');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(registration(page)).toHaveText(/Registered/);
  await expect(page.locator('.info .who .number')).toHaveText('1005@127.0.0.1');
  const b = await waitFor('1005 in the location table', async () => ours(before1005, '1005')[0]);
  expect(b.socket).toMatch(/^tcp:/);
});

/** Serious and critical WCAG 2.1 AA findings of axe-core (as tests/e2e/accessibility.e2e.ts counts them). */
async function axeFindings(page: Page, within?: string): Promise<string[]> {
  await page.waitForTimeout(250);
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (within) builder = builder.include(within);
  const results = await builder.analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const theme of ['light', 'dark'] as const) {
  test(`axe, ${theme} theme: the failure with "Fix account", Settings › Account with its errors and the log-out confirmation`, async ({ page }) => {
    console_ = await startConsole({ password: 'wrong-password' }, { preferences: { language: 'en', theme } });
    await page.goto(console_.url);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await expect(registration(page)).toHaveText(/Registration failed/);
    await expect(page.getByRole('button', { name: 'Fix account' })).toBeVisible();
    expect(await axeFindings(page, 'header.info')).toEqual([]);

    await page.getByRole('button', { name: 'Fix account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByRole('button', { name: 'Add a backup server' }).click();
    await dialog.getByLabel('Port of backup server 1').fill('x');
    await dialog.getByLabel('Voicemail number').fill('vm');
    await dialog.getByRole('button', { name: 'Save and register' }).click();
    await expect(dialog).toContainText('The voicemail number must be digits');
    await expect(dialog).toContainText('Each backup server needs a host name');
    expect(await axeFindings(page, 'dialog[open]')).toEqual([]);
    await dialog.getByRole('button', { name: 'Switch account' }).click();
    await expect(dialog).toContainText('let another user sign in on the same server?');
    expect(await axeFindings(page, 'dialog[open]')).toEqual([]);
    // Keyboard: the confirmation has the focus; Cancel goes back without logging out.
    await expect(dialog.getByRole('button', { name: 'Switch account' })).toBeFocused();
    await dialog.getByRole('button', { name: 'Cancel' }).last().click();
    await expect(dialog.getByRole('button', { name: 'Switch account' })).toBeFocused();
    await expect(dialog.getByRole('button', { name: 'Log out' })).toBeVisible();
    await expect(registration(page)).toHaveText(/Registration failed/);
  });
}

test('Settings › Account moves the console to a PBX on another host (198.18.0.2): the password is asked again, then calls have audio', async ({ page }) => {
  startRemoteBed();
  console_ = await startConsole({ transport: 'udp', port: 5060, media: 'rtp' });
  await page.goto(console_.url);
  await expect(registration(page)).toHaveText(/Registered/);

  const dialog = await openAccountTab(page);
  await dialog.locator('#account-server').fill(REMOTE.primary);
  await dialog.locator('#account-port').fill('5060');
  await dialog.getByRole('button', { name: 'Save and register' }).click();
  // The saved password never goes to a server it was not meant for: a new host needs it typed again.
  await expect(dialog.locator('#account-password-error')).toBeVisible();
  await dialog.getByLabel('Password').fill('secret');
  await dialog.getByRole('button', { name: 'Save and register' }).click();
  await expect(dialog).toBeHidden();
  await expect(registration(page)).toHaveText(/Registered/, { timeout: 20_000 });

  // A call over the network namespace: the RTP bridge offers the address that routes to the remote PBX, not loopback,
  // and the console hears 1003's 1000 Hz tone.
  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  const row = callRow(page, '1003');
  await expect(row).toContainText('Connected', { timeout: 20_000 });
  const sdp = readFileSync(console_.logFile, 'utf8').split(/^\S+ DEBUG SIP /m).filter((m) => m.startsWith('out') && /\r?\nm=audio /.test(m));
  expect(/\r?\nc=IN IP4 (\S+)/.exec(sdp[sdp.length - 1] ?? '')?.[1]).toBe(REMOTE.host);
  await waitFor('the console to hear 1003 (1000 Hz)', async () => near(await heardOn(page, row), 1000), 10_000, 500);
  await row.getByRole('button', { name: 'Hang up' }).click();
  await expect(row.first()).toContainText('Ended');
  await remoteHangupAll();
});
