/**
 * A generated ring tone (no audio asset to ship): a soft two-tone chime, 1 s on / 3 s off, built with WebAudio and
 * routed through a MediaStreamDestination into an <audio> element so it can play on a chosen device (setSinkId) —
 * the ringer is often the PC speaker while the call audio goes to the headset.
 */
const CYCLE_MS = 4000;
const TONES_HZ = [659.25, 523.25] as const; // E5 then C5: a calm "ding-dong", two 0.5 s notes
const LEVEL = 0.18;

export class Ringtone {
  #ctx: AudioContext | undefined;
  #element: HTMLAudioElement | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #gain: GainNode | undefined;
  #oscillator: OscillatorNode | undefined;
  #sinkId = '';

  get playing(): boolean {
    return this.#ctx !== undefined;
  }

  start(sinkId: string | undefined): void {
    this.#sinkId = sinkId ?? '';
    if (this.#ctx) return;
    const ctx = new AudioContext();
    const destination = ctx.createMediaStreamDestination();
    const gain = ctx.createGain();
    gain.gain.value = 0;
    const oscillator = ctx.createOscillator();
    oscillator.type = 'sine';
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    const element = new Audio();
    element.srcObject = destination.stream;
    element.dataset.role = 'ringtone';
    void applySink(element, this.#sinkId);
    void element.play().catch(() => undefined); // autoplay may be refused before a user gesture (plain browsers)
    void ctx.resume().catch(() => undefined);
    this.#ctx = ctx;
    this.#gain = gain;
    this.#oscillator = oscillator;
    this.#element = element;
    this.#ring();
    this.#timer = setInterval(() => this.#ring(), CYCLE_MS);
  }

  setSink(sinkId: string | undefined): void {
    this.#sinkId = sinkId ?? '';
    if (this.#element) void applySink(this.#element, this.#sinkId);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#element?.pause();
    if (this.#element) this.#element.srcObject = null;
    void this.#ctx?.close().catch(() => undefined);
    this.#ctx = this.#element = this.#gain = this.#oscillator = undefined;
  }

  /** Schedule one "ding-dong" with short ramps (clicks at hard on/off edges are what makes ring tones harsh). */
  #ring(): void {
    const ctx = this.#ctx;
    const gain = this.#gain?.gain;
    const freq = this.#oscillator?.frequency;
    if (!ctx || !gain || !freq) return;
    const t0 = ctx.currentTime + 0.02;
    TONES_HZ.forEach((hz, i) => {
      const start = t0 + i * 0.5;
      freq.setValueAtTime(hz, start);
      gain.setValueAtTime(0, start);
      gain.linearRampToValueAtTime(LEVEL, start + 0.02);
      gain.setValueAtTime(LEVEL, start + 0.42);
      gain.linearRampToValueAtTime(0, start + 0.48);
    });
  }
}

/**
 * One short "ding-dong" (0.6 s) on the ringer device, then silence: a call was forwarded or sent away without ringing
 * here (seed 001 "Tonalité d'avertissement"; issue 12). Same tones as the ring, quicker, so it reads as "a call came".
 * Never throws (no audio output: nothing to play on).
 */
export function playWarningRing(sinkId: string | undefined): void {
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
      gain.gain.linearRampToValueAtTime(LEVEL, start + 0.02);
      gain.gain.setValueAtTime(LEVEL, start + 0.24);
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
export async function applySink(element: HTMLMediaElement, sinkId: string): Promise<void> {
  if (typeof element.setSinkId !== 'function') return;
  try {
    await element.setSinkId(sinkId);
  } catch {
    await element.setSinkId('').catch(() => undefined);
  }
}
