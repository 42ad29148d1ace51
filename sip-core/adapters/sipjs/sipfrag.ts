/** message/sipfrag bodies of REFER NOTIFYs (RFC 3420, RFC 3515 §2.4.5): only the status line matters. */

export interface SipfragStatus {
  readonly status: number;
  /** Reason phrase, control characters removed, at most 80 characters. */
  readonly reason: string;
}

const MAX_BODY = 8 * 1024;

/** Parse the status line of a sipfrag body (`SIP/2.0 180 Ringing`); `undefined` if it is not one. */
export function parseSipfrag(body: string | undefined): SipfragStatus | undefined {
  if (typeof body !== 'string' || body.length === 0 || body.length > MAX_BODY) return undefined;
  const first = body.replace(/^[\r\n]+/, '').split(/\r?\n/, 1)[0] ?? '';
  const m = /^SIP\/2\.0[ \t]+([1-6]\d\d)(?:[ \t]+([^\r\n]*))?$/i.exec(first.trimEnd());
  if (!m) return undefined;
  const reason = (m[2] ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim().slice(0, 80);
  return { status: Number(m[1]), reason };
}

/** REFER progress from a sipfrag status (RFC 3515 §2.4.5, RFC 5589 §6). */
export function transferStateForStatus(status: number): 'trying' | 'ringing' | 'done' | 'failed' {
  if (status >= 300) return 'failed';
  if (status >= 200) return 'done';
  if (status >= 180) return 'ringing';
  return 'trying';
}
