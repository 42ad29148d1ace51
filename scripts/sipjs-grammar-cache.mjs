// Issue 14 (INVITE → 180 Ringing latency): SIP.js 0.21's generated PEG parser (lib/grammar/pegjs/dist/grammar.js)
// rebuilds its whole bytecode table — 236 strings split and mapped to arrays — at EVERY call of its parse function,
// and SIP.js calls it several times per message (Request-URI, Via, From, To, CSeq, Contact…). Profiling the console
// while it was rung showed that decoding costing about three times the parsing itself (~1-6 ms per INVITE on the
// bench machine). This esbuild plugin bundles sip.js (instead of leaving it external) and builds that table once.
// The table is only ever read (peg$parseRule indexes it), so sharing it between calls changes nothing else.
//
// Measured again with the bytecode table cached (issue 14, INVITE → 180): the rest of that per-call set-up — about 400
// constants, among them ~150 regular expressions and ~100 action closures, rebuilt at every call — still cost about a
// third of an INVITE's parse when the process had been idle for a while (the bench's case: one call every ~0.5 s).
// So the parser's whole set-up (constants, actions, bytecode, helper functions) is made once per process, and each
// call only resets the parse state: input, options, positions, failure bookkeeping. No action calls the parser
// again (it is not re-entrant, as before: one parse runs to its end or throws before the next starts).
//
// Measured once more (issue 14, INVITE → 180, ~600 KiB allocated per INVITE before its 180 left, so a scavenge fell in
// that window for about a third of the calls): nearly all of it was the bytecode interpreter, peg$parseRule, which
// SIP.js's grammar enters thousands of times per message — three new arrays per entry (its value stack and the two
// stacks of its loop), and at each action a slice, a map with a new closure and a splice's array of removed values.
// So the interpreter shares one value stack and one loop stack between all its entries (each entry works above the
// height it found, and leaves the stacks at that height as it returns), calls an action with its arguments directly,
// and drops values off the top of the stack. Same opcodes, same order of evaluation, same results; a parse that throws
// (an action may) leaves values behind, which the next parse clears as it starts. Values are dropped with pop(), not by
// writing the array's length (also the original's POP_N opcode): a length write is a call into V8's runtime, ~8 % of a
// message's parse in a CPU profile; an INVITE parsed ~10-15 % faster (best of 20 rounds of 1,000, separate processes).
//
// And the character-class opcode never reads past the end of the input: `input.charAt(end)` is '' either way, but the
// out-of-bounds read made V8 throw away peg$parseRule's optimized code early in most processes (`--trace-deopt`:
// "deopt-eager, reason: out of bounds"), after which it ran only as on-stack-replacement code entered anew at each of
// its thousands of calls per message: an INVITE's parse took ~220 µs in 5 processes of 6 and ~100 µs in the other.
// With the bound checked first: ~100 µs in every process (8 of 8, no deopt).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const SIPJS_ENTRY = fileURLToPath(new URL('../node_modules/sip.js/lib/index.js', import.meta.url));

/** peg$parse's opening and state block, exactly as SIP.js 0.21's grammar.js has them. */
const HEAD = 'function peg$parse(input, options) {\n    options = options !== undefined ? options : {};\n    const peg$FAILED = {};\n    const peg$source = options.grammarSource;\n';
const STATE = `    let peg$currPos = 0;
    let peg$savedPos = 0;
    const peg$posDetailsCache = [{ line: 1, column: 1 }];
    let peg$maxFailPos = 0;
    let peg$maxFailExpected = [];
    let peg$silentFails = 0;
    let peg$result;
    if (options.startRule !== undefined) {
        if (!(options.startRule in peg$startRuleIndices)) {
            throw new Error("Can't start parsing from rule \\"" + options.startRule + "\\".");
        }
        peg$startRuleIndex = peg$startRuleIndices[options.startRule];
    }
`;
const START_RULE = /\n    let peg\$startRuleIndex = (\d+);\n/;
const DATA = '    options.data = {}; // Object to which header attributes will be assigned during parsing\n';
const RUN = '    peg$result = peg$parseRule(peg$startRuleIndex);\n';
const END = '\n}\nexport const parse = peg$parse;';

