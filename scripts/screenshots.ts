/**
 * README screenshots of the demo's console: `npx tsx scripts/screenshots.ts [--no-setup]` (root; Debian/Ubuntu).
 * Starts the demo the way `npm run demo` does but without opening anything (`scripts/demo.sh --no-browser`: the test
 * beds, the demo's phones and callers, the console under the web host), waits until it is ready, takes the first
 * caller of queue "support" (Take call, Answer) so the phone console has a live line, opens the queue's agents, and takes one screenshot
 * per language and theme with Playwright's Chromium (the one the E2E suite drives, /usr/bin/chromium) into docs/:
 *   docs/screenshot-en-light.png  Favorites (lamps)        docs/screenshot-en-dark.png  History
 *   docs/screenshot-fr-light.png  Personal contacts        docs/screenshot-fr-dark.png  Company directory (LDAP)
 * The console's language and theme are "system" in the demo's provisioning: the browser's language (Playwright's
 * locale) and colour scheme choose them, as they would for a receptionist. Then it stops the demo (Ctrl-C's path).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';

const ROOT = path.join(__dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const SHOTS = [
  { file: 'screenshot-en-light.png', locale: 'en-GB', colorScheme: 'light', tab: 'favorites' },
  { file: 'screenshot-en-dark.png', locale: 'en-GB', colorScheme: 'dark', tab: 'history' },
  { file: 'screenshot-fr-light.png', locale: 'fr-FR', colorScheme: 'light', tab: 'personal' },
  { file: 'screenshot-fr-dark.png', locale: 'fr-FR', colorScheme: 'dark', tab: 'company' },
] as const;

function startDemo(extra: readonly string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const demo = spawn('bash', [path.join(ROOT, 'scripts/demo.sh'), '--no-browser', ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ended = new Promise<void>((resolve) => demo.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGTERM');
    await ended;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`the demo was not ready within 5 minutes:\n${out}`))), 300_000);
    const onData = (d: Buffer): void => {
      process.stdout.write(d);
      out += d.toString();
      const m = /^Console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m.exec(out);
      if (m && /Demo ready/.test(out)) {
        clearTimeout(timer);
        resolve({ url: m[1]!, stop });
      }
    };
    demo.stdout!.on('data', onData);
    demo.stderr!.on('data', onData);
    demo.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${code}) before it was ready`));
    });
  });
}

/** Every pane with its content: registered, the callers still waiting, the lamps, then the chosen Contacts tab filled. */
async function settle(page: Page, tab: string): Promise<void> {
  await page.locator('.registration').filter({ hasText: /\S/ }).waitFor();
  await page.locator('ul.callers li.caller').nth(1).waitFor();
  // The queue's agents opened: who is paused and why (Lunch, Meeting).
  const agents = page.locator('details.agents').first();
  if ((await agents.getAttribute('open')) === null) await agents.locator('summary').click();
  await agents.locator('li.agent').nth(1).waitFor();
  await page.locator(`#contacts-tab-${tab}`).click();
  const panel = page.locator('#contacts-panel');
  if (tab === 'favorites') await panel.locator('[data-favorite="2004"][data-state="idle"]').waitFor();
  else if (tab === 'history') await panel.locator('li.history').nth(1).waitFor();
  else await panel.locator('li.contact').nth(4).waitFor();
  // Let transitions and the wait counters settle; no caret blinking in the shot.
  await page.locator('#contacts-panel').evaluate((panel) => (panel.ownerDocument.activeElement as { blur?: () => void } | null)?.blur?.());
  await page.waitForTimeout(1200);
}

async function main(): Promise<void> {
  const { url, stop } = await startDemo(process.argv.slice(2).filter((a) => a === '--no-setup'));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    for (const [i, shot] of SHOTS.entries()) {
      const context = await browser.newContext({
        locale: shot.locale,
        colorScheme: shot.colorScheme,
        viewport: { width: 1440, height: 900 },
        permissions: ['microphone'],
      });
      const page = await context.newPage();
      await page.goto(url);
      if (i === 0) {
        // A live line: the receptionist takes the first caller waiting in the queue and answers.
        await page.locator('ul.callers li.caller').nth(2).waitFor();
        await page.locator('ul.callers li.caller button.take').first().click();
        await page.locator('li.call.incoming').first().getByRole('button', { name: 'Answer' }).click();
      }
      await page.locator('li.call.active').first().waitFor({ timeout: 20_000 });
      await settle(page, shot.tab);
      await page.screenshot({ path: path.join(DOCS, shot.file) });
      console.log(`[screenshots] docs/${shot.file}`);
      await context.close();
    }
  } finally {
    await browser?.close();
    await stop();
  }
}

main().catch((e: unknown) => {
  console.error(`[screenshots] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
