/** Composition of the real services: used by both hosts (Electron main and the web host). */
import { createSoftphone } from '../../sip-core';
import { createRtpBridgeSession } from '../../sip-core/media/rtp-bridge';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import type { SipLogger } from '../../sip-core/api/softphone';
import type { SipAccountConfig } from '../../sip-core/api/account';
import { CallServicesService, type CallServicesProviderFactory } from './call-services';
import { ConsoleService, type ConsoleServiceOptions } from './console-service';
import { MissedCallsService } from './missed-calls';
import { ScreenPopService } from './screen-pop';
import { createRendererMediaSession, type RendererMediaHub } from './renderer-media-hub';
import { type HeadsetDevices, HeadsetService } from './headset-service';
import { PresenceService } from './presence-service';
import type { ContactsService } from './contacts-service';
import { QueueService, type QueueProviderFactory } from './queue-service';
import { ParkingService } from './parking-service';
import { VoicemailService } from './voicemail-service';

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
    /** Queue provider (queue-service.ts): pbx/asterisk by default, a fake in tests. */
    readonly queueProvider?: QueueProviderFactory;
    /** Call-routing services on the PBX (call-services.ts): pbx/asterisk by default, a fake in tests. */
    readonly servicesProvider?: CallServicesProviderFactory;
    /** Where the missed-call counter is saved (missed-calls.json in the data directory); absent: memory only. */
    readonly missedCallsFile?: string;
  },
): ConsoleService {
  const { headset: devices, queueProvider, servicesProvider, missedCallsFile, ...rest } = options;
  const headset =
    devices === false ? undefined : new HeadsetService({ devices: devices ?? loadNodeHidDevices, ...(options.logger && { logger: options.logger }) });
  const given = options.extensions ?? [];
  // issue 13 item 2: the contacts service hands over contacts starred by an earlier version (one notion of favorite).
  const starredSource = given.find((x): x is typeof x & Pick<ContactsService, 'takeStarredContacts'> => 'takeStarredContacts' in x);
  const favoritesMirror = given.find((x): x is typeof x & Pick<ContactsService, 'linkFavorites' | 'favoritesChanged'> => 'linkFavorites' in x);
  const presence = new PresenceService({
    ...(options.logger && { logger: options.logger }),
    ...(starredSource && { starred: () => starredSource.takeStarredContacts() }),
    // issue 13 item 2 follow-up: the favorites list is mirrored into the contacts database (search ranks it first).
    ...(favoritesMirror && { onFavoritesChanged: () => favoritesMirror.favoritesChanged() }),
  });
  favoritesMirror?.linkFavorites({
    extensions: () => presence.favorites().map((f) => f.extension),
    add: (extension, name) => void presence.add({ extension, ...(name.trim() && { name: name.trim().slice(0, 128) }) }),
    remove: (extension) => void presence.remove(extension),
  });
  // Waiting callers are named from the same directories as calls (the contacts service), first match wins.
  const lookup = async (number: string): Promise<string | undefined> => {
    for (const x of given) {
      const hit = await x.lookupNumber?.(number);
      if (hit) return hit.name;
    }
    return undefined;
  };
  const queues = new QueueService({ lookup, ...(queueProvider && { createProvider: queueProvider }), ...(options.logger && { logger: options.logger }) });
  // Call-routing services use the same PBX connection as the queues (Settings › PBX).
  const services = new CallServicesService({
    pbx: queues,
    colleagues: () => presence.favorites().map((f) => f.extension),
    onApplyFailed: (reason) => service.messages.add('error', `services.applyFailed.${reason}`, {}),
    ...(servicesProvider && { createProvider: servicesProvider }),
    ...(options.logger && { logger: options.logger }),
  });
  // issue 13 item 5: the park panel follows the same PBX connection; Retrieve dials the slot as the receptionist.
  const parking = new ParkingService({
    pbx: queues,
    dial: (slot): Promise<{ callId?: string }> => service.dialUrl(`tel:${slot}`, 'user'),
    onParked: (slot, who) => service.messages.add('info', 'park.parkedOn', { slot, name: who }),
    lookup,
    ...(options.logger && { logger: options.logger }),
  });
  // issue 13 item 7: voicemail — the mailbox on the same PBX connection; it answers its own playback call.
  const voicemail = new VoicemailService({
    pbx: queues,
    lookup,
    answer: async (callId) => {
      const r = await service.dispatch({ id: 'voicemail-playback', send: () => undefined }, 'call.answer', { callId });
      if (!r.ok) throw new Error(r.error.message);
    },
    ...(options.logger && { logger: options.logger }),
  });
  const screenPop = new ScreenPopService({
    settings: () => services.settings().screenPop,
    defaultCountry: () => services.country(),
    onProblem: (e) => service.messages.add('warning', `screenPop.error.${e.code}`, {}),
    ...(options.logger && { logger: options.logger }),
  });
  const service = new ConsoleService({
    ...rest,
    extensions: [
      ...given,
      ...(headset ? [headset] : []),
      presence,
      queues,
      // Before the services: its playback call must not meet do-not-disturb or the screening.
      voicemail,
      services,
      parking,
      screenPop,
      new MissedCallsService({ file: missedCallsFile, ...(options.logger && { logger: options.logger }) }),
    ],
    createSoftphone,
    createMediaFactory: (hub, account) => createMediaFactory(hub, account, options.logger),
    userAgent: 'ReceptionistConsole/0.1',
  });
  // Starts with the app in both hosts; no headset plugged (or no node-hid) just leaves the slot empty.
  void headset?.start(service);
  presence.start(service);
  queues.start(service);
  services.start(service);
  parking.start(service);
  voicemail.start(service);
  return service;
}
