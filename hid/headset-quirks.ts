/** Per-vendor behaviour that no descriptor states. Values come from vendor SDK notes and shared/NOTES.md. */
export interface HeadsetQuirks {
  /**
   * Whether to clear the Off-Hook LED while a call is on hold. False for every vendor we know: Jabra reads a cleared
   * Off-Hook as "call ended", reports hook=0 and drops the line. Only Hold is set on hold.
   */
  holdClearsOffHook: boolean;
  /** Poly firmware delivers one mute (and volume) press twice within a few hundred ms: drop the second. */
  doubledMuteKeys: boolean;
  /** Some firmware declares Hook Switch absolute but sends a press per lift/hang-up: treat it as a toggle. */
  hookIsToggle: boolean;
  /** Repeated identical press events inside this window (ms) are one press. */
  debounceMs: number;
}

export const defaultQuirks: Readonly<HeadsetQuirks> = Object.freeze({
  holdClearsOffHook: false,
  doubledMuteKeys: false,
  hookIsToggle: false,
  debounceMs: 60,
});

/** Window used for mute when {@link HeadsetQuirks.doubledMuteKeys} is set (Poly doubles arrive ~100-200 ms apart). */
export const DOUBLED_KEY_WINDOW_MS = 400;
