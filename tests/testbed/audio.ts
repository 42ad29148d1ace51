/** Audio checks for the test bed: baresip's recordings and their dominant frequency (sox FFT, as selftest.sh). */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const TESTBED_DIR = join(__dirname);

/** Directory holding the UAs' ua<user>/ dirs: this bed's (default) or the remote bed's (tests/testbed/remote). */
let uaRoot = TESTBED_DIR;
/** Select whose recordings the helpers read; no argument: back to the loopback bed's. */
export function setRecordingsRoot(dir = TESTBED_DIR): void {
  uaRoot = dir;
}

export function recordingsDir(user: string, root = uaRoot): string {
  return join(root, `ua${user}`, 'rec');
}

/** Remove a UA's recordings so the next call's file is unambiguous. */
export function clearRecordings(user: string, root = uaRoot): void {
  const d = recordingsDir(user, root);
  if (!existsSync(d)) return;
  for (const f of readdirSync(d)) rmSync(join(d, f), { force: true });
}

/** Newest "*-dec.wav" (what the UA received and decoded). */
export function newestRecording(user: string, root = uaRoot): string | undefined {
  const d = recordingsDir(user, root);
  if (!existsSync(d)) return undefined;
  const files = readdirSync(d)
    .filter((f) => f.endsWith('-dec.wav'))
    .map((f) => join(d, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0];
}

function peakFromSoxStat(text: string): number {
  let best = 0;
  let freq = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9.]+)\s+([0-9.e+-]+)\s*$/.exec(line);
    if (!m) continue;
    const f = Number(m[1]);
    const p = Number(m[2]);
    if (f > 0 && p > best) {
      best = p;
      freq = f;
    }
  }
  return Math.round(freq);
}

/** Dominant frequency (Hz) of a wav over `lengthS` s from `startS` (sox `stat -freq` writes to stderr). */
export function dominantFrequency(wav: string, startS = 0.5, lengthS = 1): number {
  const out = execFileSync('sh', ['-c', `sox "$0" -n trim ${startS} ${lengthS} stat -freq 2>&1`, wav], { encoding: 'utf8' });
  return peakFromSoxStat(out);
}

/** RMS amplitude (0..1) over a window: tells silence from sound. */
export function rmsAmplitude(wav: string, startS = 0.5, lengthS = 1): number {
  const out = execFileSync('sh', ['-c', `sox "$0" -n trim ${startS} ${lengthS} stat 2>&1`, wav], { encoding: 'utf8' });
  const m = /RMS\s+amplitude:\s+([0-9.]+)/.exec(out);
  return m ? Number(m[1]) : 0;
}

export function near(value: number, target: number, tolerance = 0.05): boolean {
  return Math.abs(value - target) <= target * tolerance;
}

/**
 * Whether a tone is present in a recording (mixes carry several): RMS in a ±40 Hz band (sox sinc band-pass) against
 * the whole signal's RMS. A lone tone gives ~1, one of two equal tones ~0.7, a missing one ~0.
 */
export function toneShare(wav: string, freq: number, startS = 0.5, lengthS = 1): number {
  const total = rmsAmplitude(wav, startS, lengthS);
  if (total <= 0) return 0;
  const out = execFileSync(
    'sh',
    ['-c', `sox "$0" -n trim ${startS} ${lengthS} sinc ${freq - 40}-${freq + 40} stat 2>&1`, wav],
    { encoding: 'utf8' },
  );
  const m = /RMS\s+amplitude:\s+([0-9.]+)/.exec(out);
  return m ? Number(m[1]) / total : 0;
}

/** Length of a wav in seconds (sox --i -D). */
export function wavSeconds(wav: string): number {
  return Number(execFileSync('sox', ['--i', '-D', wav], { encoding: 'utf8' }).trim());
}
