/** Composition of the real services: used by both hosts (Electron main and the web host). */
import { createSoftphone } from '../../sip-core';
import { createRtpBridgeSession } from '../../sip-core/media/rtp-bridge';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import type { SipLogger } from '../../sip-core/api/softphone';
import type { SipAccountConfig } from '../../sip-core/api/account';
import { ConsoleService, type ConsoleServiceOptions } from './console-service';
import { createRendererMediaSession, type RendererMediaHub } from './renderer-media-hub';
import { type HeadsetDevices, HeadsetService } from './headset-service';
import { PresenceService } from './presence-service';

/** The real device layer: node-hid, loaded on first use so a machine where it cannot load still runs the console. */
export async function loadNodeHidDevices(): Promise<HeadsetDevices> {
  const { listTelephonyHeadsets, openHeadset } = await import('../../hid/device/node-hid-headsets');
  return { list: listTelephonyHeadsets, open: openHeadset };
}

/**
 * Per account: WebRTC calls relay the renderer's own peer; RTP-bridge calls bind the PBX leg to the address the
 * kernel routes to the PBX (or the administrator's `mediaAddress`), never blindly to loopback.
 */
export function createMediaFactory(hub: RendererMediaHub, account?: Pick<SipAccountConfig, 'mediaAddress'>, logger?: SipLogger): MediaSessionFactory {
  return {
    create: (callId, mode, context) =>
      mode === 'webrtc'
        ? createRendererMediaSession(callId, hub)
        : createRtpBridgeSession(callId, hub, {
            ...(account?.mediaAddress && { bindHost: account.mediaAddress }),
            ...(context?.signallingPeer && { signallingPeer: context.signallingPeer }),
            ...(logger && { logger }),
          }),
  };
}

export function createConsoleService(
  options: Pick<ConsoleServiceOptions, 'host' | 'logger' | 'persist' | 'endedCallLingerMs' | 'extensions'> & {
    /** USB headset bridge (headset-service.ts): node-hid by default, a fake device layer in tests, `false` for none. */
    readonly headset?: HeadsetDevices | false;
  },
): ConsoleService {
  const { headset: devices, ...rest } = options;
  const headset =
    devices === false ? undefined : new HeadsetService({ devices: devices ?? loadNodeHidDevices, ...(options.logger && { logger: options.logger }) });
  const presence = new PresenceService();
  const service = new ConsoleService({
    ...rest,
    extensions: [...(options.extensions ?? []), ...(headset ? [headset] : []), presence],
    createSoftphone,
    createMediaFactory: (hub, account) => createMediaFactory(hub, account, options.logger),
    userAgent: 'ReceptionistConsole/0.1',
  });
  // Starts with the app in both hosts; no headset plugged (or no node-hid) just leaves the slot empty.
  void headset?.start(service);
  presence.start(service);
  return service;
}
