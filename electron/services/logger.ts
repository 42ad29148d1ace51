/**
 * Main-process logger: redacts secrets before anything reaches a file or the console. The file is written
 * asynchronously (log-sink.ts: queued, one write per loop turn, bounded, flushed on stop and at exit); the line
 * format is unchanged: `<ISO time> <LEVEL> <message>`, a SIP message as `<ISO time> DEBUG SIP in|out` + newline +
 * the message (tests/e2e read the trace by `^\S+ DEBUG SIP `).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SipLogger } from '../../sip-core/api/softphone';
import { redactSipMessage } from '../../sip-core/adapters/sipjs/redact';
import { AsyncFileSink } from './log-sink';

const SECRET_HEADER = /^((?:Proxy-)?Authorization\s*:).*$/gim;
const PASSWORD_JSON = /("password"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/** Remove Authorization header values and password fields from any text (SIP message, JSON, log line). */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(SECRET_HEADER, '$1 <redacted>').replace(PASSWORD_JSON, '$1"<redacted>"');
  for (const s of secrets) if (s.length >= 3 && out.includes(s)) out = out.split(s).join('<redacted>');
  return out;
}

/**
 * Every pattern of redactSecrets and redactSipMessage needs one of these words (case-insensitive): a text without
 * any of them passes through both unchanged, so the log skips them (most SIP messages: half the cost of a line).
 */
const MAY_HOLD_SECRET = /authorization|crypto|key-mgmt|"password"/i;

/** Log-line redaction: SIP credentials and media keys (sip-core's rules), password fields, known passwords. */
export function redactLogText(text: string, secrets: readonly string[] = []): string {
  if (MAY_HOLD_SECRET.test(text)) return redactSecrets(redactSipMessage(text), secrets);
  let out = text;
  for (const s of secrets) if (s.length >= 3 && out.includes(s)) out = out.split(s).join('<redacted>');
  return out;
}

export interface FileLoggerOptions {
  /** Log file; rotated to `.1` when larger than maxBytes. Omit to log to stderr only. */
  readonly file?: string;
  readonly maxBytes?: number;
  readonly level?: 'debug' | 'info' | 'warn' | 'error';
  readonly stderr?: boolean;
  /** Passwords known to the process, scrubbed from every line as a last line of defence. */
  readonly secrets?: () => readonly string[];
  readonly sipTrace?: boolean;
  /** Memory bound of the lines waiting for the disk (drop-oldest beyond it, counted in the log). Default 8 MiB. */
  readonly maxBufferedBytes?: number;
  readonly maxBufferedLines?: number;
  /** Write what is still queued at process `exit` (default true; removed by close()). */
  readonly flushOnExit?: boolean;
}

/** The logger the hosts hold: a SipLogger that can be flushed and closed. */
export interface FileLogger extends SipLogger {
  /** Resolves when every line logged so far is in the file. */
  flush(): Promise<void>;
  /** Flush and close the file (the hosts' stop path). */
  close(): Promise<void>;
  /** Last resort where no callback runs any more (process `exit`, Electron `quit`): write what is queued now. */
  flushSync(): void;
  /** Lines lost so far (buffer full: the oldest go; or the file could not be written). */
  readonly dropped: number;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

let lastMs = -1;
let lastIso = '';
/** `new Date().toISOString()`, made once per millisecond (a burst of SIP messages shares it). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function createLogger(options: FileLoggerOptions = {}): FileLogger {
  const min = LEVELS[options.level ?? 'info'];
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  let sink: AsyncFileSink | undefined;
  if (options.file) {
    try {
      mkdirSync(dirname(options.file), { recursive: true });
    } catch {
      /* the sink counts what it cannot write */
    }
    sink = new AsyncFileSink({
      file: options.file,
      maxBytes,
      ...(options.maxBufferedBytes !== undefined && { maxBufferedBytes: options.maxBufferedBytes }),
      ...(options.maxBufferedLines !== undefined && { maxBufferedLines: options.maxBufferedLines }),
    });
  }
  const onExit = () => sink?.flushSync();
  if (sink && options.flushOnExit !== false) process.on('exit', onExit);
  const write = (level: keyof typeof LEVELS, message: string, always = false) => {
    if (LEVELS[level] < min && !always) return;
    // Redaction happens here, before the line is queued: nothing in memory waiting for the disk is in clear either.
    const line = `${isoNow()} ${level.toUpperCase()} ${redactLogText(message, options.secrets?.() ?? [])}\n`;
    if (options.stderr) process.stderr.write(line);
    sink?.write(line);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
    ...(options.sipTrace && { sipTrace: (dir: 'in' | 'out', text: string) => write('debug', `SIP ${dir}\n${text}`, true) }),
    flush: () => sink?.flush() ?? Promise.resolve(),
    flushSync: onExit,
    close: async () => {
      process.removeListener('exit', onExit);
      await sink?.close();
    },
    get dropped() {
      return sink?.dropped ?? 0;
    },
  };
}
