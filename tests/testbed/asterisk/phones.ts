/**
 * sipp phones and callers for the SIP test beds, with the AMI side of what Asterisk did. Shared by the call-routing
 * integration suite (tests/integration/asterisk-call-services.test.ts), the outgoing-number suite
 * (tests/integration/sip-identity.test.ts) and the call-services E2E (tests/e2e/call-services.e2e.ts).
 *
 *   const recorder = new Recorder(await connectTestbedAmi());   // every AMI event, with its arrival time
 *   const p2003 = await phone('2003', 'ring');                  // registered sipp UAS: rings, answers or answers 486
 *   const c = await call(recorder, '2005', '2001');              // sipp as 2005 calls 2001 (Asterisk: 127.0.0.1:5070)
 *   await recorder.waitFor(ringing(c, 'PJSIP/2003'), '2003 ringing');
 *   …
 *   await cleanup();   // hangs up the calls, un-registers the phones, kills every sipp started here
 *
 * - A phone is a REGISTER (register.xml, from a free UDP port) then a UAS scenario on that same port; it answers the
 *   unsolicited MWI NOTIFY Asterisk sends a user with a mailbox after a REGISTER, and keeps the INVITEs it received
 *   (`invites()`, sipp's -trace_msg). Either bed: `server` 127.0.0.1:5070 (Asterisk, default) or 127.0.0.1:5060
 *   (Kamailio).
 * - A caller (`dialOut`) is sipp sending one INVITE (digest auth unless `auth: false`, a custom From if asked) and
 *   logging `FINAL <status>` for its final response. `call()` is the same toward Asterisk, plus the caller's channel
 *   and Linkedid from AMI (every channel of one call, Local ones included, carries the caller's Linkedid).
 * - Processes are spawned (never found by name) and killed by their own handle; each sipp also has -timeout 90s.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AmiClient, AmiMessage } from './ami';
import { freeMediaPort, freeUdpPort, udpListening } from './sipp';

export { freeMediaPort, udpListening } from './sipp';

/** The Asterisk bed's SIP/UDP address (Kamailio's is 127.0.0.1:5060). */
export const ASTERISK_SIP = '127.0.0.1:5070';
export const KAMAILIO_SIP = '127.0.0.1:5060';
const REGISTER_XML = path.join(__dirname, 'sipp', 'register.xml');

/** Scenario files, logs and message traces of this process's sipp runs. */
export const work = mkdtempSync(path.join(tmpdir(), 'rc-phones-'));

// ───────────────────────────── sipp scenarios ─────────────────────────────

const sdp = `v=0
      o=rc 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 8
      a=rtpmap:0 PCMU/8000
      a=rtpmap:8 PCMA/8000
`;

/** A 200 OK to the request just received (NOTIFY, BYE, CANCEL). */
const OK = (next = ''): string => `
  <send${next ? ` next="${next}"` : ''}>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>`;

export interface CallerOptions {
  /**
   * Answer the server's digest challenge (Asterisk authenticates its endpoints; default true). `false`: one INVITE,
   * no 401 expected (an outside caller on Kamailio, which lets foreign domains call its users).
   */
  readonly auth?: boolean;
  /** The From header's name-addr (default `"[user]" <sip:[user]@[remote_ip]>`); the tag is added. */
  readonly from?: string;
  /** The To header's URI user instead of [service] (a number dialed that differs from the Request-URI: DNIS). */
  readonly toUser?: string;
  /** Extra INVITE header lines, e.g. `Diversion: <sip:1003@host>;reason=no-answer`. */
  readonly headers?: readonly string[];
}

/**
 * Calls [service] (sipp `-s`); logs `FINAL <status>` for the final response; an answered call is hung up after
 * `holdMs` (or ends on the far end's BYE); re-INVITEs and UPDATEs are answered.
 */
