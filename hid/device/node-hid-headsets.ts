/**
 * The only module that imports node-hid (STYLE.md §1). Everything else sees HeadsetInfo and HidDeviceLike.
 */
import HID from 'node-hid';
import { type HeadsetInfo, telephonyHeadsetsOf } from './headset-info';
import type { OpenedHeadset } from './headset-connection';
import { resolveLayout } from './layout-source';

/** Telephony headset collections currently plugged in (usage page 0x0B, usage 0x05). */
export async function listTelephonyHeadsets(): Promise<HeadsetInfo[]> {
  return telephonyHeadsetsOf(await HID.devicesAsync());
}

/**
 * Open the telephony collection by its path: on Windows each top-level collection has its own path, so this opens
 * 0x0B/0x05 and not the consumer collection; on Linux the hidraw node carries every collection of the interface.
 */
export async function openHeadset(info: HeadsetInfo): Promise<OpenedHeadset> {
  // nonExclusive: macOS otherwise seizes the device and Teams/Zoom running alongside lose it.
  const device = new HID.HID(info.path, { nonExclusive: true });
  return { device, ...resolveLayout(info) };
}
