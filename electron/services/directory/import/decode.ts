/**
 * Bytes → text. Classic Outlook writes CSV in the system ANSI code page (Windows-1252 for EN/FR), Outlook.com and
 * our own export write UTF-8 with a BOM, "Unicode" exports are UTF-16LE with a BOM (some tools write UTF-16BE, or
 * UTF-16 without a BOM: recognised by the zero high bytes of its ASCII letters). Otherwise we take UTF-8 when the
 * bytes are valid UTF-8, else Windows-1252 (every byte sequence is valid cp1252 text).
 * A few stray control characters (NUL…) don't make a file binary: they are removed from the decoded text.
 */
import iconv from 'iconv-lite';
import { fileTooLarge, ImportError, LIMITS } from './errors';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export function decodeText(buf: Buffer): { text: string; encoding: TextEncodingName } {
  if (buf.length === 0) throw new ImportError('empty', 'The file is empty.');
  if (buf.length > LIMITS.maxFileBytes) throw fileTooLarge();
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return checked(buf.subarray(3).toString('utf8'), 'utf-8');
  if (buf[0] === 0xff && buf[1] === 0xfe) return checked(iconv.decode(buf.subarray(2), 'utf16le'), 'utf-16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) return checked(iconv.decode(buf.subarray(2), 'utf16be'), 'utf-16be');
  const utf16 = utf16WithoutBom(buf.subarray(0, 8192));
  if (utf16) return checked(iconv.decode(buf, utf16 === 'utf-16le' ? 'utf16le' : 'utf16be'), utf16);
  try {
    return checked(new TextDecoder('utf-8', { fatal: true }).decode(buf), 'utf-8');
  } catch (err) {
    if (err instanceof ImportError) throw err;
    return checked(iconv.decode(buf, 'win1252'), 'windows-1252');
  }
}

/**
 * UTF-16 without a BOM: in contacts data most characters are ASCII, so one byte of each pair (the high one: odd
 * offsets in LE, even in BE) is almost always zero and the other almost never. Binary files have zeros on both sides.
 */
function utf16WithoutBom(head: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(head.length / 2);
  if (pairs < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (head[i] === 0) evenZero++;
    if (head[i + 1] === 0) oddZero++;
  }
  if (oddZero > pairs * 0.5 && evenZero < pairs * 0.05) return 'utf-16le';
  if (evenZero > pairs * 0.5 && oddZero < pairs * 0.05) return 'utf-16be';
  return undefined;
}

function binary(): ImportError {
  return new ImportError('binary', 'This is not a text file (it looks like a binary file). Export your contacts as CSV or vCard and try again.');
}

function checked(text: string, encoding: TextEncodingName): { text: string; encoding: TextEncodingName } {
  // Control characters other than tab/CR/LF are a strong sign of a binary file that happened to decode.
  const sample = text.slice(0, 8192);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0 || (c < 32 && c !== 9 && c !== 10 && c !== 13)) control++;
  }
  if (control > 0 && control / sample.length > 0.01) throw binary();
  // A stray NUL or BEL is damage, not data: it would reach the database, the screen and the OS notification.
  return { text: stripControls(text), encoding };
}

const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Removes C0 control characters (except tab, LF, CR) and DEL. */
export function stripControls(text: string): string {
  return text.replace(CONTROLS, '');
}
