/** Asterisk (AMI) implementation of the provider-neutral queue API. */
import type { QueueProvider } from '../api/queues';
import { AsteriskQueueProvider, type AsteriskQueueConfig, type QueueLogger } from './queue-provider';

export type { AsteriskQueueConfig, QueueLogger } from './queue-provider';
export { AmiClient, AmiError, AmiParser, type AmiClientOptions, type AmiConnectionState, type AmiMessage } from './ami-client';

export function createAsteriskQueueProvider(config: AsteriskQueueConfig, logger?: QueueLogger): QueueProvider {
  return new AsteriskQueueProvider(config, logger);
}
