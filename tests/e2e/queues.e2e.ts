/**
 * Issue 11 acceptance: the Queued calls pane live from Asterisk's AMI (tests/testbed/asterisk: queue `support` on 600,
 * static members PJSIP/2002 and 2003, paused here so callers wait). The console is 2001 over UDP; waiting callers
 * are sipp (queue-callers.ts); AMI's own QueueStatus is the referee.
 */
import net from 'node:net';
import type { Locator, Page } from '@playwright/test';
import { connectTestbedAmi, type AmiClient, type AmiMessage } from '../testbed/asterisk/ami';
import { cleanup as stopPhones, phone } from '../testbed/asterisk/phones';
import { QUEUE_CALLER_TONE_HZ, startQueueCallers, type QueueCallers } from '../testbed/asterisk/queue-callers';
import { near } from '../testbed/audio';
import { expect, heardOn, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

const UDP: ConsoleAccount = { server: '127.0.0.1', port: 5070, transport: 'udp', user: '2001', media: 'rtp' };
const PBX = {
  type: 'asterisk',
  ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' },
  context: 'internal',
  pauseReasons: ['Lunch', 'Meeting'],
  queues: ['support'],
};
const STATIC_MEMBERS = ['PJSIP/2002', 'PJSIP/2003'];

let ami: AmiClient;
let console_: RunningConsole | undefined;
let callers: QueueCallers | undefined;

test.beforeAll(async () => {
  ami = await connectTestbedAmi();
});
test.afterAll(async () => ami?.close());
test.afterEach(async () => {
  await callers?.stop();
  callers = undefined;
  await console_?.stop();
  console_ = undefined;
  await stopPhones();
  await ami.action({ Action: 'QueueRemove', Queue: 'support', Interface: 'PJSIP/2001' }).catch(() => undefined);
  for (const iface of STATIC_MEMBERS) await ami.action({ Action: 'QueuePause', Queue: 'support', Interface: iface, Paused: 'false' }).catch(() => undefined);
  await ami.action({ Action: 'Command', Command: 'channel request hangup all' }).catch(() => undefined);
});

/** Asterisk's own view of queue `support` (QueueStatus → QueueEntry / QueueMember events). */
async function queueStatus(): Promise<{ entries: AmiMessage[]; members: AmiMessage[] }> {
  const events = await ami.list({ Action: 'QueueStatus', Queue: 'support' });
  return {
    entries: events.filter((e) => e.Event === 'QueueEntry').sort((a, b) => Number(a.Position) - Number(b.Position)),
    members: events.filter((e) => e.Event === 'QueueMember'),
  };
}

const pane = (page: Page): Locator => page.getByRole('region', { name: 'Queued calls' });
const waiting = (page: Page): Locator => pane(page).getByRole('list', { name: 'Waiting calls in support' }).getByRole('listitem');
const waitOf = async (item: Locator): Promise<number> => {
  const [m, s] = (await item.locator('.wait').innerText()).split(':').map(Number);
  return m! * 60 + s!;
};

test('callers wait in join order, move up, are taken, and the receptionist logs in, pauses with a reason and resumes', async ({ page }) => {
  test.setTimeout(150_000);
  for (const iface of STATIC_MEMBERS) await ami.action({ Action: 'QueuePause', Queue: 'support', Interface: iface, Paused: 'true', Reason: 'e2e' });
  console_ = await startConsole(UDP, { preferences: { language: 'en' }, pbx: PBX, directories: { queues: [{ name: 'support', number: '600' }] } });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  await expect(pane(page)).toContainText('0 calls waiting');

  callers = await startQueueCallers([{ number: '0611223344', name: 'Alice Martin' }, { number: '0655667788' }]);

  // Both, in join order, with a wait that grows; Asterisk agrees.
  await expect(waiting(page)).toHaveCount(2);
  await expect(waiting(page).nth(0)).toContainText('0611223344');
  await expect(waiting(page).nth(0)).toContainText('Alice Martin');
  await expect(waiting(page).nth(1)).toContainText('0655667788');
  await expect(waiting(page).nth(0)).toContainText(/\d+:\d\d/);
  const before = await waitOf(waiting(page).nth(0));
  await page.waitForTimeout(2100);
  expect(await waitOf(waiting(page).nth(0))).toBeGreaterThan(before);
  expect((await queueStatus()).entries.map((e) => e.CallerIDNum)).toEqual(['0611223344', '0655667788']);
  await expect(pane(page)).toContainText('2 calls waiting');
  await expect(pane(page)).toContainText('paused: 2');

  // Raise the second one's priority: it moves to the top, here and in Asterisk.
  await waiting(page).nth(1).getByRole('button', { name: 'Raise priority' }).click();
  await expect(waiting(page).nth(0)).toContainText('0655667788');
  expect((await queueStatus()).entries.map((e) => e.CallerIDNum)).toEqual(['0655667788', '0611223344']);

  // Choose queues: one call shown per queue, the rest counted; kept by main (it answers with the new pane).
  await pane(page).getByRole('button', { name: 'Choose queues' }).click();
  const chooser = page.getByRole('dialog', { name: 'Queues to show' });
  await chooser.getByRole('checkbox', { name: /support/ }).check();
  await chooser.getByRole('spinbutton', { name: 'Calls shown per queue' }).fill('1');
  await chooser.getByRole('button', { name: 'Save' }).click();
  await expect(waiting(page)).toHaveCount(1);
  await expect(pane(page)).toContainText('and 1 more caller');
  await pane(page).getByRole('button', { name: 'Choose queues' }).click();
  await chooser.getByRole('spinbutton', { name: 'Calls shown per queue' }).fill('10');
  await chooser.getByRole('button', { name: 'Save' }).click();
  await expect(waiting(page)).toHaveCount(2);

  // The Contacts pane's Queues tab shows the same live count and keeps the number to dial.
  await page.locator('#contacts-tab-queues').click();
  await expect(page.getByRole('list', { name: 'Queues' })).toContainText('2 waiting');
  await expect(page.getByRole('button', { name: /600/ })).toBeVisible();

  // Take call: it rings on the console; answered, it is a conversation with that caller and it left the queue.
  await waiting(page).nth(0).getByRole('button', { name: 'Take call' }).click();
  const incoming = page.locator('li.call:not(.ended)').filter({ hasText: '0655667788' });
  await expect(incoming.getByRole('button', { name: 'Answer' })).toBeVisible();
  await expect(waiting(page)).toHaveCount(1);
  await incoming.getByRole('button', { name: 'Answer' }).click();
  await expect(incoming).toContainText('Connected');
  // The receptionist hears that caller (its 1500 Hz tone through Asterisk's bridge).
  await expect.poll(async () => near(await heardOn(page, incoming), QUEUE_CALLER_TONE_HZ), { timeout: 10_000 }).toBe(true);
  expect((await queueStatus()).entries.map((e) => e.CallerIDNum)).toEqual(['0611223344']);
  // Asterisk bridges that caller's own channel with the console's (the audio path is the PBX's bridge).
  const taken = callers.callers.find((c) => c.number === '0655667788')!;
  await expect
    .poll(async () => {
      const channels = await ami.list({ Action: 'CoreShowChannels' });
      const bridge = channels.find((c) => c.Channel === taken.channel)?.BridgeId;
      return Boolean(bridge) && channels.some((c) => c.BridgeId === bridge && c.Channel?.startsWith('PJSIP/2001-'));
    })
    .toBe(true);
  await incoming.getByRole('button', { name: 'Hang up' }).click();
  await expect(page.locator('li.call:not(.ended)')).toHaveCount(0);

  // Log in: the next waiting caller is offered to the console (it rings here).
  await pane(page).getByRole('button', { name: 'Log in', exact: true }).click();
  await expect(pane(page)).toContainText('You are taking calls from this queue');
  const offered = page.locator('li.call:not(.ended)').filter({ hasText: '0611223344' });
  await expect(offered.getByRole('button', { name: 'Answer' })).toBeVisible({ timeout: 20_000 });
  await offered.getByRole('button', { name: 'Answer' }).click();
  await expect(offered).toContainText('Connected');
  await expect(waiting(page)).toHaveCount(0);
  await offered.getByRole('button', { name: 'Hang up' }).click();

  // Pause with a reason: Asterisk records it and the pane shows it; resume.
  await pane(page).getByRole('combobox', { name: 'Pause reason' }).selectOption('Meeting');
  await pane(page).getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(pane(page)).toContainText('You are paused: Meeting');
  await expect
    .poll(async () => (await queueStatus()).members.find((m) => m.Location === 'PJSIP/2001' || m.StateInterface === 'PJSIP/2001'))
    .toMatchObject({ Paused: '1', PausedReason: 'Meeting' });
  await pane(page).getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(pane(page)).toContainText('You are taking calls from this queue');
  await pane(page).getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(pane(page)).toContainText('You are not taking calls from this queue');
});

/** A TCP relay in front of Asterisk's AMI that the test can cut (every connection dropped, port closed) and restore. */
async function amiRelay(): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(5038, '127.0.0.1');
        const close = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const x of [client, upstream]) {
          sockets.add(x);
          x.on('error', close);
          x.on('close', close);
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    port,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const x of sockets) x.destroy();
        sockets.clear();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
    restore: listen,
  };
}

