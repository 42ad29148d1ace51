import { GenericHeadset } from '../generic/profile';
import { VendorId, type VendorProfile } from '../vendor-profile';

/** Yealink UH3x/WH6x: the Teams dongle layout (tests/fixtures/hid/yealink-uh3x.hex). */
export const YealinkHeadset: VendorProfile = {
  ...GenericHeadset,
  vendorId: VendorId.Yealink,
  vendor: 'Yealink',
  source: 'tests/fixtures/hid/yealink-uh3x.hex',
};
