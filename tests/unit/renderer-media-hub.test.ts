/**
 * "Line lost" for WebRTC calls: main never sees that media, so the audio-owning window reports inbound packets
 * (`media.inbound`, at most once per quality tick) and the media hub keeps each WebRTC call's clock. A closed or
 * reloading window must never make main think the media died. The whole path runs against a real PBX in
 * tests/e2e/remote-webrtc-timeout.e2e.ts.
 */
import { parseCommand, QUALITY_SAMPLE_INTERVAL_MS, type CallView, type ConsoleClient } from '../../electron/contract';
import { ConsoleService, type HostConnection } from '../../electron/services/console-service';
import { createRendererMediaSession, RendererMediaHub, type MediaSink } from '../../electron/services/renderer-media-hub';
import { inboundArrived, type StatsTotals } from '../../renderer/lib/media/quality';
import { callView } from './helpers/call-view';

/** The engine needs DOM types the node-side tsconfig does not have: load it untyped, behind the few members used here. */
interface Engine {
  start(): void;
  stop(): void;
  applyCalls(calls: readonly CallView[]): void;
}
const { MediaEngine } = jest.requireActual<{
  MediaEngine: new (o: { client: ConsoleClient; preferences: () => undefined; notify: () => void }) => Engine;
}>('../../renderer/lib/media/engine');

const T0 = 1_800_000_000_000;
const sink = (connectionId: string): MediaSink => ({ connectionId, send: () => undefined });

describe('media hub: the inbound-audio clock of WebRTC calls', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  it("a session's lastReceivedAt follows the owner's reports, starting from the moment it attached", () => {
    const hub = new RendererMediaHub();
    hub.attach(sink('w1'));
    jest.setSystemTime(T0 + 10_000);
    const session = createRendererMediaSession('c1', hub);
    expect(session.lastReceivedAt()).toBe(T0); // nothing reported yet: the watchdog falls back to the answer time
    expect(hub.inbound('w1', 'c1')).toBe(true);
    expect(session.lastReceivedAt()).toBe(T0 + 10_000);
    jest.setSystemTime(T0 + 12_000);
    hub.inbound('w1', 'c1');
    jest.setSystemTime(T0 + 60_000);
    expect(session.lastReceivedAt()).toBe(T0 + 12_000); // audio stopped: the clock stands still
    // An earlier stamp never moves it back.
    hub.inbound('w1', 'c1', T0 + 1000);
    expect(session.lastReceivedAt()).toBe(T0 + 12_000);
  });

  it('ignores reports from a window that does not own audio, and for calls it does not watch', () => {
    const hub = new RendererMediaHub();
    hub.attach(sink('w1'));
    const session = createRendererMediaSession('c1', hub);
    jest.setSystemTime(T0 + 5000);
    expect(hub.inbound('w2', 'c1')).toBe(false);
    expect(hub.inbound('w1', 'rtp-call')).toBe(false);
    expect(session.lastReceivedAt()).toBe(T0);
    expect(hub.lastReceivedAt('rtp-call')).toBeUndefined();
  });

  it('no window attached (closed, reloading): the clock keeps moving, so a closed window never hangs up calls', () => {
    const hub = new RendererMediaHub();
    const session = createRendererMediaSession('c1', hub);
    expect(session.lastReceivedAt()).toBe(T0); // never attached yet
    hub.attach(sink('w1'));
    hub.inbound('w1', 'c1');
    hub.detach('w1');
    jest.setSystemTime(T0 + 90_000);
    expect(session.lastReceivedAt()).toBe(T0 + 90_000);
    expect(hub.inbound('w1', 'c1')).toBe(false); // a late report from the gone window
    jest.setSystemTime(T0 + 95_000);
    expect(session.lastReceivedAt()).toBe(T0 + 95_000);
  });

  it('a (re)attached window starts the clock fresh; the previous owner no longer counts', () => {
    const hub = new RendererMediaHub();
    hub.attach(sink('w1'));
    const session = createRendererMediaSession('c1', hub);
    hub.inbound('w1', 'c1');
    jest.setSystemTime(T0 + 40_000);
    hub.attach(sink('w2')); // a second window took audio over without the first detaching
    expect(session.lastReceivedAt()).toBe(T0 + 40_000);
    jest.setSystemTime(T0 + 42_000);
    expect(hub.inbound('w1', 'c1')).toBe(false);
    expect(session.lastReceivedAt()).toBe(T0 + 40_000);
    expect(hub.inbound('w2', 'c1')).toBe(true);
    expect(session.lastReceivedAt()).toBe(T0 + 42_000);
  });

  it('closing the session forgets its clock (and still closes the renderer peer once)', () => {
    const hub = new RendererMediaHub();
    const sent: string[] = [];
    hub.attach({ connectionId: 'w1', send: (r) => sent.push(`${r.op} ${r.callId}`) });
    const session = createRendererMediaSession('c1', hub);
    session.close();
    session.close();
    expect(sent).toEqual(['close c1']);
    expect(hub.inbound('w1', 'c1')).toBe(false);
    expect(session.lastReceivedAt()).toBeUndefined();
  });
});

