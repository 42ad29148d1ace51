/**
 * Call-routing services on the real Asterisk 22 bed (issue 12): the Asterisk call-services provider writes AstDB
 * keys over AMI, and the bed's dialplan ([rc-services] in tests/testbed/asterisk/conf/extensions.conf) honours them
 * for the receptionist 2001. Phones are sipp processes (registered, then ringing, answering or busy), the caller is
 * sipp as 2005 (2004 for the priority caller); what Asterisk did comes from AMI events of that call (all channels of
 * one call share the caller's Linkedid, Local channels included). Needs tests/testbed/asterisk/start.sh.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CallServicesProvider, PbxCallServicesState } from '../../pbx/api/call-services';
import { createAsteriskCallServicesProvider } from '../../pbx/asterisk';
import { connectTestbedAmi, type AmiClient, type AmiMessage } from '../testbed/asterisk/ami';
import { startQueueCallers, type QueueCallers } from '../testbed/asterisk/queue-callers';
import { freeUdpPort, sipp } from '../testbed/asterisk/sipp';

jest.setTimeout(120_000);

const RECEPTION = '2001';
const OFF: PbxCallServicesState = { dnd: false, dndAction: 'busy', priorityCallers: [], voicemailDeposit: '*2001' };
const work = mkdtempSync(path.join(tmpdir(), 'rc-call-services-'));

// ---- sipp scenarios (written to a temp dir; the shared ones in tests/testbed/asterisk/sipp are reused where they fit)

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

/** Calls [service]; logs `FINAL <status>`; an answered call is hung up after @HOLD@ ms (or ends on the PBX's BYE). */
const CALLER_XML = (holdMs: number): string => {
  const invite = (cseq: number, auth: string): string => `
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "[user]" <sip:[user]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: ${cseq} INVITE
      Contact: <sip:[user]@[local_ip]:[local_port]>
      ${auth}
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp}
    ]]>
  </send>`;
  const failure = (code: number): string =>
    `<recv response="${code}" optional="true" next="failed"><action><log message="FINAL ${code}"/></action></recv>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rc-caller">
  ${invite(1, '')}
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
  ${invite(2, '[authentication]')}
  <label id="progress"/>
  <recv response="100" optional="true" next="progress"/>
  <recv response="180" optional="true" next="progress"/>
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
      From: "[user]" <sip:[user]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To:[$remote_to]
      Call-ID: [call_id]
      CSeq: 2 ACK
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
      From: "[user]" <sip:[user]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To:[$remote_to]
      Call-ID: [call_id]
      CSeq: 3 BYE
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
      CSeq: 2 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <label id="end"/>
  <timewait milliseconds="300"/>
</scenario>
`;
};

/**
 * A phone's side of one call: `ring` (180, never answers, takes the CANCEL), `answer` (180, 200 with SDP, answers
 * re-INVITEs, takes the BYE) or `busy` (486). Every new Call-ID is a new sipp "call": the unsolicited MWI NOTIFY that
 * Asterisk sends 2001 after a REGISTER (it has a mailbox) is one, answered 200 (sipp runs these with -m 20).
 */
