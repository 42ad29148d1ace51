/**
 * The media engine: this window owns the microphone, the call audio and the ringer. Main's SIP stack proxies
 * offer/answer to us through `media.request` events (SIP.js SessionDescriptionHandler in main) and we answer with
 * `media.reply`. Media then flows directly between our RTCPeerConnection and the PBX (WebRTC mode) or main's werift
 * bridge on loopback (classic mode) — either way this code is the same.
 */
import type { CallView, CommandArgs, ConsoleClient, HeadsetView, MediaRequest, Preferences } from '../../../electron/contract';
import { microphoneProcessingOf, QUALITY_SAMPLE_INTERVAL_MS, ringerOf } from '../../../electron/contract';
import { callDevices, type AudioDeviceLike } from './headset-devices';
import { dominantFrequency, packetsReceived } from './analysis';
import { inboundArrived, QualityQueue, qualitySample, readStats, type StatsTotals } from './quality';
import { applySink, playWarningRing, previewLevel, Ringtone, type OutputLevel } from './ringtone';
import { ringerGain } from './ringtones';

/** No trickle ICE over SIP here: we wait for gathering, but never longer than this (host candidates come fast). */
const ICE_GATHERING_CAP_MS = 3000;

interface CallMedia {
  readonly pc: RTCPeerConnection;
  readonly local: MediaStream;
  readonly remote: MediaStream;
  /** Chromium only feeds WebAudio (the test hook) from a remote stream that is also attached to a media element. */
  readonly element: HTMLAudioElement;
  /** getStats() sampling for the history detail window (issue 5 §6). */
  readonly quality: { timer?: ReturnType<typeof setInterval>; prev?: StatsTotals; readonly queue: QualityQueue; sending: boolean };
  /** The microphone asked for ('' = the system default): a plugged headset's may replace it during the call. */
  microphoneId: string;
}

/** A conference mixed here: each member's sender carries our microphone plus every other member's voice. */
interface Mix {
  readonly key: string;
  readonly context: AudioContext;
  readonly micGain: Map<string, GainNode>;
  /** Each member's voice on its way to the others (0: muted by the conference panel). */
  readonly partyGain: Map<string, GainNode>;
  readonly nodes: AudioNode[];
}

export interface MediaEngineOptions {
  readonly client: ConsoleClient;
  readonly preferences: () => Preferences | undefined;
  /** Tell the user (global message area) about a media problem; `key` is an i18n key. */
  readonly notify: (key: 'media.microphone-denied') => void;
}

export interface MediaTestHook {
  dominantFrequency(callId?: string): Promise<number>;
  stats(callId?: string): Promise<{ packetsReceived: number }>;
  /** Whether the ring tone is sounding (tests check ringing without a sound card). */
  ringing(): boolean;
  /** How many short warning rings (a call forwarded without ringing here) this window played. */
  warningRings(): number;
  /** What the ringer plays now (absent: not ringing). */
  ringer(): { tone: string; volume: number; sinkId: string } | undefined;
  /** The loudest RMS level the ringer sends to its device over `ms`, and its pitch then (0: silent or not ringing). */
  ringerLevel(ms: number): Promise<OutputLevel>;
  /** The last play-test of Settings › Audio and its output level over `ms`. */
  preview(ms: number): Promise<{ kind?: string; tone?: string; sinkId?: string } & OutputLevel>;
  /** What the browser applied to a call's outgoing microphone track (getSettings / getConstraints). */
  microphone(callId?: string): { settings: MediaTrackSettings; constraints: MediaTrackConstraints; sinkId: string } | undefined;
  /** The devices calls use now and the headset that chose them (automatic headset). */
  callDevices(): { microphoneId?: string | undefined; speakerId?: string | undefined; headset?: string };
}

declare global {
  interface Window {
    __rcMedia?: MediaTestHook;
  }
}

type Reply = CommandArgs<'media.reply'>;

