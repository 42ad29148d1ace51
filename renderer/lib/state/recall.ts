/**
 * The Recall list (001 "Rappel", issue 13 item 8): the last numbers the receptionist dialed, received or missed, one
 * entry per number, newest first, one click away from the Number field. Built from the call history main keeps.
 */
import type { CallTypeName, HistoryEntryView } from '../../../electron/contract/contacts';

/** How many numbers the list offers. */
export const RECALL_SIZE = 10;
/** History rows read to fill it (several calls with the same few people are common). */
export const RECALL_HISTORY_ROWS = 100;

export interface RecallEntry {
  readonly number: string;
  /** The newest name known for this number ('' when none). */
  readonly name: string;
  /** What the newest call with this number was. */
  readonly type: CallTypeName;
  readonly at: number;
}

/**
 * The same number written differently ("01 23-45.67", "(01) 234567") is one entry: separators are ignored, as is a
 * `sip:` prefix and letter case.
 */
export function recallKey(number: string): string {
  return number
    .trim()
    .replace(/^sips?:/i, '')
    .replace(/[\s\-.()/]/g, '')
    .toLowerCase();
}

/**
 * Newest first, one entry per number, at most `max`. Pickups are left out (their number is the pickup code plus a
 * colleague's extension, not someone to call back); rows without a number are skipped.
 */
export function recallList(history: readonly HistoryEntryView[], max = RECALL_SIZE): RecallEntry[] {
  const sorted = [...history].sort((a, b) => b.startedAt - a.startedAt || b.id - a.id);
  const byKey = new Map<string, { entry: RecallEntry; name: string }>();
  for (const h of sorted) {
    if (h.type === 'picked-up') continue;
    const key = recallKey(h.remoteNumber);
    if (key === '') continue;
    const seen = byKey.get(key);
    if (seen) {
      // An older call may know the name the newest one lacked.
      if (seen.name === '' && h.remoteName) seen.name = h.remoteName;
      continue;
    }
    if (byKey.size >= max) continue;
    byKey.set(key, { entry: { number: h.remoteNumber.trim(), name: h.remoteName, type: h.type, at: h.startedAt }, name: h.remoteName });
  }
  return [...byKey.values()].map(({ entry, name }) => ({ ...entry, name }));
}
