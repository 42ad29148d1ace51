/**
 * The busy-lamp list setting (`ResourceListOptions.uri`, provisioning `blfListUri`) names one list or several:
 * `blf-2001`, `sip:blf-2001@pbx`, `blf-a, blf-b` (comma-separated) or a numbered pattern `blf-2001-{1..5}`.
 * Several lists because one large list does not work everywhere: Asterisk 22 cannot send the first NOTIFY of a
 * 500-resource list (~200 kB exceeds pjproject's PJSIP_MAX_PKT_LEN: "SIP request (null) is too large to send"), while
 * five lists of 100 each work (issue 14).
 */

/** At most this many lists per account: a typo such as `{1..999}` must not send a thousand SUBSCRIBEs. */
export const MAX_LISTS = 20;
/**
 * Resources per list the console publishes itself (XCAP): about 40 kB of first NOTIFY, which Asterisk/pjproject and
 * Kamailio (max_notify_body_length) still send in one message.
 */
export const LIST_MAX_RESOURCES = 100;

const RANGE = /\{(\d{1,3})\.\.(\d{1,3})\}/;

/** One item with at most one `{a..b}` range, expanded (`{01..03}` keeps the zero padding). */
function expandItem(item: string, out: string[]): void {
  const m = RANGE.exec(item);
  if (!m) {
    out.push(item);
    return;
  }
  const from = Number(m[1]);
  const to = Number(m[2]);
  const width = m[1]!.startsWith('0') ? m[1]!.length : 0;
  const step = from <= to ? 1 : -1;
  for (let i = from; out.length < MAX_LISTS; i += step) {
    out.push(item.slice(0, m.index) + String(i).padStart(width, '0') + item.slice(m.index + m[0].length));
    if (i === to) break;
  }
}

/** The list names of a setting, before URI completion (for validation): empty items dropped, at most MAX_LISTS + 1. */
export function listNames(setting: string): string[] {
  const out: string[] = [];
  for (const raw of setting.split(',')) {
    const item = raw.trim();
    if (item) expandItem(item, out);
    if (out.length > MAX_LISTS) break;
  }
  return out;
}

/** The list URIs of a setting: bare names take the account's domain; duplicates dropped; at most MAX_LISTS. */
export function listUris(setting: string | undefined, domain: string): string[] {
  if (!setting) return [];
  const uris = listNames(setting).map((n) => (/^sips?:/i.test(n) ? n : n.includes('@') ? `sip:${n}` : `sip:${n}@${domain}`));
  return [...new Set(uris)].slice(0, MAX_LISTS);
}

/** `sip:1001-blf@pbx`, 3 → `sip:1001-blf-3@pbx` (the console's own further lists, XCAP); 1 → unchanged. */
export function numberedListUri(base: string, n: number): string {
  if (n <= 1) return base;
  const m = /^(sips?:)([^@;>]+)(.*)$/i.exec(base);
  return m ? `${m[1]}${m[2]}-${n}${m[3]}` : `${base}-${n}`;
}

/** Splits `items` in order over `n` groups of (nearly) equal size. */
export function splitEvenly<T>(items: readonly T[], n: number): T[][] {
  const groups: T[][] = [];
  const count = Math.max(1, n);
  for (let i = 0, start = 0; i < count; i++) {
    const size = Math.floor(items.length / count) + (i < items.length % count ? 1 : 0);
    groups.push(items.slice(start, start + size));
    start += size;
  }
  return groups;
}
