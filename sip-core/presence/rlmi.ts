/**
 * RFC 4662 resource-list NOTIFY bodies: `multipart/related` (RFC 2387) whose root part is an RLMI document
 * (`application/rlmi+xml`) and whose other parts carry each resource's state (here `application/dialog-info+xml`),
 * referenced from the RLMI `<instance cid="…">` by their Content-ID (RFC 2392).
 *
 * Real bodies (Kamailio 5.6 rls, tests/unit/fixtures/rlmi/): the first NOTIFY is a full-state RLMI listing every
 * resource without any instance (the back-end subscriptions are not up yet); the state follows in partial NOTIFYs,
 * split at `max_notify_body_length`, where a resource may appear without an instance (nothing new for it).
 *
 * Bounded and linear like dialog-info.ts: no DOM, no recursion, indexOf scans only; hostile sizes, part counts,
 * boundaries and headers give an RlmiError (the caller keeps its state), never a hang or an exception of another type.
 */
import { attributes, ROOT_PREFIX, stripComments, TagScanner, userOf } from './dialog-info';

/** Whole NOTIFY body. 500 favorites in one full-state NOTIFY over TCP are about 180 KB; 2 MiB leaves room. */
export const MAX_LIST_BODY_BYTES = 2 * 1024 * 1024;
/** Body parts per NOTIFY (RLMI + one per resource instance). */
export const MAX_PARTS = 4096;
/** Resources per RLMI document. */
export const MAX_RESOURCES = 4096;
/** Instances kept per resource (a dialog-package resource has one; forked ones a few). */
export const MAX_INSTANCES = 8;
/** Header section of one part. */
const MAX_PART_HEADER_BYTES = 4096;

export class RlmiError extends Error {}

export type InstanceState = 'active' | 'pending' | 'terminated';

export interface RlmiInstance {
  readonly id: string;
  readonly state: InstanceState;
  /** RFC 4662 §5.2: why a terminated instance ended (`rejected`, `noresource`, `deactivated`…), lower case. */
  readonly reason?: string;
  /** Content-ID of the body part with this instance's state (without `<>`). */
  readonly cid?: string;
}

export interface RlmiResource {
  /** The resource URI as listed (`sip:1004@pbx`). */
  readonly uri: string;
  /** Its user part (`1004`), as the single watches key their extensions. */
  readonly user: string;
  readonly name?: string;
  readonly instances: readonly RlmiInstance[];
}

export interface RlmiDocument {
  readonly uri: string;
  readonly version: number;
  readonly fullState: boolean;
  readonly resources: readonly RlmiResource[];
}

export interface BodyPart {
  readonly contentType: string;
  readonly contentId?: string;
  readonly body: string;
}

/** One resource's news in a list NOTIFY: its instance (first active one, else the first) and that instance's body. */
export interface ResourceUpdate {
  readonly uri: string;
  readonly user: string;
  readonly name?: string;
  /** Absent: the resource is listed without an instance (no state known yet, or nothing new). */
  readonly instance?: RlmiInstance;
  /** The instance's body part (dialog-info XML), when the NOTIFY carries it. */
  readonly body?: string;
  readonly contentType?: string;
}

export interface ListNotify {
  readonly list: RlmiDocument;
  readonly resources: readonly ResourceUpdate[];
}

