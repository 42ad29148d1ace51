/**
 * Generated ring tones (no audio asset to ship; catalogue in ringtones.ts), built with WebAudio and routed through a
 * MediaStreamDestination into an <audio> element so they play on a chosen device (setSinkId) — the ringer is often
 * the PC speaker while the call audio goes to the headset.
 */
import { ringerGain, ringtoneDefinition, soundLength, SPEAKER_TEST, type ToneDefinition } from './ringtones';

const TONES_HZ = [659.25, 523.25] as const; // the warning ring's E5 then C5
const LEVEL = 0.18;

/** What a player sends to its device: RMS amplitude (0..1) and the strongest frequency (Hz, 0 when silent). */
export interface OutputLevel {
  readonly level: number;
  readonly hz: number;
}

/** The ringer's choice: the device, the tone (an id of the catalogue) and the volume in percent. */
export interface RingerChoice {
  readonly sinkId?: string | undefined;
  readonly tone: string;
  readonly volume: number;
}

/**
 * Plays a tone on a device, once or in a loop. An AnalyserNode taps the very signal the <audio> element plays, so
 * `level()` measures what goes to the output (tests check ringing without a sound card; the meter of a preview).
 */
export class TonePlayer {
  readonly #ctx: AudioContext;
  readonly #element: HTMLAudioElement;
  readonly #analyser: AnalyserNode;
  readonly #master: GainNode;
  readonly #tone: ToneDefinition;
  #timer: ReturnType<typeof setInterval | typeof setTimeout> | undefined;
  #stopped = false;

