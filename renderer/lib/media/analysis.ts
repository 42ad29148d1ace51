/**
 * Test hook helpers: what is the remote party actually sending us? Used by e2e tests against the real test bed
 * (baresip sends fixed tones: 440/1000/2000 Hz), harmless in production.
 */
const FFT_SIZE = 8192;
const MIN_HZ = 100; // ignore DC and mains hum
const WINDOW_MS = 500;
const FRAME_MS = 50;
/** Below -90 dBFS summed over the window we call it silence rather than report a noise bin. */
const SILENCE_POWER = 1e-9;

let shared: AudioContext | undefined;

/** Dominant frequency (Hz) of a stream, averaging power spectra over ~500 ms. 0 if the stream is silent. */
export async function dominantFrequency(stream: MediaStream): Promise<number> {
  shared ??= new AudioContext();
  const ctx = shared;
  await ctx.resume().catch(() => undefined);
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = FFT_SIZE;
  analyser.smoothingTimeConstant = 0;
  source.connect(analyser);
  const bins = analyser.frequencyBinCount;
  const frame = new Float32Array(bins);
  const power = new Float64Array(bins);
  try {
    const frames = Math.round(WINDOW_MS / FRAME_MS);
    for (let i = 0; i < frames; i++) {
      await new Promise((r) => setTimeout(r, FRAME_MS));
      analyser.getFloatFrequencyData(frame);
      for (let b = 0; b < bins; b++) {
        const db = frame[b] ?? -Infinity;
        if (Number.isFinite(db)) power[b] = (power[b] ?? 0) + 10 ** (db / 10);
      }
    }
  } finally {
    source.disconnect();
  }
  const hzPerBin = ctx.sampleRate / FFT_SIZE;
  let best = 0;
  let bestPower = 0;
  for (let b = Math.ceil(MIN_HZ / hzPerBin); b < bins; b++) {
    const p = power[b] ?? 0;
    if (p > bestPower) {
      bestPower = p;
      best = b;
    }
  }
  return bestPower > SILENCE_POWER ? best * hzPerBin : 0;
}

/** Sum of inbound audio RTP packets on a peer connection. */
export async function packetsReceived(pc: RTCPeerConnection): Promise<number> {
  const report = await pc.getStats();
  let total = 0;
  report.forEach((s: { type?: string; kind?: string; packetsReceived?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') total += s.packetsReceived ?? 0;
  });
  return total;
}
