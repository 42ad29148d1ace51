#!/usr/bin/env python3
"""Send PCMU RTP (payload type 0, 20 ms / 160-sample packets, random SSRC/seq/timestamp) of a sine tone.
Used to inject FOREIGN media from the remote bed's "third host" (run inside rc-pbx so 198.18.0.9 exists):
    ip netns exec rc-pbx python3 inject_rtp.py --to 198.18.0.1:40002 --from 198.18.0.9 --freq 1500 --seconds 3
--from-port 0 = any port. --ssrc to fix the SSRC (default random). --pt to change the payload type number.
Prints one line with the SSRC and packet count at the end. stdlib only. SIGTERM stops it early."""
import argparse, math, os, random, signal, socket, struct, sys, time

def ulaw(sample):  # G.711 mu-law, 16-bit linear in
    BIAS, CLIP = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, CLIP) + BIAS
    exp, mask = 7, 0x4000
    while exp > 0 and not (sample & mask):
        exp -= 1
        mask >>= 1
    mant = (sample >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True, help="ADDR:PORT")
    ap.add_argument("--from", dest="src", default="198.18.0.9")
    ap.add_argument("--from-port", type=int, default=0)
    ap.add_argument("--freq", type=float, default=1000.0)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--ssrc", type=lambda v: int(v, 0), default=None)
    ap.add_argument("--pt", type=int, default=0)
    ap.add_argument("--amplitude", type=float, default=0.5)
    a = ap.parse_args()
    host, port = a.to.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.src, a.from_port))
    ssrc = a.ssrc if a.ssrc is not None else random.getrandbits(32)
    seq, ts = random.getrandbits(16), random.getrandbits(32)
    stop = False
    def on_term(*_):
        nonlocal stop
        stop = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    n_packets = int(a.seconds * 50)
    amp = 32767 * a.amplitude
    t0 = time.monotonic()
    sent = 0
    phase_n = 0
    for i in range(n_packets):
        if stop:
            break
        payload = bytes(ulaw(int(amp * math.sin(2 * math.pi * a.freq * (phase_n + k) / 8000))) for k in range(160))
        phase_n += 160
        marker = 0x80 if i == 0 else 0
        hdr = struct.pack("!BBHII", 0x80, marker | (a.pt & 0x7F), seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
        try:
            s.sendto(hdr + payload, (host, int(port)))
            sent += 1
        except OSError:
            pass
        seq += 1
        ts += 160
        delay = t0 + (i + 1) * 0.02 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(f"inject_rtp: ssrc=0x{ssrc:08x} sent={sent} from {a.src}:{s.getsockname()[1]} to {a.to}", flush=True)

if __name__ == "__main__":
    main()
