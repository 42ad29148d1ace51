/**
 * One call = one SIP.js Inviter/Invitation mapped onto our Call/CallSnapshot (sip-core/api/call.ts).
 * The SIP.js session never leaves this file's objects.
 */
import {
  Invitation,
  Inviter,
  SessionState,
  UserAgent,
  type Cancel,
  type Core,
  type Notification,
  type Referral,
  type Session,
  type URI,
} from 'sip.js';
import {
  assertCallTransition,
  type CallDirection,
  type CallEndReason,
  type CallSnapshot,
  type CallStateName,
  type Diversion,
  type RemoteParty,
  type TransferProgress,
} from '../../api/call';
import type { MediaSession } from '../../api/media';
import { CallError, type Call, type Disposable, type SipLogger, type TransferOptions } from '../../api/softphone';
import { dialTargetToUri } from './dial-target';
import { MediaSessionDescriptionHandler } from './media-sdh';
import { parseSipfrag, transferStateForStatus } from './sipfrag';

/** After 202 Accepted, how long a REFER may go without any NOTIFY before we consider the call handed over. */
const SILENT_REFER_MS = 4000;
const DTMF_TONES = /^[0-9A-Da-d*#,]+$/;
/** RFC 5589 §6: no final NOTIFY within this time = the transfer failed (the call stays up). */
export const TRANSFER_TIMEOUT_MS = 30_000;
/** A re-INVITE gets its final answer within Timer B (32 s) or SIP.js reports a failure; this is only a safety net. */
const REINVITE_TIMEOUT_MS = 40_000;
/** After an attended transfer, the target should BYE the replaced dialog (RFC 3891 §3); if not, we do. */
const REPLACED_BYE_GRACE_MS = 3000;
/** No audio from the far end for this long while both sides talk: the line is lost (RTP timeout, like a desk phone). */
export const DEFAULT_MEDIA_TIMEOUT_MS = 30_000;
const MEDIA_WATCH_INTERVAL_MS = 1000;
/** A gap in the far end's audio this long is written to the log (and its end): what an administrator reads first. */
const MEDIA_GAP_LOG_MS = 2000;
/** SIP INFO DTMF (application/dtmf-relay): tone length and the pause a ',' stands for. */
const INFO_DTMF_DURATION_MS = 160;
const DTMF_PAUSE_MS = 2000;

/** Outcome of one REFER (internal). */
type ReferResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly accepted: boolean; readonly status?: number; readonly detail: string };

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
  /** Domain for transfer/deflect targets typed as numbers or extensions. */
  readonly domain: string;
  readonly dtmfMode?: 'rfc4733' | 'info';
  /** Incoming: seconds after which the server asked us to auto-answer (see auto-answer.ts). */
  readonly autoAnswerAfter?: number;
  /** Incoming: id of the call this one replaces (INVITE with Replaces, RFC 3891). */
  readonly replaces?: string;
  /** Incoming: the To user (the number dialed). */
  readonly called?: string;
  /** Incoming: forwarded here by (Diversion / History-Info), when believed. */
  readonly diversion?: Diversion;
  /** Overridable for tests (default TRANSFER_TIMEOUT_MS). */
  readonly transferTimeoutMs?: number;
  /** No far-end audio for this long while both sides talk ⇒ BYE, `media-timeout` (default 30 s; 0 = never). */
  readonly mediaTimeoutMs?: number;
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
  readonly #domain: string;
  readonly #dtmfMode: 'rfc4733' | 'info';
  readonly #transferTimeoutMs: number;
  readonly #mediaTimeoutMs: number;
  #mediaWatch: NodeJS.Timeout | undefined;
  /** Last time the media was (re)negotiated: the watchdog counts from there too. */
  #mediaChangedAt = 0;
  /** When the far end's audio stopped, once the gap was logged (MEDIA_GAP_LOG_MS). */
  #mediaGapSince: number | undefined;
  #sdh: MediaSessionDescriptionHandler | undefined;
  #reinviting = false;
  #transferring = false;
  /** Set while another call's attended transfer involves this one: our end waits for its outcome. */
  #endGate: Promise<void> | undefined;
  #dtmfQueue: Promise<void> = Promise.resolve();
  /** Incoming calls: resolves when the ACK for our 200 arrived (or the call ended). Outgoing: already resolved. */
  readonly #acked: Promise<void>;
  #resolveAcked: () => void = () => undefined;

  constructor(init: SipJsCallInit) {
    this.id = init.id;
    this.#session = init.session;
    this.#logger = init.logger;
    this.#transportFailed = init.transportFailed;
    this.#domain = init.domain;
    this.#dtmfMode = init.dtmfMode ?? 'rfc4733';
    this.#transferTimeoutMs = init.transferTimeoutMs ?? TRANSFER_TIMEOUT_MS;
    this.#mediaTimeoutMs = init.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
    this.#snapshot = {
      id: init.id,
      accountId: init.accountId,
      direction: init.direction,
      state: init.direction === 'incoming' ? 'incoming' : 'dialing',
      remote: init.remote,
      mediaMode: init.mediaMode,
      createdAt: Date.now(),
      ...(init.autoAnswerAfter !== undefined ? { autoAnswerAfter: init.autoAnswerAfter } : {}),
      ...(init.replaces !== undefined ? { replaces: init.replaces } : {}),
      ...(init.called ? { called: init.called } : {}),
      ...(init.diversion ? { diversion: init.diversion } : {}),
    };
    this.#acked =
      init.session instanceof Invitation
        ? new Promise<void>((resolve) => {
            this.#resolveAcked = resolve;
          })
        : Promise.resolve();
    init.session.stateChange.addListener((state) => this.#onSessionState(state));
    init.session.delegate = {
      // RFC 3261 §14.1: no re-INVITE of ours before the ACK of the 200 (SIP.js would take that ACK as a missing answer).
      onAck: () => this.#resolveAcked(),
      ...init.session.delegate,
      // We are not a transferee (yet): without this SIP.js would accept the REFER and dial on its own.
      onRefer: (referral: Referral) => {
        this.#logger.info(`Call ${this.id}: incoming REFER declined`);
        referral.reject({ statusCode: 603, reasonPhrase: 'Decline' }).catch(() => undefined);
      },
    };
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

  /** Called by the SDH factory when SIP.js needs media for this call: our SDH over the MediaSession. */
  createSdh(media: MediaSession): MediaSessionDescriptionHandler {
    this.#media = media;
    const sdh = new MediaSessionDescriptionHandler(media, {
      onDtmfError: (err) =>
        this.#logger.warn(`DTMF on call ${this.id} failed: ${err instanceof Error ? err.message : String(err)}`),
      onRemoteOffer: (holdsUs) => {
        this.#mediaChangedAt = Date.now();
        if ((this.#snapshot.remoteHold ?? false) !== holdsUs && !this.#ended) this.#patch({ remoteHold: holdsUs });
      },
    });
    this.#sdh = sdh;
    return sdh;
  }

  /** The session behind this call (softphone-internal, e.g. to match an INVITE with Replaces). */
  get session(): Inviter | Invitation {
    return this.#session;
  }

  /**
   * Another dialog replaced this one (INVITE with Replaces accepted): end it with `replaced` (BYE, or CANCEL if
   * our outgoing call was still ringing).
   */
  endReplaced(): void {
    if (this.#ended) return;
    this.#forcedReason = 'replaced';
    void this.hangup();
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
    if (this.#dtmfMode === 'info') {
      // Tones of successive calls stay in order: each INFO waits for the previous one's answer.
      const run = this.#dtmfQueue.then(() => this.#sendInfoDtmf(tones));
      this.#dtmfQueue = run.catch(() => undefined);
      return run;
    }
    const media = this.#media;
    if (!media) throw new CallError('media', 'No media session');
    // RFC 4733 telephone-event in the media path.
    const sent = await media.sendDtmf(tones);
    if (!sent) throw new CallError('media', 'The media session cannot send DTMF');
  }

  /** One SIP INFO per tone (application/dtmf-relay, the de-facto format of Cisco/Asterisk/FreeSWITCH). */
  async #sendInfoDtmf(tones: string): Promise<void> {
    await this.#acked;
    for (const tone of tones.toUpperCase()) {
      if (tone === ',') {
        await sleep(DTMF_PAUSE_MS);
        continue;
      }
      if (this.#session.state !== SessionState.Established) throw new CallError('invalid-state', 'The call ended');
      await new Promise<void>((resolve, reject) => {
        this.#session
          .info({
            requestDelegate: {
              onAccept: () => resolve(),
              onReject: (response: Core.IncomingResponse) =>
                reject(new CallError('media', `DTMF INFO rejected: ${response.message.statusCode ?? 0}`)),
            },
            requestOptions: {
              body: {
                contentDisposition: 'render',
                contentType: 'application/dtmf-relay',
                content: `Signal=${tone}\r\nDuration=${INFO_DTMF_DURATION_MS}\r\n`,
              },
            },
          })
          .catch((err: unknown) => reject(new CallError('network', `DTMF INFO failed: ${errorText(err)}`)));
      });
    }
  }

  async renegotiate(): Promise<void> {
    if (this.#snapshot.state !== 'active' && this.#snapshot.state !== 'held') {
      throw new CallError('invalid-state', `Cannot renegotiate a call in state ${this.#snapshot.state}`);
    }
    await this.#reinvite('re-INVITE');
  }

  async hold(): Promise<void> {
    const state = this.#snapshot.state;
    if (state === 'held') return;
    if (state !== 'active') throw new CallError('invalid-state', `Cannot hold a call in state ${state}`);
    const sdh = this.#sdh;
    if (!sdh) throw new CallError('media', 'No media session');
    sdh.localHold = true;
    try {
      await this.#reinvite('Hold');
    } catch (err) {
      sdh.localHold = false;
      throw err;
    }
    if (this.#snapshot.state === 'active') this.#transition('held');
  }

  async unhold(): Promise<void> {
    const state = this.#snapshot.state;
    if (state === 'active') return;
    if (state !== 'held') throw new CallError('invalid-state', `Cannot resume a call in state ${state}`);
    const sdh = this.#sdh;
    if (!sdh) throw new CallError('media', 'No media session');
    sdh.localHold = false;
    try {
      await this.#reinvite('Resume');
    } catch (err) {
      sdh.localHold = true;
      throw err;
    }
    if (this.#snapshot.state === 'held') this.#transition('active');
  }

  async transfer(target: string): Promise<void> {
    this.#assertTransferable();
    const uri = this.#targetUri(target);
    const progress = { kind: 'blind', target: target.trim() } as const;
    this.#transferring = true;
    try {
      await this.#acked;
      const result = await this.#refer(uri, progress);
      if (result.ok) return await this.#completeTransfer(progress);
      throw this.#transferFailed(progress, result);
    } finally {
      this.#transferring = false;
    }
  }

  async transferTo(other: Call, options: TransferOptions = {}): Promise<void> {
    if (!(other instanceof SipJsCallAdapter) || other === this) {
      throw new CallError('invalid-target', 'The transfer target must be another call of this softphone');
    }
    this.#assertTransferable();
    other.#assertTransferable();
    const progress = { kind: 'attended', target: other.#snapshot.remote.user || other.#snapshot.remote.uri } as const;
    // If the target's BYE of the replaced dialog overtakes the final NOTIFY, `other` ends only once we know.
    let openGate = (): void => undefined;
    other.#endGate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    this.#transferring = true;
    other.#transferring = true;
    try {
      await Promise.all([this.#acked, other.#acked]);
      const result = await this.#refer(other.#session, progress);
      if (result.ok) {
        other.#forcedReason = 'transferred';
        openGate();
        other.#byeIfStillUp(REPLACED_BYE_GRACE_MS);
        return await this.#completeTransfer(progress);
      }
      openGate();
      // The transferee took the REFER but the target refused the INVITE with Replaces (e.g. a phone without RFC 3891
      // support): semi-attended fallback, hang up the consultation and refer to the target's plain address.
      const fallback = options.fallback ?? 'semi-attended';
      if (fallback === 'semi-attended' && result.accepted && !other.#ended && this.#session.state === SessionState.Established) {
        this.#logger.info(`Call ${this.id}: attended transfer refused (${result.detail}); semi-attended fallback`);
        const uri = UserAgent.makeURI(other.#snapshot.remote.uri);
        if (uri) {
          other.#forcedReason = 'transferred';
          await other.hangup();
          const retry = await this.#refer(uri, progress);
          if (retry.ok) return await this.#completeTransfer(progress);
          throw this.#transferFailed(progress, retry);
        }
      }
      throw this.#transferFailed(progress, result);
    } finally {
      openGate();
      other.#endGate = undefined;
      this.#transferring = false;
      other.#transferring = false;
    }
  }

  async deflect(target: string): Promise<void> {
    const s = this.#session;
    if (!(s instanceof Invitation) || this.#snapshot.state !== 'incoming') {
      throw new CallError('invalid-state', `Cannot deflect a call in state ${this.#snapshot.state}`);
    }
    const uri = this.#targetUri(target);
    this.#forcedReason = 'deflected';
    try {
      // RFC 3261 §21.3.3 302 Moved Temporarily; the caller (or the proxy) re-targets the INVITE to the Contact.
      await s.reject({ statusCode: 302, reasonPhrase: 'Moved Temporarily', extraHeaders: [`Contact: <${uri.toString()}>`] });
    } catch (err) {
      this.#forcedReason = undefined;
      throw new CallError('invalid-state', `Cannot deflect: ${errorText(err)}`);
    }
  }

  /** Whether a target refresh can be sent now (an established dialog with no other re-INVITE in progress). */
  canRefreshTarget(): boolean {
    const state = this.#snapshot.state;
    return (state === 'active' || state === 'held') && this.#session.state === SessionState.Established && !this.#reinviting;
  }

  /**
   * Target refresh (RFC 3261 §12.2.1.1): a re-INVITE carrying our current Contact, after a reconnection gave us a
   * new address or connection, so the far end's in-dialog requests (its BYE) reach us again. The media offer is the
   * current one (hold stays hold).
   */
  async refreshTarget(): Promise<void> {
    await this.#reinvite('Target refresh');
  }

  /** The softphone stops for good: the dialog can't be ended politely. */
  terminateForNetwork(): void {
    if (this.#ended) return;
    this.#forcedReason = 'network';
    this.#end();
  }

  get #ended(): boolean {
    return this.#snapshot.state === 'ended';
  }

  /** One re-INVITE with our current offer; resolves on 2xx, rejects with CallError otherwise. */
  async #reinvite(what: string): Promise<void> {
    if (this.#reinviting) throw new CallError('invalid-state', 'Another re-INVITE is in progress');
    this.#reinviting = true;
    await this.#acked; // never rejects
    if (this.#session.state !== SessionState.Established) {
      this.#reinviting = false;
      throw new CallError('invalid-state', 'The call is not established');
    }
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: CallError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        off();
        this.#reinviting = false;
        this.#mediaChangedAt = Date.now();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => finish(new CallError('network', `${what}: no answer to the re-INVITE`)), REINVITE_TIMEOUT_MS);
      const off = this.onDidChange((snap) => {
        if (snap.state === 'ended') finish(new CallError('invalid-state', `${what}: the call ended`));
      });
      this.#session
        .invite({
          requestDelegate: {
            onAccept: () => finish(),
            onReject: (response: Core.IncomingResponse) =>
              finish(new CallError('media', `${what} rejected: ${response.message.statusCode ?? 0} ${response.message.reasonPhrase ?? ''}`.trim())),
          },
        })
        .catch((err: unknown) => finish(new CallError('media', `${what} failed: ${errorText(err)}`)));
    });
  }

  #assertTransferable(): void {
    const state = this.#snapshot.state;
    if (state !== 'active' && state !== 'held') throw new CallError('invalid-state', `Cannot transfer a call in state ${state}`);
    if (this.#session.state !== SessionState.Established) throw new CallError('invalid-state', 'The call is not established');
    if (this.#transferring) throw new CallError('invalid-state', 'A transfer of this call is already in progress');
  }

  #targetUri(target: string): URI {
    const uri = UserAgent.makeURI(dialTargetToUri(target, this.#domain));
    if (!uri) throw new CallError('invalid-target', 'Target is not a valid SIP URI');
    return uri;
  }

  /**
   * Send one REFER (RFC 3515) and follow its NOTIFYs (message/sipfrag) until a final status, a terminated
   * subscription, a rejection or the timeout. Never throws.
   */
  #refer(referTo: URI | Session, progress: Pick<TransferProgress, 'kind' | 'target'>): Promise<ReferResult> {
    this.#patch({ transfer: { ...progress, state: 'trying' } });
    return new Promise<ReferResult>((resolve) => {
      let settled = false;
      let accepted = false;
      let silence: NodeJS.Timeout | undefined;
      let notified = false;
      const finish = (result: ReferResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(silence);
        off();
        resolve(result);
      };
      const timer = setTimeout(
        () => finish({ ok: false, accepted, detail: `no final NOTIFY within ${Math.round(this.#transferTimeoutMs / 1000)} s` }),
        this.#transferTimeoutMs,
      );
      const off = this.onDidChange((snap) => {
        // SIP.js drops NOTIFYs once the dialog is gone: a call that ends mid-transfer cannot report the outcome.
        if (snap.state === 'ended') finish({ ok: false, accepted, detail: 'the call ended before the transfer completed' });
      });
      const onNotify = (notification: Notification): void => {
        notification.accept().catch(() => undefined);
        if (settled) return;
        const frag = parseSipfrag(notification.request.body);
        if (frag) {
          notified = true;
          clearTimeout(silence); // the PBX reports progress: wait for its final word
          accepted = true; // a NOTIFY may overtake the 202 on UDP
          const state = transferStateForStatus(frag.status);
          if (state === 'done') finish({ ok: true });
          else if (state === 'failed') finish({ ok: false, accepted, status: frag.status, detail: `${frag.status} ${frag.reason}`.trim() });
          else this.#patch({ transfer: { ...progress, state } });
          return;
        }
        if (/^\s*terminated/i.test(notification.request.getHeader('subscription-state') ?? '')) {
          finish({ ok: false, accepted, detail: 'the transfer subscription ended without a final status' });
        }
      };
      this.#session
        .refer(referTo, {
          requestDelegate: {
            onAccept: () => {
              accepted = true;
              // Some PBXs accept the REFER and never NOTIFY (Asterisk, blind transfer into an application): the
              // caller has left our dialog already, so after a short silence the transfer counts as handed over.
              if (!notified) silence ??= setTimeout(() => finish({ ok: true }), SILENT_REFER_MS);
              silence?.unref?.();
            },
            onReject: (response: Core.IncomingResponse) => {
              const status = response.message.statusCode ?? 0;
              finish({ ok: false, accepted: false, status, detail: `REFER rejected: ${status} ${response.message.reasonPhrase ?? ''}`.trim() });
            },
          },
          onNotify,
        })
        .catch((err: unknown) => finish({ ok: false, accepted: false, detail: `REFER failed: ${errorText(err)}` }));
    });
  }

  /** The transferee reached the target: we leave the call (RFC 5589 §6.1: the transferor sends BYE). */
  async #completeTransfer(progress: Pick<TransferProgress, 'kind' | 'target'>): Promise<void> {
    this.#forcedReason = 'transferred';
    if (!this.#ended) this.#patch({ transfer: { ...progress, state: 'done' } });
    if (this.#session.state === SessionState.Established) {
      await this.#session.bye().catch((err: unknown) => this.#logger.debug(`BYE after transfer: ${errorText(err)}`));
    }
  }

  #transferFailed(progress: Pick<TransferProgress, 'kind' | 'target'>, result: Extract<ReferResult, { ok: false }>): CallError {
    if (!this.#ended) {
      this.#patch({ transfer: { ...progress, state: 'failed', ...(result.status !== undefined ? { status: result.status } : {}) } });
    }
    return new CallError('transfer-failed', `Transfer to ${progress.target} failed: ${result.detail}`);
  }

  #byeIfStillUp(afterMs: number): void {
    const timer = setTimeout(() => {
      if (this.#ended || this.#session.state !== SessionState.Established) return;
      this.#logger.info(`Call ${this.id}: the transfer target did not end the replaced dialog; sending BYE`);
      this.#session.bye().catch((err: unknown) => this.#logger.debug(`BYE of replaced call: ${errorText(err)}`));
    }, afterMs);
    timer.unref();
  }

  #onSessionState(state: SessionState): void {
    switch (state) {
      case SessionState.Initial:
      case SessionState.Establishing:
      case SessionState.Terminating:
        return;
      case SessionState.Established:
        if (!this.#ended) {
          this.#transition('active', { answeredAt: Date.now() });
          this.#watchMedia();
        }
        return;
      case SessionState.Terminated: {
        // SIP.js enters Terminated before it hands the final response to requestDelegate.onReject.
        const gate = this.#endGate;
        if (gate) void gate.then(() => this.#end());
        else queueMicrotask(() => this.#end());
        return;
      }
      default:
        missingCase(state);
    }
  }

  /**
   * "Line lost": while the call is up and neither side holds, audio must keep arriving. The media session says when
   * it last received some (RTP bridge); nothing for `mediaTimeoutMs` ⇒ we hang up (BYE, held until signalling is
   * back if it is away), so neither end stays in a dead call.
   */
  #watchMedia(): void {
    const media = this.#media;
    if (this.#mediaTimeoutMs <= 0 || !media?.lastReceivedAt || this.#mediaWatch) return;
    this.#mediaChangedAt = Date.now();
    this.#mediaWatch = setInterval(() => {
      if (this.#ended) {
        clearInterval(this.#mediaWatch);
        return;
      }
      if (this.#snapshot.state !== 'active' || this.#snapshot.remoteHold || this.#reinviting) return;
      const received = media.lastReceivedAt?.() ?? 0;
      const last = Math.max(received, this.#mediaChangedAt, this.#snapshot.answeredAt ?? 0);
      const now = Date.now();
      // One line when the far end's audio stops (a cut link, a firewall, one-way audio) and one when it is back.
      if (this.#mediaGapSince === undefined && now - last >= MEDIA_GAP_LOG_MS) {
        this.#mediaGapSince = last;
        this.#logger.info(`Call ${this.id}: no audio from the far end for ${Math.round((now - last) / 1000)} s`);
      } else if (this.#mediaGapSince !== undefined && received > this.#mediaGapSince && now - received < MEDIA_GAP_LOG_MS) {
        this.#logger.info(`Call ${this.id}: audio from the far end again (a gap of about ${Math.round((received - this.#mediaGapSince) / 1000)} s)`);
        this.#mediaGapSince = undefined;
      }
      if (now - last < this.#mediaTimeoutMs) return;
      clearInterval(this.#mediaWatch);
      this.#logger.warn(`Call ${this.id}: no audio for ${Math.round(this.#mediaTimeoutMs / 1000)} s, the line is lost: hanging up`);
      this.#forcedReason = 'media-timeout';
      void this.hangup();
    }, MEDIA_WATCH_INTERVAL_MS);
    this.#mediaWatch.unref?.();
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
    this.#resolveAcked();
    clearInterval(this.#mediaWatch);
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
    this.#emit();
  }

  /** Change snapshot fields without a state transition (remote hold, transfer progress). */
  #patch(patch: Partial<Omit<CallSnapshot, 'state'>>): void {
    if (this.#ended) return;
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.#emit();
  }

  #emit(): void {
    for (const l of [...this.#listeners]) {
      try {
        l(this.#snapshot);
      } catch (err) {
        this.#logger.error(`Call listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function missingCase(x: never): never {
  throw new Error(`Unhandled case: ${String(x)}`);
}

/** Narrow helper for the softphone: the session behind a call (adapter-internal). */
export type SipJsSession = Session;