export class MediaEngine {
  readonly #calls = new Map<string, CallMedia>();
  readonly #ringtone = new Ringtone();
  readonly #options: MediaEngineOptions;
  readonly #unsubscribe: (() => void)[] = [];
  /** The console's view of each call (hold, mute, volume, conference) — applied to the peers by #route(). */
  #views = new Map<string, CallView>();
  readonly #mixes = new Map<string, Mix>();
  readonly #beeped = new Set<string>();
  #warningRings = 0;
  /** Names of the plugged USB headsets (the driven one first) and the browser's audio devices (automatic headset). */
  #headsetNames: readonly string[] = [];
  #devices: readonly AudioDeviceLike[] = [];
  #deviceChange = (): void => void this.#listDevices();
  #deviceWork: Promise<void> = Promise.resolve();

  constructor(options: MediaEngineOptions) {
    this.#options = options;
  }

  start(): void {
    const { client } = this.#options;
    this.#unsubscribe.push(
      client.on('media.request', (req) => void this.#handle(req)),
      // After every (re)connect main must learn again that this window owns audio.
      client.onConnection((state) => {
        if (state === 'open') void client.invoke('media.attach', {});
      }),
    );
    window.__rcMedia = {
      dominantFrequency: async (callId) => {
        const media = this.#pick(callId);
        return media ? dominantFrequency(media.remote) : 0;
      },
      stats: async (callId) => {
        const media = this.#pick(callId);
        return { packetsReceived: media ? await packetsReceived(media.pc) : 0 };
      },
      ringing: () => this.#ringtone.playing,
      warningRings: () => this.#warningRings,
      ringer: () => {
        const c = this.#ringtone.choice;
        return c ? { tone: c.tone, volume: c.volume, sinkId: c.sinkId ?? '' } : undefined;
      },
      ringerLevel: (ms) => this.#ringtone.level(ms),
      preview: (ms) => previewLevel(ms),
      microphone: (callId) => {
        const track = this.#pick(callId)?.local.getAudioTracks()[0];
        const media = this.#pick(callId);
        return track && media ? { settings: track.getSettings(), constraints: track.getConstraints(), sinkId: media.element.sinkId } : undefined;
      },
      callDevices: () => this.#callDevices(),
    };
    navigator.mediaDevices?.addEventListener?.('devicechange', this.#deviceChange);
    void this.#listDevices();
  }

  /**
   * The USB headset slot changed (plugged, unplugged, another one driven): with "use the headset when plugged in",
   * calls switch to its audio device (headset-devices.ts has the rule).
   */
  setHeadset(view: HeadsetView | undefined): void {
    const names = [...(view?.connected && view.name ? [view.name] : []), ...(view?.available ?? []).map((h) => h.name)];
    const next = [...new Set(names)];
    if (next.join('\n') === this.#headsetNames.join('\n')) return;
    this.#headsetNames = next;
    // A headset just plugged in may be listed by the browser a moment later: devicechange re-applies then.
    void this.#listDevices();
  }

  /** One listing at a time (devicechange and a headset change often come together): no call opens two microphones. */
  #listDevices(): Promise<void> {
    this.#deviceWork = this.#deviceWork.then(() => this.#listDevicesNow());
    return this.#deviceWork;
  }

  async #listDevicesNow(): Promise<void> {
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      this.#devices = all.map((d) => ({ deviceId: d.deviceId, kind: d.kind, label: d.label }));
    } catch {
      this.#devices = [];
    }
    this.applyOutputDevices(this.#options.preferences());
    await this.#followMicrophone();
  }

