/**
 * One call = one SIP.js Inviter/Invitation mapped onto our Call/CallSnapshot (sip-core/api/call.ts).
 * The SIP.js session never leaves this file's objects.
 */
import {
  Invitation,
  Inviter,
  SessionState,
  type Cancel,
  type Core,
  type Session,
} from 'sip.js';
import {
  assertCallTransition,
  type CallDirection,
  type CallEndReason,
  type CallSnapshot,
  type CallStateName,
  type RemoteParty,
} from '../../api/call';
import type { MediaSession } from '../../api/media';
import { CallError, type Call, type Disposable, type SipLogger } from '../../api/softphone';

const DTMF_TONES = /^[0-9A-Da-d*#,]+$/;

/** SIP final status → why the call ended (sip-core/api/call.ts CallEndReason). */
export function endReasonForStatus(status: number): CallEndReason {
  switch (status) {
    case 486:
    case 600:
      return 'busy';
    case 404:
    case 604:
      return 'not-found';
    case 480:
      return 'unavailable';
    case 408:
      return 'timeout';
    case 487:
      return 'cancelled';
    default:
      return 'rejected'; // 603 and every other 4xx-6xx
  }
}

export interface SipJsCallInit {
  readonly id: string;
  readonly accountId: string;
  readonly direction: CallDirection;
  readonly remote: RemoteParty;
  readonly mediaMode: 'webrtc' | 'rtp';
  readonly session: Inviter | Invitation;
  readonly logger: SipLogger;
  /** True if the last failure on this call's connection was a transport error (synthesized 503/408). */
  readonly transportFailed: () => boolean;
}

export class SipJsCallAdapter implements Call {
  readonly id: string;
  #snapshot: CallSnapshot;
  readonly #listeners = new Set<(snapshot: CallSnapshot) => void>();
  readonly #session: Inviter | Invitation;
  readonly #logger: SipLogger;
  readonly #transportFailed: () => boolean;
  #media: MediaSession | undefined;
  #finalStatus: number | undefined;
  #localHangup = false;
  #declined = false;
  #cancelReason: CallEndReason | undefined;
  #forcedReason: CallEndReason | undefined;

  constructor(init: SipJsCallInit) {
    this.id = init.id;
    this.#session = init.session;
    this.#logger = init.logger;
    this.#transportFailed = init.transportFailed;
    this.#snapshot = {
      id: init.id,
      accountId: init.accountId,
      direction: init.direction,
      state: init.direction === 'incoming' ? 'incoming' : 'dialing',
      remote: init.remote,
      mediaMode: init.mediaMode,
      createdAt: Date.now(),
    };
    init.session.stateChange.addListener((state) => this.#onSessionState(state));
    if (init.session instanceof Invitation) {
      init.session.delegate = {
        ...init.session.delegate,
        onCancel: (cancel: Cancel) => {
          // RFC 3326 Reason "SIP;cause=200": another device of a forking group answered.
          const reason = cancel.request.getHeader('reason') ?? '';
          this.#cancelReason = /cause=200\b/.test(reason) ? 'answered-elsewhere' : 'cancelled';
        },
      };
    }
  }

  /** Called by the SDH factory when SIP.js needs media for this call. */
  attachMedia(media: MediaSession): void {
    this.#media = media;
  }

  snapshot(): CallSnapshot {
    return this.#snapshot;
  }

  onDidChange(listener: (snapshot: CallSnapshot) => void): Disposable {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Outgoing: send the INVITE. */
  invite(): void {
    const inviter = this.#session;
    if (!(inviter instanceof Inviter)) return;
    inviter
      .invite({
        requestDelegate: {
          onProgress: (response: Core.IncomingResponse) => {
            const code = response.message.statusCode;
            // 100 Trying is hop-by-hop; only 18x means the far end is alerting (RFC 3261 §21.1).
            if (code !== undefined && code >= 180 && code < 200 && !this.#ended) this.#transition('ringing');
          },
          onReject: (response: Core.IncomingResponse) => {
            this.#finalStatus = response.message.statusCode;
          },
        },
      })
      .catch((err: unknown) => {
        this.#logger.warn(`INVITE for call ${this.id} failed: ${err instanceof Error ? err.message : String(err)}`);
        this.#forcedReason = 'media-failed';
        this.#end();
      });
  }

  async answer(): Promise<void> {
    const s = this.#session;
    if (!(s instanceof Invitation) || this.#snapshot.state !== 'incoming') {
      throw new CallError('invalid-state', `Cannot answer a call in state ${this.#snapshot.state}`);
    }
    this.#transition('connecting');
    try {
      await s.accept();
    } catch (err) {
      this.#forcedReason = 'media-failed';
      this.#logger.warn(`Answering call ${this.id} failed: ${err instanceof Error ? err.message : String(err)}`);
      this.#end();
      throw new CallError('media', 'Could not answer the call');
    }
  }

  async decline(code: 486 | 603 = 486): Promise<void> {
    const s = this.#session;
    if (!(s instanceof Invitation) || this.#snapshot.state !== 'incoming') {
      throw new CallError('invalid-state', `Cannot decline a call in state ${this.#snapshot.state}`);
    }
    this.#declined = true;
    this.#finalStatus = code;
    await s.reject({ statusCode: code, reasonPhrase: code === 603 ? 'Decline' : 'Busy Here' });
  }

  async hangup(): Promise<void> {
    if (this.#ended) return;
    this.#localHangup = true;
    const s = this.#session;
    try {
      switch (s.state) {
        case SessionState.Initial:
        case SessionState.Establishing:
          if (s instanceof Inviter) await s.cancel();
          else await this.decline(486);
          break;
        case SessionState.Established:
          await s.bye();
          break;
        case SessionState.Terminating:
        case SessionState.Terminated:
          break;
        default:
          missingCase(s.state);
      }
    } catch (err) {
      // The dialog may be half-gone (transport down); the call is over for us either way.
      this.#logger.warn(`Hangup of call ${this.id}: ${err instanceof Error ? err.message : String(err)}`);
      this.#end();
    }
  }

  async sendDtmf(tones: string): Promise<void> {
    if (this.#snapshot.state !== 'active') throw new CallError('invalid-state', 'DTMF needs an active call');
    if (!DTMF_TONES.test(tones)) throw new CallError('invalid-state', 'Invalid DTMF tones');
    const media = this.#media;
    if (!media) throw new CallError('media', 'No media session');
    // RFC 4733 telephone-event in the media path.
    const sent = await media.sendDtmf(tones);
    if (!sent) throw new CallError('media', 'The media session cannot send DTMF');
  }

  async renegotiate(): Promise<void> {
    if (this.#snapshot.state !== 'active' && this.#snapshot.state !== 'held') {
      throw new CallError('invalid-state', `Cannot renegotiate a call in state ${this.#snapshot.state}`);
    }
    await new Promise<void>((resolve, reject) => {
      this.#session
        .invite({
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (response: Core.IncomingResponse) =>
              reject(new CallError('media', `re-INVITE rejected: ${response.message.statusCode}`)),
          },
        })
        .catch((err: unknown) =>
          reject(new CallError('media', `re-INVITE failed: ${err instanceof Error ? err.message : String(err)}`)),
        );
    });
  }

  /** The connection died: the dialog can't be ended politely. */
  terminateForNetwork(): void {
    if (this.#ended) return;
    this.#forcedReason = 'network';
    this.#end();
  }

  get #ended(): boolean {
    return this.#snapshot.state === 'ended';
  }

  #onSessionState(state: SessionState): void {
    switch (state) {
      case SessionState.Initial:
      case SessionState.Establishing:
      case SessionState.Terminating:
        return;
      case SessionState.Established:
        if (!this.#ended) this.#transition('active', { answeredAt: Date.now() });
        return;
      case SessionState.Terminated:
        // SIP.js enters Terminated before it hands the final response to requestDelegate.onReject.
        queueMicrotask(() => this.#end());
        return;
      default:
        missingCase(state);
    }
  }

  #endReason(): CallEndReason {
    if (this.#forcedReason) return this.#forcedReason;
    const wasAnswered = this.#snapshot.answeredAt !== undefined;
    if (wasAnswered) return this.#localHangup ? 'local-hangup' : 'remote-hangup';
    if (this.#snapshot.direction === 'incoming') {
      if (this.#declined) return 'declined';
      return this.#cancelReason ?? 'cancelled';
    }
    if (this.#localHangup) return 'cancelled';
    const status = this.#finalStatus;
    if (status === undefined) return 'network';
    // SIP.js synthesizes 503 on transport errors and 408 on Timer B: those are not the callee's answer.
    if (this.#transportFailed() && (status === 503 || status === 408)) return status === 408 ? 'timeout' : 'network';
    return endReasonForStatus(status);
  }

  #end(): void {
    if (this.#ended) return;
    const endReason = this.#endReason();
    const status = this.#finalStatus;
    this.#transition('ended', {
      endedAt: Date.now(),
      endReason,
      ...(status !== undefined && status >= 300 ? { endStatus: status } : {}),
    });
    this.#media?.close();
  }

  #transition(to: CallStateName, patch: Partial<CallSnapshot> = {}): void {
    const from = this.#snapshot.state;
    assertCallTransition(from, to);
    this.#snapshot = { ...this.#snapshot, ...patch, state: to };
    for (const l of [...this.#listeners]) {
      try {
        l(this.#snapshot);
      } catch (err) {
        this.#logger.error(`Call listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

function missingCase(x: never): never {
  throw new Error(`Unhandled case: ${String(x)}`);
}

/** Narrow helper for the softphone: the session behind a call (adapter-internal). */
export type SipJsSession = Session;
