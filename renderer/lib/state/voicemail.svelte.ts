/**
 * The voicemail list (issue 13 item 7) mirrored from main (snapshot `voicemail`, then `voicemail.changed`: the whole
 * view). Absent (`available` false) when the host has no voicemail service.
 */
import type { CommandArgs, CommandName, CommandResult, ConsoleClient, Result, VoicemailMessageView, VoicemailView } from '../../../electron/contract';
import { NOT_CONFIGURED_VOICEMAIL } from '../../../electron/contract';

type Run = <N extends CommandName>(name: N, args: CommandArgs<N>) => Promise<Result<CommandResult<N>>>;

/** Who left the message, as the list shows it: the contact, else the caller's name, else the number. */
export function voicemailCaller(m: Pick<VoicemailMessageView, 'contactName' | 'callerName' | 'callerNumber'>): string | undefined {
  return m.contactName ?? m.callerName ?? m.callerNumber;
}

export class VoicemailState {
  // Raw: replaced as a whole by every push, never mutated here.
  #view = $state.raw<VoicemailView>(NOT_CONFIGURED_VOICEMAIL);
  #available = $state(false);
  /** Message ids with an action in flight (their buttons are disabled meanwhile). */
  #busy = $state<ReadonlySet<string>>(new Set());
  readonly #run: Run;

  constructor(client: ConsoleClient, run: Run) {
    this.#run = run;
    client.on('snapshot', (s) => {
      this.#available = s.voicemail !== undefined;
      this.#view = s.voicemail ?? NOT_CONFIGURED_VOICEMAIL;
    });
    client.on('voicemail.changed', (v) => {
      this.#available = true;
      this.#view = v;
    });
  }

  get available(): boolean {
    return this.#available;
  }
  get view(): VoicemailView {
    return this.#view;
  }
  get newCount(): number {
    return this.#view.messages.filter((m) => m.folder === 'new').length;
  }
  isBusy(id: string): boolean {
    return this.#busy.has(id);
  }

  refresh(): Promise<boolean> {
    return this.#act('', () => this.#run('voicemail.refresh', {}));
  }
  play(id: string): Promise<boolean> {
    return this.#act(id, () => this.#run('voicemail.play', { id }));
  }
  markRead(id: string): Promise<boolean> {
    return this.#act(id, () => this.#run('voicemail.markRead', { id }));
  }
  remove(id: string): Promise<boolean> {
    return this.#act(id, () => this.#run('voicemail.delete', { id }));
  }

  /** A failure is shown in the message area by `run`. */
  async #act(id: string, go: () => Promise<Result<VoicemailView>>): Promise<boolean> {
    this.#busy = new Set([...this.#busy, id]);
    try {
      const r = await go();
      if (r.ok) this.#view = r.value;
      return r.ok;
    } finally {
      const next = new Set(this.#busy);
      next.delete(id);
      this.#busy = next;
    }
  }
}
