/**
 * Provider-neutral voicemail API (issue 13 item 7): the receptionist's own mailbox as the PBX keeps it — the
 * messages (new / old, caller, date, duration), playing one on the console, marking it read, deleting it. Asterisk
 * (AMI + app_voicemail) first. Plain data and one interface: no Node, no Electron, no provider type leaks out.
 */
export type Disposable = () => void;

/** INBOX messages are new (they light the MWI lamp); Old ones were heard or marked read. */
export type VoicemailFolder = 'new' | 'old';

export interface VoicemailMessage {
  /** The PBX's stable message id (Asterisk: msg_id, e.g. `1796313269-00000000`): survives moves between folders. */
  readonly id: string;
  readonly folder: VoicemailFolder;
  /** The caller as the PBX recorded it (sanitised by the provider: no control characters, capped). */
  readonly callerNumber?: string;
  readonly callerName?: string;
  /** When the message was left (epoch ms), when known. */
  readonly receivedAt?: number;
  /** Length in seconds. */
  readonly durationS: number;
  /** Marked urgent by the caller. */
  readonly urgent: boolean;
}

export type VoicemailConnectionState =
  | { readonly state: 'connecting' }
  | { readonly state: 'connected' }
  | { readonly state: 'unreachable'; readonly detail: string }
  | { readonly state: 'auth-failed'; readonly detail: string }
  | { readonly state: 'stopped' };

export interface VoicemailSnapshot {
  readonly connection: VoicemailConnectionState;
  /** The mailbox does not exist on the PBX (administrator's set-up). */
  readonly noMailbox: boolean;
  /** Newest first. */
  readonly messages: readonly VoicemailMessage[];
  /** Epoch ms of the last successful listing. */
  readonly listedAt?: number;
}

export class VoicemailError extends Error {
  constructor(
    readonly code: 'unreachable' | 'not-found' | 'refused' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'VoicemailError';
  }
}

export interface VoicemailProvider {
  /** Connect (and keep reconnecting until stop()); lists the mailbox when connected, on MWI changes and periodically. */
  start(): Promise<void>;
  stop(): Promise<void>;
  snapshot(): VoicemailSnapshot;
  /** Called after each change of the snapshot. */
  onDidChange(listener: (snapshot: VoicemailSnapshot) => void): Disposable;
  /** Re-list now. */
  refresh(): Promise<void>;
  /**
   * Play message `id` on the receptionist's own device `endpoint` (e.g. `PJSIP/2001`): the PBX calls it, asking it to
   * answer at once (Call-Info answer-after=0), and plays the message; `callerIdName` is what that call shows. Resolves
   * once the PBX accepted the request (the call follows).
   */
  play(id: string, endpoint: string, callerIdName: string): Promise<void>;
  /** Move a new message to the old folder (the MWI lamp follows). */
  markRead(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}
