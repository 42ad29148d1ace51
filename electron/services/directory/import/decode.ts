/**
 * Bytes → text. Classic Outlook writes CSV in the system ANSI code page (Windows-1252 for EN/FR), Outlook.com and
 * our own export write UTF-8 with a BOM, "Unicode" exports are UTF-16LE with a BOM. Without a BOM we take UTF-8
 * when the bytes are valid UTF-8, else Windows-1252 (every byte sequence is valid cp1252 text).
 */
import iconv from 'iconv-lite';
import { ImportError, LIMITS } from './errors';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'windows-1252';

export function decodeText(buf: Buffer): { text: string; encoding: TextEncodingName } {
  if (buf.length === 0) throw new ImportError('empty', 'The file is empty.');
  if (buf.length > LIMITS.maxFileBytes) {
    throw new ImportError('too-large', `The file is larger than ${LIMITS.maxFileBytes / 1024 / 1024} MB; split it before importing.`);
  }
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return checked(buf.subarray(3).toString('utf8'), 'utf-8');
  if (buf[0] === 0xff && buf[1] === 0xfe) return checked(iconv.decode(buf.subarray(2), 'utf16le'), 'utf-16le');
  const head = buf.subarray(0, 8192);
  if (head.includes(0)) throw binary();
  try {
    return checked(new TextDecoder('utf-8', { fatal: true }).decode(buf), 'utf-8');
  } catch (err) {
    if (err instanceof ImportError) throw err;
    return checked(iconv.decode(buf, 'win1252'), 'windows-1252');
  }
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
  return { text, encoding };
}
