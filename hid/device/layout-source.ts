/**
 * Where a headset's TelephonyLayout comes from: on Linux the real report descriptor in sysfs; elsewhere (node-hid
 * cannot read descriptors on Windows/macOS) or when that fails, the vendor profile.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HidError } from '../descriptor/errors';
import { type TelephonyLayout, telephonyLayoutFromDescriptor } from '../descriptor/telephony-layout';
import type { HeadsetQuirks } from '../headset-quirks';
import { profileForVendor } from '../vendors';
import type { HeadsetInfo } from './headset-info';

export interface ResolvedLayout {
  layout: TelephonyLayout;
  quirks: HeadsetQuirks;
  source: 'descriptor' | 'vendor-profile';
  /** Why the descriptor was not used, for the support log. */
  fallbackReason?: string;
}

export const SYSFS_HIDRAW = '/sys/class/hidraw';

/** `/dev/hidrawN` → the bytes of `/sys/class/hidraw/hidrawN/device/report_descriptor`, or null. */
export function readLinuxReportDescriptor(devicePath: string, sysfsRoot: string = SYSFS_HIDRAW): Uint8Array | null {
  const node = basename(devicePath);
  if (!/^hidraw\d+$/.test(node)) return null;
  try {
    return new Uint8Array(readFileSync(join(sysfsRoot, node, 'device', 'report_descriptor')));
  } catch {
    return null; // Unplugged meanwhile, or no permission: the vendor profile will do.
  }
}

export function resolveLayout(
  info: HeadsetInfo,
  readDescriptor: (path: string) => Uint8Array | null = readLinuxReportDescriptor,
): ResolvedLayout {
  const profile = profileForVendor(info.vendorId);
  const bytes = readDescriptor(info.path);
  if (!bytes) return { layout: profile.layout, quirks: profile.quirks, source: 'vendor-profile', fallbackReason: 'no descriptor' };
  try {
    return { layout: telephonyLayoutFromDescriptor(bytes), quirks: profile.quirks, source: 'descriptor' };
  } catch (error) {
    if (!(error instanceof HidError)) throw error;
    return { layout: profile.layout, quirks: profile.quirks, source: 'vendor-profile', fallbackReason: error.message };
  }
}
