/**
 * Trace redaction: SIP messages go to logs with credentials removed. Digest responses (RFC 3261 §22.4) are
 * replayable within a nonce's lifetime and allow offline password guessing, so the whole value goes.
 */
const AUTH_HEADER = /^((?:proxy-)?authorization[ \t]*:)[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/gim;

export function redactSipMessage(text: string): string {
  return text.replace(AUTH_HEADER, '$1 <redacted>');
}

/** Remove every occurrence of a secret from free text (error messages, log lines). */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('<redacted>');
}