  /**
   * The microphone calls should use changed (a headset plugged in or pulled out mid-call): calls in progress move to
   * it — a new track replaces the old one on each call's sender, conferences are mixed again from the new track.
   */
  async #followMicrophone(): Promise<void> {
    const wanted = this.#callDevices().microphoneId ?? '';
    const stale = [...this.#calls.values()].filter((m) => m.microphoneId !== wanted);
    for (const media of stale) {
      let fresh: MediaStream;
      try {
        fresh = await this.#microphone();
      } catch {
        continue; // keep the old microphone: a call with sound beats a silent one
      }
      if (![...this.#calls.values()].includes(media)) {
        fresh.getTracks().forEach((t) => t.stop()); // the call ended meanwhile
        continue;
      }
      for (const old of media.local.getAudioTracks()) {
        media.local.removeTrack(old);
        old.stop();
      }
      for (const track of fresh.getAudioTracks()) media.local.addTrack(track);
      media.microphoneId = wanted;
    }
    if (stale.length > 0) {
      // Mixes were built from the old tracks: #route() mixes the conference again from the new ones.
      for (const confId of [...this.#mixes.keys()]) this.#unmix(confId);
      this.#route();
    }
  }

  #callDevices(): { microphoneId?: string | undefined; speakerId?: string | undefined; headset?: string } {
    const p = this.#options.preferences();
    return callDevices({ microphoneId: p?.microphoneId, speakerId: p?.speakerId }, this.#headsetNames, this.#devices, p?.audioFollowsHeadset ?? true);
  }

  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.#deviceChange);
    for (const id of [...this.#calls.keys()]) this.#close(id);
    clearTimeout(this.#ringTimer);
    this.#ringTimer = undefined;
    this.#ringtone.stop();
  }

  /**
   * Ring while any call is `incoming` (driven by the state; main decides who rings). The ringer starts or stops in a
   * task of its own, after the row that rings is on screen: an AudioContext and its nodes cost ~15 ms on a slow
   * machine, and in the same task they delayed the row by as much (measured by tests/bench/sip-bench.ts). The choice
   * (tone, volume, device) is read here, synchronously, so that a change of it while ringing still re-applies.
   */
  setRinging(ringing: boolean): void {
    const p = this.#options.preferences();
    const choice = ringing ? { sinkId: p?.ringerId, ...ringerOf(p) } : undefined;
    clearTimeout(this.#ringTimer);
    this.#ringTimer = setTimeout(() => {
      this.#ringTimer = undefined;
      if (choice) this.#ringtone.start(choice);
      else this.#ringtone.stop();
    }, 0);
  }
  #ringTimer: ReturnType<typeof setTimeout> | undefined;

  /** A short (≤ 1 s) ring on the ringer device: a call was forwarded and did not ring here. */
  warningRing(): void {
    const p = this.#options.preferences();
    const { tone, volume } = ringerOf(p);
    // The receptionist's ringer choice holds for the warning too: Silent or 0 % means no sound.
    if (tone === 'silent' || volume === 0) return;
    this.#warningRings += 1;
    playWarningRing(p?.ringerId, ringerGain(volume));
  }

  /**
   * Apply the console's call state to the audio: only a talking (active) call hears us and is heard; a held or muted
   * call gets silence from us; volume per call; conference members are mixed. Called on every call change.
   */
  applyCalls(calls: readonly CallView[]): void {
    this.#views = new Map(calls.map((c) => [c.id, c]));
    for (const c of calls) {
      if (c.autoAnswered && !this.#beeped.has(c.id)) {
        this.#beeped.add(c.id);
        beep();
      }
    }
    this.#route();
  }

  #route(): void {
    const conferences = new Map<string, string[]>();
    for (const [id, view] of this.#views) {
      if (view.conferenceId && view.state === 'active' && this.#calls.has(id)) {
        conferences.set(view.conferenceId, [...(conferences.get(view.conferenceId) ?? []), id]);
      }
    }
    for (const [confId, mix] of this.#mixes) {
      const members = conferences.get(confId) ?? [];
      if (members.length < 2 || mix.key !== this.#mixKey(members)) this.#unmix(confId);
    }
    for (const [confId, members] of conferences) {
      if (members.length >= 2 && !this.#mixes.has(confId)) this.#mix(confId, members);
    }
    for (const [id, media] of this.#calls) {
      const view = this.#views.get(id);
      if (!view) continue;
      const talking = view.state === 'active';
      // Early media (ringback, announcements) stays audible; a held call is silent both ways; a party muted in the
      // conference panel is not played to us either.
      media.element.muted = view.state === 'held' || view.partyMuted === true;
      media.element.volume = Math.min(1, Math.max(0, view.volume));
      const mixed = view.conferenceId !== undefined && this.#mixes.has(view.conferenceId);
      for (const track of media.local.getAudioTracks()) track.enabled = talking && !view.muted;
      if (mixed) {
        const mix = this.#mixes.get(view.conferenceId!)!;
        const gain = mix.micGain.get(id);
        if (gain) gain.gain.value = talking && !view.muted ? 1 : 0;
        const party = mix.partyGain.get(id);
        if (party) party.gain.value = view.partyMuted ? 0 : 1;
      } else {
        // Back from a conference: the sender still carries the old mix; put our own microphone back.
        const sender = media.pc.getSenders().find((s) => s.track?.kind === 'audio');
        const mic = media.local.getAudioTracks()[0];
        if (sender && mic && sender.track !== mic) void sender.replaceTrack(mic).catch(() => undefined);
      }
    }
  }

  #mixKey(members: readonly string[]): string {
    return members
      .map((id) => `${id}:${this.#calls.get(id)?.remote.getAudioTracks()[0]?.id ?? '-'}`)
      .sort()
      .join('|');
  }

  #mix(confId: string, members: readonly string[]): void {
    const context = new AudioContext();
    const micGain = new Map<string, GainNode>();
    const partyGain = new Map<string, GainNode>();
    const nodes: AudioNode[] = [];
    const remotes = new Map<string, AudioNode>();
    for (const id of members) {
      const media = this.#calls.get(id)!;
      if (media.remote.getAudioTracks().length > 0) {
        const src = context.createMediaStreamSource(media.remote);
        const party = context.createGain();
        party.gain.value = this.#views.get(id)?.partyMuted ? 0 : 1;
        src.connect(party);
        remotes.set(id, party);
        partyGain.set(id, party);
        nodes.push(src, party);
      }
    }
    for (const id of members) {
      const media = this.#calls.get(id)!;
      const dest = context.createMediaStreamDestination();
      const gain = context.createGain();
      if (media.local.getAudioTracks().length > 0) context.createMediaStreamSource(media.local).connect(gain);
      gain.connect(dest);
      micGain.set(id, gain);
      for (const [other, src] of remotes) if (other !== id) src.connect(dest);
      nodes.push(dest, gain);
      const sender = media.pc.getSenders().find((s) => s.track?.kind === 'audio');
      const mixed = dest.stream.getAudioTracks()[0];
      if (sender && mixed) void sender.replaceTrack(mixed).catch(() => undefined);
    }
    void context.resume().catch(() => undefined);
    this.#mixes.set(confId, { key: this.#mixKey(members), context, micGain, partyGain, nodes });
  }

  #unmix(confId: string): void {
    const mix = this.#mixes.get(confId);
    if (!mix) return;
    this.#mixes.delete(confId);
    for (const n of mix.nodes) n.disconnect();
    void mix.context.close().catch(() => undefined);
    // #route() puts each call's own microphone track back on its sender.
  }

  /** Re-route outputs after the user picked other devices in Settings, or a headset came or went. */
  applyOutputDevices(preferences: Preferences | undefined): void {
    this.#ringtone.setSink(preferences?.ringerId);
    // The plugged headset's speaker when the automatic headset applies (#callDevices reads the current preferences).
    const speakerId = this.#callDevices().speakerId;
    for (const media of this.#calls.values()) void applySink(media.element, speakerId ?? '');
  }

  async #handle(req: MediaRequest): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.#perform(req);
    } catch (err) {
      reply = { requestId: req.requestId, ok: false, error: describe(err).slice(0, 1024) };
    }
    await this.#options.client.invoke('media.reply', reply);
  }

  async #perform(req: MediaRequest): Promise<Reply> {
    const { requestId } = req;
    switch (req.op) {
      case 'offer': {
        // A re-INVITE (hold, resume) re-negotiates the peer the PBX already talks to; otherwise a new peer.
        const kept = req.keep ? this.#reusable(req.callId) : undefined;
        const media = kept ?? (await this.#create(req.callId));
        await media.pc.setLocalDescription(await media.pc.createOffer());
        return { requestId, ok: true, sdp: await gatheredSdp(media.pc) };
      }
      case 'answer': {
        const kept = req.keep ? this.#reusable(req.callId) : undefined;
        if (kept) await kept.pc.setRemoteDescription({ type: 'offer', sdp: req.sdp });
        const media = kept ?? (await this.#create(req.callId, req.sdp));
        await media.pc.setLocalDescription(await media.pc.createAnswer());
        this.#route();
        return { requestId, ok: true, sdp: await gatheredSdp(media.pc) };
      }
      case 'accept': {
        const media = this.#calls.get(req.callId);
        if (!media) return { requestId, ok: false, error: `no media for call ${req.callId}` };
        await media.pc.setRemoteDescription({ type: 'answer', sdp: req.sdp });
        return { requestId, ok: true };
      }
      case 'dtmf': {
        const dtmf = this.#calls.get(req.callId)?.pc.getSenders().find((s) => s.track?.kind === 'audio')?.dtmf;
        // RFC 4733 events need a negotiated telephone-event payload; canInsertDTMF is false without it.
        if (!dtmf || !dtmf.canInsertDTMF) return { requestId, ok: true, value: false };
        dtmf.insertDTMF(req.tones, 100, 70);
        return { requestId, ok: true, value: true };
      }
      case 'close':
        this.#close(req.callId);
        return { requestId, ok: true };
      default:
        return missingCase(req);
    }
  }

  /**
   * (Re)create the call's peer connection. With a remote offer we apply it BEFORE adding our track, so addTrack
   * reuses the offered audio transceiver instead of adding a second m-line.
   */
  async #create(callId: string, remoteOffer?: string): Promise<CallMedia> {
    this.#close(callId);
    const microphoneId = this.#callDevices().microphoneId ?? '';
    const local = await this.#microphone();
    // Until the page has captured once, a browser hides device labels: list again now, for the automatic headset.
    if (this.#headsetNames.length > 0 && this.#devices.every((d) => !d.label)) void this.#listDevices();
    const pc = new RTCPeerConnection({ iceServers: [] });
    const remote = new MediaStream();
    const element = new Audio();
    element.autoplay = true;
    element.dataset.callId = callId;
    element.srcObject = remote;
    const media: CallMedia = { pc, local, remote, element, microphoneId, quality: { queue: new QualityQueue(), sending: false } };
    this.#calls.set(callId, media);
    media.quality.timer = setInterval(() => void this.#sample(callId, media), QUALITY_SAMPLE_INTERVAL_MS);
    pc.addEventListener('track', (event) => {
      const track = event.track;
      if (!remote.getTracks().includes(track)) remote.addTrack(track);
      void element.play().catch(() => undefined);
      this.#route();
    });
    void applySink(element, this.#callDevices().speakerId ?? '');
    try {
      if (remoteOffer !== undefined) await pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer });
      for (const track of local.getAudioTracks()) pc.addTrack(track, local);
      this.#route();
    } catch (err) {
      this.#close(callId);
      throw err;
    }
    return media;
  }

  /**
   * One getStats() reading → one sample, sent with whatever is still queued. A WebRTC call whose inbound packets
   * moved also tells main so (`media.inbound`): its "line lost" watchdog cannot see this media otherwise.
   */
  async #sample(callId: string, media: CallMedia): Promise<void> {
    const pc = media.pc;
    if (pc.connectionState === 'closed' || pc.connectionState === 'new') return;
    try {
      const report = await pc.getStats();
      const reading = readStats(report.values() as Iterable<Record<string, unknown>>, Date.now());
      const arrived = inboundArrived(media.quality.prev, reading.totals);
      const sample = qualitySample(media.quality.prev, reading);
      media.quality.prev = reading.totals;
      media.quality.queue.push(sample);
      // RTP-bridge calls: main's bridge sees the PBX's packets itself.
      if (arrived && this.#calls.get(callId) === media && this.#views.get(callId)?.mediaMode !== 'rtp') {
        void this.#options.client.invoke('media.inbound', { callId }).catch(() => undefined);
      }
    } catch {
      return; // the peer closed under us
    }
    await this.#sendQuality(callId, media);
  }

  async #sendQuality(callId: string, media: CallMedia): Promise<void> {
    const q = media.quality;
    if (q.sending) return;
    q.sending = true;
    try {
      while (q.queue.size > 0) {
        const batch = q.queue.take();
        const r = await this.#options.client.invoke('call.quality', { callId, samples: batch });
        if (!r.ok) {
          // Disconnected: keep them for the next tick. Anything else (call gone, refused): drop them.
          if (r.error.code === 'network' || r.error.code === 'internal') q.queue.putBack(batch);
          return;
        }
      }
    } finally {
      q.sending = false;
    }
  }

