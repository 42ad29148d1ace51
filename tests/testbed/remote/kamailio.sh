#!/bin/bash
# Start/stop one of the remote bed's two Kamailios (rc-pbx namespace).
# usage: kamailio.sh primary|secondary start|stop|restart
#   primary   198.18.0.2  run/primary/   (ctl: run/primary/run/kamailio_ctl,   DB: run/primary/kamailio.sqlite)
#   secondary 198.18.0.3  run/secondary/ (ctl: run/secondary/run/kamailio_ctl, DB: run/secondary/kamailio.sqlite)
# Both: udp+tcp 5060, ws 8080, tls 5061, wss 8443; config generated from ../kamailio.cfg by gencfg.py.
# Kamailio keeps registrations in memory: after "start" the colleagues (and the echo UAS 1010) are re-registered.
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
W=${1:?usage: kamailio.sh primary|secondary start|stop|restart}; A=${2:?action}
case $W in primary|secondary) ;; *) echo "primary or secondary"; exit 2;; esac
D=$RUN/$W; ADDR=$(kaddr $W)

stop_k() {
  stop_pid $W/kamailio
  i=0; while pgrep -f "$D/kamailio.cfg" >/dev/null && [ $i -lt 50 ]; do i=$((i+1)); sleep 0.1; done
  for p in $(pgrep -f "$D/kamailio.cfg"); do kill -9 $p 2>/dev/null; done
  i=0; while $NS ss -lun | grep -q " $ADDR:5060 " && [ $i -lt 50 ]; do i=$((i+1)); sleep 0.1; done
  rm -f $D/kamailio.main.pid
}

start_k() {
  mkdir -p $D/run $LOGS/sipdump-$W
  [ -f $D/kamailio.sqlite ] || { echo "no database $D/kamailio.sqlite (run start.sh)" >&2; exit 1; }
  n=0
  while ! alive $W/kamailio; do
    n=$((n+1)); [ $n -gt 3 ] && { echo "kamailio $W did not stay up (see $LOGS/kamailio-$W.log)" >&2; exit 1; }
    python3 $R/gencfg.py $TB/kamailio.cfg $D/kamailio.cfg --bed $D --addr $ADDR --other $(kother $W) \
      --logs $LOGS/sipdump-$W --tls-cfg $RUN/tls.cfg
    bash $TB/rlsdb.sh $D
    sqlite3 $D/kamailio.sqlite "PRAGMA journal_mode=WAL;" >/dev/null   # once in the file, not per child (kamailio.cfg)
    $NS kamailio -f $D/kamailio.cfg -Y $D -P $D/kamailio.main.pid -DD -E -w $D >> $LOGS/kamailio-$W.log 2>&1 &
    echo $! > $RUN/$W/kamailio.pid
    wait_udp $ADDR:5060 kamailio-$W || true
    sleep 1
    alive $W/kamailio || { echo "kamailio $W exited at start (attempt $n), retrying" >&2; stop_k; sleep 1; }
  done
}

# re-register what registers at this proxy (kamailio restarted: its location table is empty)
reregister() {
  alive echo-uas && { $R/echo_reg.sh $W once >/dev/null 2>&1 || true; }
  if [ "$W" = primary ]; then
    # restart the baresip processes (deterministic UA order; a ctrl_tcp uadel/uanew would reorder the UAs)
    if [ -f $RUN/baresip-1002.pid ] || [ -f $RUN/baresip-1003.pid ]; then $R/start.sh colleagues >/dev/null; fi
  else
    # secondary: re-create only the 2nd UA of 1003/1004 (it stays 2nd: calls placed from them keep using the primary)
    for u in 1003 1004; do
      alive baresip-$u || continue
      c=$((4440 + ${u#100}))
      BCTL_HOST=$PRIMARY python3 $TB/bctl.py $c uadel sip:$u@$SECONDARY >/dev/null 2>&1 || true
      BCTL_HOST=$PRIMARY python3 $TB/bctl.py $c uanew "<sip:$u@$SECONDARY>;auth_pass=secret;answermode=auto;audio_codecs=PCMU,PCMA;regint=600;mwi=no" >/dev/null 2>&1 || true
    done
  fi
}

case $A in
  stop) stop_k ;;
  start) start_k; reregister ;;
  restart) stop_k; start_k; reregister ;;
  *) echo "start|stop|restart"; exit 2 ;;
esac