export const CALLER_XML = (holdMs: number, opts: CallerOptions = {}): string => {
  const auth = opts.auth ?? true;
  const from = `${opts.from ?? '"[user]" <sip:[user]@[remote_ip]>'};tag=[pid]SIPpTag00[call_number]`;
  const cseq = auth ? 2 : 1;
  const invite = (n: number, authHeader: string): string => `
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: ${from}
      To: <sip:${opts.toUser ?? '[service]'}@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: ${n} INVITE
      Contact: <sip:[user]@[local_ip]:[local_port]>${authHeader ? `\n      ${authHeader}` : ''}${(opts.headers ?? []).map((h) => `\n      ${h}`).join('')}
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp}
    ]]>
  </send>`;
  const challenge = `${invite(1, '')}
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  ${invite(2, '[authentication]')}`;
  const failure = (code: number): string =>
    `<recv response="${code}" optional="true" next="failed"><action><log message="FINAL ${code}"/></action></recv>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rc-caller">
  ${auth ? challenge : invite(1, '')}
  <label id="progress"/>
  <recv response="100" optional="true" next="progress"/>
  <recv response="180" optional="true" next="progress"/>
  <recv response="181" optional="true" next="progress"/>
  <recv response="182" optional="true" next="progress"/>
  <recv response="183" optional="true" next="progress"/>
  ${[403, 404, 480, 486, 487, 488, 500, 503, 603].map(failure).join('\n  ')}
  <recv response="200" rrs="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="remote_to"/>
      <log message="FINAL 200"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: ${from}
      To:[$remote_to]
      [routes]
      Call-ID: [call_id]
      CSeq: ${cseq} ACK
      Contact: <sip:[user]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <label id="talk"/>
  <recv request="INVITE" optional="true" timeout="${holdMs}" ontimeout="sendbye" next="reinvite"/>
  <recv request="UPDATE" optional="true" next="update"/>
  <recv request="BYE" next="gotbye"/>
  <label id="reinvite"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[user]@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp}
    ]]>
  </send>
  <recv request="ACK" next="talk"/>
  <label id="update"/>${OK('talk')}
  <label id="sendbye"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: ${from}
      To:[$remote_to]
      [routes]
      Call-ID: [call_id]
      CSeq: ${cseq + 1} BYE
      Contact: <sip:[user]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true" next="end"/>
  <label id="gotbye"/>
  <send next="end">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <label id="failed"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: ${cseq} ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <label id="end"/>
  <timewait milliseconds="300"/>
</scenario>
`;
};

export type PhoneBehaviour = 'ring' | 'answer' | 'busy';

/**
 * A phone's side of one call: `ring` (180, never answers, takes the CANCEL), `answer` (180, 200 with SDP, answers
 * re-INVITEs, takes the BYE) or `busy` (486). Every new Call-ID is a new sipp "call": the unsolicited MWI NOTIFY that
 * Asterisk sends 2001 after a REGISTER (it has a mailbox) is one, answered 200 (phones run with -m 20).
 */
