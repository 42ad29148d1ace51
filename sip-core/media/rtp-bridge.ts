/**
 * RTP bridge for classic PBXs (ARCHITECTURE.md "Classic PBX"): a werift RTCPeerConnection in main is the renderer's
 * WebRTC partner on loopback, and RTP packets are relayed to/from the PBX's plain RTP/AVP (or SDES RTP/SAVP) socket.
 * No transcoding: one codec (+ telephone-event) on both legs; only payload type, SSRC, sequence and timestamp change.
 *
 * The PBX leg (socket, SSRC, sequence) lives as long as the session; the renderer leg can be rebuilt at any time
 * (renderer reload) by `renderer.onDidAttach`.
 */
import * as dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  SrtpSession,
  ProtectionProfileAes128CmHmacSha1_80,
  ProtectionProfileAeadAes128Gcm,
  type RTCRtpTransceiver,
} from 'werift';
import type { MediaSession } from '../api/media';
import type { SipLogger } from '../api/softphone';
import type { RendererMediaPort } from '../ports/renderer-media-port';
import {
  DEFAULT_OFFER_CODECS,
  SdpError,
  answerDirection,
  buildPlainSdp,
  chooseCodec,
  formatSdesKeyParams,
  isSecureProto,
  parseSdesKeys,
  parseSdp,
  pickCrypto,
  rejectedMediaLines,
  type BridgeCodecName,
  type MediaDirection,
  type NegotiatedCodec,
  type ParsedSdp,
  type SdesKeys,
  type SdpCodecLine,
} from './sdp';
import { RtpStreamRewriter, isRtcp, parseRtp, serializeRtp, type RtpView } from './rtp-packet';
import { localAddressFor } from './route';

export type RtpBridgeLogger = Pick<SipLogger, 'debug' | 'info' | 'warn'>;

export interface RtpBridgeOptions {
  /**
   * Local address of the PBX-leg socket, set by the administrator. Default: the address the kernel routes to the
   * PBX (route.ts) — to the media address of the PBX's SDP when there is one, else to the SIP server in use.
   */
  readonly bindHost?: string;
  /**
   * Address written in our SDP c= line (default: the bound address). Required when bindHost is a wildcard
   * (0.0.0.0/::), since `c=IN IP4 0.0.0.0` means hold to many PBXs (RFC 3264 §8.4).
   */
  readonly advertisedAddress?: string;
  /** IP address of the SIP server in use: where our first offer's media address routes to. Default 127.0.0.1. */
  readonly signallingPeer?: string;
  /** Inclusive range for the PBX-leg RTP port (even port; RTCP on port+1). Default 16384..32767. */
  readonly portRange?: readonly [number, number];
  readonly logger?: RtpBridgeLogger;
  /** How long the renderer may take to answer the renderer-leg offer before the negotiation fails (default 10 s). */
  readonly rendererTimeoutMs?: number;
  /** Overridable for tests: the local address that routes to a host (default: ask the kernel, route.ts). */
  readonly localAddressFor?: (remote: string) => Promise<string>;
}

/** Payload types on the renderer leg: Chromium's usual numbers, so the renderer's answer keeps them. */
const RENDERER_PT: Readonly<Record<BridgeCodecName, number>> = { PCMU: 0, PCMA: 8, G722: 9, opus: 111 };
const RENDERER_TE_PT_8K = 126;
const RENDERER_TE_PT_48K = 110;
/** What the renderer sends: 20 ms frames (Chromium's default for all four codecs). */
const PTIME_MS = 20;

interface PbxSockets {
  readonly rtp: dgram.Socket;
  readonly rtcp?: dgram.Socket;
  readonly port: number;
  /** The local address they are bound to (and that our SDP advertises, unless advertisedAddress says otherwise). */
  readonly host: string;
}

interface PbxRemote {
  readonly address: string;
  readonly port: number;
  /** Direction of OUR side of the PBX leg. */
  readonly direction: MediaDirection;
}

interface RendererLeg {
  readonly generation: number;
  readonly pc: RTCPeerConnection;
  readonly track: MediaStreamTrack;
  readonly transceiver: RTCRtpTransceiver;
  /** Payload types the renderer's answer kept. */
  readonly audioPt: number;
  readonly telephoneEventPt?: number;
}

