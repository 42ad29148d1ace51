/**
 * Who a call was forwarded by: Diversion (RFC 5806) and History-Info (RFC 7044 with RFC 4458 `cause`).
 * Both headers are written by whoever built the INVITE — the caller too — so the softphone only believes them where it
 * believes P-Asserted-Identity (trust.ts). Lenient and bounded: hostile values never throw, never grow without limit.
 */
import type { Diversion, DiversionReason, RemoteParty } from '../../api/call';
import { parseNameAddr, sanitizeRemoteParty, sanitizeText } from './caller-id';

/** Longest header text looked at (all values of the header together) and most entries kept. */
const MAX_TEXT = 4096;
const MAX_ENTRIES = 16;

const REASONS: ReadonlySet<DiversionReason> = new Set<DiversionReason>([
  'unknown',
  'user-busy',
  'no-answer',
  'unavailable',
  'unconditional',
  'time-of-day',
  'do-not-disturb',
  'deflection',
  'follow-me',
  'out-of-service',
  'away',
]);

/** RFC 4458 §3 `cause` values (what History-Info carries) in Diversion's words. */
const CAUSES: Readonly<Record<string, DiversionReason>> = {
  '302': 'unconditional',
  '486': 'user-busy',
  '408': 'no-answer',
  '480': 'unavailable',
  '487': 'deflection',
  '404': 'unknown',
  '503': 'unavailable',
};

/**
 * Split a header value list on the commas that separate entries (RFC 3261 §7.3.1): not inside quotes or `<…>`.
 */
export function splitHeaderList(values: readonly string[]): string[] {
  const out: string[] = [];
  let budget = MAX_TEXT;
  for (const raw of values) {
    if (budget <= 0 || out.length >= MAX_ENTRIES) break;
    const value = raw.length > budget ? raw.slice(0, budget) : raw;
    budget -= value.length;
    let depth = 0;
    let quoted = false;
    let start = 0;
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '<') depth++;
      else if (c === '>') depth = Math.max(0, depth - 1);
      else if (c === ',' && depth === 0) {
        out.push(value.slice(start, i));
        start = i + 1;
      }
    }
    out.push(value.slice(start));
  }
  return out
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .slice(0, MAX_ENTRIES);
}

/** The header parameters after the name-addr (`;reason=no-answer;counter=2`), lower-cased names. */
function headerParams(entry: string): Map<string, string> {
  const close = entry.lastIndexOf('>');
  const tail = close >= 0 ? entry.slice(close + 1) : entry.slice(Math.max(0, entry.indexOf(';')));
  const params = new Map<string, string>();
  for (const part of tail.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq >= 0 ? part.slice(0, eq) : part).trim().toLowerCase();
    if (!name) continue;
    const value = eq >= 0 ? part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1') : '';
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

function party(entry: string): RemoteParty | undefined {
  const raw = parseNameAddr(entry);
  if (!raw) return undefined;
  const p = sanitizeRemoteParty(raw);
  return p.user || p.uri ? p : undefined;
}

function reasonOf(value: string | undefined): DiversionReason | undefined {
  if (value === undefined) return undefined;
  const r = sanitizeText(value, 32).toLowerCase();
  if (REASONS.has(r as DiversionReason)) return r as DiversionReason;
  return /^\d{3}$/.test(r) ? CAUSES[r] ?? 'unknown' : 'unknown';
}

/**
 * Diversion: the topmost entry is the last redirection (who sent the call here, and why); the bottom one names the
 * number first dialed. `counter` on an entry counts redirections it stands for (default 1).
 */
export function parseDiversion(values: readonly string[]): Diversion | undefined {
  const entries = splitHeaderList(values)
    .map((e) => ({ who: party(e), params: headerParams(e) }))
    .filter((e): e is { who: RemoteParty; params: Map<string, string> } => e.who !== undefined);
  const top = entries[0];
  if (!top) return undefined;
  const bottom = entries[entries.length - 1]!;
  const count = entries.reduce((n, e) => n + Math.min(99, Math.max(1, Number.parseInt(e.params.get('counter') ?? '1', 10) || 1)), 0);
  const reason = reasonOf(top.params.get('reason'));
  return {
    by: top.who,
    ...(reason && { reason }),
    ...(bottom.who.user && { originallyCalled: bottom.who.user }),
    count: Math.min(count, 99),
  };
}

/** The `cause` URI parameter (RFC 4458) of a History-Info target, or a Reason header escaped in its URI. */
function causeOf(entry: string): string | undefined {
  const inner = /<([^>]*)>/.exec(entry)?.[1] ?? '';
  const cause = /;cause=(\d{3})/i.exec(inner)?.[1];
  if (cause) return cause;
  let reason = /[?&]Reason=([^&>]*)/i.exec(inner)?.[1];
  if (!reason) return undefined;
  try {
    reason = decodeURIComponent(reason);
  } catch {
    return undefined;
  }
  return /cause=(\d{3})/i.exec(reason)?.[1];
}

/**
 * History-Info: entries in `index` order (1, 1.1, 1.1.1 …); the first is the number first dialed, the last is this
 * phone, and a redirection shows as a `cause` on the entry it led to (or an `mp` mapping). The one redirected *from*
 * is the entry just before the last redirection. Returns undefined when nothing was redirected.
 */
export function parseHistoryInfo(values: readonly string[]): Diversion | undefined {
  const entries = splitHeaderList(values)
    .map((e, order) => {
      const params = headerParams(e);
      const index = (params.get('index') ?? '').split('.').map((n) => Number.parseInt(n, 10) || 0);
      return { who: party(e), cause: causeOf(e), mapped: params.has('mp'), index, order };
    })
    .filter((e) => e.who !== undefined)
    .sort((a, b) => {
      for (let i = 0; i < Math.max(a.index.length, b.index.length); i++) {
        const d = (a.index[i] ?? -1) - (b.index[i] ?? -1);
        if (d !== 0) return d;
      }
      return a.order - b.order;
    });
  if (entries.length < 2) return undefined;
  let count = 0;
  let last = -1;
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.cause !== undefined || entries[i]!.mapped) {
      count++;
      last = i;
    }
  }
  if (last < 1) return undefined;
  const by = entries[last - 1]!.who!;
  const reason = reasonOf(entries[last]!.cause);
  const first = entries[0]!.who!;
  return { by, ...(reason && { reason }), ...(first.user && { originallyCalled: first.user }), count };
}

/** Diversion wins (what most PBXs and carriers send); History-Info otherwise. */
export function parseRedirection(headers: { diversion: readonly string[]; historyInfo: readonly string[] }): Diversion | undefined {
  return parseDiversion(headers.diversion) ?? parseHistoryInfo(headers.historyInfo);
}
