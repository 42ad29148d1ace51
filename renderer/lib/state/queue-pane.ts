/** Pure helpers of the Queued calls pane (tested in tests/unit/renderer-queues.test.ts). */
import type { Language, QueueMemberView, QueueSummaryView, QueueView, QueuesView } from '../../../electron/contract';
import { pluralCategory } from '../../i18n/core';

/** A wait as m:ss (minutes keep counting past an hour: a queue wait that long is the point). */
export function formatWait(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** The plural form a count takes (Intl.PluralRules): French counts 0 and 1 as singular, English and Dutch only 1. */
export function pluralForm(language: Language, count: number): 'one' | 'other' {
  return pluralCategory(language, count) === 'one' ? 'one' : 'other';
}

/** The queues shown by the pane, as the selection dialog starts from them (chosen ones, else those shown). */
export function initialSelection(view: QueuesView): string[] {
  return view.selected.length > 0 ? [...view.selected] : view.queues.map((q) => q.name);
}

/** What an agent of a queue is doing, as the pane's agent list says it (and orders it: who can take a call first). */
export type AgentState = 'available' | 'ringing' | 'in-call' | 'busy' | 'paused' | 'unavailable' | 'unknown';
const AGENT_ORDER: readonly AgentState[] = ['available', 'ringing', 'in-call', 'busy', 'paused', 'unavailable', 'unknown'];

/** One line of a queue's agent list. */
export interface AgentRow {
  readonly member: QueueMemberView;
  readonly state: AgentState;
}

/**
 * A queue's agents in the order a receptionist looks for someone: available first, then ringing, on the phone, busy,
 * paused, not connected (their phone is not registered), unknown; by name within each. The same grouping as the
 * queue's counts (a paused agent counts as paused whatever their phone is doing).
 */
export function agentRows(members: readonly QueueMemberView[]): AgentRow[] {
  const rows = members.map((member): AgentRow => ({
    member,
    state: member.paused ? 'paused' : member.status === 'idle' ? 'available' : member.status,
  }));
  return rows.sort(
    (a, b) => AGENT_ORDER.indexOf(a.state) - AGENT_ORDER.indexOf(b.state) || a.member.name.localeCompare(b.member.name, undefined, { numeric: true }),
  );
}

/** A directory queue (name + number to dial) with its live counts when the PBX knows it (by name or number). */
export interface QueueRow extends QueueView {
  readonly live?: QueueSummaryView;
}

/**
 * The Contacts pane's Queues tab: the provisioned queues (dialable numbers) with the PBX's live counts; PBX queues
 * that have no number configured are listed too (counts only, nothing to dial).
 */
export function queueRows(directory: readonly QueueView[], live: readonly QueueSummaryView[]): QueueRow[] {
  const byName = new Map(live.map((q) => [q.name.toLowerCase(), q]));
  const used = new Set<string>();
  const rows: QueueRow[] = directory.map((d) => {
    const hit = byName.get(d.name.toLowerCase()) ?? byName.get(d.number.toLowerCase());
    if (hit) used.add(hit.name);
    return hit ? { ...d, live: hit } : { ...d };
  });
  for (const q of live) if (!used.has(q.name)) rows.push({ name: q.name, number: '', live: q });
  return rows;
}

/**
 * Structural sharing between two successive pane views: every part of `next` equal to the matching part of `prev`
 * is replaced by `prev`'s object (array items matched by their `id`, `name` or `interface`). Svelte's keyed each
 * blocks then skip unchanged rows: an update that moves one caller re-renders that caller, not the 250 shown
 * (5 queues × 50 callers: measured by tests/bench/queues-render-bench.ts).
 */
export function shareStructure<T>(prev: T, next: T): T {
  return share(prev, next) as T;
}

function keyOf(x: unknown): unknown {
  if (x === null || typeof x !== 'object') return undefined;
  const o = x as Record<string, unknown>;
  return o['id'] ?? o['name'] ?? o['interface'];
}

function share(prev: unknown, next: unknown): unknown {
  if (prev === next) return prev;
  if (prev === null || next === null || typeof prev !== 'object' || typeof next !== 'object') return next;
  if (Array.isArray(prev) !== Array.isArray(next)) return next;
  if (Array.isArray(prev) && Array.isArray(next)) {
    const byKey = new Map<unknown, unknown>();
    for (const p of prev) {
      const k = keyOf(p);
      if (k !== undefined) byKey.set(k, p);
    }
    let same = prev.length === next.length;
    const out = next.map((n, i) => {
      const k = keyOf(n);
      const match = k !== undefined ? byKey.get(k) : prev[i];
      const s = match === undefined ? n : share(match, n);
      if (s !== prev[i]) same = false;
      return s;
    });
    return same ? prev : out;
  }
  const p = prev as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  const keys = Object.keys(n);
  let same = keys.length === Object.keys(p).length;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const s = share(p[k], n[k]);
    if (s !== p[k]) same = false;
    out[k] = s;
  }
  return same ? prev : out;
}