/** The grammar's source with its parser set up once per process; throws if SIP.js changed shape. */
export function cacheGrammarTables(src) {
  const at = (needle) => {
    const i = src.indexOf(needle);
    return i >= 0 && src.indexOf(needle, i + 1) < 0 ? i : -1;
  };
  const [h, s, d, r, e] = [at(HEAD), at(STATE), at(DATA), at(RUN), at(END)];
  const start = START_RULE.exec(src);
  if (!start || !(h >= 0 && h < start.index && start.index < s && s < d && d < r && r < e)) {
    throw unknownShape('');
  }
  // Built once: start-rule indices, constants and actions, bytecode (they only read the state variables below).
  const tables = src.slice(h + HEAD.length, s);
  // text(), location(), peg$fail, peg$parseRule, list()…: function declarations over the same state.
  const helpers = sharedInterpreterStacks(src.slice(s + STATE.length, d) + src.slice(d + DATA.length, r));
  // Per call: the state reset as the original initialised it, then the start rule and the result or the error.
  const reset =
    STATE.replace('    const peg$posDetailsCache', '    peg$posDetailsCache').replace(/    let (peg\$\w+)( = [^;]+)?;\n/g, (_, v, init) => `    ${v}${init ?? ' = undefined'};\n`) +
    '    peg$stack.length = 0;\n    peg$ips.length = 0;\n    peg$ends.length = 0;\n';
  return (
    src.slice(0, h) +
    'let peg$parseOnce;\n' +
    'function peg$parse(input, options) {\n    return (peg$parseOnce ??= peg$makeParse())(input, options);\n}\n' +
    'function peg$makeParse() {\n    let input;\n    let options;\n    const peg$FAILED = {};\n    let peg$source;\n' +
    tables +
    '    let peg$currPos;\n    let peg$savedPos;\n    let peg$posDetailsCache;\n    let peg$maxFailPos;\n    let peg$maxFailExpected;\n    let peg$silentFails;\n    let peg$result;\n' +
    helpers +
    '    return function peg$parseOne(input1, options1) {\n' +
    '    input = input1;\n    options = options1 !== undefined ? options1 : {};\n    peg$source = options.grammarSource;\n' +
    `    peg$startRuleIndex = ${start[1]};\n` +
    reset +
    DATA +
    src.slice(r, e) +
    '\n    };' +
    src.slice(e) // the closing brace, now peg$makeParse's, and the export
  );
}

/**
 * peg$parseRule's pieces that allocate at every entry or action, as SIP.js 0.21's grammar.js has them (exactly once
 * each), and what replaces them: see the comment at the top.
 */
const INTERPRETER = [
  [
    '        const ips = [];\n        let end = bc.length;\n        const ends = [];\n        const stack = [];\n        let params;\n',
    '        const ips = peg$ips;\n        let end = bc.length;\n        const ends = peg$ends;\n        const stack = peg$stack;\n        const base = stack.length;\n        const loopBase = ends.length;\n',
  ],
  ['                        stack.length -= bc[ip + 1];\n', '                        for (let n = bc[ip + 1]; n > 0; n--) stack.pop();\n'],
  [
    '                        if (peg$consts[bc[ip + 1]].test(input.charAt(peg$currPos))) {\n',
    '                        if (peg$consts[bc[ip + 1]].test(peg$currPos < input.length ? input.charAt(peg$currPos) : "")) {\n',
  ],
  ['                        stack.splice(-2, 1);\n', '                        stack[stack.length - 2] = stack.pop();\n'],
  [
    '                        params = bc.slice(ip + 4, ip + 4 + bc[ip + 3])\n                            .map(function (p) { return stack[stack.length - 1 - p]; });\n                        stack.splice(stack.length - bc[ip + 2], bc[ip + 2], peg$consts[bc[ip + 1]].apply(null, params));\n',
    '                        {\n                            const value = peg$callAction(peg$consts[bc[ip + 1]], bc, ip + 4, bc[ip + 3], stack);\n                            for (let n = bc[ip + 2]; n > 0; n--) stack.pop();\n                            stack.push(value);\n                        }\n',
  ],
  ['            if (ends.length > 0) {\n', '            if (ends.length > loopBase) {\n'],
  ['        return stack[0];\n    }\n', '        const result = stack[base];\n        while (stack.length > base) stack.pop();\n        return result;\n    }\n'],
];

