/**
 * "Export diagnostics": one text file a receptionist can send to support — versions, platform, the console's log
 * and SIP trace (current and rotated file). Everything goes through the redaction again on the way out
 * (Authorization headers, SRTP keys in SDP `a=crypto … inline:` and `a=key-mgmt`, password fields, known
 * passwords), so an old log written by a buggier version cannot leak.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import { redactSipMessage } from '../../sip-core/adapters/sipjs/redact';
import { redactSecrets } from './logger';

/** Largest part of each log file kept (the end: the most recent lines). */
const MAX_PER_FILE = 4 * 1024 * 1024;

export function buildDiagnostics(options: {
  readonly logFiles: readonly string[];
  readonly secrets: readonly string[];
  readonly appVersion: string;
  readonly host: 'electron' | 'web';
  readonly now?: Date;
}): string {
  const header = [
    `Receptionist Console ${options.appVersion} diagnostics (${options.host} host)`,
    `Created: ${(options.now ?? new Date()).toISOString()}`,
    `Platform: ${os.platform()} ${os.release()} ${os.arch()}, Node ${process.versions.node}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}`,
    'Passwords, Authorization headers and SRTP keys are removed from this file.',
    '',
  ];
  const parts = [header.join('\n')];
  for (const file of [...options.logFiles].flatMap((f) => [`${f}.1`, f])) {
    if (!existsSync(file)) continue;
    const size = statSync(file).size;
    let text = readFileSync(file, 'utf8');
    if (text.length > MAX_PER_FILE) text = `[… ${size - MAX_PER_FILE} earlier bytes left out …]\n${text.slice(-MAX_PER_FILE)}`;
    parts.push(`===== ${file} (${size} bytes) =====\n${redactSecrets(redactSipMessage(text), options.secrets)}`);
  }
  if (parts.length === 1) parts.push('(no log file: start the console with --log-file to keep one)');
  return `${parts.join('\n')}\n`;
}
