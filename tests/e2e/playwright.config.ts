import { defineConfig } from '@playwright/test';
import { join } from 'node:path';

const tone = join(__dirname, '..', 'testbed', 'media', 'tone440_48k.wav');

export default defineConfig({
  testDir: __dirname,
  testMatch: /.*\.e2e\.ts$/,
  // One console registered as 1001 at a time: calls to 1001 must not fork to two consoles.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: join(__dirname, '..', '..', 'test-results', 'e2e.json') }]],
  outputDir: join(__dirname, '..', '..', 'test-results', 'e2e-artifacts'),
  use: {
    browserName: 'chromium',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    permissions: ['microphone'],
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${tone}`,
        '--autoplay-policy=no-user-gesture-required',
        '--allow-loopback-in-peer-connection',
        '--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints,Translate',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    },
  },
});
