/** Main-process logger: redacts secrets before anything reaches a file or the console. */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SipLogger } from '../../sip-core/api/softphone';

const SECRET_HEADER = /^((?:Proxy-)?Authorization\s*:).*$/gim;
const PASSWORD_JSON = /("password"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/** Remove Authorization header values and password fields from any text (SIP message, JSON, log line). */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(SECRET_HEADER, '$1 <redacted>').replace(PASSWORD_JSON, '$1"<redacted>"');
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('<redacted>');
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
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

export function createLogger(options: FileLoggerOptions = {}): SipLogger {
  const min = LEVELS[options.level ?? 'info'];
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  if (options.file) mkdirSync(dirname(options.file), { recursive: true });
  const write = (level: keyof typeof LEVELS, message: string, always = false) => {
    if (LEVELS[level] < min && !always) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${redactSecrets(message, options.secrets?.() ?? [])}\n`;
    if (options.stderr) process.stderr.write(line);
    if (options.file) {
      try {
        if ((statSync(options.file, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) renameSync(options.file, `${options.file}.1`);
        appendFileSync(options.file, line);
      } catch {
        /* logging must never break a call */
      }
    }
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
    ...(options.sipTrace && { sipTrace: (dir: 'in' | 'out', text: string) => write('debug', `SIP ${dir}\n${text}`, true) }),
  };
}
