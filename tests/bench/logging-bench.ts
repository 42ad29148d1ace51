/**
 * SIP trace logging cost on the main loop (issue 14, "Logging"): the old synchronous logger (statSync + appendFileSync
 * per line, kept here as the reference) against the asynchronous sink (electron/services/logger.ts + log-sink.ts).
 * Needs no test bed. Same messages, same redaction, same file system (the OS temp dir, or the first argument).
 *
 * "Main-loop cost per message" = event-loop active time (performance.eventLoopUtilization) from the first message
 * until everything is in the file, divided by the number of messages: what the loop that carries SIP and the RTP
 * bridge pays, including the write completions; the writes themselves run on libuv's thread pool. Two shapes:
 *  - single: 10,000 messages, one per loop turn (SIP arriving as datagrams) — the headline `bench log.sip_message`;
 *  - paced: 10,000 messages, 10 per loop turn;
 *  - burst: 10,000 messages in one turn (the bounded buffer: with the default 8 MiB bound nothing is dropped here).
 * Each variant runs 5 times, alternating; the median is printed. Prints numbers only, asserts nothing.
 */
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger, redactSecrets } from '../../electron/services/logger';
import { redactSipMessage } from '../../sip-core/adapters/sipjs/redact';

const N = 10_000;
const RUNS = 5;
const base = mkdtempSync(join(process.argv[2] ?? tmpdir(), 'rc-logbench-'));

interface TraceLogger {
  sipTrace(dir: 'in' | 'out', text: string): void;
  flush(): Promise<void>;
}

/** The logger as it was before issue 14 (electron/services/logger.ts at d30bb8a), file part only. */
function legacySyncLogger(file: string, maxBytes = 5 * 1024 * 1024): TraceLogger {
  mkdirSync(dirname(file), { recursive: true });
  const write = (message: string) => {
    const line = `${new Date().toISOString()} DEBUG ${redactSecrets(message, [])}\n`;
    try {
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) renameSync(file, `${file}.1`);
      appendFileSync(file, line);
    } catch {
      /* logging must never break a call */
    }
  };
  return { sipTrace: (dir, text) => write(`SIP ${dir}\n${text}`), flush: () => Promise.resolve() };
}

function asyncLogger(file: string): TraceLogger & { close(): Promise<void>; readonly dropped: number } {
  const l = createLogger({ file, level: 'info', sipTrace: true, flushOnExit: false });
  return { sipTrace: l.sipTrace!, flush: l.flush, close: l.close, get dropped() { return l.dropped; } };
}

/** Realistic traffic, already redacted as sip-core hands it over: INVITE with SDP, 100/180/200, ACK, REGISTER. */
function messages(): string[] {
  const sdp = [
    'v=0', 'o=- 1700000000 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    'm=audio 40002 RTP/SAVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4', 'a=sendrecv', '',
  ].join('\r\n');
  const common = (method: string, n: number) =>
    [
      `Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK${n}abcdef;rport`,
      'Max-Forwards: 70',
      `From: "Reception" <sip:1001@127.0.0.1>;tag=${n}xyz`,
      `To: <sip:1003@127.0.0.1>`,
      `Call-ID: ${n}f0e1d2c3b4a5@127.0.0.1`,
      `CSeq: ${n} ${method}`,
      'Contact: <sip:rc1@127.0.0.1:40000;transport=udp>',
      'User-Agent: Receptionist Console 0.1.0',
    ].join('\r\n');
  const out: string[] = [];
  for (let n = 0; out.length < N; n++) {
    out.push(redactSipMessage(`INVITE sip:1003@127.0.0.1 SIP/2.0\r\n${common('INVITE', n)}\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`));
    out.push(`SIP/2.0 100 Trying\r\n${common('INVITE', n)}\r\nContent-Length: 0\r\n\r\n`);
    out.push(`SIP/2.0 180 Ringing\r\n${common('INVITE', n)}\r\nContent-Length: 0\r\n\r\n`);
    out.push(redactSipMessage(`SIP/2.0 200 OK\r\n${common('INVITE', n)}\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`));
    out.push(`ACK sip:1003@127.0.0.1 SIP/2.0\r\n${common('ACK', n)}\r\nContent-Length: 0\r\n\r\n`);
    out.push(
      redactSipMessage(
        `REGISTER sip:127.0.0.1 SIP/2.0\r\n${common('REGISTER', n)}\r\nAuthorization: Digest username="1001", realm="127.0.0.1", nonce="abc${n}", uri="sip:127.0.0.1", response="0123456789abcdef"\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n`,
      ),
    );
  }
  return out.slice(0, N);
}

const turn = () => new Promise<void>((r) => setImmediate(r));

interface Result {
  mainUsPerMsg: number;
  callerUsPerMsg: number;
  /** Slowest single call (a blocked write shows here). */
  callerMaxUs: number;
  callerP99Us: number;
  wallMs: number;
  dropped: number;
}

