// Adds up jest and Playwright JSON results and prints the closing line "N passed, N failed".
// Exit code: non-zero when any test or any non-test step (lint, typecheck, testbed) failed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const f of ['unit.json', 'integration.json']) {
  const p = join(dir, f);
  if (!existsSync(p)) continue;
  const r = JSON.parse(readFileSync(p, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  skipped += r.numPendingTests + r.numTodoTests;
}
const pw = join(dir, 'e2e.json');
if (existsSync(pw)) {
  const r = JSON.parse(readFileSync(pw, 'utf8'));
  passed += r.stats.expected;
  failed += r.stats.unexpected;
  passed += r.stats.flaky; // passed on retry: counted, and named below
  if (r.stats.flaky) console.log(`${r.stats.flaky} E2E test(s) passed only on retry`);
  skipped += r.stats.skipped;
}
if (failedSteps.length) console.log(`failed steps: ${failedSteps.join(', ')}`);
// A test bed that did not start: the last lines it printed (the summary is what a CI excerpt shows).
for (const step of failedSteps) {
  const err = join(dir, `${step}.out`);
  if (!existsSync(err)) continue;
  const lines = readFileSync(err, 'utf8').trim().split('\n').slice(-6);
  console.log(`${step}: ${lines.join('\n  ') || '(printed nothing)'}`);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || failedSteps.length > 0 ? 1 : 0);
