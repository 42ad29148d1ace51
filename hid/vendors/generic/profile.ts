import { defaultQuirks } from '../../headset-quirks';
import type { VendorProfile } from '../vendor-profile';

/**
 * Teams-certified dongle layout (report 2 both ways), the most common one among headsets without an SDK of their
 * own: input hook, busy, line, mute, flash, redial, speed dial, reject; output off-hook, ring, mute, hold, mic,
 * on-line, ringer. Same bits as tests/fixtures/hid/yealink-uh3x.hex.
 */
export const GenericHeadset: VendorProfile = {
  vendorId: null,
  vendor: 'generic',
  source: 'Teams dongle layout (tests/fixtures/hid/yealink-uh3x.hex)',
  quirks: { ...defaultQuirks },
  layout: {
    usesReportIds: true,
    inputs: [
      { usage: 'hook-switch', reportId: 2, bit: 0, relative: false },
      { usage: 'line-busy', reportId: 2, bit: 1, relative: false },
      { usage: 'phone-mute', reportId: 2, bit: 3, relative: true },
      { usage: 'flash', reportId: 2, bit: 4, relative: true },
      { usage: 'redial', reportId: 2, bit: 5, relative: true },
      { usage: 'speed-dial', reportId: 2, bit: 6, relative: true },
      { usage: 'reject', reportId: 2, bit: 7, relative: false },
    ],
    outputs: [
      { usage: 'off-hook', reportId: 2, bit: 0 },
      { usage: 'ring', reportId: 2, bit: 1 },
      { usage: 'mute', reportId: 2, bit: 2 },
      { usage: 'hold', reportId: 2, bit: 3 },
      { usage: 'microphone', reportId: 2, bit: 4 },
      { usage: 'ringer', reportId: 2, bit: 6 },
    ],
    outputReports: [{ reportId: 2, byteLength: 2 }],
  },
};