/** The action call of opcode 26 without building an argument array (SIP.js's actions take up to a handful). */
const CALL_ACTION = `    const peg$stack = [];
    const peg$ips = [];
    const peg$ends = [];
    function peg$callAction(f, bc, at, count, stack) {
        const top = stack.length - 1;
        switch (count) {
            case 0: return f();
            case 1: return f(stack[top - bc[at]]);
            case 2: return f(stack[top - bc[at]], stack[top - bc[at + 1]]);
            case 3: return f(stack[top - bc[at]], stack[top - bc[at + 1]], stack[top - bc[at + 2]]);
            case 4: return f(stack[top - bc[at]], stack[top - bc[at + 1]], stack[top - bc[at + 2]], stack[top - bc[at + 3]]);
            default: {
                const params = [];
                for (let i = 0; i < count; i++) params.push(stack[top - bc[at + i]]);
                return f(...params);
            }
        }
    }
`;

/** The helpers with peg$parseRule on shared stacks; throws if SIP.js changed shape. */
function sharedInterpreterStacks(helpers) {
  const rule = helpers.indexOf('    function peg$parseRule(index) {\n');
  if (rule < 0) throw unknownShape(' (peg$parseRule)');
  let out = helpers;
  for (const [from, to] of INTERPRETER) {
    const i = out.indexOf(from);
    if (i < 0 || out.indexOf(from, i + 1) >= 0) {
      throw unknownShape(' (peg$parseRule)');
    }
    out = out.slice(0, i) + to + out.slice(i + from.length);
  }
  return out.slice(0, rule) + CALL_ACTION + out.slice(rule);
}

/**
 * SIP.js's headerize() ("call-id" → "Call-ID") runs at every header a message adds, sets or looks up — about a hundred
 * times per INVITE — splitting, upper-casing and concatenating each time: with the header values read by
 * sip-core/adapters/sipjs/fast-grammar.ts, it was the largest self time left before an INVITE's 180 (~7 %). It is a pure
 * function of its string: its results are kept in a map, emptied when it reaches 512 names (names come from the
 * network).
 */
const HEADERIZE = 'export function headerize(str) {\n';
export function memoizeHeaderize(src) {
  const i = src.indexOf(HEADERIZE);
  if (i < 0 || src.indexOf(HEADERIZE, i + 1) >= 0) throw unknownShape(' (utils.js headerize)');
  return (
    src.slice(0, i) +
    'const headerizeMemo = new Map();\n' +
    'export function headerize(str) {\n' +
    '    let name = headerizeMemo.get(str);\n' +
    '    if (name === undefined) {\n' +
    '        if (headerizeMemo.size >= 512) headerizeMemo.clear();\n' +
    '        name = headerizeOnce(str);\n' +
    '        headerizeMemo.set(str, name);\n' +
    '    }\n' +
    '    return name;\n' +
    '}\n' +
    'function headerizeOnce(str) {\n' +
    src.slice(i + HEADERIZE.length)
  );
}

/** The build stops rather than ship an unpatched (or half-patched) parser. */
function unknownShape(where) {
  return new Error(`sipjs-grammar-cache: sip.js grammar.js no longer has the expected shape${where}: update scripts/sipjs-grammar-cache.mjs`);
}

export const sipJsGrammarCache = {
  name: 'sipjs-grammar-cache',
  setup(b) {
    b.onResolve({ filter: /^sip\.js$/ }, () => ({ path: SIPJS_ENTRY }));
    b.onLoad({ filter: /[\\/]sip\.js[\\/]lib[\\/]grammar[\\/]pegjs[\\/]dist[\\/]grammar\.js$/ }, async (args) => ({
      contents: cacheGrammarTables(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]sip\.js[\\/]lib[\\/]core[\\/]messages[\\/]utils\.js$/ }, async (args) => ({
      contents: memoizeHeaderize(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
