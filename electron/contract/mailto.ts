/**
 * E-mail links (a contact's address opens the receptionist's mail program, to pass on a message): the page builds
 * them with mailtoUrl, the Electron shell opens only what isPlainMailto accepts (electron/main/policy.ts). An address
 * comes from imported files and the company directory, so it is hostile input: one plain address only, nothing a mail
 * program would read as more — no "?" header fields (attach=, body=, cc=), no second address, no escapes, spaces or
 * quotes. Anything else stays plain text. No zod: the page imports this file directly.
 */
const PLAIN_ADDRESS = /^[A-Za-z0-9.!$'*+/=^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** `mailto:` + the address, or undefined when it is not one plain address (then it is shown without a link). */
export function mailtoUrl(address: string): string | undefined {
  const a = address.trim();
  return a.length <= 254 && PLAIN_ADDRESS.test(a) ? `mailto:${a}` : undefined;
}

/** A URL mailtoUrl could have built: the only mailto: links the shell hands to the mail program. */
export function isPlainMailto(url: string): boolean {
  return url.startsWith('mailto:') && mailtoUrl(url.slice('mailto:'.length)) === url;
}
