/**
 * RFC 4235 dialog-info+xml: a tolerant, bounded parser and the per-subscription state tracker.
 *
 * Real bodies seen in the wild: full and partial state; `version` restarting with each subscription; terminated
 * dialogs lingering in full-state NOTIFYs for minutes; `<state>Trying</state>` with a capital T; namespace prefixes;
 * no direction attribute; tags only on early dialogs. Hostile bodies (huge, deeply nested, unterminated, entity
 * bombs, floods of `<!--` or of start tags without their `>`) must neither hang nor throw: we never build a DOM, and
 * every scan is linear in the body (indexOf and forward-only pointers; no regular expression that rescans the rest of
 * the body from each candidate position).
 */
import type { PresenceParty, PresenceState } from '../api/presence';

/** Bigger bodies are refused (a BLF body for one extension is a few hundred bytes; 64 KiB is generous). */
export const MAX_DIALOG_INFO_BYTES = 64 * 1024;
/** At most this many dialogs are kept per entity. */
export const MAX_DIALOGS = 64;

export type DialogStateName = 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';

export interface DialogEntry {
  readonly id: string;
  readonly state: DialogStateName;
  readonly direction?: 'initiator' | 'recipient';
  /** The far end of the colleague's dialog (caller when the colleague is the recipient). */
  readonly remote?: PresenceParty;
  /** `+sip.rendering` = no on the local target: the colleague holds this call. */
  readonly held: boolean;
}

export interface DialogInfoDocument {
  readonly version: number;
  readonly state: 'full' | 'partial';
  readonly entity?: string;
  readonly dialogs: readonly DialogEntry[];
}

export class DialogInfoError extends Error {}

const DIALOG_STATES: ReadonlySet<string> = new Set(['trying', 'proceeding', 'early', 'confirmed', 'terminated']);

/** Parse one body. Throws DialogInfoError when it is not a usable dialog-info document. */
export function parseDialogInfo(body: string): DialogInfoDocument {
  if (typeof body !== 'string') throw new DialogInfoError('not text');
  if (body.length > MAX_DIALOG_INFO_BYTES) throw new DialogInfoError(`body too large (${body.length} bytes)`);
  // No DTDs, no entity declarations: refuse rather than expand (billion laughs).
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new DialogInfoError('DTD not allowed');
  const text = stripComments(body);
  const root = new TagScanner(text, 'dialog-info', ROOT_PREFIX, 2048).next(0);
  if (!root) throw new DialogInfoError('no dialog-info element');
  const rootAttrs = attributes(root.attrs);
  const version = Number(rootAttrs.version);
  if (!Number.isSafeInteger(version) || version < 0) throw new DialogInfoError('bad version');
  const st = (rootAttrs.state ?? '').toLowerCase();
  if (st !== 'full' && st !== 'partial') throw new DialogInfoError('bad state attribute');
  const dialogs: DialogEntry[] = [];
  const tags = new TagScanner(text, 'dialog', ROOT_PREFIX, 2048);
  let from = 0;
  for (let tag = tags.next(from); tag !== undefined; tag = tags.next(from)) {
    if (dialogs.length >= MAX_DIALOGS) break;
    const attrs = attributes(tag.attrs);
    let inner = '';
    from = tag.end;
    if (!tag.selfClosing) {
      const close = text.indexOf(`</${tag.prefix}dialog>`, tag.end);
      if (close < 0) break; // unterminated: ignore the rest
      inner = text.slice(tag.end, close);
      from = close;
    }
    const entry = dialogEntry(attrs, inner);
    if (entry) dialogs.push(entry);
  }
  return { version, state: st, ...(rootAttrs.entity !== undefined && { entity: rootAttrs.entity }), dialogs };
}

