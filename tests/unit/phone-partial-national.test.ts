/**
 * The start of a number typed in international form for the console's country, as it starts written nationally
 * (electron/storage/phone.ts partialNationalForms): what the call history search also looks for, so "+33 1 45" finds a
 * call presented as 01 45 67 89 01. The national prefix comes from each country's own formats in libphonenumber's
 * metadata, and every result is checked against libphonenumber's national format of a whole number with that start.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { digitsOf, partialNationalForms } from '../../electron/storage/phone';

describe('partialNationalForms', () => {
  it.each<[CountryCode, string, string[], string]>([
    ['FR', '+33 1 45', ['0145'], '+33 1 45 67 89 01'],
    ['FR', '0033 6 12', ['0612'], '+33 6 12 34 56 78'],
    ['FR', '+33 (0)1 45', ['0145'], '+33 1 45 67 89 01'],
    ['GB', '+44 20 79', ['02079'], '+44 20 7946 0018'],
    ['DE', '+49 30 12', ['03012'], '+49 30 1234567'],
    ['HU', '+36 1 23', ['06123'], '+36 1 234 5678'],
    ['US', '+1 201 55', ['20155'], '+1 201 555 0123'],
    ['US', '011 1 201 55', ['20155'], '+1 201 555 0123'],
    ['IT', '+39 06 12', ['0612'], '+39 06 1234 5678'],
    ['NL', '+31 20 12', ['02012'], '+31 20 123 4567'],
  ])('%s: %s → %j, the start of the national form of %s', (country, typed, forms, whole) => {
    expect(partialNationalForms(typed, country)).toEqual(forms);
    const national = digitsOf(parsePhoneNumberFromString(whole)!.formatNational());
    expect(forms.some((f) => national.startsWith(f))).toBe(true);
  });

  it('gives one form per national prefix a country writes (Brazil: with "0" and without)', () => {
    expect(partialNationalForms('+55 11 91', 'BR').sort()).toEqual(['011 91', '11 91'].map(digitsOf).sort());
  });

  it('reads nothing else as such a start', () => {
    for (const [text, country] of [
      ['+44 1 45', 'FR'], // another country's code
      ['+33', 'FR'], // nothing after the code
      ['0145', 'FR'], // already national
      ['+33 1 45 a', 'FR'], // not a number
      ['Dupont', 'FR'],
      ['8 10 7 495', 'RU'], // an international prefix that is not fixed digits (8~10): only "+" is read
      ['', 'FR'],
    ] as [string, CountryCode][]) {
      expect([text, partialNationalForms(text, country)]).toEqual([text, []]);
    }
  });
});