  constructor(tone: ToneDefinition, volume: number, sinkId: string, role: string, loop: boolean) {
    this.#tone = tone;
    const ctx = (this.#ctx = new AudioContext());
    const destination = ctx.createMediaStreamDestination();
    this.#master = ctx.createGain();
    this.#master.gain.value = ringerGain(volume);
    this.#analyser = ctx.createAnalyser();
    this.#analyser.fftSize = 2048;
    this.#master.connect(destination);
    this.#master.connect(this.#analyser);
    const element = (this.#element = new Audio());
    element.srcObject = destination.stream;
    element.dataset.role = role;
    void applySink(element, sinkId);
    void element.play().catch(() => undefined); // autoplay may be refused before a user gesture (plain browsers)
    void ctx.resume().catch(() => undefined);
    this.#cycle();
    if (loop) this.#timer = setInterval(() => this.#cycle(), tone.cycle * 1000);
    else this.#timer = setTimeout(() => this.stop(), (soundLength(tone) + 0.3) * 1000);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  setSink(sinkId: string): void {
    void applySink(this.#element, sinkId);
  }

  /**
   * The loudest RMS amplitude of the output over the next `ms` milliseconds (sampled every 40 ms), and the strongest
   * frequency at that moment.
   */
  async level(ms: number): Promise<OutputLevel> {
    const data = new Float32Array(this.#analyser.fftSize);
    const spectrum = new Float32Array(this.#analyser.frequencyBinCount);
    let peak: OutputLevel = { level: 0, hz: 0 };
    const until = Date.now() + ms;
    while (Date.now() < until && !this.#stopped) {
      this.#analyser.getFloatTimeDomainData(data);
      let sum = 0;
      for (const x of data) sum += x * x;
      const rms = Math.sqrt(sum / data.length);
      if (rms > peak.level) {
        this.#analyser.getFloatFrequencyData(spectrum);
        let best = 0;
        for (let i = 1; i < spectrum.length; i++) if (spectrum[i]! > spectrum[best]!) best = i;
        peak = { level: rms, hz: Math.round((best * this.#ctx.sampleRate) / this.#analyser.fftSize) };
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    return peak;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#timer);
    this.#element.pause();
    this.#element.srcObject = null;
    void this.#ctx.close().catch(() => undefined);
  }

  /** Schedule one cycle's notes, each with short ramps (clicks at hard on/off edges are what makes ring tones harsh). */
  #cycle(): void {
    const ctx = this.#ctx;
    const t0 = ctx.currentTime + 0.02;
    for (const note of this.#tone.notes) {
      const start = t0 + note.at;
      const end = start + note.duration;
      const env = ctx.createGain();
      env.gain.setValueAtTime(0, start);
      env.gain.linearRampToValueAtTime(1 / note.hz.length, start + 0.02);
      if (note.struck) env.gain.exponentialRampToValueAtTime(0.001, end);
      else {
        env.gain.setValueAtTime(1 / note.hz.length, Math.max(start + 0.02, end - 0.04));
        env.gain.linearRampToValueAtTime(0, end);
      }
      env.connect(this.#master);
      for (const hz of note.hz) {
        const osc = ctx.createOscillator();
        osc.type = note.wave;
        osc.frequency.value = hz;
        osc.connect(env);
        osc.start(start);
        osc.stop(end + 0.01);
        osc.onended = () => env.disconnect();
      }
    }
  }
}

/**
 * The ringer: rings while a call is incoming, with the chosen tone and volume. `silent` (or volume 0) rings without
 * any audio at all: no AudioContext, nothing sent to a device.
 */
export class Ringtone {
  #playing = false;
  #player: TonePlayer | undefined;
  #choice: RingerChoice | undefined;

  get playing(): boolean {
    return this.#playing;
  }

  /** What rings now (tone, volume, device), for the test hook. */
  get choice(): RingerChoice | undefined {
    return this.#playing ? this.#choice : undefined;
  }

  start(choice: RingerChoice): void {
    const same = this.#choice && this.#choice.tone === choice.tone && this.#choice.volume === choice.volume;
    this.#choice = choice;
    if (this.#playing && same) return this.setSink(choice.sinkId);
    this.#player?.stop();
    this.#player = undefined;
    this.#playing = true;
    const tone = ringtoneDefinition(choice.tone);
    if (tone.notes.length === 0 || choice.volume <= 0) return;
    try {
      this.#player = new TonePlayer(tone, choice.volume, choice.sinkId ?? '', 'ringtone', true);
    } catch {
      /* no audio output: the call still shows as ringing */
    }
  }

  setSink(sinkId: string | undefined): void {
    if (this.#choice) this.#choice = { ...this.#choice, sinkId };
    this.#player?.setSink(sinkId ?? '');
  }

  /** The loudest output level over `ms` (0 when silent: nothing is playing). */
  async level(ms: number): Promise<OutputLevel> {
    if (this.#player) return this.#player.level(ms);
    await new Promise((r) => setTimeout(r, ms));
    return { level: 0, hz: 0 };
  }

  stop(): void {
    this.#playing = false;
    this.#player?.stop();
    this.#player = undefined;
  }
}

/** The play-test buttons of Settings › Audio: one sound at a time; the last one is kept for the test hook. */
let preview: { readonly kind: 'speaker' | 'ringer'; readonly tone: string; readonly sinkId: string; readonly player?: TonePlayer } | undefined;

/**
 * Play the speaker test (a short arpeggio) or one cycle of a ringtone on a device. Returns false when there is nothing
 * to hear (the Silent tone, volume 0). Never throws (no audio output: nothing to play on).
 */
export function playPreview(kind: 'speaker' | 'ringer', sinkId: string, tone: string, volume: number): boolean {
  preview?.player?.stop();
  const def = kind === 'speaker' ? SPEAKER_TEST : ringtoneDefinition(tone);
  try {
    const audible = def.notes.length > 0 && volume > 0;
    preview = { kind, tone: kind === 'speaker' ? 'speaker-test' : tone, sinkId, ...(audible && { player: new TonePlayer(def, volume, sinkId, `preview-${kind}`, false) }) };
    return audible;
  } catch {
    preview = { kind, tone, sinkId };
    return false;
  }
}

export function stopPreview(): void {
  preview?.player?.stop();
}

/** The last play-test (test hook): what it played, where, and its output level over `ms`. */
export async function previewLevel(ms: number): Promise<{ kind?: string; tone?: string; sinkId?: string } & OutputLevel> {
  const p = preview;
  if (!p) return { level: 0, hz: 0 };
  const out = p.player && !p.player.stopped ? await p.player.level(ms) : { level: 0, hz: 0 };
  return { kind: p.kind, tone: p.tone, sinkId: p.sinkId, ...out };
}

/**
 * One short "ding-dong" (0.6 s) on the ringer device, then silence: a call was forwarded or sent away without ringing
 * here (seed 001 "Tonalité d'avertissement"; issue 12). Same tones as the ring, quicker, so it reads as "a call came".
 * `level` is the ringer's peak gain (ringerGain of the ringer volume). Never throws (no audio output: nothing to play on).
 */
export function playWarningRing(sinkId: string | undefined, level: number = LEVEL): void {
  try {
    const ctx = new AudioContext();
    const destination = ctx.createMediaStreamDestination();
    const gain = ctx.createGain();
    gain.gain.value = 0;
    const oscillator = ctx.createOscillator();
    oscillator.type = 'sine';
    oscillator.connect(gain).connect(destination);
    const element = new Audio();
    element.srcObject = destination.stream;
    element.dataset.role = 'warning-ring';
    void applySink(element, sinkId ?? '');
    void element.play().catch(() => undefined);
    void ctx.resume().catch(() => undefined);
    const t0 = ctx.currentTime + 0.02;
    TONES_HZ.forEach((hz, i) => {
      const start = t0 + i * 0.3;
      oscillator.frequency.setValueAtTime(hz, start);
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(level, start + 0.02);
      gain.gain.setValueAtTime(level, start + 0.24);
      gain.gain.linearRampToValueAtTime(0, start + 0.28);
    });
    oscillator.start(t0);
    oscillator.stop(t0 + 0.62);
    // Closed well under 1 s after the start: the ≤ 1 s warning never turns into a ring.
    setTimeout(() => {
      element.pause();
      element.srcObject = null;
      void ctx.close().catch(() => undefined);
    }, 800);
  } catch {
    /* no audio output */
  }
}

/** setSinkId is missing in some engines and throws for a vanished device: fall back to the default output. */
export async function applySink(element: HTMLMediaElement, sinkId: string, retries = 10): Promise<void> {
  if (typeof element.setSinkId !== 'function') return;
  element.dataset.sink = sinkId;
  if (element.sinkId === sinkId) return;
  try {
    await element.setSinkId(sinkId);
  } catch (err) {
    // Chromium aborts setSinkId while the element's player is (re)starting (a call's stream getting its track): try
    // the latest wanted device again shortly, rather than falling back to the default output.
    if (err instanceof DOMException && err.name === 'AbortError') {
      if (retries > 0) {
        setTimeout(() => {
          if (element.dataset.sink === sinkId && element.srcObject) void applySink(element, sinkId, retries - 1);
        }, 300);
      }
      return;
    }
    await element.setSinkId('').catch(() => undefined);
  }
}