export const UAS_XML = (behaviour: PhoneBehaviour): string => {
  const reply = (status: string, sdpBody = false, retrans = false): string => `
  <send${retrans ? ' retrans="500"' : ''}>
    <![CDATA[
      SIP/2.0 ${status}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>${sdpBody ? '\n      Content-Type: application/sdp' : ''}
      Content-Length: ${sdpBody ? '[len]' : '0'}

      ${sdpBody ? sdp : ''}
    ]]>
  </send>`;
  const flows = {
    ring: `${reply('180 Ringing')}
  <recv request="CANCEL" timeout="90000" ontimeout="end"/>${OK()}
  <send>
    <![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq: [$invcseq] INVITE
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK" next="end"/>`,
    answer: `${reply('180 Ringing')}${reply('200 OK', true, true)}
  <recv request="ACK" crlf="true"/>
  <label id="talk"/>
  <recv request="INVITE" optional="true" next="reinvite"/>
  <recv request="UPDATE" optional="true" next="update"/>
  <recv request="BYE" timeout="90000" ontimeout="end"/>${OK('end')}
  <label id="reinvite"/>${reply('200 OK', true)}
  <recv request="ACK" next="talk"/>
  <label id="update"/>${OK('talk')}`,
    busy: `${reply('486 Busy Here')}
  <recv request="ACK" next="end"/>`,
  };
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rc-uas-${behaviour}">
  <recv request="NOTIFY" optional="true" next="notify"/>
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="([0-9]+) INVITE" search_in="hdr" header="CSeq:" check_it="true" assign_to="dummy,invcseq"/>
      <log message="INVITE [$dummy] [$invcseq]"/>
    </action>
  </recv>${flows[behaviour]}
  <label id="notify"/>${OK()}
  <label id="end"/>
  <timewait milliseconds="300"/>
</scenario>
`;
};

/**
 * A colleague's BLF: SUBSCRIBE (Event: dialog) to `target` (default 2001), logs `STATE <state>` of each NOTIFY's
 * dialog-info body (`terminated` = idle, `early` = ringing, `confirmed` = busy); after `quietMs` without a NOTIFY it
 * unsubscribes (Expires: 0 in the dialog, answering a challenge if there is one) and ends. See `blfStates()`.
 */
export const BLF_XML = (quietMs: number, target = '2001'): string => {
  const subscribe = (cseq: number, expires: number, inDialog: boolean, auth: string): string => `
  <send retrans="500">
    <![CDATA[
      SUBSCRIBE ${inDialog ? '[next_url]' : `sip:${target}@[remote_ip]:[remote_port]`} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[user]@[remote_ip]>;tag=[pid]SIPpTag09[call_number]
      To:${inDialog ? '[$sub_to]' : ` <sip:${target}@[remote_ip]>`}
      Call-ID: [call_id]
      CSeq: ${cseq} SUBSCRIBE
      Contact: <sip:[user]@[local_ip]:[local_port]>
      Event: dialog
      Accept: application/dialog-info+xml
      Expires: ${expires}${auth ? `\n      ${auth}` : ''}
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rc-blf">
  ${subscribe(1, 120, false, '')}
  <recv response="401" auth="true"/>
  ${subscribe(2, 120, false, '[authentication]')}
  <recv response="200" rrs="true">
    <action><ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="sub_to"/></action>
  </recv>
  <label id="watch"/>
  <recv request="NOTIFY" timeout="${quietMs}" ontimeout="unsubscribe">
    <action>
      <ereg regexp="state>([A-Za-z]+)" search_in="body" check_it="false" assign_to="all,state"/>
      <log message="STATE [$state] ([$all])"/>
    </action>
  </recv>${OK('watch')}
  <label id="unsubscribe"/>
  ${subscribe(3, 0, true, '')}
  <label id="unsubwait"/>
  <recv response="401" optional="true" auth="true" next="unsubauth"/>
  <recv request="NOTIFY" optional="true" next="unsubnotify"/>
  <recv response="200" next="lastnotify"/>
  <label id="unsubnotify"/>${OK('unsubwait')}
  <label id="unsubauth"/>
  ${subscribe(4, 0, true, '[authentication]')}
  <label id="unsubauthwait"/>
  <recv request="NOTIFY" optional="true" next="unsubauthnotify"/>
  <recv response="200" next="lastnotify"/>
  <label id="unsubauthnotify"/>${OK('unsubauthwait')}
  <label id="lastnotify"/>
  <recv request="NOTIFY" timeout="2000" ontimeout="end"/>${OK()}
  <label id="end"/>
  <timewait milliseconds="300"/>
</scenario>
`;
};

/** Writes a scenario into the work directory and returns its path. */
export function scenarioFile(name: string, xml: string): string {
  const file = path.join(work, `${name}.xml`);
  writeFileSync(file, xml);
  return file;
}

// ───────────────────────────── processes ─────────────────────────────

export interface SippProcess {
  readonly sipPort: number;
  /** Exit code (killed: -1). */
  readonly done: Promise<number>;
  /** What the scenario logged so far (`<log message=…>` lines). */
  log(): string;
  /** The SIP messages sipp received so far, as received (only with `traceMessages`; CR removed). */
  received(): string[];
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** Local SIP port (default: a free one). */
  readonly sipPort?: number;
  /** The request URI's user (sipp `-s`). */
  readonly service?: string;
  /** sipp "calls" to run before exiting (default 1). */
  readonly calls?: number;
  /** Where to send (default the Asterisk bed). */
  readonly server?: string;
  /** Keep every message in a file (`received()`). */
  readonly traceMessages?: boolean;
}

/** Every sipp this module started and has not seen end: pid → kill. */
const processes = new Map<number, () => Promise<void>>();
let seq = 0;

/** Spawns sipp with `file` as `user` (digest password `secret`); resolves once it holds its UDP port. */
export async function spawnSipp(file: string, user: string, opts: SpawnOptions = {}): Promise<SippProcess> {
  const id = `${user}-${++seq}`;
  const logFile = path.join(work, `${id}.log`);
  const messageFile = path.join(work, `${id}.messages.log`);
  const sipPort = opts.sipPort ?? (await freeUdpPort());
  const mediaPort = freeMediaPort();
  const args = [
    opts.server ?? ASTERISK_SIP, '-sf', file, '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort),
    '-m', String(opts.calls ?? 1), '-au', user, '-ap', 'secret', '-key', 'user', user, '-nostdin', '-timeout', '90s',
    '-trace_logs', '-log_file', logFile, '-trace_err', '-error_file', path.join(work, `${id}.err.log`),
    ...(opts.traceMessages ? ['-trace_msg', '-message_file', messageFile] : []),
    ...(opts.service ? ['-s', opts.service] : []),
  ];
  const p = spawn('sipp', args, { cwd: work, stdio: 'ignore' });
  const done = new Promise<number>((resolve) => {
    p.once('exit', (code) => resolve(code ?? -1));
    p.once('error', () => resolve(-1)); // sipp missing: the wait below reports it
  });
  const kill = async (): Promise<void> => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await done;
  };
  const pid = p.pid ?? -++seq;
  processes.set(pid, kill);
  void done.then(() => processes.delete(pid));
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const proc: SippProcess = {
    sipPort,
    done,
    log: () => read(logFile),
    received: () => (opts.traceMessages ? receivedMessages(read(messageFile)) : []),
    kill,
  };
  // A UAS must be listening before anything is sent to it: wait until sipp holds its port.
  await until(async () => (udpListening(sipPort) || p.exitCode !== null || p.pid === undefined ? true : undefined), `sipp ${id} to bind ${sipPort}`, 5000);
  // (A caller may legitimately be done already, e.g. after a quick 486; a failure to start is not.)
  if (p.pid === undefined || (p.exitCode !== null && p.exitCode !== 0)) throw new Error(`sipp ${id} did not start or failed (${p.exitCode}); see ${work}`);
  return proc;
}

/** The messages sipp's -trace_msg logged as received (blocks are separated by dashed lines with a timestamp). */
function receivedMessages(log: string): string[] {
  const out: string[] = [];
  for (const block of log.replace(/\r/g, '').split(/^-{10,}.*$/m)) {
    if (!/message received/.test(block)) continue;
    const at = block.search(/^[A-Z]+ \S+ SIP\/2\.0$|^SIP\/2\.0 /m);
    if (at >= 0) out.push(block.slice(at).trim());
  }
  return out;
}

/** REGISTER (expires > 0) or un-REGISTER (0) `user` at `server` with Contact sip:user@127.0.0.1:port. */
export function register(user: string, port: number, expires: number, server = ASTERISK_SIP): Promise<{ code: number; output: string }> {
  const args = [
    server, '-sf', REGISTER_XML, '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-au', user, '-ap', 'secret',
    '-key', 'user', user, '-key', 'expires', String(expires), '-nostdin', '-timeout', '30s', '-timeout_error',
  ];
  return new Promise((resolve) => {
    execFile('sipp', args, { cwd: work, timeout: 45_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `sipp ${args.join(' ')}\n${stdout}${stderr}` });
    });
  });
}

export interface Phone {
  readonly user: string;
  readonly uas: SippProcess;
  /** The INVITEs this phone received so far, as received (headers and body, LF line ends). */
  invites(): string[];
  /** Ends the UAS and removes the registration (same port, Expires 0). Idempotent. */
  stop(): Promise<void>;
}

const phones = new Set<Phone>();

/**
 * Registers `user` (120 s) at `server` (default the Asterisk bed) and runs a UAS on that port that rings, answers or
 * refuses (486) each call (up to 20, the MWI NOTIFYs included). Never register the console's own extension with it:
 * Asterisk's AORs keep one contact (the newest), so the console would stop receiving calls.
 */
export async function phone(user: string, behaviour: PhoneBehaviour, opts: { server?: string } = {}): Promise<Phone> {
  const server = opts.server ?? ASTERISK_SIP;
  const sipPort = await freeUdpPort();
  const reg = await register(user, sipPort, 120, server);
  if (reg.code !== 0) throw new Error(`REGISTER ${user} failed:\n${reg.output}`);
  const unregister = async (): Promise<void> => {
    await register(user, sipPort, 0, server);
  };
  let uas: SippProcess;
  try {
    uas = await spawnSipp(scenarioFile(`uas-${behaviour}`, UAS_XML(behaviour)), user, { sipPort, calls: 20, server, traceMessages: true });
  } catch (e) {
    await unregister(); // a registered contact with nobody behind it would swallow the next test's calls
    throw e;
  }
  let stopped: Promise<void> | undefined;
  const p: Phone = {
    user,
    uas,
    invites: () => uas.received().filter((m) => m.startsWith('INVITE ')),
    stop: () => {
      stopped ??= (async () => {
        phones.delete(p);
        await uas.kill();
        await unregister();
      })();
      return stopped;
    },
  };
  phones.add(p);
  return p;
}

export interface Caller {
  readonly sipp: SippProcess;
  /** Final responses the caller got (`200`, `486`, …). */
  finals(): string[];
}

/**
 * sipp as `from` calls `to` at `server` (default the Asterisk bed) and hangs up `holdMs` after an answer. No AMI:
 * for Kamailio, or when the call is not expected to reach Asterisk's dialplan. Resolves once sipp runs.
 */
export async function dialOut(from: string, to: string, opts: CallerOptions & { holdMs?: number; server?: string } = {}): Promise<Caller> {
  const holdMs = opts.holdMs ?? 1500;
  const name = `caller-${holdMs}${opts.auth === false ? '-noauth' : ''}${opts.from || opts.toUser || opts.headers ? `-${++seq}` : ''}`;
  const proc = await spawnSipp(scenarioFile(name, CALLER_XML(holdMs, opts)), from, { service: to, ...(opts.server && { server: opts.server }) });
  return { sipp: proc, finals: () => [...proc.log().matchAll(/FINAL (\d{3})/g)].map((m) => m[1] ?? '') };
}

export interface Call extends Caller {
  /** The caller's channel and the Linkedid every channel of this call carries. */
  readonly channel: string;
  readonly linkedid: string;
  /** Hangs up the caller's channel (AMI) and waits for sipp to end. */
  hangup(): Promise<void>;
}

const calls = new Set<Call>();

/** `from` calls `to` on the Asterisk bed; an answered call lasts `holdMs`. Resolves once Asterisk has the caller's channel. */
export async function call(recorder: Recorder, from: string, to: string, holdMs = 1500): Promise<Call> {
  const since = recorder.mark();
  const caller = await dialOut(from, to, { holdMs });
  const ch = await recorder
    .waitFor(
      (e) => e.Event === 'Newchannel' && e.CallerIDNum === from && e.Exten === to && e.Channel?.startsWith(`PJSIP/${from}-`) === true,
      `the channel of ${from} calling ${to}`,
      10_000,
      since,
    )
    .catch(async (e: unknown) => {
      await caller.sipp.kill();
      throw e;
    });
  const c: Call = {
    ...caller,
    channel: ch.Channel ?? '',
    linkedid: ch.Linkedid ?? ch.Uniqueid ?? '',
    hangup: async () => {
      calls.delete(c);
      await recorder.ami.action({ Action: 'Hangup', Channel: c.channel }).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([caller.sipp.done, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      await caller.sipp.kill();
    },
  };
  calls.add(c);
  return c;
}

/**
 * Ends everything this module started: hangs up the calls (AMI), stops and un-registers the phones, kills every
 * sipp still running (BLF watchers, callers). Call it in afterEach; it never throws.
 */
export async function cleanup(): Promise<void> {
  for (const c of [...calls]) await c.hangup().catch(() => undefined);
  for (const p of [...phones]) await p.stop().catch(() => undefined);
  for (const kill of [...processes.values()]) await kill().catch(() => undefined);
}

// ───────────────────────────── AMI events ─────────────────────────────

export interface Seen {
  readonly at: number;
  readonly e: AmiMessage;
}

/** Every AMI event of `ami` with its arrival time; waitFor() looks at past events (from a mark) and future ones. */
export class Recorder {
  readonly all: Seen[] = [];
  readonly #waiters = new Set<(s: Seen) => void>();
  readonly #listener = (e: AmiMessage): void => this.push(e);

  constructor(readonly ami: AmiClient) {
    ami.on('event', this.#listener);
  }

  /** Stops recording (the AMI connection stays open). */
  detach(): void {
    this.ami.off('event', this.#listener);
  }

  push(e: AmiMessage): void {
    const s = { at: Date.now(), e };
    this.all.push(s);
    for (const w of this.#waiters) w(s);
  }

  mark(): number {
    return this.all.length;
  }

  /** Events of one call (every channel of it, Local ones included, carries the caller's Linkedid). */
  of(linkedid: string, since = 0): Seen[] {
    return this.all.slice(since).filter((s) => s.e.Linkedid === linkedid || s.e.DestLinkedid === linkedid);
  }

  waitForSeen(match: (e: AmiMessage) => boolean, what: string, timeoutMs = 15_000, since = 0): Promise<Seen> {
    const past = this.all.slice(since).find((s) => match(s.e));
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(w);
        reject(new Error(`no AMI event for ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const w = (s: Seen): void => {
        if (!match(s.e)) return;
        clearTimeout(timer);
        this.#waiters.delete(w);
        resolve(s);
      };
      this.#waiters.add(w);
    });
  }

  async waitFor(match: (e: AmiMessage) => boolean, what: string, timeoutMs = 15_000, since = 0): Promise<AmiMessage> {
    return (await this.waitForSeen(match, what, timeoutMs, since)).e;
  }
}