const UAS_XML = (behaviour: 'ring' | 'answer' | 'busy'): string => {
  const reply = (status: string, sdpBody = false, retrans = false): string => `
  <send${retrans ? ' retrans="500"' : ''}>
    <![CDATA[
      SIP/2.0 ${status}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      ${sdpBody ? 'Content-Type: application/sdp' : ''}
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
 * A colleague's BLF: SUBSCRIBE (Event: dialog) to 2001, logs `STATE <state>` of each NOTIFY's dialog-info body; after
 * `quietMs` without a NOTIFY it unsubscribes (Expires: 0 in the dialog, answering a challenge if there is one) and ends.
 */
const BLF_XML = (quietMs: number): string => {
  const subscribe = (cseq: number, expires: number, inDialog: boolean, auth: string): string => `
  <send retrans="500">
    <![CDATA[
      SUBSCRIBE ${inDialog ? '[next_url]' : 'sip:2001@[remote_ip]:[remote_port]'} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[user]@[remote_ip]>;tag=[pid]SIPpTag09[call_number]
      To:${inDialog ? '[$sub_to]' : ' <sip:2001@[remote_ip]>'}
      Call-ID: [call_id]
      CSeq: ${cseq} SUBSCRIBE
      Contact: <sip:[user]@[local_ip]:[local_port]>
      Event: dialog
      Accept: application/dialog-info+xml
      Expires: ${expires}
      ${auth}
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

function scenarioFile(name: string, xml: string): string {
  const file = path.join(work, `${name}.xml`);
  writeFileSync(file, xml);
  return file;
}

// ---- processes

interface SippProcess {
  readonly sipPort: number;
  /** Exit code (killed: -1). */
  readonly done: Promise<number>;
  /** What the scenario logged so far (`<log message=…>` lines). */
  log(): string;
  kill(): Promise<void>;
}

let seq = 0;

/** Spawns sipp with `file` as `user`; we keep the ChildProcess so we can end it (by its pid) in cleanup. */
async function spawnSipp(file: string, user: string, opts: { sipPort?: number; service?: string; calls?: number } = {}): Promise<SippProcess> {
  const id = `${user}-${++seq}`;
  const logFile = path.join(work, `${id}.log`);
  const sipPort = opts.sipPort ?? (await freeUdpPort());
  const mediaPort = await freeUdpPort();
  const args = [
    '127.0.0.1:5070', '-sf', file, '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort),
    '-m', String(opts.calls ?? 1), '-au', user, '-ap', 'secret', '-key', 'user', user, '-nostdin', '-timeout', '90s',
    '-trace_logs', '-log_file', logFile, '-trace_err', '-error_file', path.join(work, `${id}.err.log`),
    ...(opts.service ? ['-s', opts.service] : []),
  ];
  const p = spawn('sipp', args, { cwd: work, stdio: 'ignore' });
  const done = new Promise<number>((resolve) => {
    p.once('exit', (code) => resolve(code ?? -1));
    p.once('error', () => resolve(-1)); // sipp missing: the wait below reports it
  });
  processes.add(p.pid ?? 0);
  void done.then(() => processes.delete(p.pid ?? 0));
  const proc: SippProcess = {
    sipPort,
    done,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    kill: async () => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await done;
    },
  };
  // A UAS must be listening before Asterisk sends it anything: wait until sipp holds its port.
  await until(async () => (udpListening(sipPort) || p.exitCode !== null || p.pid === undefined ? true : undefined), `sipp ${id} to bind ${sipPort}`, 5000);
  // (A caller may legitimately be done already, e.g. after a quick 486; a failure to start is not.)
  if (p.pid === undefined || (p.exitCode !== null && p.exitCode !== 0)) throw new Error(`sipp ${id} did not start or failed (${p.exitCode}); see ${work}`);
  return proc;
}

/**
 * Whether something listens on UDP 127.0.0.1:`port`, from /proc/net/udp (Linux). Probing by binding the port
 * ourselves would race sipp's own bind and make it exit with "address in use".
 */
function udpListening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex) === true);
}

const processes = new Set<number>();
const phones: Phone[] = [];

interface Phone {
  readonly user: string;
  readonly uas: SippProcess;
  /** Ends the UAS and removes the registration (same port, Expires 0). */
  stop(): Promise<void>;
}

/** Registers `user` (sipp, 120 s) and runs a UAS on that port that rings, answers or refuses (486) one call. */
async function phone(user: string, behaviour: 'ring' | 'answer' | 'busy'): Promise<Phone> {
  const reg = await sipp('register.xml', user, { extra: ['-key', 'expires', '120'] });
  if (reg.code !== 0) throw new Error(`REGISTER ${user} failed:\n${reg.output}`);
  const unregister = () => sipp('register.xml', user, { extra: ['-key', 'expires', '0'], sipPort: reg.sipPort });
  let uas: SippProcess;
  try {
    uas = await spawnSipp(scenarioFile(`uas-${behaviour}`, UAS_XML(behaviour)), user, { sipPort: reg.sipPort, calls: 20 });
  } catch (e) {
    await unregister(); // a registered contact with nobody behind it would swallow the next test's calls
    throw e;
  }
  let stopped = false;
  const p: Phone = {
    user,
    uas,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await uas.kill();
      await unregister();
    },
  };
  phones.push(p);
  return p;
}

