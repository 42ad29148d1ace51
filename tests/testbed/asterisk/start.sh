#!/bin/bash
# Start the Asterisk test bed: Debian sid chroot (Asterisk is packaged only in sid), bound to 127.0.0.1.
# Ports: SIP/UDP 5070, HTTP + SIP-over-WebSocket 8088 (/ws), AMI 5038 (console/secret), RTP 20000-20199.
# Usage: tests/testbed/asterisk/start.sh   (root; any cwd; idempotent: a second call finds the running Asterisk)
# Env:   ASTERISK_MIRROR   Debian mirror for debootstrap (default http://deb.debian.org/debian);
#        ASTERISK_SNAPSHOT pin sid to a snapshot.debian.org date, e.g. 20261120T000000Z (overrides the mirror);
#        ASTERISK_REBUILD=1 ignore the cached tarball and debootstrap again.
set -euo pipefail
BED=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$BED/root
CACHE=$(dirname "$BED")/cache
TARBALL=$CACHE/asterisk-sid-$(dpkg --print-architecture 2>/dev/null || uname -m).tar.zst
LOGS=$BED/logs
PIDFILE=$BED/asterisk.pid
MIRROR=${ASTERISK_MIRROR:-${MIRROR:-http://deb.debian.org/debian}}
[ -n "${ASTERISK_SNAPSHOT:-}" ] && MIRROR=http://snapshot.debian.org/archive/debian/$ASTERISK_SNAPSHOT
ATTEMPTS=3
mkdir -p "$LOGS" "$CACHE"
[ "$(id -u)" = 0 ] || { echo "start.sh: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
ts() { date +%s.%N; }
since() { awk "BEGIN{printf \"%.1f\", $(ts)-$1}"; }
ast() { chroot "$ROOT" /usr/sbin/asterisk -rx "$1"; }

# One start at a time: two concurrent callers would both debootstrap or both launch Asterisk.
exec 9>"$BED/.start.lock"
flock 9

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && ast 'core show uptime' >/dev/null 2>&1
}
if [ -x "$ROOT/usr/sbin/asterisk" ] && [ "${ASTERISK_REBUILD:-0}" != 1 ] && running; then
  echo "asterisk already running, pid $(cat "$PIDFILE")"; exit 0
fi

build_chroot() {
  command -v debootstrap >/dev/null ||
    apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends debootstrap >"$LOGS/apt-debootstrap.log" 2>&1
  local tmp=$ROOT.building n delay=5
  for n in $(seq 1 $ATTEMPTS); do
    rm -rf "$tmp"
    local t0; t0=$(ts)
    # minbase + Depends of asterisk (debootstrap never installs Recommends) + MOH files for queue/park/ConfBridge.
    if debootstrap --variant=minbase --include=asterisk,asterisk-moh-opsound-gsm \
         sid "$tmp" "$MIRROR" >"$LOGS/debootstrap.$n.log" 2>&1 && [ -x "$tmp/usr/sbin/asterisk" ]; then
      echo "debootstrap: attempt $n ok in $(since "$t0") s ($MIRROR)" | tee "$LOGS/build-time.txt"
      rm -rf "$ROOT"; mv "$tmp" "$ROOT"
      return 0
    fi
    echo "debootstrap: attempt $n/$ATTEMPTS failed after $(since "$t0") s; last lines of $LOGS/debootstrap.$n.log:" >&2
    tail -5 "$LOGS/debootstrap.$n.log" >&2 || true
    # debootstrap keeps its own log inside the target; it names the package or URL that failed.
    [ -f "$tmp/debootstrap/debootstrap.log" ] && tail -5 "$tmp/debootstrap/debootstrap.log" >&2
    [ "$n" -lt $ATTEMPTS ] && { sleep $delay; delay=$((delay * 3)); }
  done
  rm -rf "$tmp"
  echo "start.sh: debootstrap of sid from $MIRROR failed $ATTEMPTS times (set ASTERISK_MIRROR or ASTERISK_SNAPSHOT)" >&2
  return 1
}

REBUILD=${ASTERISK_REBUILD:-0}
if [ "$REBUILD" = 1 ] && [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "start.sh: ASTERISK_REBUILD=1 but Asterisk is running; run stop.sh first" >&2; exit 1
fi
if [ ! -x "$ROOT/usr/sbin/asterisk" ] && [ -f "$TARBALL" ] && [ "$REBUILD" != 1 ]; then
  t0=$(ts)
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  if tar -C "$ROOT" --numeric-owner -xpf "$TARBALL" -I zstd && [ -x "$ROOT/usr/sbin/asterisk" ]; then
    echo "chroot: extracted cached $TARBALL in $(since "$t0") s"
  else
    echo "chroot: cached tarball $TARBALL is unusable, removing it and rebuilding" >&2
    rm -f "$TARBALL"; rm -rf "$ROOT"
  fi
fi
if [ ! -x "$ROOT/usr/sbin/asterisk" ] || [ "$REBUILD" = 1 ]; then
  # Builds next to the old chroot and swaps only on success: a failed rebuild keeps the working one.
  build_chroot
  t1=$(ts)
  # Cache the pristine chroot (before our conf goes in): sid changes daily, and this saves the download.
  tar -C "$ROOT" --numeric-owner -cpf "$TARBALL.tmp" -I 'zstd -T0 -3' --exclude=./proc/* --exclude=./debootstrap . &&
    mv "$TARBALL.tmp" "$TARBALL"
  echo "chroot: cached as $TARBALL ($(du -h "$TARBALL" | cut -f1)) in $(since "$t1") s"
fi
[ -x "$ROOT/usr/sbin/asterisk" ] || { echo "start.sh: $ROOT/usr/sbin/asterisk missing" >&2; exit 1; }

# Our configuration; Debian's samples stay in /etc/asterisk.dist for reference.
[ -d "$ROOT/etc/asterisk.dist" ] || mv "$ROOT/etc/asterisk" "$ROOT/etc/asterisk.dist"
rm -rf "$ROOT/etc/asterisk"
mkdir -p "$ROOT/etc/asterisk" "$ROOT/run/asterisk" "$ROOT/var/lib/asterisk/keys"
cp "$BED"/conf/*.conf "$ROOT/etc/asterisk/"
# ICE candidates: see conf/rtp.conf. The address is per machine, hence generated here.
HOST_IP=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
# Without a global address Asterisk offers no ICE candidate at all and WebRTC calls to 2011 fail (see README).
if [ -n "$HOST_IP" ]; then
  printf 'ice_deny = 0.0.0.0/0\nice_permit = 127.0.0.1/32\n\n[ice_host_candidates]\n%s => 127.0.0.1\n' \
    "$HOST_IP" >>"$ROOT/etc/asterisk/rtp.conf"
fi
# Every SIP/RTP target here is an IP literal: keep the host's nameservers out of the chroot, so nothing Asterisk
# might look up leaves the machine (glibc then defaults to 127.0.0.1).
: >"$ROOT/etc/resolv.conf"

# DTLS certificate for WebRTC (RFC 5763 fingerprints; self-signed is what WebRTC expects). New per chroot.
KEY=$ROOT/var/lib/asterisk/keys/dtls.key CRT=$ROOT/var/lib/asterisk/keys/dtls.crt
if [ ! -s "$KEY" ] || [ ! -s "$CRT" ]; then
  OPENSSL=$(command -v openssl || true)
  if [ -n "$OPENSSL" ]; then
    "$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj /CN=asterisk-testbed -keyout "$KEY" -out "$CRT" >"$LOGS/openssl.log" 2>&1
  else
    chroot "$ROOT" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj /CN=asterisk-testbed -keyout /var/lib/asterisk/keys/dtls.key \
      -out /var/lib/asterisk/keys/dtls.crt >"$LOGS/openssl.log" 2>&1
  fi
fi

# A stale Asterisk (pidfile lost) would hold the ports; stop it through its control socket first.
if [ -S "$ROOT/run/asterisk/asterisk.ctl" ] && ast 'core show uptime' >/dev/null 2>&1; then
  echo "start.sh: found an Asterisk without a valid pidfile, stopping it" >&2
  ast 'core stop now' >/dev/null 2>&1 || true; sleep 1
fi
# No /proc mount: Asterisk runs without it, and a mounted /proc inside tests/testbed would be walked by tsc's
# "include" and jest's file crawler (its /proc/N/root links lead back to the host's /).
mountpoint -q "$ROOT/proc" && umount "$ROOT/proc"

t1=$(ts)
# chroot execs asterisk, so $! is Asterisk's PID; -f foreground (no daemon fork), no console. setsid: the
# caller's job control (CI step, jest) must not take Asterisk down with it; 9>&-: it must not hold our lock.
setsid chroot "$ROOT" /usr/sbin/asterisk -f -vvv </dev/null >"$LOGS/asterisk.out" 2>&1 9>&- &
echo $! >"$PIDFILE"
for _ in $(seq 1 120); do
  if ast 'core waitfullybooted' >/dev/null 2>&1; then
    echo "asterisk pid $(cat "$PIDFILE") fully booted in $(since "$t1") s" | tee "$LOGS/boot-time.txt"
    exit 0
  fi
  kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { echo "asterisk died:" >&2; tail -20 "$LOGS/asterisk.out" >&2; exit 1; }
  sleep 0.5
done
echo "asterisk did not boot in 60 s; see $LOGS/asterisk.out" >&2; exit 1
