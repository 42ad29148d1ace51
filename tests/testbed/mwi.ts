/** Message-waiting for a test-bed user: sipp PUBLISHes (or NOTIFYs) a message-summary through Kamailio as 1005. */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SIPP_DIR = path.join(__dirname, 'sipp');
const work = mkdtempSync(path.join(tmpdir(), 'mwi-sipp-'));

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * `publish`: PUBLISH message-summary for `mailbox` (Kamailio presence_mwi NOTIFYs its subscribers);
 * `notify`: an unsolicited NOTIFY to the mailbox's registered contact. Voice-Message: `newCount`/1.
 */
export async function sendMwi(mailbox: string, newCount: number, mode: 'publish' | 'notify' = 'publish'): Promise<{ code: number; output: string }> {
  const port = await freeUdpPort();
  const args = [
    '127.0.0.1:5060', '-sf', path.join(SIPP_DIR, mode === 'publish' ? 'mwi_publish.xml' : 'mwi_notify.xml'),
    '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-s', mailbox, '-key', 'user', '1005', '-key', 'new', String(newCount),
    '-au', '1005', '-ap', 'secret', '-nostdin', '-timeout', '15s', '-timeout_error',
  ];
  return new Promise((resolve) => {
    execFile('sipp', args, { cwd: work, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `sipp ${args.join(' ')}\n${stdout}${stderr}` });
    });
  });
}