interface Call {
  /** The caller's channel and the Linkedid every channel of this call carries. */
  readonly channel: string;
  readonly linkedid: string;
  readonly sipp: SippProcess;
  /** Final responses the caller got (`200`, `486`, …). */
  finals(): string[];
  /** Hangs up the caller's channel (AMI) and waits for sipp to end. */
  hangup(): Promise<void>;
}

const calls: Call[] = [];

/** `from` calls `to`; an answered call lasts `holdMs`. Resolves once Asterisk has the caller's channel. */
async function call(from: string, to: string, holdMs = 1500): Promise<Call> {
  const since = recorder.mark();
  const proc = await spawnSipp(scenarioFile(`caller-${holdMs}`, CALLER_XML(holdMs)), from, { service: to });
  const ch = await recorder.waitFor(
    (e) => e.Event === 'Newchannel' && e.CallerIDNum === from && e.Exten === to && e.Channel?.startsWith(`PJSIP/${from}-`) === true,
    `the channel of ${from} calling ${to}`,
    10_000,
    since,
  );
  const c: Call = {
    channel: ch.Channel ?? '',
    linkedid: ch.Linkedid ?? ch.Uniqueid ?? '',
    sipp: proc,
    finals: () => [...proc.log().matchAll(/FINAL (\d{3})/g)].map((m) => m[1] ?? ''),
    hangup: async () => {
      await ami.action({ Action: 'Hangup', Channel: c.channel });
      await Promise.race([proc.done, new Promise((r) => setTimeout(r, 5000))]);
      await proc.kill();
    },
  };
  calls.push(c);
  return c;
}

// ---- AMI events

interface Seen {
  readonly at: number;
  readonly e: AmiMessage;
}

