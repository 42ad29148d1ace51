import { GenericHeadset } from '../generic/profile';
import { VendorId, type VendorProfile } from '../vendor-profile';

/**
 * EPOS/Sennheiser: no descriptor dump available to us yet, so the Teams dongle layout is assumed. On Linux the real
 * descriptor is read from sysfs and this profile is not used.
 */
export const EposHeadset: VendorProfile = {
  ...GenericHeadset,
  vendorId: VendorId.Epos,
  vendor: 'EPOS/Sennheiser',
  source: 'assumed Teams dongle layout (unverified)',
};
