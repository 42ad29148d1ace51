/**
 * Call-routing services carried out by the PBX (issue 12): the receptionist's do-not-disturb "everywhere",
 * forwarding, follow-me and the priority callers that pass do-not-disturb. Provider-neutral; pbx/asterisk implements
 * it with AstDB keys its dialplan honours (docs/pbx-asterisk.md). No project imports outside pbx/.
 */
export type Disposable = () => void;

/** The whole state of one extension's services on the PBX; `apply` writes all of it each time (idempotent). */
export interface PbxCallServicesState {
  /** Do-not-disturb everywhere: every device of the user refuses calls; colleagues' BLF shows the user busy. */
  readonly dnd: boolean;
  /** What a caller gets while DND is on: `busy`, or the forwarding to `voicemailDeposit`. */
  readonly dndAction: 'busy' | 'voicemail';
  /** Numbers/extensions (already in the form the PBX presents callers) that still ring through DND. */
  readonly priorityCallers: readonly string[];
  /** Forward every call here (a number, or the voicemail deposit number). */
  readonly forwardAlways?: string;
  /** Forward when the user is busy. */
  readonly forwardBusy?: string;
  /** Forward when the user does not answer within `seconds`. */
  readonly forwardNoAnswer?: { readonly target: string; readonly seconds: number };
  /** Also ring this number after `seconds` (the user's phones keep ringing). */
  readonly followMe?: { readonly number: string; readonly seconds: number };
  /** The number that leaves a message in the user's mailbox (`dndAction: 'voicemail'`). */
  readonly voicemailDeposit: string;
}

/** What the PBX says of a colleague (shown next to their lamp). */
export interface PbxColleagueServices {
  readonly dnd: boolean;
  readonly forwardAlways?: string;
}

export class CallServicesError extends Error {
  constructor(
    readonly code: 'unreachable' | 'refused' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'CallServicesError';
  }
}

export interface CallServicesProvider {
  /** Connect (and keep reconnecting with backoff until stop()). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Write `state` for `extension` on the PBX. Rejects with CallServicesError. */
  apply(extension: string, state: PbxCallServicesState): Promise<void>;
  /** Read DND / forward-always of some extensions (unknown extensions: absent from the map). */
  read(extensions: readonly string[]): Promise<ReadonlyMap<string, PbxColleagueServices>>;
}
