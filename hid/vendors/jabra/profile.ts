import { defaultQuirks } from '../../headset-quirks';
import { VendorId, type VendorProfile } from '../vendor-profile';

/** Jabra EVOLVE LINK: everything in report 2 (tests/fixtures/hid/jabra-evolve-link.hex, bits from shared/NOTES.md). */
export const JabraHeadset: VendorProfile = {
  vendorId: VendorId.Jabra,
  vendor: 'Jabra',
  source: 'tests/fixtures/hid/jabra-evolve-link.hex',
  // Jabra: clearing Off-Hook on hold makes the headset report hook=0 and end the call.
  quirks: { ...defaultQuirks, holdClearsOffHook: false },
  layout: {
    usesReportIds: true,
    inputs: [
      { usage: 'hook-switch', reportId: 2, bit: 0, relative: false },
      { usage: 'line-busy', reportId: 2, bit: 1, relative: false },
      { usage: 'phone-mute', reportId: 2, bit: 2, relative: true },
      { usage: 'flash', reportId: 2, bit: 3, relative: true },
      { usage: 'redial', reportId: 2, bit: 4, relative: true },
      { usage: 'speed-dial', reportId: 2, bit: 5, relative: true },
      { usage: 'reject', reportId: 2, bit: 10, relative: false },
    ],
    outputs: [
      { usage: 'off-hook', reportId: 2, bit: 0 },
      { usage: 'mute', reportId: 2, bit: 1 },
      { usage: 'ring', reportId: 2, bit: 2 },
      { usage: 'hold', reportId: 2, bit: 3 },
      { usage: 'microphone', reportId: 2, bit: 4 },
      { usage: 'ringer', reportId: 2, bit: 5 },
    ],
    outputReports: [{ reportId: 2, byteLength: 2 }],
  },
};
