/**
 * Dialog-info (BLF NOTIFY) parsing on the main thread: a benign 64 KiB body and the hostile shapes that used to be
 * quadratic (issue 15). Prints numbers only; the unit test keeps a generous ratio guard against a quadratic regression.
 */
import { MAX_DIALOG_INFO_BYTES, parseDialogInfo } from '../../sip-core/presence/dialog-info';

const N = MAX_DIALOG_INFO_BYTES;
const head = '<dialog-info version="1" state="full">';
const fill = (prefix: string, unit: string) => (prefix + unit.repeat(N)).slice(0, N);
const benign = `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:1002@pbx">${'<dialog id="a" direction="initiator"><state>confirmed</state><remote><identity>sip:1003@pbx</identity></remote></dialog>'.repeat(600)}</dialog-info>`.slice(0, N);

function median(body: string, runs = 15): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    try {
      parseDialogInfo(body);
    } catch {
      /* refused is fine */
    }
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const rows: [string, string][] = [
  ['benign', benign],
  ['comment_openers', fill('', '<!--')],
  ['dialog_tags_unclosed', fill(head, '<dialog ')],
  ['root_tags_unclosed', fill('', '<dialog-info ')],
];
let worst = 0;
for (const [key, body] of rows) {
  const ms = median(body);
  if (key !== 'benign') worst = Math.max(worst, ms);
  console.log(`${key.padEnd(24)} ${ms.toFixed(2)} ms (64 KiB)`);
  console.log(`bench dialoginfo.${key}.p50 ${ms.toFixed(2)} ms`);
}
console.log(`bench dialoginfo.hostile_worst.p50 ${worst.toFixed(2)} ms`);