interface Srtp {
  readonly session: SrtpSession;
}

/**
 * Creates the MediaSession of one call in RTP mode. The session binds its PBX-leg socket on the first
 * createOffer/createAnswer; acceptAnswer/createAnswer resolve once the renderer leg is negotiated.
 */
export function createRtpBridgeSession(callId: string, renderer: RendererMediaPort, options: RtpBridgeOptions = {}): MediaSession {
  return new RtpBridgeSession(callId, renderer, options);
}

class RtpBridgeSession implements MediaSession {
  private readonly portRange: readonly [number, number];
  private readonly sessionId = String(Math.floor(Math.random() * 1e12));
  private sessionVersion = 0;
  private sockets?: PbxSockets;
  private remote?: PbxRemote;
  /**
   * Symmetric RTP (RFC 4961): the first packet from the SDP's media address tells the port the PBX really sends from
   * (and so where we send). Packets from any other address are never played: anybody on the LAN can send UDP to our
   * port, and must not be able to inject audio into the receptionist's call.
   */
  private latched?: { address: string; port: number };
  /** When audio from the PBX last arrived (the call's "line lost" watchdog reads it). */
  private lastRtpAt?: number;
  /** Sending to the PBX fails (no route, port unreachable): logged once when it starts and once when it stops. */
  private sendFailing = false;
  private codec?: NegotiatedCodec;
  private rtcpMux = false;
  private srtp?: Srtp;
  private leg?: RendererLeg;
  private generation = 0;
  private toPbx?: RtpStreamRewriter;
  /** What the current renderer leg was negotiated for (see legKey). */
  private legKey?: string;
  private negotiation: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly detachAttach: () => void;

  constructor(
    private readonly callId: string,
    private readonly renderer: RendererMediaPort,
    private readonly options: RtpBridgeOptions,
  ) {
    const advertised = options.advertisedAddress ?? options.bindHost;
    if (advertised === '0.0.0.0' || advertised === '::') {
      throw new Error('RTP bridge: a wildcard bindHost needs advertisedAddress');
    }
    this.portRange = options.portRange ?? [16384, 32767];
    this.detachAttach = renderer.onDidAttach(() => {
      if (this.closed || !this.codec) return;
      this.log('debug', 'renderer attached: renegotiating the renderer leg');
      this.queueRendererLeg().catch((e: unknown) => this.log('warn', `renderer leg renegotiation failed: ${errorText(e)}`));
    });
  }

  lastReceivedAt(): number | undefined {
    return this.lastRtpAt;
  }

  async createOffer(): Promise<string> {
    this.assertOpen();
    // Re-offers (hold, target refresh after a network change) route to the PBX's media address we already know.
    const sockets = await this.ensureSockets(false, this.remote?.address ?? this.options.signallingPeer ?? '127.0.0.1');
    // A re-INVITE offer keeps the codec in use (no mid-call codec change, so the renderer leg stays valid).
    const codecs: readonly SdpCodecLine[] = this.codec ? codecLines(this.codec) : DEFAULT_OFFER_CODECS;
    this.sessionVersion += 1;
    return buildPlainSdp({
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      address: this.advertised(sockets),
      port: sockets.port,
      codecs,
      ptime: PTIME_MS,
      direction: 'sendrecv',
      rtcpMux: this.rtcpMux,
    });
  }

