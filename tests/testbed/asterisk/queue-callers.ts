/**
 * Callers waiting in the Asterisk bed's queue `support` (extension 600), for integration tests, the E2E and
 * `npm run demo`. Each caller is one sipp process (as endpoint 2004 by default) whose INVITE carries X-RC-Caller-Num /
 * X-RC-Caller-Name / X-RC-Queue-Prio headers; the 600 dialplan turns them into the channel's caller ID and QUEUE_PRIO
 * (the endpoint's own callerid would win over the From header). Callers join one after the other (each start waits
 * for its QueueCallerJoin), so join order is the order given. They stay until `stop()` or `holdMs`.
 *
 *   const q = await startQueueCallers([{ number: '0611223344', name: 'Alice Martin' }, { number: '0655667788' }]);
 *   …
 *   await q.stop();   // AMI Hangup of each channel: Asterisk sends BYE, sipp answers and exits
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectTestbedAmi, type AmiClient } from './ami';
import { freeMediaPort, freeUdpPort } from './sipp';

export interface QueueCallerSpec {
  /** Caller number shown in the queue (digits, +, *, #). */
  readonly number: string;
  /** Caller name (no commas, quotes or line breaks: it travels in a SIP header and a dialplan ExecIf). */
  readonly name?: string;
  /** QUEUE_PRIO at join (default 0). */
  readonly priority?: number;
}

export interface WaitingCaller extends QueueCallerSpec {
  /** Asterisk channel (e.g. `PJSIP/2004-0000001a`) and Uniqueid of the waiting call. */
  readonly channel: string;
  readonly uniqueid: string;
}

export interface QueueCallers {
  readonly callers: readonly WaitingCaller[];
  /** Hangs up every caller still up and waits for the sipp processes to end. Idempotent. */
  stop(): Promise<void>;
}

export interface QueueCallersOptions {
  /** Extension dialled (default 600 = queue `support`). */
  readonly extension?: string;
  /** Queue name the extension leads to (default `support`). */
  readonly queue?: string;
  /** Endpoint the callers authenticate as (default 2004, password `secret`). */
  readonly endpoint?: string;
  /** Hang up by themselves after this long (default 10 min). */
  readonly holdMs?: number;
  /** Reuse an AMI connection (otherwise one is opened and closed by stop()). */
  readonly ami?: AmiClient;
}

const SAFE_NAME = /^[^,"\r\n\\<>;]{0,60}$/;
const SAFE_NUMBER = /^[0-9+*#]{1,32}$/;

/** What every caller says once connected: a steady tone the console can recognise (not its own 440 Hz). */
export const QUEUE_CALLER_TONE_HZ = 1500;

function scenario(spec: QueueCallerSpec, holdMs: number, toneFile: string): string {
  const headers = [
    `X-RC-Caller-Num: ${spec.number}`,
    ...(spec.name ? [`X-RC-Caller-Name: ${spec.name}`] : []),
    ...(spec.priority !== undefined ? [`X-RC-Queue-Prio: ${spec.priority}`] : []),
  ].join('\n      ');
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
      ${headers}
      Max-Forwards: 70
      User-Agent: sipp-queue-caller
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=uac 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 8
      a=rtpmap:0 PCMU/8000
      a=rtpmap:8 PCMA/8000

    ]]>
  </send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="queue-caller">
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
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true">
    <action><ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="remote_to"/></action>
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
  <nop>
    <action>
      <exec rtp_stream="${toneFile},-1,0"/>
    </action>
  </nop>
  <label id="wait"/>
  <recv request="INVITE" optional="true" timeout="${holdMs}" ontimeout="sendbye" next="reinv"/>
  <recv request="BYE" next="gotbye"/>
  <label id="reinv"/>
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

      v=0
      o=uac 53655765 2353687638 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 0
      a=rtpmap:8 PCMA/8000

    ]]>
  </send>
  <recv request="ACK" next="wait"/>
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
  <send>
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
  <label id="end"/>
  <timewait milliseconds="500"/>
</scenario>
`;
}

/** Starts the callers one by one (each waits for its QueueCallerJoin, 15 s max). */
export async function startQueueCallers(specs: readonly QueueCallerSpec[], options: QueueCallersOptions = {}): Promise<QueueCallers> {
  for (const s of specs) {
    if (!SAFE_NUMBER.test(s.number)) throw new Error(`queue caller number ${JSON.stringify(s.number)}: digits, + * # only`);
    if (s.name !== undefined && !SAFE_NAME.test(s.name)) throw new Error(`queue caller name ${JSON.stringify(s.name)} is not safe`);
  }
  const extension = options.extension ?? '600';
  const queue = options.queue ?? 'support';
  const endpoint = options.endpoint ?? '2004';
  const holdMs = options.holdMs ?? 600_000;
  const ami = options.ami ?? (await connectTestbedAmi());
  const work = mkdtempSync(path.join(tmpdir(), 'queue-callers-'));
  // The callers speak (a PCMU tone, looped) so a taken call's audio can be checked at the console.
  const toneFile = path.join(work, 'caller-tone.ulaw');
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-t', 'ul', toneFile, 'synth', '10', 'sine', String(QUEUE_CALLER_TONE_HZ), 'gain', '-6']);
  const procs: ChildProcess[] = [];
  const callers: WaitingCaller[] = [];
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const c of callers) {
      await ami.action({ Action: 'Hangup', Channel: c.channel }).catch(() => undefined);
    }
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            // A BYE lets sipp end on its own; a sipp that never joined (or hung) is killed by its pid.
            const t = setTimeout(() => {
              p.kill('SIGKILL');
              resolve();
            }, 5000);
            p.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    if (!options.ami) await ami.close();
  };

  try {
    for (const [i, spec] of specs.entries()) {
      const file = path.join(work, `caller-${i}.xml`);
      writeFileSync(file, scenario(spec, holdMs, toneFile));
      const [sipPort, mediaPort] = [await freeUdpPort(), freeMediaPort()];
      const joined = ami.waitForEvent((e) => e.Event === 'QueueCallerJoin' && e.Queue === queue && e.CallerIDNum === spec.number, 15_000);
      const p = spawn(
        'sipp',
        ['127.0.0.1:5070', '-sf', file, '-s', extension, '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort),
          '-m', '1', '-au', endpoint, '-ap', 'secret', '-key', 'user', endpoint, '-nostdin', '-timeout', `${Math.ceil(holdMs / 1000) + 30}s`,
          '-trace_err', '-error_file', path.join(work, `caller-${i}.err.log`)],
        { cwd: work, stdio: 'ignore' },
      );
      procs.push(p);
      const exited = new Promise<never>((_, reject) => p.once('exit', (code) => reject(new Error(`sipp queue caller ${spec.number} exited (${code}) before joining; see ${work}`))));
      exited.catch(() => undefined);
      const e = await Promise.race([joined, exited]);
      callers.push({ ...spec, channel: e.Channel ?? '', uniqueid: e.Uniqueid ?? '' });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { callers, stop };
}
