/**
 * The REMOTE test bed (tests/testbed/remote/): the same Kamailio + rtpengine + baresip bed inside Linux network
 * namespaces at RFC 2544 addresses, so the console (root namespace, 198.18.0.1 on veth rcb0) reaches its PBX over a
 * real non-loopback interface that can be cut, made lossy, jittery, or RTP-blocked. Needs root. See remote/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { baresip, baresipCalls, hangupAll, type BaresipResponse, type BaresipUser } from './baresip';
import { clearRecordings, newestRecording, recordingsDir } from './audio';

export const REMOTE_DIR = join(__dirname, 'remote');
const CERTS = join(REMOTE_DIR, 'run', 'certs');

export const REMOTE = {
  /** the console's own address (root namespace, veth rcb0) */
  host: '198.18.0.1',
  /** primary Kamailio, rtpengine, baresip colleagues (ctrl_tcp 4442-4444), echo UAS 1010, DNS */
  primary: '198.18.0.2',
  /** secondary Kamailio (failover), same users; 1003, 1004 and 1010 are registered there too */
  secondary: '198.18.0.3',
  /** "third host" in rc-pbx: source of foreign RTP (injectRtp) */
  third: '198.18.0.9',
  dns: '198.18.0.2',
  domain: 'pbx.test',
  /** ports on primary and secondary */
  ports: { udp: 5060, tcp: 5060, tls: 5061, ws: 8080, wss: 8443 },
  /** rtpengine's UDP port range (what blockRtp() drops) */
  rtpPorts: { min: 32000, max: 32199 },
  /** the console's account */
  user: '1001',
  password: 'secret',
  /** echo far end: answers with PCMU, echoes RTP, accepts re-INVITEs */
  echoUser: '1010',
  /** test CA (PEM) that signed server.crt (pbx.test, sip1/sip2.pbx.test, 198.18.0.2/.3); other.test is NOT in it */
  caFile: join(CERTS, 'ca.crt'),
  serverCert: join(CERTS, 'server.crt'),
  serverKey: join(CERTS, 'server.key'),
  /** same names, same CA, validity 2020-01-01..2021-01-01 */
  expiredCert: join(CERTS, 'expired.crt'),
  expiredKey: join(CERTS, 'expired.key'),
} as const;

export type KamailioWhich = 'primary' | 'secondary';
export type KamailioAction = 'start' | 'stop' | 'restart';

function sh(script: string, args: string[], timeoutMs = 60_000): string {
  return execFileSync('bash', [join(REMOTE_DIR, script), ...args], { encoding: 'utf8', stdio: 'pipe', timeout: timeoutMs });
}
function net(...args: string[]): string {
  return sh('net.sh', args, 15_000);
}

/** Start the whole remote bed (idempotent; ~3 s when nothing runs yet). Returns start.sh's summary line. */
export function startRemoteBed(): string {
  return sh('start.sh', [], 120_000).trim();
}
/** Stop everything and delete the namespaces and veths. */
export function stopRemoteBed(): void {
  sh('stop.sh', [], 60_000);
}

