/**
 * "The headset is chosen automatically when plugged in" (issue 13 item 6). Main sees the USB headset through HID
 * (its product name, e.g. "Jabra EVOLVE LINK"); the browser sees audio devices by label (e.g. "Jabra EVOLVE LINK MS
 * Mono", "Headset (Plantronics Blackwire 3220 Series)", "Jabra EVOLVE LINK (0b0e:0305) Analog Stereo"). Nothing ties
 * the two but the name, so the rule is:
 *
 * - both names are lower-cased and cut into words of letters and digits;
 * - the headset's distinctive words are its words minus generic ones (usb, headset, audio…); a name with none
 *   ("USB headset") never matches, since it would pick any USB audio device;
 * - a device matches when its label contains every distinctive word of the headset's name;
 * - the browser's aliases `default` and `communications` are skipped: the real device id survives a change of the
 *   system default;
 * - among several matches, the one whose label has the fewest extra words wins (the plain "Jabra EVOLVE LINK" over
 *   "Jabra EVOLVE LINK Monitor"), then the first listed.
 *
 * Pure (no DOM): the media engine applies it on every `devicechange` and headset change; the unit test checks it.
 */

export interface AudioDeviceLike {
  readonly deviceId: string;
  readonly kind: string;
  readonly label: string;
}

const GENERIC = new Set(['usb', 'audio', 'device', 'headset', 'headphones', 'headphone', 'speakerphone', 'the', 'and', 'series', 'stereo', 'mono', 'analog', 'digital']);

const words = (s: string): string[] => s.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');

/** The device of `kind` whose label names this headset, or undefined. */
export function matchHeadsetDevice<D extends AudioDeviceLike>(headsetName: string, devices: readonly D[], kind: 'audioinput' | 'audiooutput'): D | undefined {
  const wanted = [...new Set(words(headsetName).filter((w) => !GENERIC.has(w)))];
  if (wanted.length === 0) return undefined;
  let best: { device: D; extra: number } | undefined;
  for (const d of devices) {
    if (d.kind !== kind || !d.deviceId || d.deviceId === 'default' || d.deviceId === 'communications') continue;
    const label = new Set(words(d.label));
    if (!wanted.every((w) => label.has(w))) continue;
    const extra = label.size - wanted.length;
    if (!best || extra < best.extra) best = { device: d, extra };
  }
  return best?.device;
}

export interface ChosenDevices {
  readonly microphoneId?: string | undefined;
  readonly speakerId?: string | undefined;
}

/**
 * The microphone and speaker calls use: the plugged headset's (the driven one first, then any other plugged one) when
 * `follow` is on and its audio device is listed, else the ones chosen in Settings. Each side falls back on its own
 * (a headset whose speaker the system lists under another name still gets its microphone used).
 */
export function callDevices(
  chosen: ChosenDevices,
  headsetNames: readonly string[],
  devices: readonly AudioDeviceLike[],
  follow: boolean,
): ChosenDevices & { readonly headset?: string } {
  if (follow) {
    for (const name of headsetNames) {
      const mic = matchHeadsetDevice(name, devices, 'audioinput');
      const out = matchHeadsetDevice(name, devices, 'audiooutput');
      if (mic || out) return { headset: name, microphoneId: mic?.deviceId ?? chosen.microphoneId, speakerId: out?.deviceId ?? chosen.speakerId };
    }
  }
  return { microphoneId: chosen.microphoneId, speakerId: chosen.speakerId };
}
