/**
 * Trace redaction: SIP messages go to logs with credentials and media keys removed.
 *  - Digest responses (RFC 3261 §22.4) are replayable within a nonce's lifetime and allow offline password guessing,
 *    so the whole Authorization / Proxy-Authorization value goes.
 *  - SDES keys (RFC 4568 §6.1 `a=crypto:<tag> <suite> inline:<key||salt>[|lifetime][|MKI:len]`, several `inline:`
 *    per line allowed) decrypt the call's SRTP: anyone holding the log and a capture of the RTP hears the call. Each
 *    key goes; tag, suite, lifetime and MKI stay (they help support and are not secret).
 *  - MIKEY (RFC 4567 `a=key-mgmt:mikey <base64>`) carries key material too: the whole data goes.
 * Works on a single message and on a whole log file (line by line), so diagnostics can apply it again to old logs.
 */
const AUTH_HEADER = /^((?:proxy-)?authorization[ \t]*:)[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/gim;
/** An SDP crypto attribute line (RFC 4566 `a=` lines; tolerant of spaces and case). */
const CRYPTO_LINE = /^([ \t]*a[ \t]*=[ \t]*crypto[ \t]*:)([^\r\n]*)/gim;
/** One SDES inline key: base64 key||salt up to the next `|` (lifetime/MKI), `;` (next key) or whitespace. */
const INLINE_KEY = /(inline[ \t]*:)[^|;\s]*/gi;
const KEY_MGMT_LINE = /^([ \t]*a[ \t]*=[ \t]*key-mgmt[ \t]*:[ \t]*[^\s]+)[^\r\n]*/gim;

const REDACTED = '<redacted>';

export function redactSipMessage(text: string): string {
  return text
    .replace(AUTH_HEADER, `$1 ${REDACTED}`)
    .replace(CRYPTO_LINE, (_line, head: string, rest: string) => head + rest.replace(INLINE_KEY, `$1${REDACTED}`))
    .replace(KEY_MGMT_LINE, `$1 ${REDACTED}`);
}

/** Remove every occurrence of a secret from free text (error messages, log lines). */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join(REDACTED);
}
