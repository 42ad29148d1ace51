/**
 * Which colleague's busy lamp a contact shows (issue 13 item 2). Pure TS: the renderer decides which rows to watch
 * with it, and main uses it to turn a starred contact into a monitored favorite.
 *
 * The rule, in order:
 * 1. a phone of type `extension` (the LDAP attribute mapped to `extension`, or a personal contact's "Extension" field):
 *    its number, when it is a plain dial string (digits, letters, `* # + . _ -`, at most 32);
 * 2. otherwise the first work / main / other number that is an internal short number: 2 to 6 digits and nothing else
 *    (the directory treats numbers of at most 6 digits as extensions, never as public numbers — storage/phone.ts
 *    MAX_EXTENSION_DIGITS). Mobile, home, fax and pager numbers are never lamps: they are not on the PBX.
 * A contact with neither has no lamp and cannot be a monitored favorite.
 */
export interface ContactPhonesLike {
  readonly phones: readonly { readonly type: string; readonly number: string }[];
}

const DIAL_STRING = /^[0-9A-Za-z*#+._-]{1,32}$/;
const SHORT_NUMBER = /^\d{2,6}$/;
const INTERNAL_TYPES: ReadonlySet<string> = new Set(['work', 'main', 'other']);

export function contactExtension(contact: ContactPhonesLike): string | undefined {
  for (const p of contact.phones) {
    const n = p.number.trim().replace(/[\s]+/g, '');
    if (p.type === 'extension' && DIAL_STRING.test(n)) return n;
  }
  for (const p of contact.phones) {
    const n = p.number.trim();
    if (INTERNAL_TYPES.has(p.type) && SHORT_NUMBER.test(n)) return n;
  }
  return undefined;
}
