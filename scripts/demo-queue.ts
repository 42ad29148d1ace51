/**
 * `npm run demo`: a few callers waiting in the Asterisk bed's queue `support`, so the Queued calls pane is alive.
 * Runs until stopped (SIGINT/SIGTERM hang the callers up). The demo console is on the Kamailio bed (1001): "Take call"
 * redirects to extension 1001 of the Asterisk bed, which has none — take calls with a console registered on the
 * Asterisk bed as 2001 (see tests/e2e/queues.e2e.ts).
 */
import { startQueueCallers } from '../tests/testbed/asterisk/queue-callers';

async function main(): Promise<void> {
  const q = await startQueueCallers(
    [
      { number: '0611223344', name: 'Alice Martin' },
      { number: '+32470123456', name: 'Bruno Peeters' },
      { number: '0155667788', name: 'Claire Dubois', priority: 1 },
    ],
    { holdMs: 3_600_000 },
  );
  console.log(`Queue "support": ${q.callers.length} callers waiting (Alice Martin, Bruno Peeters, Claire Dubois).`);
  const stop = (): void => {
    void q.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => undefined, 60_000);
}

main().catch((e: unknown) => {
  console.error(`Queue callers for the demo could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
