/**
 * Links handed to the console by the OS or a browser (tel:, callto:, sip:, sips:) → what to dial. Tolerant of what
 * real pages and Outlook produce (`tel:+33 1 23 45 67 89`, `tel:%2B33%201…`, `callto://+331…`, `sip:1002@pbx;user=phone`)
 * and strict about everything else: the result is a number or a plain SIP URI, never headers or control characters.
 */
export function parseDialUrl(raw: string): string | undefined {
  if (typeof raw !== 'string' || raw.length > 512) return undefined;
  let url = raw.trim();
  try {
    url = decodeURIComponent(url);
  } catch {
    return undefined;
  }
  if (/[\u0000-\u001f\u007f<>"]/.test(url)) return undefined;
  const m = /^(tel|callto|sips?):(?:\/\/)?(.*)$/i.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  let rest = m[2]!.trim().replace(/\/+$/, '');
  if (scheme === 'sip' || scheme === 'sips') {
    rest = rest.split('?')[0]!; // URI headers (?subject=…&body=…) are never taken from a link
    if (!/^[^@\s]+@[A-Za-z0-9.\-[\]:]+(;[A-Za-z0-9\-_.!~*'%]+(=[A-Za-z0-9\-_.!~*'%+]+)?)*$/.test(rest)) {
      return /^\+?[0-9*#]+$/.test(rest) ? rest : undefined;
    }
    // URI parameters (;transport=, ;maddr=, ;lr …) are never taken from a link either: they could route the call
    // through a host of the link's choosing. What remains is user@host.
    const bare = rest.split(';')[0]!;
    if (!/^[A-Za-z0-9\-_.!~*'%+&=$,]+@[A-Za-z0-9.\-[\]:]+$/.test(bare)) return undefined;
    return `${scheme}:${bare}`;
  }
  // tel: / callto: — a phone number (RFC 3966 parameters dropped) or, for callto:, a user name.
  const value = rest.split(';')[0]!;
  const number = value.replace(/[\s\-.()\u00a0]/g, '');
  if (/^\+?[0-9*#]{1,32}$/.test(number)) return number;
  if (scheme === 'callto' && /^[A-Za-z0-9._\-]{1,64}$/.test(value)) return value;
  return undefined;
}

/**
 * A link's target names a SIP host that is none of the account's own (server, domain, listed servers): such a call
 * leaves the PBX's control, so it is never dialed straight from a link — the receptionist confirms it.
 */
export function linkNamesForeignHost(target: string, ownHosts: readonly string[]): boolean {
  const m = /^sips?:[^@]+@(\[[^\]]+\]|[^:;]+)/i.exec(target);
  if (!m) return false;
  const host = m[1]!.toLowerCase();
  return !ownHosts.some((h) => h.toLowerCase() === host);
}
