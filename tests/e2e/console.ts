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
