/**
 * The receptionist's call-routing services mirrored from main (snapshot `services`, then `services.changed`: the whole
 * view). Absent (`available` false) when the host has no services extension.
 */
import type { ConsoleClient, Result } from '../../../electron/contract';
import type { CallServices, CallServicesPatch, LockableService, ServicesView } from '../../../electron/contract/services';

export class ServicesState {
  // Raw: replaced as a whole by every push, never mutated here.
  #view = $state.raw<ServicesView | undefined>(undefined);
  readonly #client: ConsoleClient;

  constructor(client: ConsoleClient) {
    this.#client = client;
    client.on('snapshot', (s) => {
      this.#view = s.services;
    });
    client.on('services.changed', (v) => {
      this.#view = v;
    });
  }

  get available(): boolean {
    return this.#view !== undefined;
  }
  get view(): ServicesView | undefined {
    return this.#view;
  }
  get settings(): CallServices | undefined {
    return this.#view?.settings;
  }
  /** Set by the administrator: shown greyed, never sent. */
  locked(key: LockableService): boolean {
    return this.#view?.admin.locked.includes(key) ?? false;
  }

  /** Save changes; the caller shows a refusal itself (the Services tab, beside the field). Resolves once applied or failed. */
  async update(patch: CallServicesPatch): Promise<Result<ServicesView>> {
    const result = await this.#client.invoke('services.update', patch);
    if (result.ok) this.#view = result.value;
    return result;
  }

  /** Apply again on the PBX (or by feature codes) after a failure. */
  async retry(): Promise<Result<ServicesView>> {
    const result = await this.#client.invoke('services.retry', {});
    if (result.ok) this.#view = result.value;
    return result;
  }
}
