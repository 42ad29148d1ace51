import { EposHeadset } from './epos/profile';
import { GenericHeadset } from './generic/profile';
import { JabraHeadset } from './jabra/profile';
import { PolyHeadset } from './poly/profile';
import type { VendorProfile } from './vendor-profile';
import { YealinkHeadset } from './yealink/profile';

export { EposHeadset, GenericHeadset, JabraHeadset, PolyHeadset, YealinkHeadset };
export { VendorId, type VendorProfile } from './vendor-profile';

export const vendorProfiles: readonly VendorProfile[] = [JabraHeadset, PolyHeadset, EposHeadset, YealinkHeadset];

/** The profile for a USB vendor id; the generic Teams layout when we know nothing about the vendor. */
export function profileForVendor(vendorId: number): VendorProfile {
  return vendorProfiles.find((p) => p.vendorId === vendorId) ?? GenericHeadset;
}
