// Issue 14 (50,000-row import ≤ 2 s): what `import … from 'libphonenumber-js'` means in the console's bundles.
//
// libphonenumber-js's default build (es6/, and build/ for require) is compiled by Babel for old browsers: each parse
// spreads its options through Babel's `_objectSpread` helper (Object.keys, getOwnPropertySymbols and defineProperty
// per key, twice per call), each class construction runs `_classCallCheck`. A first import of 50,000 Outlook rows parses
// and formats ~75,000 numbers in the storage worker, and in a CPU profile of that work those helpers were the largest
// single cost inside libphonenumber. The package ships the same source compiled for modern engines (es6-modern/:
// native classes, Object.assign) but does not export it. This esbuild plugin bundles it: 'libphonenumber-js' becomes
// the small module below, which calls es6-modern's parse with the same 'min' metadata as the package's default export.
// Same source, same metadata, same results (tests/unit/phone-modern-build.test.ts compares both builds number by
// number). 75,000 numbers parsed and formatted in a cold process: ~0.7 s → ~0.5 s.
//
// Only the bare 'libphonenumber-js' is redirected ('libphonenumber-js/package.json', read for its version, is not), and
// only what the console imports from it is exported: esbuild fails the build on any other named import, so a new use
// is noticed here instead of being taken silently from the other build.
import { fileURLToPath } from 'node:url';

const PACKAGE = fileURLToPath(new URL('../node_modules/libphonenumber-js/', import.meta.url));

/** The module that stands for 'libphonenumber-js' in the bundles. */
const MODERN_ENTRY = `
import parsePhoneNumber from './es6-modern/parsePhoneNumber.js';
import ModernMetadata, { getCountryCallingCode as getCountryCallingCodeOf } from './es6-modern/metadata.js';
import metadata from './metadata.min.json.js';
/** As libphonenumber-js's parsePhoneNumberFromString(text, defaultCountry). */
export function parsePhoneNumberFromString(text, defaultCountry) {
  return parsePhoneNumber(text, defaultCountry, metadata);
}
/** As libphonenumber-js's Metadata: the same metadata, a country's numbering plan chosen with selectNumberingPlan. */
export class Metadata extends ModernMetadata {
  constructor() {
    super(metadata);
  }
}
/** As libphonenumber-js's getCountryCallingCode(country). */
export function getCountryCallingCode(country) {
  return getCountryCallingCodeOf(country, metadata);
}
`;

/** @type {import('esbuild').Plugin} */
export const libphonenumberModern = {
  name: 'libphonenumber-modern',
  setup(build) {
    build.onResolve({ filter: /^libphonenumber-js$/ }, () => ({ path: 'libphonenumber-js', namespace: 'libphonenumber-modern' }));
    build.onLoad({ filter: /.*/, namespace: 'libphonenumber-modern' }, () => ({ contents: MODERN_ENTRY, loader: 'js', resolveDir: PACKAGE }));
  },
};