  #reusable(callId: string): CallMedia | undefined {
    const media = this.#calls.get(callId);
    if (!media) return undefined;
    const pc = media.pc;
    return pc.signalingState === 'stable' && pc.connectionState !== 'closed' && pc.connectionState !== 'failed' ? media : undefined;
  }

  async #microphone(): Promise<MediaStream> {
    const microphoneId = this.#callDevices().microphoneId;
    // Three separate switches (Settings › Audio); settings from before them follow the old single one.
    const dsp = { ...microphoneProcessingOf(this.#options.preferences()) };
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio: { ...(microphoneId ? { deviceId: { exact: microphoneId } } : {}), ...dsp },
      });
    } catch (err) {
      if (err instanceof DOMException && (err.name === 'NotAllowedError' || err.name === 'SecurityError')) {
        this.#options.notify('media.microphone-denied');
      } else if (microphoneId && err instanceof DOMException && err.name === 'OverconstrainedError') {
        // The chosen headset was unplugged: a call on the default microphone beats a failed call.
        return navigator.mediaDevices.getUserMedia({ audio: dsp });
      }
      throw err;
    }
  }

  #close(callId: string): void {
    const media = this.#calls.get(callId);
    if (!media) return;
    this.#calls.delete(callId);
    clearInterval(media.quality.timer);
    void this.#sendQuality(callId, media);
    media.pc.close();
    for (const track of media.local.getTracks()) track.stop();
    media.element.pause();
    media.element.srcObject = null;
    this.#route();
  }

  #pick(callId: string | undefined): CallMedia | undefined {
    if (callId !== undefined) return this.#calls.get(callId);
    return this.#calls.values().next().value;
  }
}

/** Wait for ICE gathering to finish (capped), then return the SDP with all candidates in it. */
async function gatheredSdp(pc: RTCPeerConnection): Promise<string> {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ICE_GATHERING_CAP_MS);
      function done(): void {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      }
      function check(): void {
        if (pc.iceGatheringState === 'complete') done();
      }
      pc.addEventListener('icegatheringstatechange', check);
    });
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error('no local description');
  return sdp;
}

/** The short beep of an auto-answered call (the receptionist must know the line is open). */
function beep(): void {
  try {
    const context = new AudioContext();
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(context.destination);
    osc.start();
    osc.stop(context.currentTime + 0.15);
    osc.onended = () => void context.close();
  } catch {
    /* no audio output: nothing to beep on */
  }
}

function describe(err: unknown): string {
  if (err instanceof DOMException) return `${err.name}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

function missingCase(x: never): never {
  throw new Error(`Unhandled media op: ${JSON.stringify(x)}`);
}