  async createAnswer(remoteOffer: string): Promise<string> {
    this.assertOpen();
    const offer = parseSdp(remoteOffer);
    const codec = chooseCodec(offer.audio);
    let ourCrypto: { tag: number; suite: string; keyParams: string } | undefined;
    let srtp: Srtp | undefined;
    if (isSecureProto(offer.audio.proto)) {
      const crypto = pickCrypto(offer.audio);
      if (!crypto) throw new SdpError('bad-crypto', 'RTP/SAVP offer without a usable a=crypto line');
      const remoteKeys = parseSdesKeys(crypto);
      const localKeys = freshKeys(remoteKeys.profile);
      srtp = { session: srtpSession(localKeys, remoteKeys) };
      ourCrypto = { tag: crypto.tag, suite: crypto.suite, keyParams: formatSdesKeyParams(localKeys) };
    }
    const rtcpMux = offer.audio.rtcpMux; // RFC 5761 §5.1.1: only if the offerer asked
    const route = offer.audio.address !== undefined && !isUnspecified(offer.audio.address) ? offer.audio.address : this.options.signallingPeer;
    const sockets = await this.ensureSockets(rtcpMux, route ?? '127.0.0.1');
    this.applyRemote(offer, codec, answerDirection(offer.audio.direction), rtcpMux, srtp);
    this.sessionVersion += 1;
    const answer = buildPlainSdp({
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      address: this.advertised(sockets),
      port: sockets.port,
      codecs: codecLines(codec),
      ptime: PTIME_MS,
      direction: answerDirection(offer.audio.direction),
      rtcpMux,
      rejected: rejectedMediaLines(offer),
      ...(ourCrypto ? { crypto: ourCrypto } : {}),
    });
    await this.rendererLegFor(codec);
    return answer;
  }

  async acceptAnswer(remoteAnswer: string): Promise<void> {
    this.assertOpen();
    if (!this.sockets) throw new Error('acceptAnswer() before createOffer()');
    const answer = parseSdp(remoteAnswer);
    // Our offers are plain RTP/AVP (SDES is only answered, never offered).
    if (isSecureProto(answer.audio.proto)) throw new SdpError('unsupported-proto', 'RTP/SAVP answer to an RTP/AVP offer');
    const codec = chooseCodec(answer.audio);
    // The answerer's direction is from its point of view: its sendonly is our recvonly (RFC 3264 §6.1).
    this.applyRemote(answer, codec, answerDirection(answer.audio.direction), this.rtcpMux && answer.audio.rtcpMux, undefined);
    await this.rendererLegFor(codec);
  }

  async sendDtmf(tones: string): Promise<boolean> {
    if (this.closed || !this.codec?.telephoneEvent || !this.leg?.telephoneEventPt) return false;
    // The renderer's RTCDTMFSender emits RFC 4733 events; fromRenderer() relays them with the PBX's PT.
    return this.renderer.sendDtmf(this.callId, tones);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detachAttach();
    this.closeLeg();
    this.renderer.close(this.callId);
    if (this.sockets) {
      closeSocket(this.sockets.rtp);
      if (this.sockets.rtcp) closeSocket(this.sockets.rtcp);
    }
    this.sockets = undefined;
    this.log('debug', 'closed');
  }

  // ---- PBX leg ------------------------------------------------------------------------------------------------

  private applyRemote(sdp: ParsedSdp, codec: NegotiatedCodec, ourDirection: MediaDirection, rtcpMux: boolean, srtp: Srtp | undefined): void {
    const { address, port } = sdp.audio;
    if (address === undefined) throw new SdpError('no-connection', 'no c= line for the audio stream');
    if (this.remote?.address !== address) this.latched = undefined; // another media address: learn its port again
    this.remote = { address, port, direction: ourDirection };
    this.rtcpMux = rtcpMux;
    this.srtp = srtp;
    if (!this.toPbx || this.codec?.clockRate !== codec.clockRate) this.toPbx = new RtpStreamRewriter(codec.clockRate);
    this.codec = codec;
  }

  /** The address our SDP gives for the PBX leg. */
  private advertised(sockets: PbxSockets): string {
    return this.options.advertisedAddress ?? sockets.host;
  }

  /** The local address to bind: the administrator's, else the one the kernel routes to `routeTo`. */
  private async localHost(routeTo: string): Promise<string> {
    if (this.options.bindHost) return this.options.bindHost;
    const find = this.options.localAddressFor ?? localAddressFor;
    return find(isUnspecified(routeTo) ? '127.0.0.1' : routeTo);
  }

