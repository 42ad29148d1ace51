/**
 * vCard 2.1 / 3.0 (RFC 2426) / 4.0 (RFC 6350) → ContactInput.
 * Handles folded lines (RFC 6350 §3.2), 2.1 QUOTED-PRINTABLE soft line breaks and CHARSET parameters (as
 * written by Outlook), bare 2.1 type parameters (`TEL;WORK;VOICE:`), `TYPE=a,b` / repeated TYPE / quoted 4.0
 * lists, `tel:` URIs and text escapes (`\n \, \; \\`).
 */
import iconv from 'iconv-lite';
import type { ContactInput, PhoneInput, PhoneType } from '../../../storage/types';
import { stripControls } from './decode';
import { ImportError, LIMITS, tooManyRecords } from './errors';

export interface VCardResult {
  readonly row: number;
  readonly result: { ok: true; contact: ContactInput } | { ok: false; reason: string };
}

interface Property {
  readonly name: string;
  readonly params: ReadonlyMap<string, string[]>;
  readonly types: readonly string[];
  readonly value: string;
}

export function looksLikeVCard(text: string): boolean {
  return /^\s*BEGIN:VCARD\s*$/im.test(text.slice(0, 4096));
}

/** Properties whose value is binary data we never use; a phone's export may carry megabytes of photo in them. */
const BINARY_PROPERTY = /^(?:[^;:]*\.)?(?:PHOTO|LOGO|SOUND|KEY)(?:;|$)/i;
const BASE64_PARAM = /;\s*(?:ENCODING\s*=\s*"?)?(?:b|base64)"?\s*(?=;|$)/i;
/** Card boundaries are structure: a broken QP soft break on the line before must not swallow them. */
const CARD_BOUNDARY = /^\s*(?:BEGIN|END)\s*:\s*VCARD\s*$/i;

/**
 * Splits into logical lines: unfolds continuation lines and QP soft breaks. Each logical line is built from its
 * pieces once (joining as we go would copy the line again for every piece: seconds for a 1 MB QP note). Binary
 * values (PHOTO, LOGO, SOUND, KEY, base64) keep only their name and parameters, so a 20 MB photo costs nothing and
 * is not mistaken for a damaged file.
 */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let length = 0;
  let open = false;
  let qp = false;
  let binary = false;
  const add = (piece: string): void => {
    if (piece === '') return;
    length += piece.length;
    if (length > LIMITS.maxLineChars) {
      throw new ImportError('line-too-long', `A property is longer than ${LIMITS.maxLineChars / 1024 / 1024} MB; this is not a contacts file.`);
    }
    parts.push(piece);
  };
  const close = (): void => {
    if (open) out.push(parts.length === 1 ? parts[0]! : parts.join(''));
    parts = [];
    length = 0;
    open = false;
  };
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (open && /^[ \t]/.test(line)) {
      if (!binary) add(line.slice(1));
      continue;
    }
    if (open && qp && parts.at(-1)?.endsWith('=') === true && !CARD_BOUNDARY.test(line)) {
      // vCard 2.1 §2.1.3: in a QP value, "=" at end of line is a soft break.
      const last = parts.pop()!;
      length -= last.length;
      add(last.slice(0, -1));
      add(line);
      continue;
    }
    close();
    open = true;
    const colon = line.indexOf(':');
    const head = colon < 0 ? '' : line.slice(0, colon);
    binary = colon >= 0 && (BINARY_PROPERTY.test(head) || BASE64_PARAM.test(head));
    qp = !binary && /QUOTED-PRINTABLE/i.test(head);
    if (binary) {
      add(line.slice(0, colon + 1));
    } else {
      if (line.length > LIMITS.maxLineChars) {
        throw new ImportError('line-too-long', `A line is longer than ${LIMITS.maxLineChars / 1024 / 1024} MB; this is not a contacts file.`);
      }
      add(line);
    }
  }
  close();
  return out;
}

function splitUnquoted(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function parseProperty(line: string): Property | undefined {
  // The first ':' outside quotes ends the name/params (param values may be quoted in 3.0/4.0).
  let quoted = false;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon < 0) return undefined;
  const [nameWithGroup, ...rawParams] = splitUnquoted(line.slice(0, colon), ';');
  const name = nameWithGroup!.replace(/^.*\./, '').toUpperCase();
  const params = new Map<string, string[]>();
  const types: string[] = [];
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? 'TYPE' : p.slice(0, eq)).trim().toUpperCase(); // 2.1 bare params are types
    const values = (eq < 0 ? p : p.slice(eq + 1)).replace(/^"|"$/g, '').split(',').map((v) => v.trim());
    params.set(key, [...(params.get(key) ?? []), ...values]);
    if (key === 'TYPE') types.push(...values.map((v) => v.toLowerCase()));
  }
  return { name, params, types, value: line.slice(colon + 1) };
}

