#!/bin/bash
# Stop everything remote/start.sh (and asterisk.sh) started (by PID) and delete the namespaces and veths (net.sh down).
# usage: stop.sh [keep-net]   (keep-net: stop the processes, keep namespaces/links)
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
if [ -f $RUN/echo-reg.pid ]; then  # a setsid'd loop: end its whole process group (the loop and its sleep/sipp)
  p=$(pidfile_pid $RUN/echo-reg.pid) && kill -- -$p 2>/dev/null; rm -f $RUN/echo-reg.pid
fi
$R/asterisk.sh stop   # the remote Asterisk (198.18.0.4), before its namespace goes
for u in 1002 1003 1004; do stop_pid baresip-$u & done; wait   # in parallel: baresip 1.0 may ignore SIGTERM
stop_pid echo-uas
$R/kamailio.sh secondary stop
$R/kamailio.sh primary stop
stop_pid rtpengine
stop_pid dnsmasq
rm -f $RUN/*.real.pid
[ "$1" = keep-net ] || $R/net.sh down
echo "remote testbed stopped"
