/**
 * Routes media requests from main (sip-core sessions, the RTP bridge) to the renderer that owns audio, and matches
 * the renderer's `media.reply` to the pending request. Implements sip-core's RendererMediaPort. For WebRTC calls it
 * also keeps the inbound-audio clock the renderer reports (`media.inbound`): main never sees that media itself.
 */
import type { MediaRequest } from '../contract/contract';
import type { RendererMediaPort } from '../../sip-core/ports/renderer-media-port';

/** The renderer connection that owns audio. */
export interface MediaSink {
  readonly connectionId: string;
  send(request: MediaRequest): void;
}

interface Pending {
  resolve(reply: MediaReply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  connectionId: string;
}
export interface MediaReply {
  ok: boolean;
  sdp?: string;
  value?: boolean;
  error?: string;
}

export class NoRendererError extends Error {
  constructor() {
    super('No console window is open to play audio');
    this.name = 'NoRendererError';
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** When audio last reached the renderer's peer of a WebRTC call, as the audio-owning window reports it. */
export interface InboundAudioClock {
  /** Start keeping the clock of `callId` (its WebRTC session was created). */
  watchInbound(callId: string): void;
  /** The call's session closed: forget its clock. */
  unwatchInbound(callId: string): void;
  /**
   * Epoch ms of the last report of inbound audio for `callId`, never earlier than the moment the current window
   * attached. While no window owns audio: now (nobody can tell, so the media is not presumed dead). Undefined for a
   * call not watched.
   */
  lastReceivedAt(callId: string): number | undefined;
}

export class RendererMediaHub implements RendererMediaPort, InboundAudioClock {
  #sink: MediaSink | undefined;
  /** When the current sink attached: a (re)attached window's clock starts there. */
  #attachedAt = 0;
  #pending = new Map<string, Pending>();
  #seq = 0;
  #attachListeners = new Set<() => void>();
  /** WebRTC calls → epoch ms of the last `media.inbound` from the audio owner (0: none yet). */
  #inbound = new Map<string, number>();

  constructor(
    private readonly timeoutMs = 10_000,
    /** How long a media request waits for a window to attach when none owns audio. */
    private readonly attachWaitMs = 5_000,
  ) {}

  get attached(): boolean {
    return this.#sink !== undefined;
  }

  /** A renderer declared itself the audio owner (`media.attach`). The newest one wins. */
  attach(sink: MediaSink): void {
    const previous = this.#sink;
    this.#sink = sink;
    this.#attachedAt = Date.now();
    if (previous && previous.connectionId !== sink.connectionId) this.#failPendingOf(previous.connectionId);
    for (const l of [...this.#attachListeners]) l();
  }

  /** A connection went away; if it owned audio, nobody does until the next attach. */
  detach(connectionId: string): void {
    if (this.#sink?.connectionId === connectionId) this.#sink = undefined;
    this.#failPendingOf(connectionId);
  }

  /** Called by the `media.reply` command handler. Replies from a non-owner connection are ignored. */
  reply(connectionId: string, requestId: string, reply: MediaReply): boolean {
    const p = this.#pending.get(requestId);
    if (!p || p.connectionId !== connectionId) return false;
    this.#pending.delete(requestId);
    clearTimeout(p.timer);
    p.resolve(reply);
    return true;
  }

  watchInbound(callId: string): void {
    if (!this.#inbound.has(callId)) this.#inbound.set(callId, 0);
  }

  unwatchInbound(callId: string): void {
    this.#inbound.delete(callId);
  }

  /**
   * Called by the `media.inbound` command handler: audio reached the owner's peer of `callId` (stamped now, by main's
   * clock: a web-host window may run on another machine). Reports from a non-owner, or for a call that is not a
   * watched WebRTC call, are ignored.
   */
  inbound(connectionId: string, callId: string, at = Date.now()): boolean {
    const last = this.#inbound.get(callId);
    if (this.#sink?.connectionId !== connectionId || last === undefined) return false;
    this.#inbound.set(callId, Math.max(last, at));
    return true;
  }

  lastReceivedAt(callId: string): number | undefined {
    const last = this.#inbound.get(callId);
    if (last === undefined) return undefined;
    // Window closed or reloading: no evidence either way, and a closed window must never hang up calls. sip-core's
    // watchdog reads "undefined" as "no audio since the answer", so the clock keeps moving instead.
    if (!this.#sink) return Date.now();
    return Math.max(last, this.#attachedAt);
  }

  onDidAttach(listener: () => void): () => void {
    this.#attachListeners.add(listener);
    return () => this.#attachListeners.delete(listener);
  }

  async createOffer(callId: string, options?: { readonly keep?: boolean }): Promise<string> {
    return this.#sdp(await this.#request({ op: 'offer', callId, ...(options?.keep && { keep: true }) }));
  }
  async createAnswer(callId: string, remoteOffer: string, options?: { readonly keep?: boolean }): Promise<string> {
    return this.#sdp(await this.#request({ op: 'answer', callId, sdp: remoteOffer, ...(options?.keep && { keep: true }) }));
  }
  async acceptAnswer(callId: string, remoteAnswer: string): Promise<void> {
    const r = await this.#request({ op: 'accept', callId, sdp: remoteAnswer });
    if (!r.ok) throw new Error(r.error ?? 'The console window could not apply the remote media description');
  }
  async sendDtmf(callId: string, tones: string): Promise<boolean> {
    const r = await this.#request({ op: 'dtmf', callId, tones });
    return r.ok && r.value === true;
  }
  close(callId: string): void {
    if (!this.#sink) return;
    this.#sink.send({ requestId: this.#nextId(), op: 'close', callId });
  }

  #sdp(r: MediaReply): string {
    if (!r.ok || !r.sdp) throw new Error(r.error ?? 'The console window returned no media description');
    return r.sdp;
  }

  #nextId(): string {
    return `m${++this.#seq}`;
  }

  /** No window owns audio right now (starting hidden, page reloading): give one a few seconds to attach. */
  #waitForSink(): Promise<MediaSink | undefined> {
    if (this.#sink) return Promise.resolve(this.#sink);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#attachListeners.delete(listener);
        resolve(this.#sink);
      }, this.attachWaitMs);
      const listener = () => {
        clearTimeout(timer);
        this.#attachListeners.delete(listener);
        resolve(this.#sink);
      };
      this.#attachListeners.add(listener);
    });
  }

  async #request(req: DistributiveOmit<MediaRequest, 'requestId'>): Promise<MediaReply> {
    const sink = await this.#waitForSink();
    if (!sink) throw new NoRendererError();
    const requestId = this.#nextId();
    return new Promise<MediaReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new Error('The console window did not answer a media request in time'));
      }, this.timeoutMs);
      this.#pending.set(requestId, { resolve, reject, timer, connectionId: sink.connectionId });
      sink.send({ ...req, requestId } as MediaRequest);
    });
  }

  #failPendingOf(connectionId: string): void {
    for (const [id, p] of this.#pending) {
      if (p.connectionId !== connectionId) continue;
      this.#pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new NoRendererError());
    }
  }
}

/**
 * WebRTC mode: the renderer's RTCPeerConnection talks to the PBX directly (ICE/DTLS-SRTP); main only relays SDP, and
 * learns that audio arrives from the renderer's `media.inbound` reports (the "line lost" watchdog).
 */
export function createRendererMediaSession(callId: string, port: RendererMediaPort & InboundAudioClock) {
  let closed = false;
  port.watchInbound(callId);
  return {
    // The renderer's peer talks to the PBX itself: a re-INVITE (hold, resume) re-negotiates that same peer.
    createOffer: () => port.createOffer(callId, { keep: true }),
    createAnswer: (offer: string) => port.createAnswer(callId, offer, { keep: true }),
    acceptAnswer: (answer: string) => port.acceptAnswer(callId, answer),
    sendDtmf: (tones: string) => port.sendDtmf(callId, tones),
    lastReceivedAt: () => port.lastReceivedAt(callId),
    close: () => {
      if (closed) return;
      closed = true;
      port.unwatchInbound(callId);
      port.close(callId);
    },
  };
}
