/**
 * Headset bridge, pure part (no node-hid): descriptor parsing, vendor profiles, headset semantics.
 * Device access (node-hid, sysfs, hot-plug) is in `hid/device`, imported separately by the headset service.
 */
export { HidDescriptorError, HidError, TelephonyLayoutError } from './descriptor/errors';
export { HexFormatError, parseHexBytes, toHex } from './descriptor/hex';
export { type HidCollection, type HidField, type ParsedDescriptor, parseReportDescriptor, usageAt } from './descriptor/parser';
export {
  type TelephonyInput,
  type TelephonyInputUsage,
  type TelephonyLayout,
  type TelephonyOutput,
  type TelephonyOutputUsage,
  telephonyLayoutFromDescriptor,
} from './descriptor/telephony-layout';
export {
  type HeadsetCallState,
  HeadsetController,
  type HeadsetControllerOptions,
  type HeadsetEvent,
  type HeadsetState,
  HeadsetStateError,
  type HidDeviceLike,
  headsetStateOf,
} from './headset-controller';
export { type HeadsetQuirks, defaultQuirks } from './headset-quirks';
export { LedUsage, TelephonyUsage, UsagePage, usageName } from './usages';
export { type VendorProfile, VendorId, profileForVendor, vendorProfiles } from './vendors';
