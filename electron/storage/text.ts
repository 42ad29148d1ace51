/** Text folding shared by indexing and querying: both sides must fold identically or searches miss. */

const LIGATURES: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', ı: 'i' };

/** Lower case, no diacritics ("Hélène Œuvrard" → "helene oeuvrard"), whitespace collapsed. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđłı]/g, (c) => LIGATURES[c] ?? c)
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * fold() through a memo of words (an import folds 50,000 names whose words — first names, surnames — repeat). fold
 * maps each character on its own except whitespace, which it collapses, so the words between ASCII spaces folded one
 * by one and the non-empty results joined with one space give exactly fold(text). (Its one context rule, Greek final
 * sigma in toLowerCase, looks through case-ignorable characters to the nearest cased one; an ASCII space is neither,
 * and NFD never reorders across it.)
 */
export class FoldMemo {
  readonly #words = new Map<string, string>();

  fold(text: string): string {
    let out = '';
    let start = 0;
    for (;;) {
      const end = text.indexOf(' ', start);
      const word = end < 0 ? text.slice(start) : text.slice(start, end);
      if (word !== '') {
        let f = this.#words.get(word);
        if (f === undefined) {
          if (this.#words.size >= 20_000) this.#words.clear();
          f = fold(word);
          this.#words.set(word, f);
        }
        if (f !== '') out = out === '' ? f : `${out} ${f}`;
      }
      if (end < 0) return out;
      start = end + 1;
    }
  }
}

/**
 * The tokens of an already folded text as FTS5's unicode61 tokenizer cuts them: runs of letters, digits and private-use
 * characters (its default `categories 'L* N* Co'`); everything else separates.
 */
export function foldedTokens(folded: string): string[] {
  return folded.split(/[^\p{L}\p{N}\p{Co}]+/u).filter((w) => w.length > 0);
}

/** The words of a text, folded, as FTS5's unicode61 tokenizer cuts the folded text the index holds. */
export function words(text: string): string[] {
  return foldedTokens(fold(text));
}

/** The longest prefix the contacts index keeps (migration 0006: `prefix = '1 2 3 4 5 6 7 8'`, in characters). */
export const FTS_PREFIX_MAX = 8;

export interface FtsPrefixQuery {
  /** Every query word as a prefix phrase, ANDed: `"hel"* "dup"*`. */
  readonly match: string;
  /** The query words longer than `maxPrefix`, which `match` holds cut to their first `maxPrefix` characters. */
  readonly cut: readonly string[];
}

/**
 * An FTS5 prefix query from user input: every word becomes a quoted string with `*`, so operators and
 * punctuation typed by the user (`*)(`, `"`, `NEAR`, `-`) are plain text, never syntax (FTS5 §3.1: a string in
 * double quotes, with `""` for an embedded quote). Returns undefined when nothing searchable is left.
 *
 * A prefix longer than the table's longest prefix index is not read from an index: FTS5 merges the doclists of every
 * term in its range first (at 100,000 contacts "electricite"* takes ~0.4 ms, "electric"* ~0.08 ms). Words longer
 * than `maxPrefix` characters are therefore cut to it and listed in `cut`, for the caller to check the whole word.
 */
export function ftsPrefixQuery(input: string | readonly string[], maxPrefix = Number.POSITIVE_INFINITY): FtsPrefixQuery | undefined {
  const ws = typeof input === 'string' ? words(input) : input; // (a caller that has split the query already)
  if (ws.length === 0) return undefined;
  const cut: string[] = [];
  const phrases = ws.map((w) => {
    const chars = Array.from(w); // FTS5 counts prefix lengths in characters (code points), not UTF-16 units
    if (chars.length > maxPrefix) {
      cut.push(w);
      w = chars.slice(0, maxPrefix).join('');
    }
    return `"${w.replace(/"/g, '""')}"*`;
  });
  return { match: phrases.join(' '), cut };
}