/** Link down in the middle (rc-wan): the console's interface stays up, packets vanish. */
export function cutLink(): void {
  net('cut');
}
export function restoreLink(): void {
  net('restore');
}
/** Random drop with probability p (0..1) both ways between console and PBX; 0 removes it. */
export function setLoss(p: number): void {
  net('loss', String(p));
}
/** Drop only RTP (rtpengine's port range) between console and PBX; SIP keeps working. */
export function blockRtp(): void {
  net('rtp-block');
}
export function unblockRtp(): void {
  net('rtp-unblock');
}
/** Delay every frame by meanMs ± spreadMs (uniform, so packets reorder), both ways. Replaces any earlier jitter. */
export function setJitter(meanMs: number, spreadMs = 0): void {
  net('jitter', String(meanMs), String(spreadMs));
}
export function jitterOff(): void {
  net('jitter', 'off');
}
/** Clear every impairment (restore, loss 0, RTP unblocked, jitter off). */
export function clearImpairments(): void {
  net('off');
}
/** net.sh status: { link: 'up'|'cut', loss: '0'|p, rtp: 'open'|'blocked', jitter: 'off'|'50ms +/- 20ms' } */
export function networkStatus(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of net('status').split('\n')) {
    const m = /^(\w+): (.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/**
 * Start/stop/restart one Kamailio. After start the colleagues re-register (primary: the baresip processes restart,
 * which ends their calls; secondary: only their second UA is re-created) and 1010 re-registers.
 */
export function kamailio(which: KamailioWhich, action: KamailioAction): void {
  sh('kamailio.sh', [which, action], 90_000);
}

/** ctrl_tcp command to a remote colleague (1002 manual/440 Hz, 1003 auto/1000 Hz, 1004 auto/2000 Hz). */
export function remoteBaresip(user: BaresipUser, command: string, params = '', timeoutMs = 5000): Promise<BaresipResponse> {
  return baresip(user, command, params, timeoutMs, REMOTE.primary);
}
export function remoteBaresipCalls(user: BaresipUser): Promise<string> {
  return baresipCalls(user, REMOTE.primary);
}
export function remoteHangupAll(): Promise<void> {
  return hangupAll(REMOTE.primary);
}
/** SIP URI of a remote colleague/echo, e.g. remoteUri('1003') = sip:1003@pbx.test */
export function remoteUri(user: string, host: string = REMOTE.domain): string {
  return `sip:${user}@${host}`;
}

/** Recordings of the remote UAs (remote/ua<user>/rec): same helpers as audio.ts, pointed at the remote bed. */
export const remoteRecordings = {
  dir: (user: string): string => recordingsDir(user, REMOTE_DIR),
  clear: (user: string): void => clearRecordings(user, REMOTE_DIR),
  newest: (user: string): string | undefined => newestRecording(user, REMOTE_DIR),
};

export interface InjectRtpOptions {
  to: { address: string; port: number };
  /** source address inside rc-pbx (default the third host 198.18.0.9) */
  from?: string;
  fromPort?: number;
  freqHz?: number;
  seconds?: number;
  ssrc?: number;
  payloadType?: number;
}
export interface RtpInjection {
  /** stop early (SIGTERM); resolves when the sender has exited */
  stop(): Promise<void>;
  /** resolves when the sender has exited, with its summary line (ssrc, packets sent) */
  done: Promise<string>;
}

/** Send PCMU RTP (PT 0, 20 ms packets, random SSRC) of a sine tone from the third host, in the background. */
export function injectRtp(o: InjectRtpOptions): RtpInjection {
  const args = ['netns', 'exec', 'rc-pbx', 'python3', join(REMOTE_DIR, 'inject_rtp.py'),
    '--to', `${o.to.address}:${o.to.port}`, '--from', o.from ?? REMOTE.third,
    '--freq', String(o.freqHz ?? 1000), '--seconds', String(o.seconds ?? 3)];
  if (o.fromPort !== undefined) args.push('--from-port', String(o.fromPort));
  if (o.ssrc !== undefined) args.push('--ssrc', String(o.ssrc));
  if (o.payloadType !== undefined) args.push('--pt', String(o.payloadType));
  const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<string>((resolve) => {
    child.on('exit', () => resolve(out.trim()));
    child.on('error', (e) => resolve(String(e)));
  });
  return {
    done,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await done;
    },
  };
}

/**
 * The remote Asterisk (remote/asterisk.sh): the Asterisk bed (tests/testbed/asterisk/, same chroot, dialplan and
 * endpoints) a second time, inside rc-pbx at 198.18.0.4 with its own run/log/spool directories. Not started by
 * startRemoteBed(): call startRemoteAsterisk() after it.
 */
export const REMOTE_ASTERISK = {
  address: '198.18.0.4',
  /** SIP over UDP and TCP (TCP exists only in this copy), SIP over WebSocket (HTTP server, path /ws), AMI */
  ports: { udp: 5060, tcp: 5060, ws: 8088, ami: 5038 },
  wsPath: '/ws',
  /** Asterisk's RTP range (rtpengine has 32000-32199) */
  rtpPorts: { min: 21000, max: 21199 },
  /** the console over UDP/TCP: plain RTP/AVP (the console's RTP bridge) */
  user: '2001',
  /** the console over WebSocket: WebRTC media (ICE, DTLS-SRTP, AVPF, rtcp-mux) */
  webrtcUser: '2011',
  password: 'secret',
  /** Answer() + Echo(): the caller hears itself */
  echoExtension: '9999',
  /** AMI login (permitted from 198.18.0.0/24) */
  ami: { username: 'console', secret: 'secret' },
} as const;

/** Start the remote Asterisk (idempotent; ~1 s; adds 198.18.0.4 to the bed if the bed predates it). */
export function startRemoteAsterisk(): string {
  return sh('asterisk.sh', ['start'], 90_000).trim();
}
export function stopRemoteAsterisk(): void {
  sh('asterisk.sh', ['stop'], 30_000);
}
/** One CLI command on the remote Asterisk (`asterisk -rx`), e.g. 'pjsip show contacts'. Returns its output. */
export function remoteAsteriskCli(command: string): string {
  return sh('asterisk.sh', ['cli', command], 15_000);
}