describe('media.inbound over the contract', () => {
  it('is a schema-checked command with only a call id', () => {
    expect(parseCommand('media.inbound', { callId: 'c1' })).toEqual({ ok: true, name: 'media.inbound', args: { callId: 'c1' } });
    expect(parseCommand('media.inbound', { callId: '' }).ok).toBe(false);
    expect(parseCommand('media.inbound', { callId: 'x'.repeat(129) }).ok).toBe(false);
    expect(parseCommand('media.inbound', { callId: 'c1', at: 1 }).ok).toBe(false);
  });

  it('the call desk hands it to the hub for the connection that sent it, quietly', async () => {
    const service = new ConsoleService({
      host: 'web',
      createSoftphone: () => {
        throw new Error('unused');
      },
      createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    });
    const conn = (id: string): HostConnection => ({ id, send: () => undefined });
    const [w1, w2] = [conn('w1'), conn('w2')];
    service.connect(w1);
    service.connect(w2);
    await service.dispatch(w1, 'media.attach', {});
    const session = createRendererMediaSession('c1', service.media);
    const before = session.lastReceivedAt()!;
    await new Promise((r) => setTimeout(r, 5));
    expect(await service.dispatch(w2, 'media.inbound', { callId: 'c1' })).toEqual({ ok: true, value: null });
    expect(session.lastReceivedAt()).toBe(before);
    expect(await service.dispatch(w1, 'media.inbound', { callId: 'gone' })).toEqual({ ok: true, value: null });
    expect(await service.dispatch(w1, 'media.inbound', { callId: 'c1' })).toEqual({ ok: true, value: null });
    expect(session.lastReceivedAt()!).toBeGreaterThan(before);
    session.close();
    await service.stop();
  });
});

