/**
 * Media direction of an SDP body, for hold/unhold (RFC 3264 §5.1, §6.1, §8.4; RFC 6337 §5). Tolerant on purpose:
 * these helpers run on every offer/answer and must never throw on odd SDP (the strict parser is parseSdp).
 */
import type { MediaDirection } from './sdp';

export interface SdpDirectionInfo {
  /** Direction of the first audio m-section (media-level attribute, else session-level, else sendrecv). */
  readonly direction: MediaDirection;
  /** The audio stream's connection address is 0.0.0.0 (RFC 2543-style hold, still sent by some PBXs/phones). */
  readonly zeroAddress: boolean;
}

const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const MAX_SDP_CHARS = 64 * 1024;

function asDirection(line: string): MediaDirection | undefined {
  const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(line.trim());
  return m ? (m[1] as MediaDirection) : undefined;
}

/** Direction of the first audio stream of `sdp`; `undefined` when there is no usable audio m-line. */
export function sdpAudioDirection(sdp: string): SdpDirectionInfo | undefined {
  if (typeof sdp !== 'string' || sdp.length > MAX_SDP_CHARS) return undefined;
  const lines = sdp.split(/\r?\n/);
  let sessionDirection: MediaDirection | undefined;
  let sessionAddress: string | undefined;
  let inAudio = false;
  let seenAudio = false;
  let audioDirection: MediaDirection | undefined;
  let audioAddress: string | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      if (seenAudio) break; // only the first audio section matters
      inAudio = /^m=audio\s+[1-9]\d*\s/.test(line);
      if (inAudio) seenAudio = true;
      continue;
    }
    const dir = asDirection(line);
    const addr = /^c=IN\s+IP[46]\s+([^\s/]+)/.exec(line)?.[1];
    if (!seenAudio) {
      if (dir) sessionDirection = dir;
      if (addr !== undefined) sessionAddress = addr;
    } else if (inAudio) {
      if (dir) audioDirection = dir;
      if (addr !== undefined) audioAddress = addr;
    }
  }
  if (!seenAudio) return undefined;
  const address = audioAddress ?? sessionAddress;
  return {
    direction: audioDirection ?? sessionDirection ?? 'sendrecv',
    zeroAddress: address === '0.0.0.0' || address === '::',
  };
}

/** Does the remote's offer put us on hold? (a=sendonly or a=inactive, at session or media level, or c=0.0.0.0). */
export function offerHoldsUs(info: SdpDirectionInfo): boolean {
  return info.direction === 'sendonly' || info.direction === 'inactive' || info.zeroAddress;
}

interface Flags {
  readonly send: boolean;
  readonly recv: boolean;
}

function flags(d: MediaDirection): Flags {
  return { send: d === 'sendrecv' || d === 'sendonly', recv: d === 'sendrecv' || d === 'recvonly' };
}

function fromFlags(f: Flags): MediaDirection {
  if (f.send && f.recv) return 'sendrecv';
  if (f.send) return 'sendonly';
  if (f.recv) return 'recvonly';
  return 'inactive';
}

/** The most our side may do given both constraints (both from OUR point of view). */
export function intersectDirections(a: MediaDirection, b: MediaDirection): MediaDirection {
  const fa = flags(a);
  const fb = flags(b);
  return fromFlags({ send: fa.send && fb.send, recv: fa.recv && fb.recv });
}

/** What the offerer's direction allows us, the answerer (RFC 3264 §6.1): sendonly → recvonly, etc. */
export function mirrorDirection(offered: MediaDirection): MediaDirection {
  const f = flags(offered);
  return fromFlags({ send: f.recv, recv: f.send });
}

/**
 * Direction we offer (RFC 3264 §8.4, RFC 6337 §5.3): local hold → sendonly; if the far end holds us too we cannot
 * receive anyway → inactive; unheld but remotely held → recvonly; otherwise sendrecv.
 */
export function offerDirection(localHold: boolean, remoteHold: boolean): MediaDirection {
  return fromFlags({ send: !remoteHold, recv: !localHold });
}

/**
 * Rewrite the direction of every active (port ≠ 0) m-section to `direction`: session-level direction attributes are
 * dropped, each m-section gets exactly one direction attribute. Line endings are normalised to CRLF (RFC 4566 §5).
 */
export function withSdpDirection(sdp: string, direction: MediaDirection): string {
  if (!DIRECTIONS.includes(direction)) throw new Error(`Invalid direction ${String(direction)}`);
  const lines = sdp.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let activeMedia = false;
  let inMedia = false;
  const closeSection = (): void => {
    if (inMedia && activeMedia) out.push(`a=${direction}`);
  };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      closeSection();
      inMedia = true;
      activeMedia = !/^m=\S+\s+0[\s/]/.test(line);
      out.push(line);
      continue;
    }
    if (asDirection(line)) continue; // dropped at session level and in every m-section; re-added per section
    out.push(line);
  }
  closeSection();
  return `${out.join('\r\n')}\r\n`;
}
