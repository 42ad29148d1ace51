#!/bin/bash
# Remote test bed network: namespaces, veths, bridge, and link impairments. Run as root. Idempotent.
#
#   root ns: rcb0 198.18.0.1/24 ──veth── rc-wan: rcb1 ─br0─ rcw0 ──veth── rc-pbx: rcw1 198.18.0.2,.3,.4,.9 /24
#
# usage: net.sh up|down                 create / delete namespaces and veths (down also stops the delay line)
#        net.sh cut|restore             link down/up in the MIDDLE (rc-wan's rcw0): the console's rcb0 stays up
#        net.sh loss P                  random drop with probability P (0..1) both ways in rc-pbx; "loss 0" clears
#        net.sh rtp-block|rtp-unblock   drop only RTP (rtpengine's UDP range) between console and PBX
#        net.sh jitter MEAN_MS SPREAD_MS | jitter off   userspace L2 delay line in rc-wan (replaces br0)
#        net.sh off                     clear every impairment (restore + loss 0 + rtp-unblock + jitter off)
#        net.sh status                  one line per impairment
set -e
R=$(cd "$(dirname "$0")" && pwd); RUN=$R/run; LOGS=$R/logs
source "$R/../pidfile.sh"
HOST=198.18.0.1; RTP_RANGE=32000:32199   # keep in sync with start.sh (rtpengine --port-min/--port-max)
mkdir -p $RUN $LOGS
W="ip -n rc-wan"; P="ip -n rc-pbx"
ipt() { ip netns exec rc-pbx iptables -w "$@"; }
have_ns() { ip netns list | grep -qw "^$1"; }
delay_alive() { pidfile_alive $RUN/delayline.pid; }
nooffload() {  # the delay line copies raw frames: they must be complete (no GSO super-frames, real checksums)
  for a in "$@"; do ethtool -K $a tx off rx off tso off gso off gro off >/dev/null 2>&1 || true; done
}

up() {
  have_ns rc-wan || ip netns add rc-wan
  have_ns rc-pbx || ip netns add rc-pbx
  $W link set lo up; $P link set lo up
  if ! ip link show rcb0 >/dev/null 2>&1; then
    ip link add rcb0 type veth peer name rcb1 netns rc-wan
  fi
  if ! $W link show rcw0 >/dev/null 2>&1; then
    $W link add rcw0 type veth peer name rcw1 netns rc-pbx
  fi
  $W link show br0 >/dev/null 2>&1 || $W link add br0 type bridge
  $W link set br0 type bridge stp_state 0 forward_delay 0 2>/dev/null || true
  ip addr show dev rcb0 | grep -q "$HOST/24" || ip addr add $HOST/24 dev rcb0
  for a in 198.18.0.2 198.18.0.3 198.18.0.4 198.18.0.9; do   # .4: the remote Asterisk (asterisk.sh)
    $P addr show dev rcw1 | grep -q " $a/24" || $P addr add $a/24 dev rcw1
  done
  nooffload rcb0
  ip netns exec rc-wan bash -c 'for a in rcb1 rcw0; do ethtool -K $a tx off rx off tso off gso off gro off >/dev/null 2>&1 || true; done'
  ip netns exec rc-pbx ethtool -K rcw1 tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  delay_alive || { $W link set rcb1 master br0; $W link set rcw0 master br0; }
  ip link set rcb0 up; $W link set rcb1 up; $W link set rcw0 up; $W link set br0 up; $P link set rcw1 up
  # chains for the impairments (flushed by loss/rtp-* commands)
  for c in RCLOSS RCRTP; do
    ipt -nL $c >/dev/null 2>&1 || ipt -N $c
    for h in INPUT OUTPUT; do ipt -C $h -j $c 2>/dev/null || ipt -A $h -j $c; done
  done
}

down() {
  jitter_off quiet
  ip link del rcb0 2>/dev/null || true
  have_ns rc-wan && ip netns del rc-wan
  have_ns rc-pbx && ip netns del rc-pbx
  true
}

jitter_off() {
  if delay_alive; then
    kill "$(cat $RUN/delayline.pid)"; sleep 0.2
    kill -0 "$(cat $RUN/delayline.pid)" 2>/dev/null && kill -9 "$(cat $RUN/delayline.pid)"
  fi
  rm -f $RUN/delayline.pid
  if [ "$1" != quiet ] || have_ns rc-wan; then
    $W link set rcb1 master br0 2>/dev/null || true
    $W link set rcw0 master br0 2>/dev/null || true
  fi
}

jitter_on() {
  jitter_off
  $W link set rcb1 nomaster; $W link set rcw0 nomaster
  $W link set rcb1 promisc on; $W link set rcw0 promisc on
  ip netns exec rc-wan python3 $R/delayline.py rcb1 rcw0 "$1" "$2" >> $LOGS/delayline.log 2>&1 &
  echo $! > $RUN/delayline.pid
  sleep 0.3
  delay_alive || { echo "delay line did not start (see $LOGS/delayline.log)"; jitter_off; exit 1; }
}

status() {
  if ! have_ns rc-pbx; then echo "namespaces: absent"; return; fi
  echo "link: $($W link show rcw0 | head -1 | grep -q '[<,]UP[,>]' && echo up || echo cut)"
  echo "loss: $(ipt -S RCLOSS | sed -n 's/.*--probability \([0-9.]*\).*/\1/p' | head -1 | grep . || echo 0)"
  echo "rtp: $(ipt -S RCRTP | grep -q DROP && echo blocked || echo open)"
  echo "jitter: $(delay_alive && cat $RUN/delayline.args 2>/dev/null || echo off)"
}

case "$1" in
  up) up ;;
  down) down ;;
  cut) $W link set rcw0 down ;;
  restore) $W link set rcw0 up ;;
  loss)
    p=${2:?usage: net.sh loss P}
    ipt -F RCLOSS
    if [ "$(python3 -c "print(1 if float('$p') > 0 else 0)")" = 1 ]; then
      ipt -A RCLOSS -s $HOST -m statistic --mode random --probability "$p" -j DROP
      ipt -A RCLOSS -d $HOST -m statistic --mode random --probability "$p" -j DROP
    fi ;;
  rtp-block)
    ipt -F RCRTP
    ipt -A RCRTP -s $HOST -p udp --dport $RTP_RANGE -j DROP
    ipt -A RCRTP -d $HOST -p udp --sport $RTP_RANGE -j DROP ;;
  rtp-unblock) ipt -F RCRTP ;;
  jitter)
    if [ "$2" = off ]; then jitter_off; rm -f $RUN/delayline.args
    else jitter_on "${2:?usage: net.sh jitter MEAN_MS SPREAD_MS}" "${3:-0}"; echo "${2}ms +/- ${3:-0}ms" > $RUN/delayline.args; fi ;;
  off)
    $W link set rcw0 up; ipt -F RCLOSS; ipt -F RCRTP; jitter_off; rm -f $RUN/delayline.args ;;
  status) status ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
