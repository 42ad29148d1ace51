/**
 * The ringtone catalogue (issue 13 item 6): every tone is synthesized with WebAudio from the notes below, so no audio
 * file ships and there is no licence to track. Pure data + arithmetic (no DOM): ringtone.ts plays it, the unit test
 * checks it.
 */
import { DEFAULT_RINGTONE, RINGTONE_IDS, type RingtoneId } from '../../../electron/contract/audio';

export interface ToneNote {
  /** Start, seconds from the start of the cycle. */
  readonly at: number;
  /** Length in seconds (including the 20 ms fade in and the fade out). */
  readonly duration: number;
  /** Played together (two-frequency rings are what a telephone bell sounds like). */
  readonly hz: readonly number[];
  readonly wave: 'sine' | 'triangle';
  /** Struck (fades out over the note, like a marimba bar) rather than held. */
  readonly struck?: boolean;
}

export interface ToneDefinition {
  /** One ring cycle, seconds (sound then silence), repeated while the call rings. */
  readonly cycle: number;
  readonly notes: readonly ToneNote[];
}

const held = (at: number, duration: number, hz: readonly number[], wave: ToneNote['wave'] = 'sine'): ToneNote => ({ at, duration, hz, wave });

/** Fast alternation of two pitches, the electronic "trill" of office desk phones. */
function trill(at: number, seconds: number, step: number, a: number, b: number): ToneNote[] {
  const out: ToneNote[] = [];
  for (let i = 0; i * step < seconds - 1e-9; i++) out.push(held(at + i * step, step, [i % 2 === 0 ? a : b], 'triangle'));
  return out;
}

export const RINGTONES: Readonly<Record<RingtoneId, ToneDefinition>> = {
  // E5 then C5: the calm "ding-dong" the console always had, 1 s of sound in 4 s.
  chime: { cycle: 4, notes: [held(0, 0.48, [659.25]), held(0.5, 0.48, [523.25])] },
  // The UK/European double ring: 400 + 450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off.
  classic: { cycle: 3, notes: [held(0, 0.4, [400, 450]), held(0.6, 0.4, [400, 450])] },
  // 1.2 s of 1 kHz / 1.25 kHz alternating every 50 ms.
  trill: { cycle: 3.5, notes: trill(0, 1.2, 0.05, 1000, 1250) },
  // C5 E5 G5 C6, struck.
  marimba: {
    cycle: 3,
    notes: [
      { at: 0, duration: 0.3, hz: [523.25], wave: 'sine', struck: true },
      { at: 0.18, duration: 0.3, hz: [659.25], wave: 'sine', struck: true },
      { at: 0.36, duration: 0.3, hz: [783.99], wave: 'sine', struck: true },
      { at: 0.54, duration: 0.6, hz: [1046.5], wave: 'sine', struck: true },
    ],
  },
  // Three soft 880 Hz beeps.
  pulse: { cycle: 2.5, notes: [held(0, 0.12, [880]), held(0.22, 0.12, [880]), held(0.44, 0.12, [880])] },
  // Rings without any sound (the call still shows, blinks and is announced).
  silent: { cycle: 4, notes: [] },
};

/** The speaker test: a short rising arpeggio, unlike any ringtone so the two tests cannot be confused. */
export const SPEAKER_TEST: ToneDefinition = {
  cycle: 1.4,
  notes: [held(0, 0.25, [392]), held(0.3, 0.25, [493.88]), held(0.6, 0.25, [587.33]), held(0.9, 0.45, [783.99])],
};

export function ringtoneDefinition(id: string | undefined): ToneDefinition {
  return (RINGTONE_IDS as readonly string[]).includes(id ?? '') ? RINGTONES[id as RingtoneId] : RINGTONES[DEFAULT_RINGTONE];
}

/** When the sound of one cycle has ended (seconds): a one-shot preview stops there. */
export function soundLength(tone: ToneDefinition): number {
  return tone.notes.reduce((end, n) => Math.max(end, n.at + n.duration), 0);
}

/**
 * Peak gain of the ringer for a volume in percent: quadratic, so the slider's lower half stays usable (loudness is
 * logarithmic), and 60 % gives the console's former fixed level 0.18. 0 % is silence.
 */
export function ringerGain(volumePercent: number): number {
  const v = Math.min(100, Math.max(0, Number.isFinite(volumePercent) ? volumePercent : 0)) / 100;
  return 0.5 * v * v;
}

/** A microphone level for the meter, 0..100: RMS amplitude in dBFS mapped from −60 dB (0) to 0 dB (100). */
export function meterPercent(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  return Math.round(Math.min(100, Math.max(0, ((db + 60) / 60) * 100)));
}
