#!/bin/bash
# The Asterisk bed (tests/testbed/asterisk/) a SECOND time, inside rc-pbx at 198.18.0.4: same chroot (Asterisk 22
# from Debian sid), same dialplan/endpoints (conf/ copied by astconf.py with every 127.0.0.1 -> 198.18.0.4), but its
# own etc/run/log/spool/db/cache directories inside the chroot (/etc/asterisk-rcpbx, /run/asterisk-rcpbx, ...), so
# its control socket, pid, astdb, voicemail and logs never meet the loopback instance's. Root only. Idempotent.
#   SIP udp+tcp 198.18.0.4:5060, HTTP + SIP over WebSocket ws://198.18.0.4:8088/ws, AMI 198.18.0.4:5038
#   (console/secret, from 198.18.0.0/24), RTP 21000-21199 (rtpengine has 32000-32199, the loopback Asterisk 20000-20199)
# usage: asterisk.sh start|stop|restart|status
#        asterisk.sh cli 'COMMAND'      e.g. asterisk.sh cli 'pjsip show contacts'
# PID in remote/run/asterisk.pid, stdout in remote/logs/asterisk.out, Asterisk's own log (full, messages) in
# tests/testbed/asterisk/root/var/log/asterisk-rcpbx/ (symlinked as remote/logs/asterisk).
set -e
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
ADDR=198.18.0.4; NAME=rcpbx; SIP_PORT=5060; RTP_RANGE=21000-21199; AMI_PERMIT=198.18.0.0/255.255.255.0
ABED=$TB/asterisk; ROOT=$ABED/root
TARBALL=$TB/cache/asterisk-sid-$(dpkg --print-architecture 2>/dev/null || uname -m).tar.zst
CONF=/etc/asterisk-$NAME/asterisk.conf
PIDFILE=$RUN/asterisk.pid
[ "$(id -u)" = 0 ] || { echo "asterisk.sh: needs root (chroot, netns)" >&2; exit 1; }
ast() { chroot "$ROOT" /usr/sbin/asterisk -C $CONF -rx "$1"; }
since() { python3 -c "import time; print('%.1f' % (time.time() - $1))"; }
# our Asterisk: the pid in our pidfile, chrooted to the bed's root, started with our config (PIDs get reused)
ours() {
  [ -f "$PIDFILE" ] || return 1
  local p; p=$(cat "$PIDFILE")
  kill -0 "$p" 2>/dev/null && [ "$(readlink "/proc/$p/root")" = "$ROOT" ] &&
    tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "-C $CONF"
}
running() { ours && ast 'core show uptime' >/dev/null 2>&1; }

ensure_net() {
  # the bed's network (net.sh up adds 198.18.0.4 too); on a bed started before that, add only the address
  if ! ip -n rc-pbx link show rcw1 >/dev/null 2>&1; then "$R/net.sh" up; fi
  ip -n rc-pbx addr show dev rcw1 | grep -q " $ADDR/24" || ip -n rc-pbx addr add $ADDR/24 dev rcw1
}

ensure_chroot() {
  [ -x "$ROOT/usr/sbin/asterisk" ] && return 0
  # Same lock as asterisk/start.sh: never extract while it builds or extracts the same chroot.
  exec 8>"$ABED/.start.lock"; flock 8
  if [ ! -x "$ROOT/usr/sbin/asterisk" ]; then
    [ -f "$TARBALL" ] || { echo "asterisk.sh: no chroot and no $TARBALL: run tests/testbed/asterisk/start.sh once (it builds both)" >&2; exit 1; }
    local t0; t0=$(date +%s.%N)
    rm -rf "$ROOT"; mkdir -p "$ROOT"
    tar -C "$ROOT" --numeric-owner -xpf "$TARBALL" -I zstd
    [ -x "$ROOT/usr/sbin/asterisk" ] || { echo "asterisk.sh: $TARBALL holds no asterisk" >&2; exit 1; }
    echo "chroot: extracted cached $TARBALL in $(since "$t0") s"
  fi
  flock -u 8; exec 8>&-
}

