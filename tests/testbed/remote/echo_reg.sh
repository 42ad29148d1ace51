#!/bin/bash
# Register the echo UAS (sipp on 198.18.0.2:5110) as extension 1010 (Expires 3600).
# usage: echo_reg.sh primary|secondary|both once | echo_reg.sh both loop   (loop: every 1500 s, for start.sh)
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
reg() {  # $1 = primary|secondary
  a=$(kaddr $1); p=5111; [ $1 = secondary ] && p=5113
  ( cd $TB/sipp && $NS timeout 10 sipp -sf reg_only.xml $a:5060 -i $PRIMARY -p $p -m 1 -key user 1010 -key cport 5110 \
      -key expires 3600 -au 1010 -ap secret -nostdin -timeout 8 > $LOGS/echo-reg-$1.screen 2>&1 )
}
one() { if [ "$1" = both ]; then reg primary; r=$?; reg secondary || true; return $r; else reg $1; fi; }
case "$2" in
  loop) while :; do one "$1" || true; sleep 1500; done ;;
  *) one "$1" ;;
esac
