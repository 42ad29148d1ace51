/**
 * Audio settings (issue 13 item 6, seed 002 §4): the ringtone, the ringer volume, the three microphone processing
 * switches and the "use the headset when plugged in" choice. Pure TS + zod; spread into dto.ts's Preferences and
 * PreferencesPatchSchema so the saved file, provisioning and `preferences.update` share one shape.
 */
import { z } from 'zod';

/** The built-in ringtones (synthesized in the renderer, renderer/lib/media/ringtones.ts); `silent` rings without sound. */
export const RINGTONE_IDS = ['chime', 'classic', 'trill', 'marimba', 'pulse', 'silent'] as const;
export type RingtoneId = (typeof RINGTONE_IDS)[number];
export const DEFAULT_RINGTONE: RingtoneId = 'chime';
/** Percent (0..100). 60 gives the ring level the console always had. */
export const DEFAULT_RINGER_VOLUME = 60;

export interface AudioPreferences {
  /** Absent: the legacy `audioProcessing` switch decides (see microphoneProcessingOf). */
  readonly echoCancellation?: boolean;
  readonly noiseSuppression?: boolean;
  readonly autoGainControl?: boolean;
  /** Absent: DEFAULT_RINGTONE. */
  readonly ringtone?: RingtoneId;
  /** Absent: DEFAULT_RINGER_VOLUME. */
  readonly ringerVolume?: number;
  /**
   * Absent or true: when a USB headset is plugged in and an audio device carries its name, calls use that device's
   * microphone and speaker (instead of `microphoneId` / `speakerId`) for as long as it stays plugged in.
   */
  readonly audioFollowsHeadset?: boolean;
}

/** The patch fields (spread into PreferencesPatchSchema). */
export const audioPreferencesPatchShape = {
  echoCancellation: z.boolean().optional(),
  noiseSuppression: z.boolean().optional(),
  autoGainControl: z.boolean().optional(),
  ringtone: z.enum(RINGTONE_IDS).optional(),
  ringerVolume: z.number().int().min(0).max(100).optional(),
  audioFollowsHeadset: z.boolean().optional(),
} as const;

export interface MicrophoneProcessing {
  readonly echoCancellation: boolean;
  readonly noiseSuppression: boolean;
  readonly autoGainControl: boolean;
}

/**
 * The three switches as they apply now. Settings saved before they existed had one `audioProcessing` switch: each
 * switch not saved yet takes its value (old `false` → all three off), and everything is on by default.
 */
export function microphoneProcessingOf(p: (AudioPreferences & { readonly audioProcessing?: boolean }) | undefined): MicrophoneProcessing {
  const legacy = p?.audioProcessing ?? true;
  return {
    echoCancellation: p?.echoCancellation ?? legacy,
    noiseSuppression: p?.noiseSuppression ?? legacy,
    autoGainControl: p?.autoGainControl ?? legacy,
  };
}

/** The ring as it applies now: tone and volume (percent), defaults filled in. */
export function ringerOf(p: AudioPreferences | undefined): { readonly tone: RingtoneId; readonly volume: number } {
  const tone = p?.ringtone !== undefined && (RINGTONE_IDS as readonly string[]).includes(p.ringtone) ? p.ringtone : DEFAULT_RINGTONE;
  const v = p?.ringerVolume;
  const volume = typeof v === 'number' && Number.isFinite(v) ? Math.min(100, Math.max(0, Math.round(v))) : DEFAULT_RINGER_VOLUME;
  return { tone, volume };
}