test('the agent list says who is free, on the phone, paused (with the reason) or not connected, as Asterisk has it', async ({ page }) => {
  test.setTimeout(120_000);
  // 2002: a phone that answers, in the queue; 2003: paused for lunch, its phone not registered.
  await ami.action({ Action: 'QueuePause', Queue: 'support', Interface: 'PJSIP/2003', Paused: 'true', Reason: 'Lunch' });
  const agent2002 = await phone('2002', 'answer');
  console_ = await startConsole(UDP, { preferences: { language: 'en' }, pbx: PBX });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  await pane(page).getByText('Agents (2)').click();
  const agents = pane(page).getByRole('list', { name: 'Agents of support' }).getByRole('listitem');
  // Free first, then paused (with the reason she needs: back after lunch).
  await expect(agents).toHaveText(['Agent 2002 — available', 'Agent 2003 — paused: Lunch']);
  const status = async (iface: string): Promise<string | undefined> => (await queueStatus()).members.find((m) => m.Location === iface || m.StateInterface === iface)?.Status;
  expect(await status('PJSIP/2002')).toBe('1'); // AST_DEVICE_NOT_INUSE

  // A caller: the queue rings 2002, which answers: on the phone, here and in Asterisk.
  callers = await startQueueCallers([{ number: '0611223344' }]);
  await expect(agents.first()).toHaveText('Agent 2002 — on the phone');
  await expect.poll(() => status('PJSIP/2002')).toBe('2'); // AST_DEVICE_INUSE
  await expect(pane(page)).toContainText('busy: 1');
  expect(agent2002.invites()).toHaveLength(1);

  // 2003 back from lunch but its phone is not connected: the queue cannot reach it, and she reads why.
  await ami.action({ Action: 'QueuePause', Queue: 'support', Interface: 'PJSIP/2003', Paused: 'false' });
  await expect(agents.last()).toHaveText('Agent 2003 — phone not connected');
  await expect.poll(() => status('PJSIP/2003')).toBe('5'); // AST_DEVICE_UNAVAILABLE

  // The caller hangs up: 2002 is free again.
  await callers.stop();
  callers = undefined;
  await expect(agents.first()).toHaveText('Agent 2002 — available');

  // She logs in: she is in the list too, marked as herself.
  await pane(page).getByRole('button', { name: 'Log in', exact: true }).click();
  await expect(pane(page).getByText('Agents (3)')).toBeVisible();
  await expect(agents.filter({ hasText: '(you)' })).toHaveText('2001 (you) — available');
});