  /**
   * The PBX-leg sockets, bound to the local address that routes to `routeTo`. If that address changed since they
   * were bound (a network change during the call), they are replaced: the next SDP advertises the new ones.
   */
  private async ensureSockets(rtcpMux: boolean, routeTo: string): Promise<PbxSockets> {
    const host = await this.localHost(routeTo);
    if (this.sockets && this.sockets.host === host) return this.sockets;
    if (this.sockets) {
      this.log('debug', `local address changed (${this.sockets.host} → ${host}): new PBX-leg sockets`);
      closeSocket(this.sockets.rtp);
      if (this.sockets.rtcp) closeSocket(this.sockets.rtcp);
      this.sockets = undefined;
      this.latched = undefined;
    }
    const [min, max] = this.portRange;
    const evenMin = min + (min % 2);
    const slots = Math.max(1, Math.floor((max - 1 - evenMin) / 2) + 1);
    let start = Math.floor(Math.random() * slots);
    for (let attempt = 0; attempt < Math.min(slots, 64); attempt += 1, start += 1) {
      const port = evenMin + ((start % slots) * 2); // RFC 3550 §11: RTP on an even port, RTCP on the next one
      const rtp = await bindUdp(host, port);
      if (!rtp) continue;
      let rtcp: dgram.Socket | undefined;
      if (!rtcpMux) {
        rtcp = await bindUdp(host, port + 1);
        if (!rtcp) {
          closeSocket(rtp);
          continue;
        }
      }
      if (this.closed) {
        closeSocket(rtp);
        if (rtcp) closeSocket(rtcp);
        throw new Error('media session closed');
      }
      rtp.on('message', (msg, rinfo) => this.fromPbx(msg, rinfo));
      // RTCP from the PBX is read and dropped: the renderer leg has its own RTCP (werift), nothing to map here.
      rtcp?.on('message', () => undefined);
      this.sockets = { rtp, port, host, ...(rtcp ? { rtcp } : {}) };
      this.log('debug', `PBX leg bound on ${host}:${port}${rtcp ? ` (+RTCP ${port + 1})` : ''}`);
      return this.sockets;
    }
    throw new Error(`no free RTP port in ${min}-${max}`);
  }

  /** PBX → renderer. Every check is a silent drop: a UDP port is open to anything on the network. */
  private fromPbx(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const codec = this.codec;
    const leg = this.leg;
    if (this.closed || !codec || !this.remote) return;
    if (this.latched) {
      if (rinfo.address !== this.latched.address || rinfo.port !== this.latched.port) return;
    } else if (!sameAddress(rinfo.address, this.remote.address)) {
      return; // not the PBX's media address (its SDP c=): a stranger on the network
    }
    if (this.rtcpMux && isRtcp(msg)) return;
    let plain = msg;
    if (this.srtp) {
      try {
        plain = this.srtp.session.decrypt(msg);
      } catch {
        return; // failed authentication or garbage (RFC 3711 §3.3)
      }
    }
    const p = parseRtp(plain);
    if (!p) return;
    let rendererPt: number | undefined;
    if (p.payloadType === codec.pt) rendererPt = leg?.audioPt;
    else if (p.payloadType === codec.telephoneEvent?.pt) rendererPt = leg?.telephoneEventPt;
    else return; // e.g. comfort noise (PT 13): not negotiated on the renderer leg
    if (!this.latched) {
      this.latched = { address: rinfo.address, port: rinfo.port };
      this.log('debug', `PBX media from ${rinfo.address}:${rinfo.port}`);
    }
    this.lastRtpAt = Date.now();
    if (!leg || rendererPt === undefined) return;
    if (this.remote.direction === 'sendonly' || this.remote.direction === 'inactive') return; // we are not receiving
    const header = new RtpHeader({
      payloadType: rendererPt,
      marker: p.marker,
      sequenceNumber: p.sequenceNumber,
      timestamp: p.timestamp,
      ssrc: p.ssrc,
    });
    if (rendererPt === leg.audioPt) {
      // werift rewrites SSRC (and PT) to its sender's values (NOTES.md).
      leg.track.writeRtp(new RtpPacket(header, Buffer.from(p.payload)));
      return;
    }
    // werift's writeRtp forces the primary codec's PT on every packet, which would turn RFC 4733 events into audio.
    // Events go straight to the DTLS-SRTP transport with the sender's SSRC; seq/ts stay the PBX's (a fresh werift
    // sender applies zero offsets, and we never call replaceTrack), so audio and events share one numbering.
    const sender = leg.transceiver.sender;
    header.ssrc = sender.ssrc;
    sender.dtlsTransport.sendRtp(Buffer.from(p.payload), header).catch(() => undefined);
  }

