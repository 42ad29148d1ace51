/** E2E fixtures: start a provisioned console under the web host, as the product runs it (`npm run web`). */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';

export const ROOT = join(__dirname, '..', '..');

export interface ConsoleAccount {
  server?: string;
  port?: number;
  transport?: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  user?: string;
  password?: string;
  displayName?: string;
  media?: 'auto' | 'webrtc' | 'rtp';
  registerExpires?: number;
  wsPath?: string;
  dtmfMode?: 'rfc4733' | 'info';
  trustRelayedHeaders?: boolean;
}

export interface RunningConsole {
  url: string;
  process: ChildProcess;
  logFile: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startConsole(
  account: ConsoleAccount | null,
  extra: Record<string, unknown> = {},
  cliArgs: readonly string[] = [],
): Promise<RunningConsole> {
  const dir = mkdtempSync(join(tmpdir(), 'rc-e2e-'));
  const provision = join(dir, 'provision.json');
  const accounts = account
    ? [{ server: '127.0.0.1', port: 5060, transport: 'udp', user: '1001', password: 'secret', displayName: 'Reception', media: 'auto', ...account }]
    : [];
  writeFileSync(provision, JSON.stringify({ accounts, preferences: { language: 'en' }, ...extra }));
  const logFile = join(dir, 'console.log');
  // Each console keeps nothing between tests unless the test gives it a data directory (the web host saves by default).
  const storage = cliArgs.includes('--data-dir') ? [] : ['--in-memory'];
  const child = spawn(process.execPath, [join(ROOT, 'dist/web-host/cli.js'), '--port', '0', '--provision', provision, '--log-file', logFile, ...storage, ...cliArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`console did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /Console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`console exited ${code}:\n${out}`)));
  });
  return {
    url,
    process: child,
    logFile,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 6000).unref();
      }),
  };
}

/** Dominant frequency of what the console hears on the call shown by `row` (its `data-call-id`). */
export async function heardOn(page: Page, row: Locator): Promise<number> {
  const id = await row.getAttribute('data-call-id');
  return page.evaluate(async (callId) => {
    const w = globalThis as unknown as { __rcMedia: { dominantFrequency(id?: string): Promise<number> } };
    return w.__rcMedia.dominantFrequency(callId ?? undefined);
  }, id);
}

/** Dominant frequency of a call's remote audio, measured in the page by the media engine's analyser. */
export async function remoteFrequency(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const w = globalThis as unknown as { __rcMedia: { dominantFrequency(id?: string): Promise<number> } };
    return w.__rcMedia.dominantFrequency();
  });
}

/**
 * Every test starts on a complete SIP test bed: start.sh is idempotent (a fraction of a second when all is up), so a
 * test that broke the bed — e.g. one that stops Kamailio and could not restart it — fails alone instead of taking
 * every later test down with it.
 */
export const test = base.extend<{ sipTestBed: void }>({
  sipTestBed: [
    async ({}, use) => {
      execFileSync('bash', [join(ROOT, 'tests/testbed/start.sh')], { stdio: 'pipe', timeout: 60_000 });
      await use();
    },
    { auto: true },
  ],
});
export { expect };

/** The window's smallest size (electron/main/policy.ts minWidth × minHeight), its default width, a common larger one. */
export const WINDOW_SIZES = [
  { width: 900, height: 600 },
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;

// A string: the console's CSP forbids the evaluation of functions passed to the page.
const CLIPPED_CONTROLS = `(() => {
  const out = [];
  const name = (el) => (el.getAttribute('aria-label') || el.textContent || el.getAttribute('placeholder') || el.id || el.tagName).trim().replace(/\\s+/g, ' ');
  for (const pane of document.querySelectorAll('.pane')) {
    const box = pane.getBoundingClientRect();
    for (const el of pane.querySelectorAll('button, input, select')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue; // not shown (a closed details, a hidden control)
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) {
        out.push(name(el) + ' [' + Math.round(r.left) + '–' + Math.round(r.right) + ' in ' + Math.round(box.left) + '–' + Math.round(box.right) + ']');
      }
    }
    // Nor drawn over one another (a squeezed row: the headset's Test button under Messages).
    const shown = [...pane.querySelectorAll('button, input, select')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    });
    for (let i = 0; i < shown.length; i++) {
      for (let j = i + 1; j < shown.length; j++) {
        const a = shown[i], b = shown[j];
        if (a.contains(b) || b.contains(a)) continue;
        const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
        const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (w > 2 && h > 2) out.push(name(a) + ' over ' + name(b));
      }
    }
  }
  return out;
})()`;

/**
 * The controls (buttons, fields, lists of choices) of the info bar and the panes that lie past their pane's left or
 * right edge, or over one another: cut off or hidden from the receptionist (tests/e2e/layout.e2e.ts).
 */
export async function clippedControls(page: Page): Promise<string[]> {
  return (await page.evaluate(CLIPPED_CONTROLS)) as string[];
}