describe('media engine: reporting inbound audio', () => {
  const totals = (packetsReceived: number): StatsTotals => ({ at: T0, bytesIn: 0, bytesOut: 0, packetsReceived, packetsLost: 0 });

  it('packets arrived when the inbound count moved and is not zero', () => {
    expect(inboundArrived(undefined, totals(0))).toBe(false);
    expect(inboundArrived(undefined, totals(12))).toBe(true); // first reading of a new peer
    expect(inboundArrived(totals(12), totals(112))).toBe(true);
    expect(inboundArrived(totals(112), totals(112))).toBe(false); // audio stopped
    expect(inboundArrived(totals(900), totals(40))).toBe(true); // a new SSRC replaced the old one in the stats
    expect(inboundArrived(totals(900), totals(0))).toBe(false);
  });

  it('the sample interval is short enough for a 5 s line-lost timeout', () => {
    expect(QUALITY_SAMPLE_INTERVAL_MS).toBeLessThanOrEqual(2000);
  });

  describe('against a fake browser', () => {
    let packets = 0;
    const saved: Record<string, unknown> = {};
    const globals = {
      window: {},
      navigator: { mediaDevices: { getUserMedia: async () => new FakeStream() } },
      RTCPeerConnection: class {
        connectionState = 'connected';
        signalingState = 'stable';
        iceGatheringState = 'complete';
        localDescription: { sdp: string } | undefined;
        addEventListener(): void {}
        removeEventListener(): void {}
        addTrack(): void {}
        getSenders(): unknown[] {
          return [];
        }
        close(): void {
          this.connectionState = 'closed';
        }
        async createOffer(): Promise<{ type: string; sdp: string }> {
          return { type: 'offer', sdp: 'v=0 offer' };
        }
        async setLocalDescription(d: { sdp: string }): Promise<void> {
          this.localDescription = d;
        }
        async setRemoteDescription(): Promise<void> {}
        async getStats(): Promise<Map<string, unknown>> {
          return new Map([['in', { type: 'inbound-rtp', kind: 'audio', packetsReceived: packets, bytesReceived: packets * 160 }]]);
        }
      },
      MediaStream: class {
        getAudioTracks(): unknown[] {
          return [];
        }
        getTracks(): unknown[] {
          return [];
        }
      },
      Audio: class {
        dataset: Record<string, string> = {};
        srcObject: unknown;
        autoplay = false;
        muted = false;
        volume = 1;
        async play(): Promise<void> {}
        pause(): void {}
      },
    };
    class FakeStream extends (globals.MediaStream as new () => object) {}

    beforeEach(() => {
      packets = 0;
      for (const [k, v] of Object.entries(globals)) {
        saved[k] = (globalThis as Record<string, unknown>)[k];
        Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
      }
      jest.useFakeTimers({ now: T0 });
    });
    afterEach(() => {
      jest.useRealTimers();
      for (const [k, v] of Object.entries(saved)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
    });

    async function engineWithCall(mediaMode: CallView['mediaMode']) {
      const invoked: { name: string; args: unknown }[] = [];
      let request: ((req: unknown) => void) | undefined;
      const client = {
        invoke: async (name: string, args: unknown) => {
          invoked.push({ name, args });
          return { ok: true, value: null };
        },
        on: (_event: string, listener: (req: unknown) => void) => {
          request = listener;
          return () => undefined;
        },
        onConnection: () => () => undefined,
      } as unknown as ConsoleClient;
      const engine = new MediaEngine({ client, preferences: () => undefined, notify: () => undefined });
      engine.start();
      engine.applyCalls([callView('c1', 'active', { mediaMode })]);
      request!({ requestId: 'm1', op: 'offer', callId: 'c1' });
      await jest.advanceTimersByTimeAsync(0);
      expect(invoked.map((i) => i.name)).toEqual(['media.reply']);
      invoked.length = 0;
      const inbound = () => invoked.filter((i) => i.name === 'media.inbound').map((i) => i.args);
      return { engine, inbound };
    }

    it('a WebRTC call: one media.inbound per tick while packets arrive, none once they stop', async () => {
      const { engine, inbound } = await engineWithCall('webrtc');
      await jest.advanceTimersByTimeAsync(QUALITY_SAMPLE_INTERVAL_MS); // peer up, nothing received yet
      expect(inbound()).toEqual([]);
      packets = 50;
      await jest.advanceTimersByTimeAsync(QUALITY_SAMPLE_INTERVAL_MS);
      packets = 150;
      await jest.advanceTimersByTimeAsync(QUALITY_SAMPLE_INTERVAL_MS);
      expect(inbound()).toEqual([{ callId: 'c1' }, { callId: 'c1' }]);
      await jest.advanceTimersByTimeAsync(3 * QUALITY_SAMPLE_INTERVAL_MS); // RTP blocked: the count stands still
      expect(inbound()).toHaveLength(2);
      engine.stop();
    });

    it('an RTP-bridge call sends none (main sees that media itself)', async () => {
      const { engine, inbound } = await engineWithCall('rtp');
      for (let i = 1; i <= 3; i++) {
        packets = i * 100;
        await jest.advanceTimersByTimeAsync(QUALITY_SAMPLE_INTERVAL_MS);
      }
      expect(inbound()).toEqual([]);
      engine.stop();
    });
  });
});