  /** Renderer → PBX. */
  private fromRenderer(packet: RtpPacket, generation: number): void {
    const codec = this.codec;
    const leg = this.leg;
    const sockets = this.sockets;
    const remote = this.remote;
    if (this.closed || !codec || !leg || leg.generation !== generation || !sockets || !remote || !this.toPbx) return;
    if (remote.direction === 'recvonly' || remote.direction === 'inactive') return;
    let pbxPt: number | undefined;
    if (packet.header.payloadType === leg.audioPt) pbxPt = codec.pt;
    else if (leg.telephoneEventPt !== undefined && packet.header.payloadType === leg.telephoneEventPt) pbxPt = codec.telephoneEvent?.pt;
    if (pbxPt === undefined) return;
    const target = this.latched ?? remote;
    if (target.port === 0 || target.address === '0.0.0.0') return; // RFC 2543-style hold: nowhere to send
    const view: RtpView = this.toPbx.rewrite({
      payloadType: pbxPt,
      marker: packet.header.marker,
      sequenceNumber: packet.header.sequenceNumber,
      timestamp: packet.header.timestamp,
      ssrc: packet.header.ssrc,
      payload: packet.payload,
    });
    let wire: Buffer;
    if (this.srtp) {
      const header = new RtpHeader({
        payloadType: view.payloadType,
        marker: view.marker,
        sequenceNumber: view.sequenceNumber,
        timestamp: view.timestamp,
        ssrc: view.ssrc,
      });
      wire = this.srtp.session.encrypt(Buffer.from(view.payload), header);
    } else {
      wire = serializeRtp(view);
    }
    sockets.rtp.send(wire, target.port, target.address, (err) => {
      if (err && !this.sendFailing) {
        this.sendFailing = true;
        this.log('warn', `cannot send audio to ${target.address}:${target.port}: ${err.message}`);
      } else if (!err && this.sendFailing) {
        this.sendFailing = false;
        this.log('info', `sending audio to ${target.address}:${target.port} again`);
      }
    });
  }

  // ---- renderer leg -------------------------------------------------------------------------------------------

  /** Negotiates the renderer leg if there is none yet or what it carries changed (codec, telephone-event). */
  private async rendererLegFor(codec: NegotiatedCodec): Promise<void> {
    const key = legKey(codec);
    if (this.leg && this.legKey === key) {
      await this.negotiation;
      return;
    }
    await this.queueRendererLeg();
  }

  /** Serialises renegotiations (an attach can arrive while an answer is being negotiated). */
  private queueRendererLeg(): Promise<void> {
    const next = this.negotiation.catch(() => undefined).then(() => this.negotiateRendererLeg());
    this.negotiation = next;
    return next;
  }

