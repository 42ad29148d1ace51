/**
 * Self-test of the Asterisk test bed (tests/testbed/asterisk): real Asterisk on 127.0.0.1, real SIP peers (sipp),
 * observed through AMI. If Asterisk is not running every test fails with the command that starts it.
 */
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { connectTestbedAmi, type AmiClient, type AmiMessage } from '../testbed/asterisk/ami';
import { SipWsClient } from '../testbed/asterisk/sip-ws';
import { sipp } from '../testbed/asterisk/sipp';

// Debian's sip-tester ships this 8 s PCMA recording; play_pcap_audio sends it as RTP after the call is answered.
const PCMA_PCAP = '/usr/share/sip-tester/g711a.pcap';

jest.setTimeout(60_000);

let ami: AmiClient;

beforeAll(async () => {
  ami = await connectTestbedAmi();
});

afterAll(async () => {
  await ami?.close();
});

/** `CHANNEL(rtcp,all)` → `ssrc=…;rxcount=…;txcount=…` (Asterisk's RTP quality string) as numbers. */
function parseQuality(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of value.split(';')) {
    const [k, v] = pair.split('=');
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('Asterisk test bed on 127.0.0.1', () => {
  it('agent phone 2002 registers over UDP and AMI lists its contact', async () => {
    const run = await sipp('register.xml', '2002', { extra: ['-key', 'expires', '60'] });
    expect(run).toMatchObject({ code: 0 });

    const uri = `sip:2002@127.0.0.1:${run.sipPort}`;
    // AMI names a contact "<aor>;@<hash>".
    const isMine = (c: AmiMessage): boolean => c.ObjectName?.startsWith('2002;@') === true && c.Uri === uri;
    const contacts = await ami.list({ Action: 'PJSIPShowContacts' });
    expect(contacts.find(isMine)).toMatchObject({ Endpoint: '2002', UserAgent: 'sipp-register' });

    // Leave the AOR as we found it (RFC 3261 §10.2.2: Expires 0 for the same Contact removes the binding), so
    // later calls to 2002 do not ring a sipp that has exited.
    const removal = await sipp('register.xml', '2002', { extra: ['-key', 'expires', '0'], sipPort: run.sipPort });
    expect(removal).toMatchObject({ code: 0 });
    const after = await ami.list({ Action: 'PJSIPShowContacts' });
    expect(after.some(isMine)).toBe(false);
  });

  it('a call to 9999 is answered by Echo, AMI reports the channel, and the audio sent comes back', async () => {
    const newChannel = ami.waitForEvent((e) => e.Event === 'Newchannel' && e.CallerIDNum === '2004');
    const pcap = `<nop><action><exec play_pcap_audio="${PCMA_PCAP}"/></action></nop>`;
    const call = sipp('uac.xml', '2004', { service: '9999', subst: { HOLD: 6000, PCAP: pcap } });
    const channel = (await newChannel).Channel ?? '';
    expect(channel).toMatch(/^PJSIP\/2004-/);

    // AMI's channel list shows the caller sitting in the Echo application of extension 9999.
    const listed = await until(async () => {
      const channels = await ami.list({ Action: 'CoreShowChannels' });
      return channels.find((c) => c.Channel === channel && c.Application === 'Echo');
    }, 'the 9999 channel to reach Echo()');
    expect(listed).toMatchObject({ Exten: '9999', CallerIDNum: '2004' });

    // Echo writes back every frame it reads: Asterisk both receives and sends RTP on this channel.
    const quality = await until(async () => {
      const r = await ami.action({ Action: 'Getvar', Channel: channel, Variable: 'CHANNEL(rtcp,all)' });
      const q = parseQuality(r.Value ?? '');
      return (q.rxcount ?? 0) >= 50 && (q.txcount ?? 0) >= 50 ? q : undefined;
    }, 'RTP to flow both ways through Echo');
    expect(quality.txcount).toBeGreaterThan(0);

    const hangup = ami.waitForEvent((e) => e.Event === 'Hangup' && e.Channel === channel);
    const run = await call;
    expect(run).toMatchObject({ code: 0 });
    expect((await hangup).Channel).toBe(channel);
  });

  it('dialing 700 parks the caller in a slot 701-720, and AMI ParkedCalls lists it', async () => {
    const parked = ami.waitForEvent((e) => e.Event === 'ParkedCall' && e.ParkeeCallerIDNum === '2003');
    const call = sipp('uac.xml', '2003', { service: '700', subst: { HOLD: 5000, PCAP: '' } });
    const event = await parked;
    const space = Number(event.ParkingSpace);
    expect(space).toBeGreaterThanOrEqual(701);
    expect(space).toBeLessThanOrEqual(720);
    expect(event.Parkinglot).toBe('default');

    const lot = await ami.list({ Action: 'ParkedCalls' });
    expect(lot.find((p: AmiMessage) => p.ParkeeChannel === event.ParkeeChannel)).toMatchObject({
      ParkingSpace: String(space),
    });

    // The caller hangs up while parked: Asterisk reports it as given up and frees the slot.
    const gaveUp = ami.waitForEvent((e) => e.Event === 'ParkedCallGiveUp' && e.ParkeeChannel === event.ParkeeChannel);
    expect(await call).toMatchObject({ code: 0 });
    expect((await gaveUp).ParkingSpace).toBe(String(space));
  });

  it('the receptionist picks up a call ringing on 2003 by dialing **2003 (directed pickup)', async () => {
    const registered = await sipp('register.xml', '2003', { extra: ['-key', 'expires', '60'] });
    expect(registered).toMatchObject({ code: 0 });
    const phone = registered.sipPort;
    try {
      // 2003 rings (180) and never answers; the pickup makes Asterisk CANCEL it.
      const ringing = sipp('uas_ring.xml', '2003', { sipPort: phone });
      const dialState = ami.waitForEvent(
        (e) => e.Event === 'DialState' && e.DialStatus === 'RINGING' && e.DestChannel?.startsWith('PJSIP/2003-') === true,
      );
      const caller = sipp('uac.xml', '2005', { service: '2003', subst: { HOLD: 20000, PCAP: '' } });
      const ringEvent = await dialState;

      const pickup = ami.waitForEvent((e) => e.Event === 'Pickup' && e.Channel?.startsWith('PJSIP/2004-') === true);
      const picker = sipp('uac.xml', '2004', { service: '**2003', subst: { HOLD: 3000, PCAP: '' } });
      // The target is the ringing leg to 2003, whose connected line is the caller 2005.
      expect(await pickup).toMatchObject({ TargetChannel: ringEvent.DestChannel, TargetConnectedLineNum: '2005' });

      // The picker hangs up after 3 s; Asterisk then sends BYE to the caller, and the ringing phone got CANCEL.
      expect(await picker).toMatchObject({ code: 0 });
      expect(await caller).toMatchObject({ code: 0 });
      expect(await ringing).toMatchObject({ code: 0 });
    } finally {
      await sipp('register.xml', '2003', { extra: ['-key', 'expires', '0'], sipPort: phone });
    }
  });

  it('has the features the console needs in the dialplan: pickup, park, conference, queue, voicemail', async () => {
    const internal = await ami.list({ Action: 'ShowDialPlan', Context: 'internal' });
    const extensions = new Set(internal.map((e) => e.Extension));
    for (const exten of ['9999', '800', '600', '*97', '**2001', '_**200[2-5]', '2001', '2011']) {
      expect([exten, extensions.has(exten)]).toEqual([exten, true]);
    }
    const parking = await ami.list({ Action: 'ShowDialPlan', Context: 'parkedcalls' });
    expect(parking.map((e) => e.Extension)).toEqual(expect.arrayContaining(['700', '701', '720']));

    const queue = await ami.list({ Action: 'QueueStatus', Queue: 'support' });
    const members = queue.filter((e) => e.Event === 'QueueMember').map((e) => e.Name);
    expect(members.sort()).toEqual(['Agent 2002', 'Agent 2003']);

    // 2011 is the receptionist's WebRTC identity: DTLS-SRTP + ICE over the WebSocket transport.
    const ws = await ami.list({ Action: 'PJSIPShowEndpoint', Endpoint: '2011' });
    expect(ws.find((e) => e.Event === 'EndpointDetail')).toMatchObject({
      Webrtc: 'yes',
      MediaEncryption: 'dtls',
      IceSupport: 'true',
      Callerid: '"Reception" <2001>',
    });
  });

  it('receptionist 2011 registers over WebSocket (ws://127.0.0.1:8088/ws) and unregisters', async () => {
    const ua = await SipWsClient.connect({ user: '2011' });
    try {
      expect(await ua.register(60)).toBe(200);
      // rewrite_contact=yes replaces our .invalid host with the connection's address; the Call-ID is ours alone.
      const isMine = (c: AmiMessage): boolean => c.ObjectName?.startsWith('2011;@') === true && c.CallId === ua.callId;
      const contacts = await ami.list({ Action: 'PJSIPShowContacts' });
      expect(contacts.find(isMine)).toMatchObject({ Endpoint: '2011', UserAgent: 'rc-testbed-ws' });
      expect(contacts.find(isMine)?.Uri).toMatch(/;transport=ws/i);
      expect(await ua.register(0)).toBe(200);
      const after = await ami.list({ Action: 'PJSIPShowContacts' });
      expect(after.some(isMine)).toBe(false);
    } finally {
      ua.close();
    }
  });

  it('a WebRTC call from 2011 to 9999 sets up ICE + DTLS-SRTP and the echo returns our own audio', async () => {
    const pc = new RTCPeerConnection({
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })],
      },
      iceUseIpv6: false,
      // Only loopback may be a network target here; werift leaves loopback out of host candidates by default.
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceAdditionalHostAddresses: ['127.0.0.1'],
    });
    const track = new MediaStreamTrack({ kind: 'audio' });
    const transceiver = pc.addTransceiver(track, { direction: 'sendrecv' });
    const echoed: Buffer[] = [];
    transceiver.onTrack.subscribe((remote) => remote.onReceiveRtp.subscribe((rtp) => echoed.push(rtp.payload)));
    const ua = await SipWsClient.connect({ user: '2011' });
    let sender: NodeJS.Timeout | undefined;
    try {
      const gathered = pc.iceGatheringStateChange.watch((state) => state === 'complete');
      await pc.setLocalDescription(await pc.createOffer());
      await gathered;
      // Keep only loopback candidates (the host's other addresses are not test targets).
      const offer = (pc.localDescription?.sdp ?? '')
        .split('\r\n')
        .filter((l) => !l.startsWith('a=candidate:') || / 127\.0\.0\.1 /.test(l))
        .join('\r\n');
      expect(await ua.register(60)).toBe(200);

      const call = await ua.invite('9999', offer);
      expect(call.sdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0/m); // RFC 5764 DTLS-SRTP profile
      expect(call.sdp).toMatch(/^a=fingerprint:sha-256 /im);
      expect(call.sdp).toMatch(/^a=candidate:.* 127\.0\.0\.1 /m);
      expect(call.sdp).not.toMatch(/^a=candidate:(?!.* 127\.0\.0\.1 )/m);
      await pc.setRemoteDescription({ type: 'answer', sdp: call.sdp });
      await pc.connectionStateChange.watch((state) => state === 'connected', 10_000);

      // 20 ms PCMU frames; each payload starts with its sequence number so echoed frames can be recognised.
      const sent = new Set<string>();
      let seq = 0;
      sender = setInterval(() => {
        const payload = Buffer.alloc(160, 0x7f);
        payload.writeUInt16BE(seq, 0);
        sent.add(payload.toString('hex'));
        track.writeRtp(
          new RtpPacket(new RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160 }), payload),
        );
        seq = (seq + 1) & 0xffff;
      }, 20);
      await until(async () => (echoed.length >= 50 ? true : undefined), '50 echoed RTP packets');
      const ours = echoed.filter((p) => sent.has(p.toString('hex')));
      expect(ours.length).toBeGreaterThanOrEqual(25);

      expect(await call.bye()).toBe(200);
    } finally {
      clearInterval(sender);
      await ua.register(0).catch(() => undefined);
      ua.close();
      await pc.close();
    }
  });
});