/** `type/subtype` lower case, and its parameters (quoted or not), from a Content-Type value. */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const v = value.slice(0, 1024);
  const semi = v.indexOf(';');
  const type = (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (semi >= 0) {
    const re = /\s*;\s*([A-Za-z0-9!#$%&'*+.^_`|~-]{1,64})\s*=\s*(?:"((?:[^"\\]|\\.){0,256})"|([^\s;"]{0,256}))/y;
    re.lastIndex = semi;
    for (let m = re.exec(v), n = 0; m !== null && n < 16; m = re.exec(v), n++) {
      params[(m[1] ?? '').toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    }
  }
  return { type, params };
}

/** RFC 2046 §5.1.1: 1–70 characters from bchars, not ending with a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$/;

/**
 * Split a multipart body into its parts. Each delimiter must start a line (`--boundary` at the body start or after
 * CRLF/LF); text before the first one (preamble) and after the close delimiter (epilogue) is ignored.
 */
export function splitMultipart(body: string, boundary: string): BodyPart[] {
  if (!BOUNDARY.test(boundary)) throw new RlmiError('bad multipart boundary');
  if (body.length > MAX_LIST_BODY_BYTES) throw new RlmiError(`body too large (${body.length} bytes)`);
  const dash = `--${boundary}`;
  const delimiters: { at: number; after: number; close: boolean }[] = [];
  let pos = 0;
  for (;;) {
    const i = body.indexOf(dash, pos);
    if (i < 0) break;
    pos = i + dash.length;
    const atLineStart = i === 0 || body.charCodeAt(i - 1) === 0x0a;
    if (!atLineStart) continue;
    const close = body.startsWith('--', pos);
    // Transport padding (spaces/tabs) then the line end; anything else means the boundary text occurs in a part.
    let j = close ? pos + 2 : pos;
    while (j < body.length && (body.charCodeAt(j) === 0x20 || body.charCodeAt(j) === 0x09) && j - pos < 256) j++;
    if (!close && j < body.length && body.charCodeAt(j) !== 0x0d && body.charCodeAt(j) !== 0x0a) continue;
    if (body.charCodeAt(j) === 0x0d) j++;
    if (body.charCodeAt(j) === 0x0a) j++;
    delimiters.push({ at: body.charCodeAt(i - 2) === 0x0d && i >= 2 ? i - 2 : i > 0 ? i - 1 : i, after: j, close });
    if (close) break;
    if (delimiters.length > MAX_PARTS + 1) throw new RlmiError(`too many body parts (> ${MAX_PARTS})`);
  }
  if (delimiters.length < 2) throw new RlmiError('multipart body without parts');
  const parts: BodyPart[] = [];
  for (let k = 0; k + 1 < delimiters.length; k++) {
    const d = delimiters[k]!;
    if (d.close) break;
    parts.push(parsePart(body.slice(d.after, delimiters[k + 1]!.at)));
  }
  return parts;
}

function parsePart(raw: string): BodyPart {
  let headerEnd = raw.indexOf('\r\n\r\n');
  let sep = 4;
  const lf = raw.indexOf('\n\n');
  if (headerEnd < 0 || (lf >= 0 && lf < headerEnd)) {
    headerEnd = lf;
    sep = 2;
  }
  // A part that starts with an empty line has no headers (RFC 2046: text/plain by default).
  if (raw.startsWith('\r\n')) {
    headerEnd = 0;
    sep = 2;
  } else if (raw.startsWith('\n')) {
    headerEnd = 0;
    sep = 1;
  }
  if (headerEnd < 0) throw new RlmiError('body part without a header/body separator');
  if (headerEnd > MAX_PART_HEADER_BYTES) throw new RlmiError('body part headers too long');
  let contentType = 'text/plain';
  let contentId: string | undefined;
  for (const line of raw.slice(0, headerEnd).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-type') contentType = value;
    else if (name === 'content-id') contentId = stripAngle(value);
  }
  return { contentType, ...(contentId !== undefined && { contentId }), body: raw.slice(headerEnd + sep) };
}

function stripAngle(s: string): string {
  const t = s.trim();
  return (t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t).slice(0, 512);
}

/** RFC 2392: a `cid:` URL is the Content-ID without `<>`, percent-encoded. */
function normalizeCid(cid: string): string {
  let c = cid.trim();
  if (/^cid:/i.test(c)) c = c.slice(4);
  try {
    c = decodeURIComponent(c);
  } catch {
    /* keep as is */
  }
  return stripAngle(c);
}

/** Parse an RLMI document (RFC 4662 §5). Throws RlmiError when it is not one. */
export function parseRlmi(xml: string): RlmiDocument {
  if (xml.length > MAX_LIST_BODY_BYTES) throw new RlmiError('RLMI document too large');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new RlmiError('DTD not allowed');
  const text = stripComments(xml);
  const root = new TagScanner(text, 'list', ROOT_PREFIX, 2048).next(0);
  if (!root) throw new RlmiError('no RLMI list element');
  const a = attributes(root.attrs);
  const version = Number(a.version);
  if (!Number.isSafeInteger(version) || version < 0) throw new RlmiError('bad RLMI version');
  const full = (a.fullState ?? a.fullstate ?? '').toLowerCase();
  if (full !== 'true' && full !== 'false' && full !== '1' && full !== '0') throw new RlmiError('bad RLMI fullState');
  const resources: RlmiResource[] = [];
  const tags = new TagScanner(text, 'resource', ROOT_PREFIX, 2048);
  let from = root.end;
  for (let tag = tags.next(from); tag !== undefined; tag = tags.next(from)) {
    if (resources.length >= MAX_RESOURCES) throw new RlmiError(`too many resources (> ${MAX_RESOURCES})`);
    const attrs = attributes(tag.attrs);
    from = tag.end;
    let inner = '';
    if (!tag.selfClosing) {
      const close = text.indexOf(`</${tag.prefix}resource>`, tag.end);
      if (close < 0) break; // unterminated: the rest is unusable
      inner = text.slice(tag.end, close);
      from = close;
    }
    const uri = (attrs.uri ?? '').trim().slice(0, 512);
    const user = userOf(uri);
    if (!user) continue;
    const instances: RlmiInstance[] = [];
    if (inner) {
      const it = new TagScanner(inner, 'instance', ROOT_PREFIX, 1024);
      let ipos = 0;
      for (let t = it.next(ipos); t !== undefined && instances.length < MAX_INSTANCES; t = it.next(ipos)) {
        ipos = t.end;
        const ia = attributes(t.attrs);
        const state = (ia.state ?? '').toLowerCase();
        if (state !== 'active' && state !== 'pending' && state !== 'terminated') continue;
        const id = (ia.id ?? '').slice(0, 256);
        instances.push({
          id,
          state,
          ...(ia.reason && { reason: ia.reason.toLowerCase().slice(0, 64) }),
          ...(ia.cid && { cid: normalizeCid(ia.cid) }),
        });
      }
    }
    const nameMatch = inner ? /<(?:[\w.-]{1,32}:)?name(?:\s[^>]{0,256})?>([^<]{0,128})<\//.exec(inner) : null;
    const name = nameMatch?.[1]?.trim();
    resources.push({ uri, user, ...(name && { name }), instances });
  }
  return { uri: (a.uri ?? '').slice(0, 512), version, fullState: full === 'true' || full === '1', resources };
}

/**
 * A list NOTIFY body → the RLMI document and, per resource, its instance and that instance's body part.
 * `contentType` is the NOTIFY's Content-Type header. Throws RlmiError when the body is not a usable list body.
 */
export function parseListNotify(body: string, contentType: string): ListNotify {
  if (typeof body !== 'string') throw new RlmiError('not text');
  const ct = parseContentType(contentType);
  if (ct.type !== 'multipart/related') throw new RlmiError(`not multipart/related (${ct.type.slice(0, 64) || 'no type'})`);
  const boundary = ct.params.boundary;
  if (!boundary) throw new RlmiError('multipart without boundary');
  const parts = splitMultipart(body, boundary);
  // RFC 2387: the root is the `start` part, else the first one.
  const start = ct.params.start !== undefined ? stripAngle(ct.params.start) : undefined;
  const root = (start !== undefined && parts.find((p) => p.contentId === start)) || parts[0]!;
  if (parseContentType(root.contentType).type !== 'application/rlmi+xml') throw new RlmiError('root part is not RLMI');
  const list = parseRlmi(root.body);
  const byCid = new Map<string, BodyPart>();
  for (const p of parts) if (p !== root && p.contentId !== undefined && !byCid.has(p.contentId)) byCid.set(p.contentId, p);
  const resources: ResourceUpdate[] = list.resources.map((r) => {
    const instance = r.instances.find((i) => i.state === 'active') ?? r.instances[0];
    const part = instance?.cid !== undefined ? byCid.get(instance.cid) : undefined;
    return {
      uri: r.uri,
      user: r.user,
      ...(r.name && { name: r.name }),
      ...(instance && { instance }),
      ...(part && { body: part.body, contentType: part.contentType }),
    };
  });
  return { list, resources };
}
