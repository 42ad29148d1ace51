/**
 * Switch account (issue 13 item 1): what the setup screen starts with after the receptionist logged out to let
 * another user sign in — the previous server and transport, never a user name or password. Kept in this window only.
 */
import type { SetupPrefill } from './account-form';

class SetupPrefillSlot {
  #value = $state<SetupPrefill | undefined>(undefined);

  get value(): SetupPrefill | undefined {
    return this.#value;
  }

  set(prefill: SetupPrefill | undefined): void {
    this.#value = prefill;
  }
}

export const setupPrefill = new SetupPrefillSlot();
