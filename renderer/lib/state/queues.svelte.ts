/**
 * The Queued calls pane mirrored from main (snapshot `queues`, then `queues.changed`: the whole pane, coalesced by
 * main). One shared 1 s clock ticks every wait time; no timer per row.
 */
import type { CommandArgs, CommandName, CommandResult, ConsoleClient, QueueSummaryView, QueuesView, Result } from '../../../electron/contract';
import { NOT_CONFIGURED_QUEUES } from '../../../electron/contract';
import { Clock } from './clock.svelte';
import { shareStructure } from './queue-pane';

type Run = <N extends CommandName>(name: N, args: CommandArgs<N>) => Promise<Result<CommandResult<N>>>;

export class QueuesState {
  // Raw (not deeply proxied) and structurally shared with the previous view: unchanged rows keep their objects.
  #view = $state.raw<QueuesView>(NOT_CONFIGURED_QUEUES);
  /** The host has a queue service (the snapshot carries `queues`). */
  #available = $state(false);
  /** Caller ids with a command in flight (their buttons are disabled meanwhile). */
  #busy = $state<ReadonlySet<string>>(new Set());
  readonly clock = new Clock();
  readonly #run: Run;

  constructor(client: ConsoleClient, run: Run) {
    this.#run = run;
    client.on('snapshot', (s) => {
      this.#available = s.queues !== undefined;
      this.#view = shareStructure(this.#view, s.queues ?? NOT_CONFIGURED_QUEUES);
    });
    client.on('queues.changed', (v) => {
      this.#available = true;
      this.#view = shareStructure(this.#view, v);
    });
  }

  get available(): boolean {
    return this.#available;
  }
  get view(): QueuesView {
    return this.#view;
  }
  get connected(): boolean {
    return this.#view.connection.state === 'connected';
  }
  /** Live counts of every queue while connected (Contacts pane). */
  get live(): readonly QueueSummaryView[] {
    return this.connected ? this.#view.all : [];
  }
  isBusy(callerId: string): boolean {
    return this.#busy.has(callerId);
  }

  async #withBusy<N extends CommandName>(key: string, name: N, args: CommandArgs<N>): Promise<boolean> {
    this.#busy = new Set([...this.#busy, key]);
    try {
      return (await this.#run(name, args)).ok;
    } finally {
      const next = new Set(this.#busy);
      next.delete(key);
      this.#busy = next;
    }
  }

  take(queue: string, callerId: string): Promise<boolean> {
    return this.#withBusy(callerId, 'queue.take', { queue, callerId });
  }
  priority(queue: string, callerId: string, change: 'up' | 'down' | 'top'): Promise<boolean> {
    return this.#withBusy(callerId, 'queue.priority', { queue, callerId, change });
  }
  async login(queue?: string): Promise<boolean> {
    return (await this.#run('queue.login', queue === undefined ? {} : { queue })).ok;
  }
  async logout(queue?: string): Promise<boolean> {
    return (await this.#run('queue.logout', queue === undefined ? {} : { queue })).ok;
  }
  async pause(reason?: string): Promise<boolean> {
    return (await this.#run('queue.pause', reason === undefined ? {} : { reason })).ok;
  }
  async resume(): Promise<boolean> {
    return (await this.#run('queue.resume', {})).ok;
  }
  async select(queues: string[], callsShown: number): Promise<boolean> {
    const r = await this.#run('queue.select', { queues, callsShown });
    if (r.ok) this.#view = shareStructure(this.#view, r.value);
    return r.ok;
  }
}
