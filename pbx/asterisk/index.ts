/** Asterisk (AMI) implementation of the provider-neutral queue and call-services APIs. */
import type { CallServicesProvider } from '../api/call-services';
import type { QueueProvider } from '../api/queues';
import { AsteriskCallServicesProvider, type AsteriskCallServicesConfig, type CallServicesLogger } from './call-services-provider';
import { AsteriskQueueProvider, type AsteriskQueueConfig, type QueueLogger } from './queue-provider';
import type { VoicemailProvider } from '../api/voicemail';
import { AsteriskVoicemailProvider, type AsteriskVoicemailConfig, type VoicemailLogger } from './voicemail-provider';
import type { ParkingProvider } from '../api/parking';
import { AsteriskParkingProvider, type AsteriskParkingConfig, type ParkingLogger } from './parking-provider';

export type { AsteriskQueueConfig, QueueLogger } from './queue-provider';
export type { AsteriskCallServicesConfig, CallServicesLogger } from './call-services-provider';
export { AmiClient, AmiError, AmiParser, type AmiClientOptions, type AmiConnectionState, type AmiMessage } from './ami-client';

export function createAsteriskQueueProvider(config: AsteriskQueueConfig, logger?: QueueLogger): QueueProvider {
  return new AsteriskQueueProvider(config, logger);
}

/**
 * DND everywhere, forwarding, follow-me and priority callers as AstDB keys (docs/pbx-asterisk.md "Call-routing
 * services"). Takes the queue provider's config as is (only `ami`, `context` and `timing` are used).
 */
export function createAsteriskCallServicesProvider(config: AsteriskCallServicesConfig, logger?: CallServicesLogger): CallServicesProvider {
  return new AsteriskCallServicesProvider(config, logger);
}

/** Parked calls (res_parking) over AMI; takes the PBX connection as is (only `ami`, `timing` and `lots` are used). */
export function createAsteriskParkingProvider(config: AsteriskParkingConfig, logger?: ParkingLogger): ParkingProvider {
  return new AsteriskParkingProvider(config, logger);
}
export type { AsteriskParkingConfig, ParkingLogger } from './parking-provider';

// issue 13 item 7: voicemail — the receptionist's mailbox (app_voicemail) over AMI.
export function createAsteriskVoicemailProvider(config: AsteriskVoicemailConfig, logger?: VoicemailLogger): VoicemailProvider {
  return new AsteriskVoicemailProvider(config, logger);
}
export type { AsteriskVoicemailConfig, VoicemailLogger } from './voicemail-provider';
