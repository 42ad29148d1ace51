#!/usr/bin/env python3
"""Userspace L2 delay line (there is no netem in these kernels): forwards Ethernet frames between two interfaces,
each frame after MEAN +/- SPREAD ms (uniform per frame, so frames reorder like real jitter).

usage (inside rc-wan, as root, with both interfaces removed from the bridge and in promiscuous mode):
    python3 delayline.py IF_A IF_B MEAN_MS SPREAD_MS
Frames the kernel reports as PACKET_OUTGOING (our own transmissions) are ignored. stdlib only.
"""
import heapq, os, random, select, signal, socket, sys, time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

def main():
    if_a, if_b = sys.argv[1], sys.argv[2]
    mean = float(sys.argv[3]) / 1000.0
    spread = float(sys.argv[4]) / 1000.0 if len(sys.argv) > 4 else 0.0
    socks = {}
    for name in (if_a, if_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.bind((name, 0))
        s.setblocking(False)
        socks[name] = s
    other = {socks[if_a].fileno(): socks[if_b], socks[if_b].fileno(): socks[if_a]}
    by_fd = {s.fileno(): s for s in socks.values()}
    queue = []  # (due, seq, out_socket, frame)
    seq = 0
    fwd = drop = 0
    running = True

    def stop(*_):
        nonlocal running
        running = False
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"delayline {if_a}<->{if_b} {mean*1000:.0f}+/-{spread*1000:.0f} ms pid {os.getpid()}", flush=True)
    poller = select.epoll()
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    while running:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            try:
                out.send(frame)
                fwd += 1
            except OSError:
                drop += 1
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
        try:
            events = poller.poll(timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd, _ in events:
            s = by_fd[fd]
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                except OSError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                d = mean + random.uniform(-spread, spread) if spread > 0 else mean
                seq += 1
                heapq.heappush(queue, (now + max(0.0, d), seq, other[fd], frame))
    print(f"delayline stopped: {fwd} forwarded, {drop} send errors", flush=True)

if __name__ == "__main__":
    main()