const ofCall = (c: Pick<Call, 'linkedid'>, e: AmiMessage): boolean => e.Linkedid === c.linkedid || e.DestLinkedid === c.linkedid;

/** Dial() of this call began toward `device` (e.g. `PJSIP/2003`). */
export const dialTo = (c: Pick<Call, 'linkedid'>, device: string) => (e: AmiMessage): boolean =>
  e.Event === 'DialBegin' && ofCall(c, e) && e.DestChannel?.startsWith(`${device}-`) === true;
/** `device` rings for this call (180). */
export const ringing = (c: Pick<Call, 'linkedid'>, device: string) => (e: AmiMessage): boolean =>
  e.Event === 'DialState' && e.DialStatus === 'RINGING' && ofCall(c, e) && e.DestChannel?.startsWith(`${device}-`) === true;
/** Dial() of this call toward `device` ended (DialStatus ANSWER, BUSY, NOANSWER, CANCEL …). */
export const dialEnd = (c: Pick<Call, 'linkedid'>, device: string) => (e: AmiMessage): boolean =>
  e.Event === 'DialEnd' && ofCall(c, e) && e.DestChannel?.startsWith(`${device}-`) === true;

/** Polls `probe` every 50 ms until it answers something other than undefined. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ───────────────────────────── AstDB and hints ─────────────────────────────

/** An AstDB value, or undefined when the key does not exist. */
export async function dbGet(ami: AmiClient, family: string, key: string): Promise<string | undefined> {
  const r = await ami.list({ Action: 'DBGet', Family: family, Key: key }).catch(() => []);
  return r.find((e) => e.Event === 'DBGetResponse')?.Val;
}

