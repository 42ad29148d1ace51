/**
 * Queued calls benchmark (numbers printed, no pass/fail): `npx tsx tests/bench/queues-bench.ts`.
 * Issue 11: 5 queues × 50 waiting callers, AMI-like event churn (callers joining, leaving, re-prioritised, members
 * changing) replayed through the queue service; what one coalesced `queues.changed` costs in main (fold the events,
 * build the pane, serialize it) and how big it is. The pane must stay well under a 16 ms frame per update.
 */
import { performance } from 'node:perf_hooks';
import type { QueuesView } from '../../electron/contract';
import type { QueueCaller, QueueEvent, QueueMember, QueueProvider, QueueSnapshot } from '../../pbx/api/queues';
import { QueueService } from '../../electron/services/queue-service';
import { parseProvisioning } from '../../electron/services/provisioning';

const QUEUES = 5;
const CALLERS = 50;
const now = Date.now();
const caller = (q: number, i: number): QueueCaller => ({ id: `${q}.${i}`, queue: `q${q}`, position: i + 1, number: `06${String(q * 1000 + i).padStart(8, '0')}`, name: `Caller ${i}`, joinedAt: now - i * 1000, priority: 0 });
const member = (i: number): QueueMember => ({ interface: `PJSIP/${2100 + i}`, name: `Agent ${i}`, status: i % 3 === 0 ? 'in-call' : 'idle', paused: i % 4 === 0, ...(i % 4 === 0 && { pausedReason: 'Lunch' }), dynamic: true, callsTaken: i });
const snapshot: QueueSnapshot = {
  connection: { state: 'connected' },
  queues: Array.from({ length: QUEUES }, (_, q) => ({
    name: `q${q}`,
    stats: { strategy: 'rrmemory', completed: 100, abandoned: 7 },
    members: Array.from({ length: 12 }, (_, i) => member(i)),
    callers: Array.from({ length: CALLERS }, (_, i) => caller(q, i)),
  })),
};

let emit: (e: QueueEvent) => void = () => undefined;
const provider: QueueProvider = {
  capabilities: { take: true, priority: true, login: true, pause: true, pauseReason: true },
  start: async () => undefined,
  stop: async () => undefined,
  snapshot: () => snapshot,
  onDidChange: (l) => ((emit = l), () => undefined),
  refresh: async () => undefined,
  take: async () => undefined,
  setPriority: async () => undefined,
  login: async () => undefined,
  logout: async () => undefined,
  pause: async () => undefined,
  resume: async () => undefined,
};

async function main(): Promise<void> {
  const sent: QueuesView[] = [];
  const service = new QueueService({ createProvider: () => provider, batchMs: 1, lookup: async () => undefined });
  service.bind((event, payload) => {
    if (event === 'queues.changed') sent.push(payload as QueuesView);
  });
  service.provision(parseProvisioning({ pbx: { type: 'asterisk', ami: { host: '127.0.0.1', user: 'u', secret: 's' }, context: 'c' }, queuePane: { queues: [], callsShown: CALLERS } }));
  service.start({ primaryAccount: () => ({ user: '2001' }) });
  await new Promise((r) => setTimeout(r, 10));

  const fold: number[] = [];
  const build: number[] = [];
  let bytes = 0;
  let seq = CALLERS;
  for (let round = 0; round < 400; round++) {
    const q = round % QUEUES;
    // ~10 AMI-level changes per batch: one leaves, one joins, a priority change re-query, two members change.
    const t0 = performance.now();
    emit({ kind: 'caller-left', queue: `q${q}`, id: `${q}.${seq - CALLERS}`, outcome: 'answered' });
    emit({ kind: 'caller-joined', caller: { ...caller(q, seq), position: CALLERS } });
    for (let k = 0; k < 5; k++) emit({ kind: 'caller-updated', caller: { ...caller(q, seq - k), position: CALLERS - k, priority: k } });
    emit({ kind: 'member-updated', queue: `q${q}`, member: { ...member(round % 12), status: 'ringing' } });
    emit({ kind: 'member-updated', queue: `q${q}`, member: member(round % 12) });
    emit({ kind: 'stats', queue: `q${q}`, stats: { strategy: 'rrmemory', completed: 100 + round, abandoned: 7 } });
    fold.push(performance.now() - t0);
    seq++;
    const t1 = performance.now();
    const view = service.view();
    bytes = JSON.stringify(view).length;
    build.push(performance.now() - t1);
  }
  await service.stop();
  const p = (a: number[], x: number) => [...a].sort((m, n) => m - n)[Math.floor(a.length * x)]!.toFixed(3);
  process.stdout.write(
    `queues-bench: ${QUEUES} queues × ${CALLERS} callers, 400 batches of 10 events\n` +
      `  fold events  p50 ${p(fold, 0.5)} ms  p95 ${p(fold, 0.95)} ms\n` +
      `  build+serialize pane  p50 ${p(build, 0.5)} ms  p95 ${p(build, 0.95)} ms  (${(bytes / 1024).toFixed(1)} KiB per queues.changed)\n` +
      // Machine lines (`bench <key> <value> <unit>`); the renderer side is tests/bench/queues-render-bench.ts.
      `bench queues.main.fold.p50 ${p(fold, 0.5)} ms\n` +
      `bench queues.main.fold.p95 ${p(fold, 0.95)} ms\n` +
      `bench queues.main.build.p50 ${p(build, 0.5)} ms\n` +
      `bench queues.main.build.p95 ${p(build, 0.95)} ms\n` +
      `bench queues.main.update.size ${(bytes / 1024).toFixed(1)} KiB\n`,
  );
}

void main();
