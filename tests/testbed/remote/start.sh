#!/bin/bash
# Start the REMOTE SIP test bed (as root): network namespaces + veths (net.sh up), DNS (dnsmasq), test PKI,
# rtpengine, Kamailio primary (198.18.0.2) + secondary (198.18.0.3), baresip 1002/1003/1004, echo UAS 1010.
# Everything runs in namespace rc-pbx; the console stays in the root namespace at 198.18.0.1. Idempotent.
# usage: start.sh [all|colleagues]   ("colleagues": (re)start only the baresip UAs, e.g. after a Kamailio restart)
# PIDs in remote/run/, logs in remote/logs/. Prints one summary line.
set -e
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
WHAT=${1:-all}
T0=$(date +%s.%N)
# One start at a time (two test runs starting the bed together would race on pid files and ports). flock -o: the
# daemons started below must not inherit (and hold) the lock.
if [ -z "${RC_REMOTE_LOCKED:-}" ]; then
  mkdir -p "$RUN"
  exec flock -o -w 120 "$RUN/start.lock" env RC_REMOTE_LOCKED=1 bash "$0" "$@"
fi

start_colleagues() {
  # Kamailio keeps locations in memory, baresip re-registers every 600 s: a restart registers them now.
  for u in 1002 1003 1004; do stop_pid baresip-$u; done
  # Strays (a pid file overwritten by a concurrent start): stop them too, and wait for their ports to be free.
  for u in 1002 1003 1004; do pkill -9 -f "baresip -f $R/ua$u\$" 2>/dev/null || true; done
  i=0; while $NS ss -lun | grep -qE "$PRIMARY:50[789]2 " && [ $i -lt 50 ]; do i=$((i+1)); sleep 0.1; done
  export SIPBED=$R UA_ADDR=$PRIMARY UA_DNS=$PRIMARY:53
  # user sip-port ctrl_tcp-port rtp-base audio-source answermode; 1003/1004 also register at the secondary
  UA_ALSO_REGISTER_AT=    $TB/mkua.sh 1002 5072 4442 40000 'ausine,440'  manual
  UA_ALSO_REGISTER_AT=$SECONDARY $TB/mkua.sh 1003 5082 4443 40100 'ausine,1000' auto
  UA_ALSO_REGISTER_AT=$SECONDARY $TB/mkua.sh 1004 5092 4444 40200 'ausine,2000' auto
  for u in 1002 1003 1004; do
    $NS baresip -f $R/ua$u < /dev/null > $LOGS/baresip-$u.log 2>&1 &
    echo $! > $RUN/baresip-$u.pid
  done
}

registered() {  # registered WHICH "AoR regexp" COUNT
  [ "$(kcmd $1 ul.dump 2>/dev/null | grep -cE "AoR: ($2)\$")" -ge "$3" ]
}
wait_registered() {
  i=0; until registered primary '100[234]|1010' 4 && { ! alive secondary/kamailio || registered secondary '100[34]|1010' 3; }; do
    i=$((i+1)); [ $i -gt 150 ] && { echo "remote bed: UAs did not register (see $LOGS/)" >&2; exit 1; }; sleep 0.2
  done
}

if [ "$WHAT" = colleagues ]; then start_colleagues; wait_registered; echo "remote colleagues up"; exit 0; fi

$R/net.sh up
$R/gencerts.sh $CERTS
mkdir -p $RUN/primary $RUN/secondary
if [ ! -f $RUN/primary/kamailio.sqlite ]; then
  SIPBED=$RUN/primary $TB/initdb.sh >/dev/null
  sqlite3 $RUN/primary/kamailio.sqlite "INSERT INTO subscriber (username,domain,password,ha1,ha1b) VALUES ('1010','pbx.test','secret','','');"
fi
# the secondary has its own copy (one sqlite file shared by two Kamailios = locking trouble)
[ -f $RUN/secondary/kamailio.sqlite ] || cp $RUN/primary/kamailio.sqlite $RUN/secondary/kamailio.sqlite