function decodeValue(p: Property): string {
  const encoding = p.params.get('ENCODING')?.[0]?.toUpperCase();
  if (encoding === 'QUOTED-PRINTABLE') {
    const bytes: number[] = [];
    const v = p.value;
    for (let i = 0; i < v.length; i++) {
      const m = v[i] === '=' ? /^[0-9A-Fa-f]{2}/.exec(v.slice(i + 1, i + 3)) : null;
      if (m) {
        bytes.push(parseInt(m[0], 16));
        i += 2;
      } else if (v[i] === '=' && i === v.length - 1) {
        // a soft break with nothing after it (the card ended there): no character
      } else {
        for (const b of Buffer.from(v[i]!, 'utf8')) bytes.push(b);
      }
    }
    const charset = (p.params.get('CHARSET')?.[0] ?? 'utf-8').toLowerCase();
    const buf = Buffer.from(bytes);
    return stripControls(iconv.encodingExists(charset) ? iconv.decode(buf, charset) : buf.toString('utf8'));
  }
  return p.value;
}

/** Text unescape (3.0/4.0); structured values are split on unescaped ';' first. */
function unescapeText(s: string): string {
  return s.replace(/\\([nN,;\\:])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}
function splitStructured(s: string): string[] {
  return s.split(/(?<!\\);/).map(unescapeText);
}

function phoneType(types: readonly string[]): PhoneType {
  if (types.includes('fax')) return 'fax';
  if (types.includes('pager')) return 'pager';
  if (types.includes('cell')) return 'mobile';
  if (types.includes('work')) return 'work';
  if (types.includes('home')) return 'home';
  if (types.includes('x-main') || types.includes('main')) return 'main';
  return 'other';
}

export function parseVCards(text: string): VCardResult[] {
  const lines = logicalLines(text);
  const results: VCardResult[] = [];
  let card: Property[] | undefined;
  let cardNo = 0;
  let startLine = 0;
  lines.forEach((line, idx) => {
    if (line.trim() === '') return;
    const upper = line.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      if (card) throw new ImportError('truncated', `vCard ${cardNo} (line ${startLine + 1}) has no END:VCARD; the file looks truncated or damaged.`, cardNo);
      card = [];
      cardNo++;
      if (cardNo > LIMITS.maxRecords) throw tooManyRecords('contacts', cardNo);
      startLine = idx;
      return;
    }
    if (upper === 'END:VCARD') {
      if (!card) throw new ImportError('unknown-format', `END:VCARD without BEGIN:VCARD at line ${idx + 1}.`);
      results.push({ row: cardNo, result: toContact(card) });
      card = undefined;
      return;
    }
    if (!card) return; // text between cards is ignored, as RFC 6350 readers do
    const p = parseProperty(line);
    if (p) card.push(p);
  });
  if (card) throw new ImportError('truncated', `vCard ${cardNo} has no END:VCARD; the file looks truncated.`, cardNo);
  if (cardNo === 0) throw new ImportError('unknown-format', 'No BEGIN:VCARD found: this is not a vCard file.');
  return results;
}

const USED_PROPERTIES: ReadonlySet<string> = new Set(['FN', 'N', 'ORG', 'TITLE', 'NOTE', 'UID', 'EMAIL', 'TEL']);

function toContact(props: readonly Property[]): VCardResult['result'] {
  const version = props.find((p) => p.name === 'VERSION')?.value.trim() ?? '2.1';
  if (!['2.1', '3.0', '4.0'].includes(version)) return { ok: false, reason: `unsupported vCard version ${version}` };
  let name = '', first = '', middle = '', last = '', company = '', department = '', title = '', notes = '', uid = '';
  const phones: PhoneInput[] = [];
  const emails: string[] = [];
  for (const p of props) {
    if (p.params.get('ENCODING')?.some((e) => /^(b|base64)$/i.test(e))) continue; // PHOTO, LOGO, KEY
    const value = decodeValue(p);
    // The CSV reader's per-cell limit, per card: what is imported can be exported and imported again.
    if (USED_PROPERTIES.has(p.name) && value.length > LIMITS.maxCellChars) {
      return { ok: false, reason: `its ${p.name} is longer than ${LIMITS.maxCellChars} characters` };
    }
    switch (p.name) {
      case 'FN': name = unescapeText(value).trim(); break;
      case 'N': {
        const [l = '', f = '', m = ''] = splitStructured(value);
        last = l.trim(); first = f.trim(); middle = m.trim();
        break;
      }
      case 'ORG': {
        const [c = '', d = ''] = splitStructured(value);
        company = c.trim(); department = d.trim();
        break;
      }
      case 'TITLE': title = unescapeText(value).trim(); break;
      case 'NOTE': notes = unescapeText(value); break;
      case 'UID': uid = value.trim(); break;
      case 'EMAIL': if (value.includes('@')) emails.push(value.replace(/^mailto:/i, '').trim()); break;
      case 'TEL': {
        // 4.0: TEL;VALUE=uri:tel:+33-1-23;ext=12 — keep the number part.
        const number = unescapeText(value).replace(/^tel:/i, '').replace(/;.*$/, '').trim();
        if (/\d/.test(number)) phones.push({ type: phoneType(p.types), number });
        break;
      }
      default: break;
    }
  }
  const display = name || [first, middle, last].filter(Boolean).join(' ');
  if (!display && !company && phones.length === 0) return { ok: false, reason: 'no name, company or number' };
  return {
    ok: true,
    contact: { sourceId: uid || null, name: display, firstName: first, lastName: last, company, department, title, notes, phones, emails },
  };
}
