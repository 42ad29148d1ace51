/** Hex text ⇄ bytes for descriptors pasted by support staff or stored as test fixtures. */
import { HidError } from './errors';

export class HexFormatError extends HidError {
  override readonly name = 'HexFormatError';
  readonly code = 'bad-hex';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/**
 * Parse hex bytes as printed by usbhid-dump, hidrd-convert, Wireshark or C arrays: whitespace, commas and `0x`
 * prefixes are allowed; `#` and `//` start comments to the end of the line. Each byte is exactly two digits.
 */
export function parseHexBytes(text: string): Uint8Array {
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  let position = 0;
  for (const line of lines) {
    const code = line.replace(/(#|\/\/).*$/, '');
    const tokens = code.split(/[\s,;]+/).filter((t) => t.length > 0);
    for (const token of tokens) {
      const digits = token.replace(/^0x/i, '');
      if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(digits)) {
        throw new HexFormatError(`"${token}" is not a hex byte (expected pairs of 0-9/a-f, e.g. "05 0b").`, position);
      }
      for (let i = 0; i < digits.length; i += 2) out.push(parseInt(digits.slice(i, i + 2), 16));
      position += 1;
    }
  }
  return Uint8Array.from(out);
}

export function toHex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
