/** Plain data about a plugged headset (no node-hid types past this folder's edge). */
import { TelephonyUsage, UsagePage } from '../usages';

export interface HeadsetInfo {
  /** OS path of the telephony collection: `/dev/hidrawN` (Linux), `\\?\hid#…&col02#…` (Windows), IOService (macOS). */
  path: string;
  vendorId: number;
  productId: number;
  product: string;
  manufacturer: string;
  serialNumber: string;
  interface: number;
  usagePage: number;
  usage: number;
}

/** The raw enumeration entry, structurally what node-hid's `devicesAsync()` returns. */
export interface RawHidDevice {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  interface: number;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/**
 * Keep only Telephony Headset collections (0x0B/0x05). The same headset also enumerates its consumer collection
 * (0x0C/0x01, volume and a media "mute"): opening that one on Windows gives no hook switch and no LEDs.
 */
export function telephonyHeadsetsOf(devices: readonly RawHidDevice[]): HeadsetInfo[] {
  const seen = new Set<string>();
  const out: HeadsetInfo[] = [];
  for (const d of devices) {
    if (d.usagePage !== UsagePage.Telephony || d.usage !== TelephonyUsage.Headset || !d.path) continue;
    if (seen.has(d.path)) continue;
    seen.add(d.path);
    out.push({
      path: d.path,
      vendorId: d.vendorId,
      productId: d.productId,
      product: d.product ?? '',
      manufacturer: d.manufacturer ?? '',
      serialNumber: d.serialNumber ?? '',
      interface: d.interface,
      usagePage: d.usagePage,
      usage: d.usage,
    });
  }
  return out;
}

export interface HeadsetChoice {
  /** The headset saved in settings (its path may change across replugs; the name and serial do not). */
  saved?: { path?: string; product?: string; serialNumber?: string } | undefined;
  /** Name of the audio device chosen for calls, e.g. "Jabra EVOLVE LINK MS" or "Headset (Plantronics Blackwire 3220 Series)". */
  audioDeviceName?: string | undefined;
}

const normalise = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** Pick the headset to drive: the saved one, else the one whose name matches the audio device, else the first. */
export function chooseHeadset(headsets: readonly HeadsetInfo[], choice: HeadsetChoice = {}): HeadsetInfo | undefined {
  const saved = choice.saved;
  if (saved) {
    const bySerial = saved.serialNumber
      ? headsets.find((h) => h.serialNumber !== '' && h.serialNumber === saved.serialNumber)
      : undefined;
    const byPath = saved.path ? headsets.find((h) => h.path === saved.path) : undefined;
    const byName = saved.product ? headsets.find((h) => normalise(h.product) === normalise(saved.product!)) : undefined;
    const found = bySerial ?? byPath ?? byName;
    if (found) return found;
  }
  if (choice.audioDeviceName) {
    const audio = normalise(choice.audioDeviceName);
    const match = headsets.find((h) => {
      const name = normalise(h.product);
      return name !== '' && (audio.includes(name) || name.includes(audio));
    });
    if (match) return match;
  }
  return headsets[0];
}
