export { type HeadsetChoice, type HeadsetInfo, type RawHidDevice, chooseHeadset, telephonyHeadsetsOf } from './headset-info';
export { HeadsetConnection, type HeadsetConnectionOptions, type OpenedHeadset } from './headset-connection';
export { HeadsetWatcher, type HeadsetWatcherOptions } from './headset-watcher';
export { type ResolvedLayout, SYSFS_HIDRAW, readLinuxReportDescriptor, resolveLayout } from './layout-source';
export { listTelephonyHeadsets, openHeadset } from './node-hid-headsets';
