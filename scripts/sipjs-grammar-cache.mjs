// Issue 14 (INVITE → 180 Ringing latency): SIP.js 0.21's generated PEG parser (lib/grammar/pegjs/dist/grammar.js)
// rebuilds its whole bytecode table — 236 strings split and mapped to arrays — at EVERY call of its parse function,
// and SIP.js calls it several times per message (Request-URI, Via, From, To, CSeq, Contact…). Profiling the console
// while it was rung showed that decoding costing about three times the parsing itself (~1-6 ms per INVITE on the
// bench machine). This esbuild plugin bundles sip.js (instead of leaving it external) and builds that table once.
// The table is only ever read (peg$parseRule indexes it), so sharing it between calls changes nothing else.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const SIPJS_ENTRY = fileURLToPath(new URL('../node_modules/sip.js/lib/index.js', import.meta.url));
const TABLE = '    const peg$bytecode = [\n';

/** The grammar's source with its bytecode table built once per process; throws if SIP.js changed shape. */
export function cacheGrammarTables(src) {
  const start = src.indexOf(TABLE);
  const end = start < 0 ? -1 : src.indexOf('\n    ];\n', start);
  if (start < 0 || end < 0 || src.indexOf(TABLE, start + 1) >= 0 || !src.includes('function peg$parse(input, options) {')) {
    throw new Error('sipjs-grammar-cache: sip.js grammar.js no longer has the expected shape: update scripts/sipjs-grammar-cache.mjs');
  }
  const body = src.slice(start + TABLE.length, end);
  return (
    src.slice(0, start).replace('function peg$parse(input, options) {', 'let peg$bytecodeOnce;\nfunction peg$parse(input, options) {') +
    `    const peg$bytecode = (peg$bytecodeOnce ??= [\n${body}\n    ]);\n` +
    src.slice(end + '\n    ];\n'.length)
  );
}

export const sipJsGrammarCache = {
  name: 'sipjs-grammar-cache',
  setup(b) {
    b.onResolve({ filter: /^sip\.js$/ }, () => ({ path: SIPJS_ENTRY }));
    b.onLoad({ filter: /[\\/]sip\.js[\\/]lib[\\/]grammar[\\/]pegjs[\\/]dist[\\/]grammar\.js$/ }, async (args) => ({
      contents: cacheGrammarTables(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
