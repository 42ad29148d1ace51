/**
 * Routes media requests from main (sip-core sessions, the RTP bridge) to the renderer that owns audio, and matches
 * the renderer's `media.reply` to the pending request. Implements sip-core's RendererMediaPort.
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

export class RendererMediaHub implements RendererMediaPort {
  #sink: MediaSink | undefined;
  #pending = new Map<string, Pending>();
  #seq = 0;
  #attachListeners = new Set<() => void>();

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

/** WebRTC mode: the renderer's RTCPeerConnection talks to the PBX directly (ICE/DTLS-SRTP); main only relays SDP. */
export function createRendererMediaSession(callId: string, port: RendererMediaPort) {
  let closed = false;
  return {
    // The renderer's peer talks to the PBX itself: a re-INVITE (hold, resume) re-negotiates that same peer.
    createOffer: () => port.createOffer(callId, { keep: true }),
    createAnswer: (offer: string) => port.createAnswer(callId, offer, { keep: true }),
    acceptAnswer: (answer: string) => port.acceptAnswer(callId, answer),
    sendDtmf: (tones: string) => port.sendDtmf(callId, tones),
    close: () => {
      if (closed) return;
      closed = true;
      port.close(callId);
    },
  };
}
