/** sipp against the Asterisk test bed (127.0.0.1:5070), as any extension 2001..2005 with password `secret`. */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SIPP_DIR = path.join(__dirname, 'sipp');
const ASTERISK_SIP = '127.0.0.1:5070';
const work = mkdtempSync(path.join(tmpdir(), 'asterisk-sipp-'));

/** A UDP port nobody uses right now (the OS picks it); sipp binds it a moment later. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * A media port for sipp's `-mp`: sipp binds it for audio and `port + 2` for video, so the four ports from it must be
 * free. An OS-picked ephemeral port only guarantees the first (a video bind then failed with EADDRINUSE now and then),
 * so this draws an even port in 21000-29999, clear of the beds' RTP ranges (Asterisk 20000-20199, rtpengine
 * 30000-30199, baresip 40000+) and of the ephemeral range, and checks the four against /proc/net/udp.
 */
export function freeMediaPort(): number {
  for (let i = 0; i < 100; i++) {
    const port = 21_000 + 2 * Math.floor(Math.random() * 4_498);
    if (![0, 1, 2, 3].some((d) => udpListening(port + d))) return port;
  }
  throw new Error('no free media port range for sipp in 21000-29999');
}

/**
 * Whether something listens on UDP 127.0.0.1:`port`, from /proc/net/udp (Linux). Probing by binding the port
 * ourselves would race sipp's own bind and make it exit with "address in use".
 */
export function udpListening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex) === true);
}

export interface SippRun {
  code: number;
  output: string;
  /** The local SIP port sipp used (it is in the Contact it registered). */
  sipPort: number;
}

/**
 * Runs one sipp scenario from tests/testbed/asterisk/sipp as `user` (digest password `secret`).
 * `subst` fills the @NAME@ placeholders of a scenario template.
 */
export async function sipp(
  scenario: string,
  user: string,
  opts: { service?: string; extra?: string[]; subst?: Record<string, string | number>; sipPort?: number } = {},
): Promise<SippRun> {
  let file = path.join(SIPP_DIR, scenario);
  if (opts.subst) {
    let xml = readFileSync(file, 'utf8');
    for (const [k, v] of Object.entries(opts.subst)) xml = xml.replaceAll(`@${k}@`, String(v));
    file = path.join(work, `${user}-${path.basename(scenario)}`);
    writeFileSync(file, xml);
  }
  const [sipPort, mediaPort] = [opts.sipPort ?? (await freeUdpPort()), freeMediaPort()];
  const args = [
    ASTERISK_SIP, '-sf', file, '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort),
    '-m', '1', '-au', user, '-ap', 'secret', '-key', 'user', user, '-nostdin', '-timeout', '30s', '-timeout_error',
    '-trace_err', '-error_file', path.join(work, `${user}-${scenario}.err.log`),
    ...(opts.service ? ['-s', opts.service] : []),
    ...(opts.extra ?? []),
  ];
  return new Promise((resolve) => {
    execFile('sipp', args, { cwd: work, timeout: 45_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, sipPort, output: `sipp ${args.join(' ')}\n${stdout}${stderr}` });
    });
  });
}