start() {
  exec 9>"$RUN/asterisk.lock"; flock 9       # one start at a time
  if running; then echo "remote asterisk already running, pid $(cat "$PIDFILE") on $ADDR"; ensure_net; return 0; fi
  local t0; t0=$(date +%s.%N)
  ensure_net
  ensure_chroot
  python3 "$R/astconf.py" "$ABED/conf" "$ROOT/etc/asterisk-$NAME.new" --addr $ADDR --name $NAME \
    --rtp $RTP_RANGE --sip-port $SIP_PORT --ami-permit $AMI_PERMIT
  rm -rf "$ROOT/etc/asterisk-$NAME"; mv "$ROOT/etc/asterisk-$NAME.new" "$ROOT/etc/asterisk-$NAME"
  local d
  for d in run/asterisk-$NAME var/log/asterisk-$NAME/cdr-csv var/log/asterisk-$NAME/cdr-custom \
           var/cache/asterisk-$NAME var/lib/asterisk-$NAME/keys var/lib/asterisk-$NAME/dtls; do mkdir -p "$ROOT/$d"; done
  for d in dictate meetme monitor outgoing system tmp voicemail; do mkdir -p "$ROOT/var/spool/asterisk-$NAME/$d"; done
  ln -sfn "$ROOT/var/log/asterisk-$NAME" "$LOGS/asterisk"
  # Every target is an IP literal; keep the host's nameservers out (what asterisk/start.sh does at every start too).
  : >"$ROOT/etc/resolv.conf"
  # Own DTLS certificate for WebRTC (2011), self-signed EC P-256 as in asterisk/start.sh. Not in keys/ (astkeydir):
  # res_crypto would try to load dtls.key as one of its keys and log an error.
  local K=$ROOT/var/lib/asterisk-$NAME/dtls
  if [ ! -s "$K/dtls.key" ] || [ ! -s "$K/dtls.crt" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj /CN=asterisk-remote-testbed -keyout "$K/dtls.key" -out "$K/dtls.crt" >"$LOGS/asterisk-openssl.log" 2>&1
  fi
  # Pidfile lost but ours still answers on its socket: stop it first (it holds the ports).
  if [ -S "$ROOT/run/asterisk-$NAME/asterisk.ctl" ] && ast 'core show uptime' >/dev/null 2>&1; then
    echo "asterisk.sh: found a remote Asterisk without a valid pidfile, stopping it" >&2
    ast 'core stop now' >/dev/null 2>&1 || true; sleep 1
  fi
  # `ip netns exec` and chroot both exec, so $! is Asterisk's PID; setsid: not tied to the caller's job control.
  setsid $NS chroot "$ROOT" /usr/sbin/asterisk -C $CONF -f -vvv </dev/null >"$LOGS/asterisk.out" 2>&1 9>&- &
  echo $! >"$PIDFILE"
  local i
  for i in $(seq 1 120); do
    if ast 'core waitfullybooted' >/dev/null 2>&1 && $NS ss -lun | grep -q " $ADDR:$SIP_PORT "; then
      printf 'remote asterisk pid %s up in %s s: SIP udp/tcp %s:%s, ws://%s:8088/ws, AMI %s:5038, RTP %s\n' \
        "$(cat "$PIDFILE")" "$(since "$t0")" $ADDR $SIP_PORT $ADDR $ADDR $RTP_RANGE
      return 0
    fi
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { echo "remote asterisk died:" >&2; tail -20 "$LOGS/asterisk.out" >&2; exit 1; }
    sleep 0.5
  done
  echo "remote asterisk did not boot in 60 s; see $LOGS/asterisk.out" >&2; exit 1
}

stop() {
  if ours; then
    local p; p=$(cat "$PIDFILE")
    ast 'core stop now' >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && { kill -TERM "$p"; sleep 2; }
    kill -0 "$p" 2>/dev/null && kill -KILL "$p"
  fi
  rm -f "$PIDFILE"
  echo "remote asterisk stopped"
}

case "$1" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if running; then echo "running, pid $(cat "$PIDFILE") on $ADDR"; else echo "stopped"; exit 3; fi ;;
  cli) running || { echo "remote asterisk is not running" >&2; exit 1; }; ast "${2:?usage: asterisk.sh cli COMMAND}" ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
