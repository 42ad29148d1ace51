/**
 * The bundles parse numbers with libphonenumber-js's modern-syntax build (scripts/libphonenumber-modern.mjs; issue 14),
 * the tests and tsx runs with its default build. Both must read every number the same way: this compares them on each
 * country's example numbers and variants of them (other digits, a digit more or less, national and international
 * forms, read from that country and from France), and on hand-typed numbers of the kinds directories hold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCountries, getCountryCallingCode, getExampleNumber, Metadata, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';

const ROOT = join(__dirname, '..', '..');
type Parse = (text: string, defaultCountry?: CountryCode) => PhoneNumber | undefined;

let dir: string;
let modern: Parse;
let modernMetadata: typeof Metadata;
let modernCallingCode: typeof getCountryCallingCode;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rc-phone-modern-'));
  const out = join(dir, 'phone.cjs');
  // Bundled with the options scripts/build-node.mjs ships the console with (scripts/node-bundle.mjs; its plugins only
  // run in esbuild's asynchronous API): a bundle that no longer took the modern build would fail the first test.
  const script = `
    import { build } from 'esbuild';
    import { nodeBundleOptions } from ${JSON.stringify(join(ROOT, 'scripts', 'node-bundle.mjs'))};
    await build({
      ...nodeBundleOptions,
      sourcemap: false,
      stdin: { contents: "export { parsePhoneNumberFromString, Metadata, getCountryCallingCode } from 'libphonenumber-js';", resolveDir: ${JSON.stringify(ROOT)} },
      outfile: ${JSON.stringify(out)}, logLevel: 'error',
    });`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require(out) as { parsePhoneNumberFromString: Parse; Metadata: typeof Metadata; getCountryCallingCode: typeof getCountryCallingCode };
  modern = bundle.parsePhoneNumberFromString;
  modernMetadata = bundle.Metadata;
  modernCallingCode = bundle.getCountryCallingCode;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything the console reads from a parse, and more. */
function reading(p: PhoneNumber | undefined): unknown {
  if (!p) return null;
  return {
    number: p.number,
    country: p.country ?? null,
    callingCode: p.countryCallingCode,
    national: p.nationalNumber,
    ext: p.ext ?? null,
    possible: p.isPossible(),
    valid: p.isValid(),
    nationalFormat: p.formatNational(),
    internationalFormat: p.formatInternational(),
    uri: p.getURI(),
  };
}

let compared = 0;
function same(text: string, country?: CountryCode): void {
  const expected = reading(parsePhoneNumberFromString(text, country));
  const actual = reading(modern(text, country));
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ text, country, actual }).toEqual({ text, country, actual: expected });
  compared++;
}

it('the modern build is the one bundled, not the default build again', () => {
  // The bundle holds es6-modern's code and none of the default build's Babel helpers.
  const bundle = readFileSync(join(dir, 'phone.cjs'), 'utf8');
  expect(bundle).toContain('es6-modern/parsePhoneNumber');
  expect(bundle).not.toMatch(/_objectSpread|_classCallCheck/);
  expect(bundle).not.toMatch(/require\(["']libphonenumber-js["']\)/);
  expect(modern('+33 1 23 45 67 89', 'FR')?.formatNational()).toBe('01 23 45 67 89');
});

it('reads every country\'s example numbers and their variants as the default build does', () => {
  const countries = getCountries();
  expect(countries.length).toBeGreaterThan(200);
  for (const country of countries) {
    const example = getExampleNumber(country, examples);
    if (!example) continue;
    const nsn = example.nationalNumber as string;
    const cc = example.countryCallingCode as string;
    const variants = new Set<string>([nsn]);
    for (let k = 1; k <= 9; k++) {
      const tail = String((Number(nsn.slice(-3)) + k * 137) % 1000).padStart(3, '0');
      variants.add(nsn.slice(0, -3) + tail);
    }
    variants.add(nsn.slice(0, -1));
    variants.add(`${nsn}7`);
    for (const v of variants) {
      const national = parsePhoneNumberFromString(`+${cc}${v}`)?.formatNational() ?? v;
      same(national, country);
      same(national.replace(/\D/g, ''), country);
      same(`+${cc} ${v}`, 'FR');
      same(`+${cc}${v}`, country);
      same(`00${cc}${v}`, 'FR');
      same(v);
    }
  }
  expect(compared).toBeGreaterThan(countries.length * 40);
});

it('reads hand-typed numbers, extensions and garbage as the default build does', () => {
  const typed = [
    '01 23 45 67 89', '+33 (0)1.23.45.67.89', '0033 1 23 45 67 89', '06-12-34-56-78 x 12', '01 23 45 67 89 ext. 42',
    '+1 (415) 555-2671', '+44 20 7946 0018', '+49 30/1234567', '+32 2 123 45 67', '+41 44 668 18 00', '+54 9 11 1234-5678',
    '+7 495 123-45-67', '1001', '12', '0800 VOIP', 'n/a', '++33 1', '12#34', '  ', '+', '+33', 'tel:+33123456789',
    '+31 20 123 4567', '020 123 4567', '+39 06 6982 1234', '+34 912 34 56 78', '+81 3-1234-5678', '+55 11 91234-5678',
    '+52 1 55 1234 5678', '+86 10 1234 5678', '+91 98765 43210', '+61 2 9876 5432', '+353 1 234 5678', '+1 800 FLOWERS',
  ];
  for (const text of typed) for (const country of ['FR', 'US', 'GB', 'DE', 'BE', 'NL', 'CH', 'AR', undefined] as (CountryCode | undefined)[]) same(text, country);
});

it('gives every country the same calling code, international prefix and national prefixes as the default build', () => {
  // What partialNationalForms (electron/storage/phone.ts) reads from the metadata.
  const plan = (M: typeof Metadata, country: CountryCode): unknown => {
    const m = new M();
    m.selectNumberingPlan(country);
    const p = m.numberingPlan as unknown as { IDDPrefix(): string; defaultIDDPrefix(): string | undefined; formats(): { nationalPrefixFormattingRule(): unknown }[] };
    return [p.IDDPrefix(), p.defaultIDDPrefix() ?? null, p.formats().map((f) => f.nationalPrefixFormattingRule())];
  };
  for (const country of getCountries()) {
    expect([country, modernCallingCode(country), plan(modernMetadata, country)]).toEqual([country, getCountryCallingCode(country), plan(Metadata, country)]);
  }
});
