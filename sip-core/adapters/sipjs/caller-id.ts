/**
 * Caller identity from untrusted SIP headers. A hostile peer controls the display name and URI: strip control
 * characters and bidi overrides (Trojan-source style spoofing, CVE-2021-42574), cap lengths, never throw.
 */
import type { RemoteParty } from '../../api/call';

export const MAX_DISPLAY_NAME = 64;
export const MAX_USER = 64;
export const MAX_URI = 256;

// C0/C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width and BOM, line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/gu;

/** Remove unsafe characters, collapse whitespace, cap length on a code-point boundary. */
export function sanitizeText(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  let text: string;
  try {
    text = value.normalize('NFC');
  } catch {
    text = value;
  }
  // Lone surrogates render as garbage and break some encoders.
  text = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
  // Line breaks and tabs separate words: turn them into spaces before dropping other controls.
  text = text.replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ').replace(UNSAFE, '').replace(/\s+/g, ' ').trim();
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join('') : text;
}

/** Decode %XX in a user part without throwing on malformed escapes. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export interface RawIdentity {
  readonly displayName?: string;
  readonly user?: string;
  readonly uri?: string;
}

export function sanitizeRemoteParty(raw: RawIdentity): RemoteParty {
  const displayName = sanitizeText(stripQuotes(raw.displayName ?? ''), MAX_DISPLAY_NAME);
  // A user part has no spaces (RFC 3261 §25.1); a decoded %0A must not split a number on screen.
  const user = sanitizeText(safeDecode(raw.user ?? '').replace(/\s+/g, ''), MAX_USER);
  const uri = sanitizeText(raw.uri ?? '', MAX_URI);
  return displayName ? { displayName, user, uri } : { user, uri };
}

function stripQuotes(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/**
 * Parse a name-addr / addr-spec header value (P-Asserted-Identity RFC 3325 §9.1, From) leniently:
 * `"Name" <sip:user@host>`, `Name <tel:+331>`, `sip:user@host;tag=x`. Returns undefined if no URI is found.
 */
export function parseNameAddr(value: string | undefined): RawIdentity | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  // PAI may carry several identities separated by commas; the first sip/sips/tel one wins.
  const text = value.length > 2048 ? value.slice(0, 2048) : value;
  const angle = /^\s*((?:"(?:[^"\\]|\\.)*"|[^<"]*)?)\s*<([^>]*)>/.exec(text);
  let displayName: string | undefined;
  let uri: string;
  if (angle) {
    displayName = angle[1]?.trim() || undefined;
    uri = angle[2] ?? '';
  } else {
    uri = text.split(/[;,\s]/)[0] ?? '';
  }
  const m = /^(sips?|tel):(?:([^@;?]*)@)?([^;?]*)/i.exec(uri.trim());
  if (!m) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  const user = scheme === 'tel' ? (m[3] ?? '') : (m[2] ?? '');
  return { displayName, user, uri: uri.trim() };
}
