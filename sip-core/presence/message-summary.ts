/**
 * RFC 3842 application/simple-message-summary, tolerant and bounded.
 *   Messages-Waiting: yes
 *   Message-Account: sip:1001@pbx
 *   Voice-Message: 2/8 (0/2)
 */
import type { MessageSummary } from '../api/presence';

export const MAX_MESSAGE_SUMMARY_BYTES = 16 * 1024;
const MAX_COUNT = 999_999;

export function parseMessageSummary(body: string): MessageSummary | undefined {
  if (typeof body !== 'string' || body.length > MAX_MESSAGE_SUMMARY_BYTES) return undefined;
  let waiting: boolean | undefined;
  let newMessages = 0;
  let oldMessages = 0;
  let newUrgent = 0;
  let oldUrgent = 0;
  let sawVoice = false;
  for (const rawLine of body.split(/\r?\n/).slice(0, 200)) {
    const line = rawLine.trim();
    const mw = /^messages-waiting\s*:\s*(yes|no)\b/i.exec(line);
    if (mw) {
      waiting = (mw[1] ?? '').toLowerCase() === 'yes';
      continue;
    }
    // Voice-Message is what the info pane counts; other classes (fax, text…) are ignored.
    const vm = /^voice-message\s*:\s*(\d{1,9})\s*\/\s*(\d{1,9})(?:\s*\(\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*\))?/i.exec(line);
    if (vm && !sawVoice) {
      sawVoice = true;
      newMessages = Math.min(MAX_COUNT, Number(vm[1]));
      oldMessages = Math.min(MAX_COUNT, Number(vm[2]));
      newUrgent = Math.min(MAX_COUNT, Number(vm[3] ?? 0));
      oldUrgent = Math.min(MAX_COUNT, Number(vm[4] ?? 0));
    }
  }
  if (waiting === undefined) return undefined;
  return { waiting: waiting || newMessages > 0, newMessages, oldMessages, newUrgent, oldUrgent };
}
