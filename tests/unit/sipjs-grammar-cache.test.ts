/**
 * Issue 14: the build bundles sip.js with its PEG grammar set up once (scripts/sipjs-grammar-cache.mjs: bytecode table,
 * constants and actions) instead of at every header parse, its interpreter on stacks shared by all rules. The patched
 * grammar must parse exactly as the original, call after call (everything but the parse state is shared between calls,
 * also after a failed parse or one an action threw out of), and the patch must refuse a grammar.js whose shape it does
 * not know.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PATCH = path.join(ROOT, 'scripts/sipjs-grammar-cache.mjs');
const SIPJS_LIB = path.join(ROOT, 'node_modules/sip.js/lib');

/** Runs an ES module script in a plain node (sip.js is ESM; the patch module is .mjs). */
function runModule(code: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipjs-grammar-'));
  const file = path.join(dir, 'check.mjs');
  fs.writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`node exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Module code that loads `file` (relative to sip.js's lib/) twice, as `original` (sip.js as installed) and as
 * `patched` (a temporary copy of lib/ whose grammar went through cacheGrammarTables); `copy` is that copy's folder.
 */
function bothVersions(file: string, exportName: string): string {
  return `
      import fs from 'node:fs';
      import os from 'node:os';
      import path from 'node:path';
      import { pathToFileURL } from 'node:url';
      import { cacheGrammarTables } from ${JSON.stringify(pathToFileUrl(PATCH))};
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sipjs-copy-'));
      fs.cpSync(${JSON.stringify(SIPJS_LIB)}, path.join(copy, 'lib'), { recursive: true });
      fs.writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ type: 'module' }));
      const g = path.join(copy, 'lib/grammar/pegjs/dist/grammar.js');
      fs.writeFileSync(g, cacheGrammarTables(fs.readFileSync(g, 'utf8')));
      const original = (await import(pathToFileURL(${JSON.stringify(`${SIPJS_LIB}/${file}`)}).href)).${exportName};
      const patched = (await import(pathToFileURL(path.join(copy, ${JSON.stringify(`lib/${file}`)})).href)).${exportName};`;
}

describe('sip.js grammar set up once', () => {
  it('parses requests and responses exactly as the original, also on repeated calls', () => {
    const out = runModule(`
      ${bothVersions('core/messages/parser.js', 'Parser')}
      const logger = { warn() {}, error() {}, log() {}, debug() {} };
      const msgs = [
        ['INVITE sip:1001@127.0.0.1:5090;transport=udp SIP/2.0',
         'Record-Route: <sip:127.0.0.1;lr;ftag=21419b1;did=db4.374>',
         'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK0a1b.1234567.0',
         'Via: SIP/2.0/UDP 127.0.0.1:5177;rport=5177;branch=z9hG4bK-rb-21419-1',
         'From: "Hélène \\\\"RB1\\\\"" <sip:rb1@bench.invalid>;tag=21419b1',
         'To: <sip:1001@127.0.0.1>', 'Call-ID: 1-21419@127.0.0.1', 'CSeq: 1 INVITE',
         'Contact: <sip:rb1@127.0.0.1:5177>;expires=60', 'P-Asserted-Identity: "Bob" <sip:+33123456789@pbx.example;user=phone>',
         'Max-Forwards: 69', 'Content-Type: application/sdp', 'Content-Length: 0', '', ''].join('\\r\\n'),
        ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 127.0.0.1:5090;rport=5090;branch=z9hG4bK123',
         'From: <sip:1001@127.0.0.1>;tag=abc', 'To: <sip:1001@127.0.0.1>;tag=def', 'Call-ID: reg-1', 'CSeq: 2 REGISTER',
         'Contact: <sip:1001@127.0.0.1:5090>;expires=600, <sip:1001@10.0.0.9:5062;transport=tcp>;expires=30',
         'Content-Length: 0', '', ''].join('\\r\\n'),
        ['NOTIFY sip:1001@127.0.0.1:5090 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKn1',
         'From: <sip:1002@127.0.0.1>;tag=n1', 'To: <sip:1001@127.0.0.1>;tag=n2', 'Call-ID: sub-1', 'CSeq: 7 NOTIFY',
         'Event: dialog', 'Subscription-State: active;expires=3600', 'Content-Length: 0', '', ''].join('\\r\\n'),
      ];
      const view = (m) => m && JSON.stringify({
        method: m.method, status: m.statusCode, ruri: m.ruri && String(m.ruri), from: String(m.from?.uri), fromName: m.from?.displayName,
        fromTag: m.fromTag, to: String(m.to?.uri), toTag: m.toTag, callId: m.callId, cseq: m.cseq, branch: m.via?.branch,
        contact: m.getHeaders('contact').length && String(m.parseHeader('contact')),
        pai: m.hasHeader('p-asserted-identity') ? String(m.parseHeader('p-asserted-identity')?.uri) : undefined,
        sub: m.hasHeader('subscription-state') ? m.parseHeader('subscription-state') : undefined,
      });
      let same = 0;
      for (let round = 0; round < 3; round++) {
        for (const text of msgs) {
          const a = view(original.parseMessage(text, logger));
          const b = view(patched.parseMessage(text, logger));
          if (!a || a !== b) { console.log('DIFF', a, b); process.exit(1); }
          same++;
        }
      }
      console.log('same', same);
      fs.rmSync(copy, { recursive: true, force: true });
    `);
    expect(out.trim()).toBe('same 9');
  });

  it('gives every start rule the same result or failure as the original, failures and successes interleaved', () => {
    const out = runModule(`
      ${bothVersions('grammar/grammar.js', 'Grammar')}
      const rules = ['Contact', 'Name_Addr_Header', 'Record_Route', 'Request_Response', 'SIP_URI', 'Subscription_State', 'Supported',
        'Require', 'Via', 'absoluteURI', 'Call_ID', 'Content_Disposition', 'Content_Length', 'Content_Type', 'CSeq', 'Event', 'From',
        'host', 'Max_Forwards', 'Proxy_Authenticate', 'Refer_To', 'Replaces', 'Session_Expires', 'To', 'uuid', 'WWW_Authenticate', 'sipfrag'];
      const inputs = ['INVITE sip:rc2d@ab12.invalid;alias=127.0.0.1~42436~1 SIP/2.0', 'SIP/2.0 180 Ringing', '<sip:127.0.0.1;lr;ftag=1b;did=db4.3>',
        'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK0a1b.12.0;rport', 'SIP/2.0/TCP [::1]:5061;received=10.0.0.1',
        '"Hélène \\\\"RB\\\\"" <sip:rb12@bench.invalid>;tag=1b12', 'sip:1001@127.0.0.1;user=phone', '12-4242@127.0.0.1', '1 INVITE',
        '<sip:rb@127.0.0.1:40000>;expires=60, "x" <sips:y@h.example;transport=tls>', '*', '69', 'multipart/mixed;boundary=abc',
        'terminated;reason=timeout', 'timer, 100rel', 'Digest realm="asterisk",nonce="abc",algorithm=MD5,qop="auth"', 'dialog;id=1',
        'abc@h;to-tag=1;from-tag=2;early-only', '1800;refresher=uac', 'a1b2c3d4-0000-4000-8000-000000000000', '', '<', 'sip:', '"open',
        'sip:[::1', '<tel:+33123>;tag=x', 'foo bar baz', 'Bob <sip:bob@[2001:db8::1]:5060>', 'sip:a@b?subject=hi&priority=urgent',
        // An action throws half-way (decodeURIComponent of the user part): the interpreter's shared stacks hold values then.
        '"x" <sip:%C0@h>;tag=1', 'sip:%E0%A4%A@h.example'];
      let same = 0, failed = 0;
      for (let round = 0; round < 2; round++) {
        for (const rule of rules) {
          for (const text of inputs) {
            const a = JSON.stringify(original.parse(text, rule));
            const b = JSON.stringify(patched.parse(text, rule));
            if (a !== b) { console.log('DIFF', rule, text, a, b); process.exit(1); }
            if (a === '-1') failed++;
            same++;
          }
        }
      }
      console.log(same, failed > 100 && failed < same - 100 ? 'mixed' : 'one-sided');
      fs.rmSync(copy, { recursive: true, force: true });
    `);
    expect(out.trim()).toBe('1674 mixed');
  });

  it('refuses a grammar.js it does not recognise (the build fails instead of shipping an unpatched parser)', () => {
    const out = runModule(`
      import { cacheGrammarTables } from ${JSON.stringify(pathToFileUrl(PATCH))};
      import fs from 'node:fs';
      const grammar = fs.readFileSync(${JSON.stringify(`${SIPJS_LIB}/grammar/pegjs/dist/grammar.js`)}, 'utf8');
      // A whole grammar.js whose interpreter differs in one opcode from the one the patch knows.
      const changedInterpreter = grammar.replace('stack.splice(-2, 1);', 'stack.splice(stack.length - 2, 1);');
      for (const src of ['function peg$parse(input, options) {}', changedInterpreter]) {
        try { cacheGrammarTables(src); console.log('accepted'); }
        catch (e) { console.log(String(e.message).includes('expected shape') ? 'refused' : 'other'); }
      }
    `);
    expect(out.trim().split('\n')).toEqual(['refused', 'refused']);
  });
});

describe('sip.js headerize() memoized', () => {
  it('names every header as the original, repeated, across the memo being emptied, and refuses an unknown utils.js', () => {
    const out = runModule(`
      import fs from 'node:fs';
      import os from 'node:os';
      import path from 'node:path';
      import { pathToFileURL } from 'node:url';
      import { memoizeHeaderize } from ${JSON.stringify(pathToFileUrl(PATCH))};
      const utils = ${JSON.stringify(`${SIPJS_LIB}/core/messages/utils.js`)};
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipjs-utils-'));
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      const copy = path.join(dir, 'utils.js'); // it imports nothing
      fs.writeFileSync(copy, memoizeHeaderize(fs.readFileSync(utils, 'utf8')));
      const original = (await import(pathToFileURL(utils).href)).headerize;
      const patched = (await import(pathToFileURL(copy).href)).headerize;
      const names = ['via', 'VIA', 'call-id', 'CALL_ID', 'cseq', 'www-authenticate', 'min-se', 'rack', 'rseq', 'x-a-b', '-', '', '__proto__',
        'constructor', 'toString', 'Content-Length', 'p-asserted-identity', 'a--b', 'ü-é'];
      for (let i = 0; i < 600; i++) names.push('x-h' + i); // past the memo's 512 names: emptied, still right
      let same = 0;
      for (let round = 0; round < 3; round++) for (const n of names) if (patched(n) === original(n)) same++;
      let refused = false;
      try { memoizeHeaderize('export function headerise(str) {}'); } catch (e) { refused = String(e.message).includes('expected shape'); }
      console.log(same === names.length * 3 ? 'same' : 'different', refused ? 'refused' : 'accepted');
      fs.rmSync(dir, { recursive: true, force: true });
    `);
    expect(out.trim()).toBe('same refused');
  });
});

function pathToFileUrl(p: string): string {
  return `file://${p}`;
}