  private async negotiateRendererLeg(): Promise<void> {
    const codec = this.codec;
    if (this.closed || !codec) return;
    this.closeLeg();
    const generation = ++this.generation;
    const audioPt = RENDERER_PT[codec.name];
    const tePt = codec.clockRate === 48000 ? RENDERER_TE_PT_48K : RENDERER_TE_PT_8K;
    const codecs = [
      new RTCRtpCodecParameters({
        mimeType: `audio/${codec.name}`,
        clockRate: codec.clockRate,
        payloadType: audioPt,
        channels: codec.channels,
        ...(codec.name === 'opus' ? { parameters: codec.fmtp ?? 'minptime=10;useinbandfec=1' } : {}),
      }),
      ...(codec.telephoneEvent
        ? [new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: codec.clockRate, payloadType: tePt, parameters: '0-16' })]
        : []),
    ];
    // Loopback only: no STUN/TURN, one host candidate on 127.0.0.1 (the renderer is on the same machine).
    const pc = new RTCPeerConnection({
      codecs: { audio: codecs },
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceUseTcp: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
    });
    const track = new MediaStreamTrack({ kind: 'audio' });
    const transceiver = pc.addTransceiver(track, { direction: 'sendrecv' });
    transceiver.onTrack.subscribe((remoteTrack) => {
      remoteTrack.onReceiveRtp.subscribe((packet) => this.fromRenderer(packet, generation));
    });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await iceGatheringComplete(pc);
      const offer = pc.localDescription?.sdp;
      if (!offer) throw new Error('werift produced no offer');
      if (this.closed || generation !== this.generation) throw new Error('superseded');
      const answer = await withTimeout(
        this.renderer.createAnswer(this.callId, offer),
        this.options.rendererTimeoutMs ?? 10_000,
        'renderer did not answer the renderer-leg offer',
      );
      if (this.closed || generation !== this.generation) throw new Error('superseded');
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      const parsed = parseSdp(answer, { webrtc: true });
      const kept = (pt: number): boolean => parsed.audio.payloadTypes.includes(pt);
      if (!kept(audioPt)) throw new SdpError('no-common-codec', `renderer rejected ${codec.name}`);
      this.leg = {
        generation,
        pc,
        track,
        transceiver,
        audioPt,
        ...(codec.telephoneEvent && kept(tePt) ? { telephoneEventPt: tePt } : {}),
      };
      this.legKey = legKey(codec);
      this.log('debug', `renderer leg #${generation} negotiated (${codec.name})`);
    } catch (e) {
      pc.close().catch(() => undefined);
      if (e instanceof Error && e.message === 'superseded') return;
      throw e;
    }
  }

  private closeLeg(): void {
    const leg = this.leg;
    this.leg = undefined;
    if (leg) leg.pc.close().catch(() => undefined);
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new Error('media session closed');
  }

  private log(level: 'debug' | 'info' | 'warn', message: string): void {
    this.options.logger?.[level](`[rtp-bridge ${this.callId}] ${message}`);
  }
}

/** 0.0.0.0 / :: in a c= line: hold (RFC 2543), no address to route to. */
function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** Same IP, allowing for IPv4-mapped IPv6 (::ffff:a.b.c.d) as a dual-stack socket reports it. */
function sameAddress(a: string, b: string): boolean {
  const norm = (x: string): string => x.replace(/^::ffff:/i, '').toLowerCase();
  return norm(a) === norm(b);
}

function legKey(codec: NegotiatedCodec): string {
  return `${codec.name}/${codec.telephoneEvent ? 'te' : '-'}`;
}

function codecLines(codec: NegotiatedCodec): SdpCodecLine[] {
  const lines: SdpCodecLine[] = [
    {
      pt: codec.pt,
      name: codec.name,
      clockRate: codec.clockRate,
      ...(codec.channels > 1 ? { channels: codec.channels } : {}),
      ...(codec.fmtp !== undefined ? { fmtp: codec.fmtp } : {}),
    },
  ];
  const te = codec.telephoneEvent;
  if (te) lines.push({ pt: te.pt, name: 'telephone-event', clockRate: te.clockRate, fmtp: te.fmtp ?? '0-16' });
  return lines;
}

function freshKeys(profile: SdesKeys['profile']): SdesKeys {
  const saltLen = profile === 'AEAD_AES_128_GCM' ? 12 : 14;
  return { profile, masterKey: randomBytes(16), masterSalt: randomBytes(saltLen) };
}

function srtpSession(local: SdesKeys, remote: SdesKeys): SrtpSession {
  return new SrtpSession({
    keys: {
      localMasterKey: local.masterKey,
      localMasterSalt: local.masterSalt,
      remoteMasterKey: remote.masterKey,
      remoteMasterSalt: remote.masterSalt,
    },
    profile: local.profile === 'AEAD_AES_128_GCM' ? ProtectionProfileAeadAes128Gcm : ProtectionProfileAes128CmHmacSha1_80,
  });
}

function bindUdp(host: string, port: number): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const onError = (): void => {
      closeSocket(socket);
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      // A late ICMP/send error must not crash main.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

function closeSocket(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

function iceGatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') {
        unSubscribe();
        resolve();
      }
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