cat > $RUN/tls.cfg <<EOF
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $CERTS/server.crt
private_key = $CERTS/server.key
ca_list = $CERTS/ca.crt

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
EOF

# DNS for zone pbx.test (no upstream, no /etc/hosts, no /etc/resolv.conf)
if ! alive dnsmasq; then
  cat > $RUN/dnsmasq.conf <<EOF
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=$PRIMARY
except-interface=lo
port=53
local=/test/
domain-needed
host-record=pbx.test,$PRIMARY
host-record=sip1.pbx.test,$PRIMARY
host-record=sip2.pbx.test,$SECONDARY
host-record=other.test,$PRIMARY
srv-host=_sip._udp.pbx.test,sip1.pbx.test,5060,10,10
srv-host=_sip._udp.pbx.test,sip2.pbx.test,5060,20,10
srv-host=_sip._tcp.pbx.test,sip1.pbx.test,5060,10,10
srv-host=_sip._tcp.pbx.test,sip2.pbx.test,5060,20,10
srv-host=_sips._tcp.pbx.test,sip1.pbx.test,5061,10,10
srv-host=_sips._tcp.pbx.test,sip2.pbx.test,5061,20,10
naptr-record=pbx.test,10,10,S,SIP+D2U,,_sip._udp.pbx.test
naptr-record=pbx.test,20,10,S,SIP+D2T,,_sip._tcp.pbx.test
log-facility=-
EOF
  $NS dnsmasq -k -C $RUN/dnsmasq.conf --pid-file=$RUN/dnsmasq.real.pid --user=root > $LOGS/dnsmasq.log 2>&1 &
  echo $! > $RUN/dnsmasq.pid
  wait_udp $PRIMARY:53 dnsmasq
fi

if ! alive rtpengine; then
  $NS rtpengine --config-file=none --table=-1 --interface=$PRIMARY --listen-ng=127.0.0.1:2223 \
    --port-min=$RTP_MIN --port-max=$RTP_MAX --foreground --log-stderr --log-level=6 --pidfile=$RUN/rtpengine.real.pid \
    > $LOGS/rtpengine.log 2>&1 &
  echo $! > $RUN/rtpengine.pid
  wait_udp 127.0.0.1:2223 rtpengine
fi

$R/kamailio.sh primary start >/dev/null
$R/kamailio.sh secondary start >/dev/null

if ! alive baresip-1002 || ! alive baresip-1003 || ! alive baresip-1004; then start_colleagues; fi

# echo far end 1010: sipp UAS (-rtp_echo) on 198.18.0.2:5110, media 198.18.0.2:6000; registered by echo_reg.sh
if ! alive echo-uas; then
  out=$(cd $R && $NS sipp -sf echo_uas.xml -i $PRIMARY -p 5110 -mi $PRIMARY -mp 6000 -rtp_echo -nostdin -bg \
        -trace_err -error_file $LOGS/echo-uas-errors.log 2>&1) || true
  pid=$(echo "$out" | sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p')
  [ -n "$pid" ] || { echo "echo UAS did not start: $out" >&2; exit 1; }
  echo $pid > $RUN/echo-uas.pid
fi
if ! alive echo-reg; then
  setsid $R/echo_reg.sh both loop > /dev/null 2>&1 < /dev/null &
  echo $! > $RUN/echo-reg.pid
fi

wait_registered
printf 'remote testbed up in %.1f s: console side 198.18.0.1 (rcb0); kamailio primary %s secondary %s (udp/tcp 5060 ws 8080 tls 5061 wss 8443), dns %s:53 zone pbx.test, rtpengine %s:%s-%s, baresip 1002 1003 1004 (ctrl %s:4442-4444), echo 1010, CA %s\n' \
  "$(python3 -c "print($(date +%s.%N)-$T0)")" \
  $PRIMARY $SECONDARY $PRIMARY $PRIMARY $RTP_MIN $RTP_MAX $PRIMARY $CERTS/ca.crt
