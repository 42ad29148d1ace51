/**
 * SIP over a byte stream (TCP/TLS): RFC 3261 §18.3 — a message ends after its headers plus Content-Length bytes of
 * body; Content-Length is mandatory on streams. CRLF keep-alives between messages (RFC 5626 §3.5.1) are skipped.
 */

/**
 * A header section (blank line included) longer than this: the peer is not speaking SIP; drop the connection. Judged
 * on the bytes, not on how reads cut them: when one read brought the end of an overlong section along, a bare-LF
 * message glued to the next one's blank line was taken as a header whose Content-Length then swallowed the following
 * messages, pings included, and the flow was dead while we showed "registered" (found by sip-hostile.test.ts, seed 2306655234).
 */
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n');

export class SipFramingError extends Error {
  override name = 'SipFramingError';
}

export class SipStreamFramer {
  #buffer: Buffer = Buffer.alloc(0);
  /** CRLF runs seen between messages: keep-alive pongs (RFC 5626 §4.4.1) from a server that answers our pings. */
  pongs = 0;

  /** Feed bytes; returns the complete messages now available. Throws SipFramingError on garbage. */
  push(chunk: Buffer): string[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const messages: string[] = [];
    for (;;) {
      // Skip keep-alive CRLFs between messages.
      let start = 0;
      while (start < this.#buffer.length && (this.#buffer[start] === 0x0d || this.#buffer[start] === 0x0a)) start++;
      if (start > 0) {
        this.pongs++;
        this.#buffer = this.#buffer.subarray(start);
      }
      if (this.#buffer.length === 0) break;
      const headerEnd = this.#buffer.indexOf(HEADER_END);
      if (headerEnd < 0) {
        // Whatever comes next, the section would end past the limit.
        if (this.#buffer.length >= MAX_HEADER_BYTES) throw new SipFramingError('SIP header section too long');
        break;
      }
      if (headerEnd + HEADER_END.length > MAX_HEADER_BYTES) throw new SipFramingError('SIP header section too long');
      const head = this.#buffer.subarray(0, headerEnd).toString('utf8');
      const length = contentLength(head);
      if (length > MAX_BODY_BYTES) throw new SipFramingError('SIP body too large');
      const total = headerEnd + HEADER_END.length + length;
      if (this.#buffer.length < total) break;
      messages.push(this.#buffer.subarray(0, total).toString('utf8'));
      this.#buffer = this.#buffer.subarray(total);
    }
    return messages;
  }
}

/** Content-Length or its compact form `l` (RFC 3261 §7.3.3); absent ⇒ 0. */
function contentLength(head: string): number {
  const match = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(head);
  if (!match) return 0;
  return Number(match[1]);
}
