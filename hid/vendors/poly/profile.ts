import { defaultQuirks } from '../../headset-quirks';
import { VendorId, type VendorProfile } from '../vendor-profile';

/**
 * Poly/Plantronics Blackwire 3220 (tests/fixtures/hid/poly-blackwire-3220-telephony.hex): hook, flash and mute in
 * report 8; one output report per LED, numbered like the LED usage.
 */
export const PolyHeadset: VendorProfile = {
  vendorId: VendorId.Poly,
  vendor: 'Poly/Plantronics',
  source: 'tests/fixtures/hid/poly-blackwire-3220-telephony.hex',
  // Poly sends one mute/volume press twice.
  quirks: { ...defaultQuirks, doubledMuteKeys: true },
  layout: {
    usesReportIds: true,
    inputs: [
      { usage: 'phone-mute', reportId: 8, bit: 0, relative: true },
      { usage: 'hook-switch', reportId: 8, bit: 1, relative: false },
      { usage: 'flash', reportId: 8, bit: 2, relative: false },
    ],
    outputs: [
      { usage: 'mute', reportId: 9, bit: 0 },
      { usage: 'off-hook', reportId: 0x17, bit: 0 },
      { usage: 'ring', reportId: 0x18, bit: 0 },
    ],
    outputReports: [
      { reportId: 9, byteLength: 1 },
      { reportId: 0x17, byteLength: 1 },
      { reportId: 0x18, byteLength: 1 },
    ],
  },
};
