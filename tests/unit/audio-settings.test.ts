/**
 * Issue 13 item 6 (Settings › Audio), the pure parts: the three microphone switches and their migration from the old
 * single `audioProcessing`, the ringer's tone and volume, the ringtone catalogue, the meter's scale, and the rule that
 * picks a plugged USB headset's audio device by name.
 */
import { DEFAULT_PREFERENCES, DEFAULT_RINGTONE, microphoneProcessingOf, PreferencesPatchSchema, ringerOf, RINGTONE_IDS } from '../../electron/contract';
import { parseProvisioning } from '../../electron/services/provisioning';
import { DICTIONARIES } from '../../renderer/i18n';
import { callDevices, matchHeadsetDevice } from '../../renderer/lib/media/headset-devices';
import { meterPercent, ringerGain, RINGTONES, ringtoneDefinition, soundLength, SPEAKER_TEST } from '../../renderer/lib/media/ringtones';

describe('microphone processing: three switches, migrated from the single old one', () => {
  it('is all on for a new console', () => {
    expect(microphoneProcessingOf(DEFAULT_PREFERENCES)).toEqual({ echoCancellation: true, noiseSuppression: true, autoGainControl: true });
    expect(microphoneProcessingOf(undefined)).toEqual({ echoCancellation: true, noiseSuppression: true, autoGainControl: true });
  });

  it('turns all three off for settings saved with the old switch off', () => {
    // A settings.json from before issue 13, read through the same schema as the store.
    const old = parseProvisioning({ version: 1, preferences: { audioProcessing: false } });
    expect(microphoneProcessingOf({ ...DEFAULT_PREFERENCES, ...old.preferences })).toEqual({
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
    });
  });

  it('lets each saved switch win over the old one, one by one', () => {
    expect(microphoneProcessingOf({ audioProcessing: false, echoCancellation: true })).toEqual({ echoCancellation: true, noiseSuppression: false, autoGainControl: false });
    expect(microphoneProcessingOf({ audioProcessing: true, autoGainControl: false })).toEqual({ echoCancellation: true, noiseSuppression: true, autoGainControl: false });
  });

  it('accepts the new fields in a preferences patch and refuses bad values with the field named', () => {
    expect(PreferencesPatchSchema.parse({ echoCancellation: false, noiseSuppression: true, autoGainControl: false, ringtone: 'silent', ringerVolume: 35, audioFollowsHeadset: false })).toEqual({
      echoCancellation: false,
      noiseSuppression: true,
      autoGainControl: false,
      ringtone: 'silent',
      ringerVolume: 35,
      audioFollowsHeadset: false,
    });
    for (const bad of [{ ringtone: 'airhorn' }, { ringerVolume: 101 }, { ringerVolume: -1 }, { ringerVolume: 2.5 }, { echoCancellation: 'yes' }]) {
      const r = PreferencesPatchSchema.safeParse(bad);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(Object.keys(bad));
    }
  });
});

describe('ringer choice', () => {
  it('defaults to the chime at 60 %, the ring the console always had', () => {
    expect(ringerOf(undefined)).toEqual({ tone: DEFAULT_RINGTONE, volume: 60 });
    expect(DEFAULT_RINGTONE).toBe('chime');
    expect(ringerGain(60)).toBeCloseTo(0.18, 5);
  });

  it('keeps a saved choice and clamps a volume from a hand-edited file', () => {
    expect(ringerOf({ ringtone: 'classic', ringerVolume: 20 })).toEqual({ tone: 'classic', volume: 20 });
    expect(ringerOf({ ringerVolume: 400 })).toEqual({ tone: 'chime', volume: 100 });
    expect(ringerOf({ ringtone: 'nope' as never, ringerVolume: Number.NaN })).toEqual({ tone: 'chime', volume: 60 });
  });

  it('maps the volume to a gain that grows with the slider, silent at 0, never above 0.5', () => {
    expect(ringerGain(0)).toBe(0);
    const gains = [0, 10, 25, 50, 75, 100].map(ringerGain);
    for (let i = 1; i < gains.length; i++) expect(gains[i]!).toBeGreaterThan(gains[i - 1]!);
    expect(ringerGain(100)).toBe(0.5);
    expect(ringerGain(1000)).toBe(0.5);
  });
});

describe('ringtone catalogue', () => {
  it('has every ringtone id, each named in en, fr and nl', () => {
    expect(Object.keys(RINGTONES).sort()).toEqual([...RINGTONE_IDS].sort());
    for (const id of RINGTONE_IDS) {
      for (const dict of Object.values(DICTIONARIES)) expect((dict as Record<string, string>)[`audio.ringtone.${id}`]).toBeTruthy();
    }
  });

  it('offers several audible tones and one silent', () => {
    const audible = RINGTONE_IDS.filter((id) => RINGTONES[id].notes.length > 0);
    expect(audible.length).toBeGreaterThanOrEqual(4);
    expect(RINGTONES.silent.notes).toEqual([]);
    expect(soundLength(RINGTONES.silent)).toBe(0);
  });

  it('keeps every note inside its cycle, audible and with a pause to answer in', () => {
    for (const [id, tone] of [...Object.entries(RINGTONES), ['speaker-test', SPEAKER_TEST] as const]) {
      for (const n of tone.notes) {
        expect({ id, at: n.at >= 0, fits: n.at + n.duration <= tone.cycle, long: n.duration >= 0.04 }).toEqual({ id, at: true, fits: true, long: true });
        for (const hz of n.hz) expect(hz >= 300 && hz <= 3400).toBe(true); // the telephone band: heard on any speaker
      }
      if (tone.notes.length > 0 && id !== 'speaker-test') expect(tone.cycle - soundLength(tone)).toBeGreaterThanOrEqual(1);
    }
  });

  it('plays the default for an unknown id', () => {
    expect(ringtoneDefinition('airhorn')).toBe(RINGTONES.chime);
    expect(ringtoneDefinition(undefined)).toBe(RINGTONES.chime);
    expect(ringtoneDefinition('trill')).toBe(RINGTONES.trill);
  });
});