/** The hint state of `exten` in context `internal`: StatusText (`Idle`, `Busy`, `Unavailable`, …) and Status. */
export async function extensionState(ami: AmiClient, exten: string): Promise<{ status: string; text: string }> {
  const r = await ami.action({ Action: 'ExtensionState', Exten: exten, Context: 'internal' });
  return { status: r.Status ?? '', text: r.StatusText ?? '' };
}

/**
 * Every key the call-services provider or the feature codes may write for `ext`, deleted (DBDelTree, as the provider
 * does: a missing key is no error and logs no WARNING), and its DND lamp back to INVALID (off).
 */
export async function wipeCallServices(ami: AmiClient, ext: string): Promise<void> {
  for (const [family, key] of [['DND', ext], ['CF', ext], ['CFB', ext], ['CFU', ext], ['AMPUSER', `${ext}/ringtimer`], ['RC', ext]] as const) {
    await ami.action({ Action: 'DBDelTree', Family: family, Key: key });
  }
  await ami.action({ Action: 'Setvar', Variable: `DEVICE_STATE(Custom:DND${ext})`, Value: 'INVALID' });
}

/** The dialog states a BLF watcher (BLF_XML) logged so far, oldest first. */
export function blfStates(watcher: SippProcess): string[] {
  return [...watcher.log().matchAll(/STATE (\w*)/g)].map((m) => m[1] ?? '');
}