async function run(make: (file: string) => TraceLogger & { close?(): Promise<void>; readonly dropped?: number }, msgs: string[], perTurn: number, tag: string): Promise<Result> {
  const dir = mkdtempSync(join(base, `${tag}-`));
  const log = make(join(dir, 'console.log'));
  await turn();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let caller = 0;
  const calls: number[] = [];
  for (let i = 0; i < msgs.length; i += perTurn) {
    const s = performance.now();
    for (let j = i; j < Math.min(i + perTurn, msgs.length); j++) {
      const c = performance.now();
      log.sipTrace(j % 2 ? 'in' : 'out', msgs[j]!);
      calls.push(performance.now() - c);
    }
    caller += performance.now() - s;
    if (perTurn < msgs.length) await turn();
  }
  calls.sort((a, b) => a - b);
  await log.flush();
  await turn();
  const elu = performance.eventLoopUtilization(elu0);
  const wallMs = performance.now() - t0;
  const dropped = log.dropped ?? 0;
  await log.close?.();
  rmSync(dir, { recursive: true, force: true });
  // ELU `active` also counts the loop's own turns between batches; the caller time is the floor of the cost.
  return {
    mainUsPerMsg: (elu.active * 1000) / msgs.length,
    callerUsPerMsg: (caller * 1000) / msgs.length,
    callerMaxUs: calls[calls.length - 1]! * 1000,
    callerP99Us: calls[Math.floor(calls.length * 0.99)]! * 1000,
    wallMs,
    dropped,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const msgs = messages();
  const avgBytes = Math.round(msgs.reduce((a, m) => a + m.length, 0) / msgs.length);
  console.log(`${N} SIP messages, ${avgBytes} bytes on average, file in ${base}`);
  const shapes = [
    { key: 'single', perTurn: 1 },
    { key: 'paced', perTurn: 10 },
    { key: 'burst', perTurn: N },
  ];
  const variants = [
    { key: 'none', make: (): TraceLogger => ({ sipTrace: () => undefined, flush: () => Promise.resolve() }) },
    { key: 'sync', make: legacySyncLogger },
    { key: 'async', make: asyncLogger },
  ];
  const table: Record<string, Record<string, Result>> = {};
  for (const shape of shapes) {
    const all: Record<string, Result[]> = { none: [], sync: [], async: [] };
    for (let r = 0; r < RUNS; r++) for (const v of variants) all[v.key]!.push(await run(v.make, msgs, shape.perTurn, `${shape.key}-${v.key}`));
    table[shape.key] = {};
    for (const v of variants) {
      const rs = all[v.key]!;
      table[shape.key]![v.key] = {
        mainUsPerMsg: median(rs.map((x) => x.mainUsPerMsg)),
        callerUsPerMsg: median(rs.map((x) => x.callerUsPerMsg)),
        callerMaxUs: Math.max(...rs.map((x) => x.callerMaxUs)),
        callerP99Us: median(rs.map((x) => x.callerP99Us)),
        wallMs: median(rs.map((x) => x.wallMs)),
        dropped: Math.max(...rs.map((x) => x.dropped)),
      };
    }
  }
  console.log('shape  logger  main loop us/msg  in the call us/msg  call p99 us  call max us  until on disk ms  dropped');
  for (const shape of shapes)
    for (const v of variants) {
      const r = table[shape.key]![v.key]!;
      console.log(
        `${shape.key.padEnd(6)} ${v.key.padEnd(7)} ${r.mainUsPerMsg.toFixed(2).padStart(16)}  ${r.callerUsPerMsg.toFixed(2).padStart(18)}  ${r.callerP99Us.toFixed(1).padStart(11)}  ${r.callerMaxUs.toFixed(0).padStart(11)}  ${r.wallMs.toFixed(0).padStart(16)}  ${String(r.dropped).padStart(7)}`,
      );
    }
  // Net of the loop's own cost (the `none` logger: same loop turns, no logging).
  const net = (shape: string, v: string) => Math.max(0, table[shape]![v]!.mainUsPerMsg - table[shape]!.none!.mainUsPerMsg);
  const before = net('single', 'sync');
  const after = net('single', 'async');
  console.log(
    `main-loop cost per SIP message (one per loop turn, net of the loop itself): before (sync) ${before.toFixed(2)} us, after (async) ${after.toFixed(2)} us; ` +
      `call p99 before ${table.single!.sync!.callerP99Us.toFixed(1)} us, after ${table.single!.async!.callerP99Us.toFixed(1)} us`,
  );
  console.log(`bench log.sip_message_sync ${before.toFixed(2)} us`);
  console.log(`bench log.sip_message ${after.toFixed(2)} us`);
  console.log(`bench log.sip_message_paced_sync ${net('paced', 'sync').toFixed(2)} us`);
  console.log(`bench log.sip_message_paced ${net('paced', 'async').toFixed(2)} us`);
  console.log(`bench log.sip_message_burst_sync ${net('burst', 'sync').toFixed(2)} us`);
  console.log(`bench log.sip_message_burst ${net('burst', 'async').toFixed(2)} us`);
  // The slowest call is noisy on a shared machine (GC, other processes: see the `none` row); p99 is the steadier tail.
  console.log(`bench log.sip_call_p99_sync ${table.single!.sync!.callerP99Us.toFixed(1)} us`);
  console.log(`bench log.sip_call_p99 ${table.single!.async!.callerP99Us.toFixed(1)} us`);
  rmSync(base, { recursive: true, force: true });
}

void main();