test('AMI connection cut and back: the pane says so, then re-syncs without a restart', async ({ page }) => {
  test.setTimeout(120_000);
  for (const iface of STATIC_MEMBERS) await ami.action({ Action: 'QueuePause', Queue: 'support', Interface: iface, Paused: 'true', Reason: 'e2e' });
  const relay = await amiRelay();
  try {
    console_ = await startConsole(UDP, { preferences: { language: 'en' }, pbx: { ...PBX, ami: { ...PBX.ami, port: relay.port } } });
    await page.goto(console_.url);
    callers = await startQueueCallers([{ number: '0611223344' }]);
    await expect(waiting(page)).toHaveCount(1);

    await relay.cut();
    await expect(pane(page)).toContainText('Queue server unreachable — retrying');
    await expect(waiting(page)).toHaveCount(0);
    // While the console cannot see it, another caller joins.
    const more = await startQueueCallers([{ number: '0655667788' }], { ami });
    try {
      await relay.restore();
      await expect(waiting(page)).toHaveCount(2, { timeout: 45_000 });
      await expect(waiting(page).nth(1)).toContainText('0655667788');
    } finally {
      await more.stop();
    }
  } finally {
    await relay.cut();
  }
});

test('says the queue server is unreachable instead of showing old data', async ({ page }) => {
  console_ = await startConsole(UDP, { preferences: { language: 'en' }, pbx: { ...PBX, ami: { ...PBX.ami, port: 5999 } } });
  await page.goto(console_.url);
  await expect(pane(page)).toContainText('Queue server unreachable — retrying');
  await expect(pane(page).getByRole('list')).toHaveCount(0);
});

test('without a pbx section the pane says the PBX connection is not set up (Settings › PBX)', async ({ page }) => {
  console_ = await startConsole(UDP, { preferences: { language: 'en' } });
  await page.goto(console_.url);
  await expect(pane(page)).toContainText('connect the console to the PBX in Settings › PBX');
});
