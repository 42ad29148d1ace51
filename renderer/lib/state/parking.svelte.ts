/**
 * The park panel mirrored from main (snapshot `parking`, then `parking.changed`: the whole view, coalesced by main).
 * Absent (`available` false) when the host has no parking service.
 */
import type { CommandArgs, CommandName, CommandResult, ConsoleClient, ParkingView, Result } from '../../../electron/contract';
import { NOT_CONFIGURED_PARKING } from '../../../electron/contract';

type Run = <N extends CommandName>(name: N, args: CommandArgs<N>) => Promise<Result<CommandResult<N>>>;

export class ParkingState {
  // Raw: replaced as a whole by every push, never mutated here.
  #view = $state.raw<ParkingView>(NOT_CONFIGURED_PARKING);
  #available = $state(false);
  /** Slots with a Retrieve in flight (their button is disabled meanwhile). */
  #busy = $state<ReadonlySet<string>>(new Set());
  readonly #run: Run;

  constructor(client: ConsoleClient, run: Run) {
    this.#run = run;
    client.on('snapshot', (s) => {
      this.#available = s.parking !== undefined;
      this.#view = s.parking ?? NOT_CONFIGURED_PARKING;
    });
    client.on('parking.changed', (v) => {
      this.#available = true;
      this.#view = v;
    });
  }

  get available(): boolean {
    return this.#available;
  }
  get view(): ParkingView {
    return this.#view;
  }
  /** The slot a call of ours was parked on, while it is still parked ("Parked on 701" on its line). */
  slotOf(callId: string): string | undefined {
    return this.#view.parkedFrom[callId];
  }
  isBusy(slot: string): boolean {
    return this.#busy.has(slot);
  }

  /** Dial the slot: the parked caller comes back on a line (a failure is shown in the message area by `run`). */
  async retrieve(slot: string, lot: string): Promise<boolean> {
    this.#busy = new Set([...this.#busy, slot]);
    try {
      return (await this.#run('parking.retrieve', { slot, lot })).ok;
    } finally {
      const next = new Set(this.#busy);
      next.delete(slot);
      this.#busy = next;
    }
  }
}
