/**
 * The generated directory the benches measure against (contacts-bench, memory-bench): contacts that look like a
 * French company's (accents, shared companies, ~8,000 distinct surnames) and a call history. Deterministic (a seeded
 * generator, the same sequence on every run), so numbers compare between runs.
 */
import type { Database } from '../../../electron/storage/db';
import type { CallType } from '../../../electron/storage/history-store';
import type { ContactStore } from '../../../electron/storage/contact-store';
import type { ContactInput } from '../../../electron/storage/types';
import { seededRandom } from '../../lib/seeded-random';

const FIRST = ['Hélène', 'Jean', 'Marie', 'Pierre', 'Zoë', 'François', 'Anaïs', 'Loïc', 'Émilie', 'Noël', 'John', 'Mary', 'Ali', 'Chloé', 'Bjørn', 'Søren',
  'Camille', 'Léa', 'Hugo', 'Lucas', 'Inès', 'Jules', 'Louise', 'Arthur', 'Manon', 'Théo', 'Sarah', 'Nathan', 'Eva', 'Tom', 'Nina', 'Raphaël'];
const LAST = ['Dupré', 'Lefèvre', 'Martin', 'Bernard', 'Château', 'Smith', 'Øberg', 'Núñez', 'Müller', 'Garçon', 'Petit', 'Durand', 'Leroy', 'Moreau'];
// Realistic spread of surnames: ~8,000 distinct ones built from syllables (a real 100k directory has
// thousands of distinct surnames, not 100,000 — which matters for FTS prefix queries).
const SYL = ['ba', 'ché', 'dor', 'fè', 'gar', 'hu', 'jo', 'ker', 'la', 'mon', 'né', 'pas', 'ro', 'sal', 'tis', 'vé', 'wal', 'zo', 'ri', 'lu'];
const surname = (i: number): string => (i % 9 === 0 ? LAST[i % LAST.length]! : (SYL[i % 20]! + SYL[Math.floor(i / 20) % 20]! + SYL[Math.floor(i / 400) % 20]!).replace(/^./, (c) => c.toUpperCase()));
const COMPANY = ['Acme', 'Globex', 'Initech', 'Électricité Générale', 'Crème & Pâtisserie', 'Umbrella', 'Hooli', 'Stark'];

const { int: rnd, pick } = seededRandom(42);
const num = (i: number): string => `0${1 + (i % 5)} ${String(10 + (i % 90)).padStart(2, '0')} ${String(Math.floor(i / 90) % 100).padStart(2, '0')} ${String(i % 100).padStart(2, '0')} ${String(rnd(100)).padStart(2, '0')}`;

export interface BenchContactOptions {
  /** One contact in 500 is a favorite (default true). The memory bench takes its favorites from provisioning only. */
  readonly favorites?: boolean;
  /** One contact in 10 has an internal extension (default true). */
  readonly extensions?: boolean;
}

/** Contact number `i` of the sequence (each call also advances the seeded generator). */
export function benchContact(i: number, options: BenchContactOptions = {}): ContactInput {
  const { favorites = true, extensions = true } = options;
  return {
    firstName: pick(FIRST),
    lastName: surname(i),
    company: pick(COMPANY),
    department: i % 3 === 0 ? 'Comptabilité' : 'Ventes',
    ...(favorites ? { favorite: i % 500 === 0 } : {}),
    phones: [
      { type: 'work', number: num(i) },
      ...(i % 2 === 0 ? [{ type: 'mobile' as const, number: `+33 6 ${String(i).padStart(8, '0').replace(/(..)(?=.)/g, '$1 ')}` }] : []),
      ...(extensions && i % 10 === 0 ? [{ type: 'extension' as const, number: String(1000 + (i % 9000)) }] : []),
    ],
    emails: [`user${i}@example.com`],
  };
}

/** `n` contacts in one transaction: the first half in `company`, the second in `personal`. */
export function fillContacts(
  db: Database,
  store: ContactStore,
  dirs: { readonly company: number; readonly personal: number },
  n: number,
  options: BenchContactOptions = {},
): Promise<void> {
  return db.transaction(async (tx) => {
    const all = Array.from({ length: n }, (_, i) => benchContact(i, options));
    await store.upsertMany(tx, dirs.company, all.slice(0, n / 2), { dedupe: false });
    await store.upsertMany(tx, dirs.personal, all.slice(n / 2), { dedupe: false });
  });
}

/** When the generated call history starts (one call a minute from then on). */
export const HISTORY_T0 = Date.UTC(2026, 0, 1);

/** `rows` call-history rows in one transaction (a multiple of 500): every call type, 40,000 distinct numbers. */
export function fillCallHistory(db: Database, rows: number): Promise<void> {
  const types: CallType[] = ['missed', 'received', 'placed', 'rejected', 'transferred', 'picked-up'];
  return db.transaction(async (tx) => {
    for (let i = 0; i < rows; i += 500) {
      const vals: (string | number)[] = [];
      for (let j = i; j < i + 500; j++) {
        const n = `06${String(j % 40_000).padStart(8, '0')}`;
        vals.push(j % 3 === 0 ? 'outgoing' : 'incoming', types[j % 6]!, n, n, n, `Caller ${j % 997}`, `caller ${j % 997}`, HISTORY_T0 + j * 60_000, 5000, 60_000);
      }
      await tx.run(
        `INSERT INTO call_history (direction, type, remote_number, remote_digits, remote_national, remote_name,
           remote_name_folded, started_at, ring_ms, talk_ms) VALUES ${Array.from({ length: 500 }, () => '(?,?,?,?,?,?,?,?,?,?)').join(',')}`,
        vals,
      );
    }
  });
}
