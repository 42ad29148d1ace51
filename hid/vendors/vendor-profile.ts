import type { TelephonyLayout } from '../descriptor/telephony-layout';
import type { HeadsetQuirks } from '../headset-quirks';

/**
 * What we know about a vendor's headsets when the report descriptor cannot be read (Windows and macOS: node-hid has
 * no API for it). Each layout is the TelephonyLayout of a real or documented descriptor; tests/unit/hid-vendors
 * checks it against the fixture it was derived from.
 */
export interface VendorProfile {
  vendorId: number | null;
  vendor: string;
  layout: TelephonyLayout;
  quirks: HeadsetQuirks;
  /** Where the layout comes from, for the support log. */
  source: string;
}

export const VendorId = {
  Jabra: 0x0b0e,
  Poly: 0x047f,
  Epos: 0x1395,
  Yealink: 0x6993,
  Logitech: 0x046d,
} as const;