function dialogEntry(attrs: Record<string, string>, inner: string): DialogEntry | undefined {
  const id = attrs.id ?? attrs['call-id'];
  if (!id) return undefined;
  const state = (firstContent(inner, 'state', 512, /\s*([A-Za-z]{1,16})\s*<\//y) ?? '').toLowerCase();
  if (!DIALOG_STATES.has(state)) return undefined;
  const dir = (attrs.direction ?? '').toLowerCase();
  const remoteBlock = element(inner, 'remote');
  const localBlock = element(inner, 'local');
  const remote = remoteBlock !== undefined ? identity(remoteBlock) : undefined;
  const held = localBlock !== undefined && /pname\s*=\s*["']\+sip\.rendering["'][^>]{0,256}pvalue\s*=\s*["']no["']/i.test(localBlock);
  return {
    id: id.slice(0, 256),
    state: state as DialogStateName,
    ...(dir === 'initiator' || dir === 'recipient' ? { direction: dir } : {}),
    ...(remote && { remote }),
    held,
  };
}

/** Namespace prefix of the root and dialog elements; inner elements take INNER_PREFIX (as before: digits first too). */
export const ROOT_PREFIX = '(?:[A-Za-z_][\\w.-]{0,32}:)?';
const INNER_PREFIX = '(?:[\\w.-]{1,32}:)?';

interface OpenTag {
  readonly start: number;
  /** Just after the `>`. */
  readonly end: number;
  /** `d:` or ''. */
  readonly prefix: string;
  /** Attribute text (without a self-closing `/`). */
  readonly attrs: string;
  readonly selfClosing: boolean;
}

/**
 * Start tags `<[prefix:]name …>` in order, each with at most `maxAttrs` characters of attributes: what
 * `/<(prefix)name(?=[\s/>])([^>]{0,max}?)(\/?)>/g` matched, in linear time. That regex, on a body of `<name ` without
 * any `>`, scanned up to `max` characters from each candidate (quadratic); here the candidates come from a bounded
 * regex (no `[^>]` run) and each one's `>` from a single forward-only pointer. Positions passed to next() must not
 * go back.
 */
export class TagScanner {
  readonly #text: string;
  readonly #re: RegExp;
  readonly #maxAttrs: number;
  /** The first `>` at or after the last candidate's name; -2: none was looked for yet; -1: there is no more `>`. */
  #gt = -2;

  constructor(text: string, name: string, prefix: string, maxAttrs: number) {
    this.#text = text;
    this.#re = new RegExp(`<(${prefix})${name}(?=[\\s/>])`, 'g');
    this.#maxAttrs = maxAttrs;
  }

  next(from: number): OpenTag | undefined {
    const text = this.#text;
    const re = this.#re;
    re.lastIndex = from;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const nameEnd = m.index + m[0].length;
      if (this.#gt === -1) return undefined;
      if (this.#gt < nameEnd) {
        this.#gt = text.indexOf('>', nameEnd);
        if (this.#gt < 0) {
          this.#gt = -1;
          return undefined;
        }
      }
      const gt = this.#gt;
      const selfClosing = gt > nameEnd && text.charCodeAt(gt - 1) === 0x2f; // '/'
      const attrsEnd = selfClosing ? gt - 1 : gt;
      if (attrsEnd - nameEnd > this.#maxAttrs) continue;
      return { start: m.index, end: gt + 1, prefix: m[1] ?? '', attrs: text.slice(nameEnd, attrsEnd), selfClosing };
    }
    return undefined;
  }
}

/** `<!-- … -->` removed in one pass; an unterminated comment is left as it is (nothing after it can end one either). */
export function stripComments(text: string): string {
  const parts: string[] = [];
  let pos = 0;
  for (;;) {
    const open = text.indexOf('<!--', pos);
    if (open < 0) break;
    const close = text.indexOf('-->', open + 4);
    if (close < 0) break;
    parts.push(text.slice(pos, open));
    pos = close + 3;
  }
  if (pos === 0) return text;
  parts.push(text.slice(pos));
  return parts.join('');
}

/**
 * The first `<name …>` (attributes up to `maxAttrs`) whose content, read with the sticky `content` regex right after
 * the `>`, matches; its first group. Candidates sharing one `>` share their content: it is read once.
 */
function firstContent(
  text: string,
  name: string,
  maxAttrs: number,
  content: RegExp,
  attrsOut?: { attrs: string },
): string | undefined {
  const tags = new TagScanner(text, name, INNER_PREFIX, maxAttrs);
  let checkedEnd = -1;
  for (let tag = tags.next(0); tag !== undefined; tag = tags.next(tag.start + 1)) {
    if (tag.end === checkedEnd) continue;
    checkedEnd = tag.end;
    content.lastIndex = tag.end;
    const m = content.exec(text);
    if (m) {
      if (attrsOut) attrsOut.attrs = tag.attrs;
      return m[1] ?? '';
    }
  }
  return undefined;
}

function element(text: string, name: string): string | undefined {
  const open = new TagScanner(text, name, INNER_PREFIX, 512).next(0);
  if (!open) return undefined;
  const end = text.indexOf(`</${open.prefix}${name}>`, open.end);
  return end < 0 ? undefined : text.slice(open.end, end);
}

function identity(block: string): PresenceParty | undefined {
  const found = { attrs: '' };
  const content = firstContent(block, 'identity', 1024, /([^<]{0,1024})<\//y, found);
  let uri = content !== undefined ? decodeEntities(content).trim() : '';
  const display = content !== undefined ? attributes(found.attrs).display : undefined;
  if (!uri) {
    const t = /<(?:[\w.-]{1,32}:)?target(?=[\s/>])([^>]{0,1024})>?/.exec(block);
    uri = t ? (attributes(t[1] ?? '').uri ?? '') : '';
  }
  const user = userOf(uri);
  if (!user) return undefined;
  const name = display !== undefined ? clean(display, 64) : '';
  return { user, ...(name && name !== user && { name }) };
}

/** `sip:1002@pbx;user=phone` → `1002`; `tel:+3222` → `+3222`. Bounded, printable only. */
export function userOf(uri: string): string {
  const u = uri.trim().replace(/^<|>$/g, '');
  const m = /^(?:sips?|tel):([^@;>?]{1,64})/i.exec(u);
  const raw = m ? (m[1] ?? '') : '';
  let user: string;
  try {
    user = decodeURIComponent(raw);
  } catch {
    user = raw;
  }
  return clean(user, 64);
}

function clean(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, max);
}

export function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const re = /([A-Za-z_][\w.:-]{0,64})\s*=\s*(?:"([^"]{0,1024})"|'([^']{0,1024})')/g;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = re.exec(text)) !== null && n++ < 32) {
    const name = (m[1] ?? '').replace(/^[\w.-]+:(?!.*:)/, '');
    out[name] = decodeEntities(m[2] ?? m[3] ?? '');
  }
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (_all, e: string) => {
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

export interface DerivedPresence {
  readonly state: Extract<PresenceState, 'idle' | 'ringing' | 'busy' | 'held'>;
  readonly caller?: PresenceParty;
  readonly peer?: PresenceParty;
}

/**
 * The dialogs of one subscription (one entity). Feed it every NOTIFY body; it applies RFC 4235 §4.1 version rules:
 * a version not greater than the last one is a duplicate or out of order and is ignored; full state replaces
 * everything; partial state merges by dialog id; terminated dialogs are dropped (lingering ones included).
 * A new subscription (new dialog, versions restart) needs a new tracker, or reset().
 */
/**
 * An early (trying/proceeding/early) dialog older than this is considered lingering: Kamailio's pua_dialoginfo, for
 * one, keeps a `Trying` for a call that failed before any answer until its publication expires (minutes).
 * Nobody lets a phone ring for three minutes.
 */
export const EARLY_DIALOG_MAX_MS = 180_000;

export class DialogInfoTracker {
  #version: number | undefined;
  #dialogs = new Map<string, DialogEntry>();
  /** When each dialog id was first seen in its current (early or confirmed) phase. */
  #firstSeen = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  reset(): void {
    this.#version = undefined;
    this.#dialogs.clear();
    this.#firstSeen.clear();
  }

  /** Apply one body. Returns false when it was ignored (stale version, or unparsable — the error is thrown). */
  apply(body: string): boolean {
    const doc = parseDialogInfo(body);
    return this.applyDocument(doc);
  }

  applyDocument(doc: DialogInfoDocument): boolean {
    if (this.#version !== undefined && doc.version <= this.#version) return false;
    // A partial document that is not the next version: we missed one; RFC 4235 §4.1 says to fetch full state.
    // We apply it anyway (better than nothing); the next refresh brings full state.
    const previous = this.#dialogs;
    if (doc.state === 'full') this.#dialogs = new Map();
    this.#version = doc.version;
    const now = this.#now();
    for (const d of doc.dialogs) {
      const before = previous.get(d.id);
      this.#dialogs.delete(d.id);
      if (d.state === 'terminated') {
        this.#firstSeen.delete(d.id);
        continue;
      }
      this.#dialogs.set(d.id, d);
      const phaseChanged = !before || (before.state === 'confirmed') !== (d.state === 'confirmed');
      if (phaseChanged || !this.#firstSeen.has(d.id)) this.#firstSeen.set(d.id, now);
      if (this.#dialogs.size > MAX_DIALOGS) {
        const oldest = this.#dialogs.keys().next().value!;
        this.#dialogs.delete(oldest);
        this.#firstSeen.delete(oldest);
      }
    }
    for (const id of [...this.#firstSeen.keys()]) if (!this.#dialogs.has(id)) this.#firstSeen.delete(id);
    return true;
  }

  get version(): number | undefined {
    return this.#version;
  }

  /** Current dialogs, without early ones that have lingered longer than EARLY_DIALOG_MAX_MS. */
  dialogs(): readonly DialogEntry[] {
    const now = this.#now();
    return [...this.#dialogs.values()].filter(
      (d) => d.state === 'confirmed' || now - (this.#firstSeen.get(d.id) ?? now) < EARLY_DIALOG_MAX_MS,
    );
  }

  /** When the next early dialog will count as lingering (to re-derive then), or undefined. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    const now = this.#now();
    for (const d of this.#dialogs.values()) {
      if (d.state === 'confirmed') continue;
      const at = (this.#firstSeen.get(d.id) ?? now) + EARLY_DIALOG_MAX_MS;
      if (at > now && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  derive(): DerivedPresence {
    return derivePresence(this.dialogs());
  }
}

/** Priority: ringing (someone to pick up) > busy > held > idle. */
export function derivePresence(dialogs: readonly DialogEntry[]): DerivedPresence {
  const live = dialogs.filter((d) => d.state !== 'terminated');
  const early = live.filter((d) => d.state !== 'confirmed');
  const ringing = [...early].reverse().find((d) => d.direction !== 'initiator');
  if (ringing) return { state: 'ringing', ...(ringing.remote && { caller: ringing.remote }) };
  const confirmed = live.filter((d) => d.state === 'confirmed');
  const talking = [...confirmed].reverse().find((d) => !d.held);
  if (talking) return { state: 'busy', ...(talking.remote && { peer: talking.remote }) };
  const outgoing = [...early].reverse()[0];
  if (outgoing) return { state: 'busy', ...(outgoing.remote && { peer: outgoing.remote }) };
  const held = [...confirmed].reverse()[0];
  if (held) return { state: 'held', ...(held.remote && { peer: held.remote }) };
  return { state: 'idle' };
}