describe('microphone meter scale', () => {
  it('maps −60 dBFS..0 dBFS to 0..100', () => {
    expect(meterPercent(0)).toBe(0);
    expect(meterPercent(Number.NaN)).toBe(0);
    expect(meterPercent(0.001)).toBe(0);
    expect(meterPercent(1)).toBe(100);
    expect(meterPercent(2)).toBe(100);
    expect(meterPercent(0.1)).toBe(67); // −20 dBFS, a normal voice
  });
});

describe('automatic headset: the audio device named like the plugged USB headset', () => {
  const dev = (deviceId: string, kind: 'audioinput' | 'audiooutput', label: string) => ({ deviceId, kind, label });
  const devices = [
    dev('default', 'audioinput', 'Default - Jabra EVOLVE LINK MS Mono'),
    dev('mic-laptop', 'audioinput', 'Built-in Microphone'),
    dev('mic-jabra', 'audioinput', 'Jabra EVOLVE LINK MS Mono'),
    dev('mic-bw', 'audioinput', 'Headset (Plantronics Blackwire 3220 Series)'),
    dev('out-jabra-mon', 'audiooutput', 'Monitor of Jabra EVOLVE LINK MS Analog Stereo'),
    dev('out-jabra', 'audiooutput', 'Jabra EVOLVE LINK MS Analog Stereo'),
    dev('out-hdmi', 'audiooutput', 'HDMI Output'),
    dev('mic-usb', 'audioinput', 'USB Audio Device'),
  ];

  it('finds the headset by its product name, skipping the browser aliases and the monitor', () => {
    expect(matchHeadsetDevice('Jabra EVOLVE LINK', devices, 'audioinput')?.deviceId).toBe('mic-jabra');
    expect(matchHeadsetDevice('Jabra EVOLVE LINK', devices, 'audiooutput')?.deviceId).toBe('out-jabra');
    expect(matchHeadsetDevice('Plantronics Blackwire 3220 Series', devices, 'audioinput')?.deviceId).toBe('mic-bw');
  });

  it('ignores case and punctuation, and a label with the vendor:product id in it', () => {
    const linux = [dev('x', 'audioinput', 'Jabra EVOLVE LINK (0b0e:0305)')];
    expect(matchHeadsetDevice('jabra  evolve-link', linux, 'audioinput')?.deviceId).toBe('x');
  });

  it('never matches on generic words alone, nor on part of a word', () => {
    expect(matchHeadsetDevice('USB headset', devices, 'audioinput')).toBeUndefined();
    expect(matchHeadsetDevice('', devices, 'audioinput')).toBeUndefined();
    expect(matchHeadsetDevice('Jab', devices, 'audioinput')).toBeUndefined();
    expect(matchHeadsetDevice('Jabra Speak 510', devices, 'audioinput')).toBeUndefined();
    // Hostile or absurd names are just names: no regex is built from them.
    expect(matchHeadsetDevice('.*', devices, 'audioinput')).toBeUndefined();
  });

  it('uses the headset for mic and speaker when on, the chosen devices otherwise', () => {
    const chosen = { microphoneId: 'mic-laptop', speakerId: 'out-hdmi' };
    expect(callDevices(chosen, ['Jabra EVOLVE LINK'], devices, true)).toEqual({ headset: 'Jabra EVOLVE LINK', microphoneId: 'mic-jabra', speakerId: 'out-jabra' });
    expect(callDevices(chosen, ['Jabra EVOLVE LINK'], devices, false)).toEqual(chosen);
    // Unplugged (no headset name), or its audio device not listed yet: the chosen devices.
    expect(callDevices(chosen, [], devices, true)).toEqual(chosen);
    expect(callDevices(chosen, ['Jabra EVOLVE LINK'], devices.filter((d) => !d.label.includes('Jabra')), true)).toEqual(chosen);
  });

  it('tries the driven headset first, then the other plugged ones, and fills a missing side from the choice', () => {
    const chosen = { microphoneId: '', speakerId: 'out-hdmi' };
    expect(callDevices(chosen, ['Scripted headset', 'Plantronics Blackwire 3220 Series'], devices, true)).toEqual({
      headset: 'Plantronics Blackwire 3220 Series',
      microphoneId: 'mic-bw',
      speakerId: 'out-hdmi',
    });
  });
});
