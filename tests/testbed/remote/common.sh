# Shared settings of the remote bed scripts (sourced). Addresses are RFC 2544 (198.18.0.0/15), created by net.sh.
R=$(cd "$(dirname "$0")" && pwd); TB=$(cd "$R/.." && pwd)
RUN=$R/run; LOGS=$R/logs; CERTS=$RUN/certs
HOST=198.18.0.1; PRIMARY=198.18.0.2; SECONDARY=198.18.0.3; THIRD=198.18.0.9
RTP_MIN=32000; RTP_MAX=32199            # rtpengine range (net.sh rtp-block uses it)
NS="ip netns exec rc-pbx"
mkdir -p $RUN $LOGS
source "$TB/pidfile.sh"
alive() { pidfile_alive "$RUN/$1.pid"; }
# wait until something listens on udp ADDR:PORT inside rc-pbx
wait_udp() { i=0; until $NS ss -lun | grep -q " $1 "; do i=$((i+1)); [ $i -gt 75 ] && { echo "$2 did not start (see $LOGS/$2.log)" >&2; return 1; }; sleep 0.2; done; }
kaddr() { [ "$1" = secondary ] && echo $SECONDARY || echo $PRIMARY; }
kother() { [ "$1" = secondary ] && echo $PRIMARY || echo $SECONDARY; }
kcmd() { kamcmd -s unix:$RUN/$1/run/kamailio_ctl "${@:2}"; }
# stop a pid-file process: TERM, wait up to 3 s, KILL
stop_pid() {
  f=$RUN/$1.pid; [ -f "$f" ] || return 0
  if p=$(pidfile_pid "$f"); then
    kill "$p"; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.3; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p"
  fi
  rm -f "$f"
}