/** Every AMI event with its arrival time; waitFor() looks at past events (from a mark) and future ones. */
class Recorder {
  readonly all: Seen[] = [];
  readonly #waiters = new Set<(s: Seen) => void>();

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

const dialTo = (c: Call, device: string) => (e: AmiMessage): boolean =>
  e.Event === 'DialBegin' && (e.Linkedid === c.linkedid || e.DestLinkedid === c.linkedid) && e.DestChannel?.startsWith(`${device}-`) === true;
const ringing = (c: Call, device: string) => (e: AmiMessage): boolean =>
  e.Event === 'DialState' && e.DialStatus === 'RINGING' && (e.Linkedid === c.linkedid || e.DestLinkedid === c.linkedid) &&
  e.DestChannel?.startsWith(`${device}-`) === true;
const dialEnd = (c: Call, device: string) => (e: AmiMessage): boolean =>
  e.Event === 'DialEnd' && (e.Linkedid === c.linkedid || e.DestLinkedid === c.linkedid) && e.DestChannel?.startsWith(`${device}-`) === true;

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function dbGet(family: string, key: string): Promise<string | undefined> {
  const r = await ami.list({ Action: 'DBGet', Family: family, Key: key }).catch(() => []);
  return r.find((e) => e.Event === 'DBGetResponse')?.Val;
}

const extensionState = async (exten: string): Promise<string> =>
  (await ami.action({ Action: 'ExtensionState', Exten: exten, Context: 'internal' })).StatusText ?? '';

/** Every key the provider or the feature codes may write for `ext`, deleted (missing keys answer Error: ignored). */
async function wipe(ext: string): Promise<void> {
  for (const [family, key] of [['DND', ext], ['CF', ext], ['CFB', ext], ['CFU', ext], ['AMPUSER', `${ext}/ringtimer`]]) {
    await ami.action({ Action: 'DBDel', Family: family as string, Key: key as string });
  }
  await ami.action({ Action: 'DBDelTree', Family: 'RC', Key: ext });
  await ami.action({ Action: 'Setvar', Variable: `DEVICE_STATE(Custom:DND${ext})`, Value: 'INVALID' });
}

/** The control every test ends with: services off, a call from 2005 rings 2001 again. */
async function expectNormalRinging(): Promise<void> {
  await provider.apply(RECEPTION, OFF);
  const reception = await phone(RECEPTION, 'ring');
  const c = await call('2005', RECEPTION);
  await recorder.waitFor(ringing(c, 'PJSIP/2001'), '2001 ringing again');
  expect(recorder.of(c.linkedid).some((s) => s.e.Event === 'DialBegin' && !s.e.DestChannel?.startsWith('PJSIP/2001-') && !s.e.DestChannel?.startsWith('PJSIP/2011-'))).toBe(false);
  await c.hangup();
  await reception.stop();
}

let ami: AmiClient;
let provider: CallServicesProvider;
const recorder = new Recorder();

beforeAll(async () => {
  ami = await connectTestbedAmi();
  ami.on('event', (e: AmiMessage) => recorder.push(e));
  for (const ext of [RECEPTION, '2004']) await wipe(ext);
  provider = createAsteriskCallServicesProvider({
    ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' },
    context: 'internal',
    timing: { backoffInitialMs: 500, backoffMaxMs: 2000 },
  });
  await provider.start();
});

afterEach(async () => {
  for (const c of calls.splice(0)) {
    await ami.action({ Action: 'Hangup', Channel: c.channel }).catch(() => undefined);
    await c.sipp.kill();
  }
  for (const p of phones.splice(0)) await p.stop();
  for (const ext of [RECEPTION, '2004']) await wipe(ext);
});

afterAll(async () => {
  await provider?.stop();
  for (const pid of processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await ami?.close();
});

describe('call-routing services on Asterisk (provider + the bed dialplan)', () => {
  it('forward always: a call to 2001 rings 2003 instead, and 2001 is not rung', async () => {
    await provider.apply(RECEPTION, { ...OFF, forwardAlways: '2003' });
    expect(await dbGet('CF', RECEPTION)).toBe('2003');
    await phone('2003', 'answer');
    const c = await call('2005', RECEPTION);
    await recorder.waitFor(dialTo(c, 'PJSIP/2003'), 'the forward to 2003');
    expect(await c.sipp.done).toBe(0);
    expect(c.finals()).toEqual(['200']);
    expect(recorder.of(c.linkedid).filter((s) => dialTo(c, 'PJSIP/2001')(s.e))).toEqual([]);
    await expectNormalRinging();
  });

  it('forward when busy: 2001 answers 486, the call goes on to 2003', async () => {
    await provider.apply(RECEPTION, { ...OFF, forwardBusy: '2003' });
    await phone(RECEPTION, 'busy');
    await phone('2003', 'answer');
    const c = await call('2005', RECEPTION);
    const busy = await recorder.waitFor(dialEnd(c, 'PJSIP/2001'), '2001 refusing');
    expect(busy.DialStatus).toBe('BUSY');
    await recorder.waitFor(dialTo(c, 'PJSIP/2003'), 'the busy forward to 2003');
    expect(await c.sipp.done).toBe(0);
    expect(c.finals()).toEqual(['200']);
    await expectNormalRinging();
  });

  it('forward on no answer after 5 s: 2001 rings 5 s unanswered, then 2003 rings', async () => {
    await provider.apply(RECEPTION, { ...OFF, forwardNoAnswer: { target: '2003', seconds: 5 } });
    expect(await dbGet('AMPUSER', `${RECEPTION}/ringtimer`)).toBe('5');
    await phone(RECEPTION, 'ring');
    await phone('2003', 'answer');
    const c = await call('2005', RECEPTION);
    const first = await recorder.waitForSeen(dialTo(c, 'PJSIP/2001'), '2001 rung');
    const end = await recorder.waitFor(dialEnd(c, 'PJSIP/2001'), '2001 given up', 15_000);
    expect(end.DialStatus).toBe('NOANSWER');
    const forward = await recorder.waitForSeen(dialTo(c, 'PJSIP/2003'), 'the no-answer forward to 2003');
    const waited = (forward.at - first.at) / 1000;
    expect(waited).toBeGreaterThanOrEqual(4.5);
    expect(waited).toBeLessThan(8);
    expect(await c.sipp.done).toBe(0);
    expect(c.finals()).toEqual(['200']);
    // Off again: the ring time goes back to what it was (none here: the dialplan's 20 s).
    await provider.apply(RECEPTION, OFF);
    expect(await dbGet('AMPUSER', `${RECEPTION}/ringtimer`)).toBeUndefined();
    await expectNormalRinging();
  });

  it('follow-me after 3 s: 2003 rings too while 2001 keeps ringing; 2003 answers, 2001 is cancelled', async () => {
    await provider.apply(RECEPTION, { ...OFF, followMe: { number: '2003', seconds: 3 } });
    await phone(RECEPTION, 'ring');
    await phone('2003', 'answer');
    const c = await call('2005', RECEPTION);
    const first = await recorder.waitForSeen(ringing(c, 'PJSIP/2001'), '2001 ringing');
    const second = await recorder.waitForSeen(dialTo(c, 'PJSIP/2003'), 'the follow-me leg to 2003');
    const waited = (second.at - first.at) / 1000;
    expect(waited).toBeGreaterThanOrEqual(2.5);
    expect(waited).toBeLessThan(6);
    // 2001 was still ringing when 2003 was dialled; the answer on 2003 cancelled it.
    const end = await recorder.waitForSeen(dialEnd(c, 'PJSIP/2001'), '2001 cancelled');
    expect(end.at).toBeGreaterThanOrEqual(second.at);
    expect(end.e.DialStatus).toBe('CANCEL');
    expect(await c.sipp.done).toBe(0);
    expect(c.finals()).toEqual(['200']);
    await expectNormalRinging();
  });

  it("DND everywhere: callers get 486, 2001's hint and a colleague's BLF show busy, a priority caller still rings", async () => {
    const reception = await phone(RECEPTION, 'ring');
    await until(async () => ((await extensionState(RECEPTION)) === 'Idle' ? true : undefined), '2001 idle');
    // A colleague (2004) watches 2001's BLF (dialog-info) until 4 s after the last NOTIFY.
    const blf = await spawnSipp(scenarioFile('blf', BLF_XML(4000)), '2004');
    const states = (): string[] => [...blf.log().matchAll(/STATE (\w*)/g)].map((m) => m[1] ?? '');
    await until(async () => (states().length > 0 ? true : undefined), 'the first NOTIFY');
    expect(states()).toEqual(['terminated']); // idle

    await provider.apply(RECEPTION, { ...OFF, dnd: true, priorityCallers: ['2004'] });
    expect(await dbGet('DND', RECEPTION)).toBe('YES');
    expect(await extensionState(RECEPTION)).toBe('Busy');
    await until(async () => (states().includes('confirmed') ? true : undefined), 'a NOTIFY saying busy (confirmed)');

    const refused = await call('2005', RECEPTION);
    expect(await refused.sipp.done).toBe(0);
    expect(refused.finals()).toEqual(['486']);
    expect(recorder.of(refused.linkedid).filter((s) => s.e.Event === 'DialBegin')).toEqual([]);

    const priority = await call('2004', RECEPTION);
    await recorder.waitFor(ringing(priority, 'PJSIP/2001'), 'the priority caller ringing 2001');
    await priority.hangup();
    await reception.stop();

    // Off: the BLF leaves busy, and an unregistered 2001 is unavailable again (not idle).
    await provider.apply(RECEPTION, OFF);
    await until(async () => ((await extensionState(RECEPTION)) === 'Unavailable' ? true : undefined), '2001 unavailable');
    await until(async () => (states().at(-1) === 'terminated' ? true : undefined), 'a NOTIFY saying not busy');
    expect(await blf.done).toBe(0); // unsubscribed cleanly
    await expectNormalRinging();
  });

  it('DND with the voicemail action: the caller reaches VoiceMail for 2001 through the deposit number', async () => {
    await provider.apply(RECEPTION, { ...OFF, dnd: true, dndAction: 'voicemail', voicemailDeposit: '*2001' });
    const since = recorder.mark();
    const c = await call('2005', RECEPTION, 10_000);
    const vm = await recorder.waitFor(
      (e) => e.Event === 'Newexten' && e.Application === 'VoiceMail' && e.Linkedid === c.linkedid,
      'VoiceMail() for this call',
      15_000,
      since,
    );
    expect(vm.AppData).toMatch(/^2001@default/);
    // Gone before the beep: no message is left in the mailbox.
    await c.hangup();
    expect(recorder.of(c.linkedid).some((s) => dialTo(c, 'PJSIP/2001')(s.e))).toBe(false);
    await expectNormalRinging();
  });

  it('feature codes *78/*79, *72/*73, *90/*91, *52/*53 set and clear the keys of the caller', async () => {
    const dial = async (code: string): Promise<void> => {
      const c = await call('2004', code, 5000);
      // The PBX answers, beeps and hangs up (BYE) by itself.
      expect(await c.sipp.done).toBe(0);
      expect(c.finals()).toEqual(['200']);
    };
    await dial('*78');
    expect(await dbGet('DND', '2004')).toBe('YES');
    expect(await extensionState('2004')).toBe('Busy');
    await dial('*79');
    expect(await dbGet('DND', '2004')).toBeUndefined();
    expect(await extensionState('2004')).not.toBe('Busy');
    for (const [on, off, family] of [['*72', '*73', 'CF'], ['*90', '*91', 'CFB'], ['*52', '*53', 'CFU']] as const) {
      await dial(`${on}2003`);
      expect([family, await dbGet(family, '2004')]).toEqual([family, '2003']);
      await dial(off);
      expect([family, await dbGet(family, '2004')]).toEqual([family, undefined]);
    }
  });

  it('a queue caller the console takes (Redirect or QueueWithdrawCaller) still rings 2001 with DND on', async () => {
    const paused = new Map<string, boolean>();
    let callers: QueueCallers | undefined;
    try {
      for (const iface of ['PJSIP/2002', 'PJSIP/2003']) {
        const member = (await ami.list({ Action: 'QueueStatus', Queue: 'support' })).find((e) => e.Event === 'QueueMember' && e.Location === iface);
        paused.set(iface, member?.Paused === '1');
        await ami.action({ Action: 'QueuePause', Interface: iface, Queue: 'support', Paused: 'true', Reason: 'call-services test' });
      }
      await provider.apply(RECEPTION, { ...OFF, dnd: true });
      callers = await startQueueCallers([{ number: '0611000091' }, { number: '0611000092' }], { ami });
      const [first, second] = callers.callers;
      if (!first || !second) throw new Error('queue callers did not start');

      let reception = await phone(RECEPTION, 'ring');
      await ami.action({ Action: 'Redirect', Channel: first.channel, Context: 'internal', Exten: RECEPTION, Priority: '1' });
      await recorder.waitFor(
        (e) => e.Event === 'DialState' && e.DialStatus === 'RINGING' && e.Channel === first.channel && e.DestChannel?.startsWith('PJSIP/2001-') === true,
        'the taken caller ringing 2001',
      );
      await ami.action({ Action: 'Hangup', Channel: first.channel });
      await reception.stop();

      reception = await phone(RECEPTION, 'ring');
      await ami.action({ Action: 'QueueWithdrawCaller', Queue: 'support', Caller: second.channel, WithdrawInfo: RECEPTION });
      await recorder.waitFor(
        (e) => e.Event === 'DialState' && e.DialStatus === 'RINGING' && e.Channel === second.channel && e.DestChannel?.startsWith('PJSIP/2001-') === true,
        'the withdrawn caller ringing 2001',
        30_000, // leaves between two ring attempts of the members
      );
      await ami.action({ Action: 'Hangup', Channel: second.channel });
      await reception.stop();
    } finally {
      await callers?.stop();
      for (const [iface, was] of paused) await ami.action({ Action: 'QueuePause', Interface: iface, Queue: 'support', Paused: was ? 'true' : 'false' });
    }
  });
});
