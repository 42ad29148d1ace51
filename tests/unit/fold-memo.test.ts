/**
 * Issue 14 (import speed): the contact store folds names word by word through FoldMemo. Search finds a contact only
 * if indexing and querying fold alike, so the memo must give exactly fold() for any text.
 */
import { fold, FoldMemo } from '../../electron/storage/text';
import { seededRandom } from '../lib/seeded-random';

describe('FoldMemo', () => {
  it('folds names with accents, ligatures and odd spacing exactly as fold does', () => {
    const memo = new FoldMemo();
    const names = [' Hélène  Œuvrard ', 'Straße ß', 'Bjørn Søren', 'x\t y', '', ' ', 'a\u00a0b c', "O'Brien Marie-Noël", 'ǅemal ǄEMAL', 'ﬁne Ǉ'];
    for (const name of names) expect(memo.fold(name)).toBe(fold(name));
  });

  it('keeps the context rules: Greek final sigma, dotted capital I, marks after a space', () => {
    const memo = new FoldMemo();
    for (const text of ['ΟΔΥΣΣΕΥΣ ΣΑΣ', 'ΑΣ\uFEFFΑ', 'ΑΣ \uFEFFΑ', 'ΑΣ\u00ADΑ Σ\u00AD', "Σ'Α ΑΣ'", 'İstanbul IŞIK', 'a \u0301b', '\u0301 x', 'e\u0301 \u0323\u0301']) {
      expect(memo.fold(text)).toBe(fold(text));
    }
  });

  it('agrees with fold on many random texts over an alphabet of tricky characters, memo warm or cold', () => {
    const alphabet = [' ', ' ', 'Σ', 'Α', 'σ', '\uFEFF', '\u00AD', "'", '\u0301', 'İ', 'I', 'ß', 'é', 'e', '\t', '\u00a0', 'Œ', '.', 'ǅ', 'ø'];
    const { int: rnd } = seededRandom(1);
    const memo = new FoldMemo();
    let differing = 0;
    for (let i = 0; i < 50_000; i++) {
      let text = '';
      for (let k = rnd(12); k > 0; k--) text += alphabet[rnd(alphabet.length)];
      if (memo.fold(text) !== fold(text)) differing++;
    }
    expect(differing).toBe(0);
  });
});
