/** Composition of the real services: used by both hosts (Electron main and the web host). */
import { createSoftphone } from '../../sip-core';
import { createRtpBridgeSession } from '../../sip-core/media/rtp-bridge';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import type { SipLogger } from '../../sip-core/api/softphone';
import { ConsoleService, type ConsoleServiceOptions } from './console-service';
import { createRendererMediaSession, type RendererMediaHub } from './renderer-media-hub';

export function createMediaFactory(hub: RendererMediaHub, logger?: SipLogger): MediaSessionFactory {
  return {
    create: (callId, mode) =>
      mode === 'webrtc'
        ? createRendererMediaSession(callId, hub)
        : createRtpBridgeSession(callId, hub, { bindHost: '127.0.0.1', ...(logger && { logger }) }),
  };
}

export function createConsoleService(
  options: Pick<ConsoleServiceOptions, 'host' | 'logger' | 'persist' | 'endedCallLingerMs'>,
): ConsoleService {
  return new ConsoleService({
    ...options,
    createSoftphone,
    createMediaFactory: (hub) => createMediaFactory(hub, options.logger),
    userAgent: 'ReceptionistConsole/0.1',
  });
}
