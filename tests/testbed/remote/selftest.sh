#!/bin/bash
# End-to-end checks of the REMOTE bed without the console (remote/start.sh first). Run as root.
# Prints PASS/FAIL per check and "N passed, N failed"; exit 1 on any failure. Leaves no impairment behind.
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
S=$TB/sipp; T=$LOGS/selftest; mkdir -p $T; rm -f $T/*
pass=0; fail=0
ok()  { echo "PASS: $*"; pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
rb() { BCTL_HOST=$PRIMARY python3 $TB/bctl.py "$@" | grep -v '^event:'; }
peak() { sox "$1" -n trim 0.5 1 stat -freq 2>&1 | awk 'NF==2 && $1+0>0 && $2>m {m=$2; f=$1} END {printf "%d", f}'; }
near() { [ -n "$1" ] && [ "$1" -ge $(($2*95/100)) ] && [ "$1" -le $(($2*105/100)) ]; }
newest() { ls -t $1 2>/dev/null | head -1; }
pingok() { ping -c "${2:-2}" -i 0.2 -W 1 "$1" >/dev/null 2>&1; }
# sipp UAC in the ROOT namespace: REGISTER 1001 + INVITE $2 at proxy $1, streams 440 Hz, BYE.
# -abortunexp: a 180 may arrive AFTER the 200 (Kamailio's UDP workers relay baresip's back-to-back 180/200 in
# parallel; jitter reorders too): ignore it instead of aborting the call.
uac() { ( cd $S && timeout 30 sipp -sf uac_reg_call.xml $1:5060 -i $HOST -p ${3:-5200} -mi $HOST -m 1 -s $2 \
            -key user 1001 -au 1001 -ap secret -nostdin -timeout 25 -default_behaviors all,-abortunexp \
            > $T/uac-$2-$1-${3:-5200}.screen 2>&1 ); }
trap '$R/net.sh off >/dev/null 2>&1' EXIT

# 1. network
check "root ns has 198.18.0.1 on rcb0" bash -c "ip -br addr show rcb0 | grep -q '198.18.0.1/24'"
for a in $PRIMARY $SECONDARY $THIRD; do check "ping $a" pingok $a; done

# 2. listeners (seen from the root namespace)
for p in 5060 5061 8080 8443; do
  for a in $PRIMARY $SECONDARY; do check "tcp $a:$p answers" timeout 3 bash -c "exec 3<>/dev/tcp/$a/$p"; done
done
check "registrations at primary: 1002 1003 1004 1010" bash -c "kamcmd -s unix:$RUN/primary/run/kamailio_ctl ul.dump | grep -cE 'AoR: (100[234]|1010)$' | grep -qx 4"
check "registrations at secondary: 1003 1004 1010" bash -c "kamcmd -s unix:$RUN/secondary/run/kamailio_ctl ul.dump | grep -cE 'AoR: (100[34]|1010)$' | grep -qx 3"

# 3. DNS (Node's resolver, as the console will use it)
node -e "
const r = new (require('dns').promises.Resolver)(); r.setServers(['$PRIMARY']);
(async () => {
  const out = [];
  for (const n of ['pbx.test','sip1.pbx.test','sip2.pbx.test','other.test']) out.push(n + ' A ' + (await r.resolve4(n)).join(','));
  for (const n of ['_sip._udp.pbx.test','_sip._tcp.pbx.test','_sips._tcp.pbx.test'])
    out.push(n + ' SRV ' + (await r.resolveSrv(n)).sort((a,b)=>a.priority-b.priority).map(s=>s.priority+'/'+s.weight+'/'+s.name+':'+s.port).join(' '));
  out.push('pbx.test NAPTR ' + (await r.resolveNaptr('pbx.test')).sort((a,b)=>a.order-b.order).map(x=>x.order+'/'+x.flags+'/'+x.service+'/'+x.replacement).join(' '));
  console.log(out.join('\n'));
})().catch(e => { console.log('ERR ' + e); process.exit(1); });
" > $T/dns.out 2>&1
cat $T/dns.out | sed 's/^/  dns: /'
check "DNS A records" bash -c "grep -qx 'pbx.test A $PRIMARY' $T/dns.out && grep -qx 'sip2.pbx.test A $SECONDARY' $T/dns.out && grep -qx 'other.test A $PRIMARY' $T/dns.out"
check "DNS SRV _sip._udp" grep -qx '_sip._udp.pbx.test SRV 10/10/sip1.pbx.test:5060 20/10/sip2.pbx.test:5060' $T/dns.out
check "DNS SRV _sips._tcp" grep -qx '_sips._tcp.pbx.test SRV 10/10/sip1.pbx.test:5061 20/10/sip2.pbx.test:5061' $T/dns.out
check "DNS NAPTR" grep -qx 'pbx.test NAPTR 10/S/SIP+D2U/_sip._udp.pbx.test 20/S/SIP+D2T/_sip._tcp.pbx.test' $T/dns.out

# 4. TLS with the test CA (SIP 5061 and WSS 8443 on both proxies); expired cert is expired
for a in $PRIMARY:5061 $PRIMARY:8443 $SECONDARY:5061; do
  check "TLS handshake verifies with the test CA: $a" bash -c "echo | timeout 5 openssl s_client -CAfile $CERTS/ca.crt -connect $a -verify_return_error -servername pbx.test > $T/tls.out 2>&1 && grep -q 'Verify return code: 0' $T/tls.out"
done
check "server cert names pbx.test, sip1/sip2.pbx.test, 198.18.0.2/.3" bash -c "openssl x509 -in $CERTS/server.crt -noout -ext subjectAltName | grep -q 'DNS:pbx.test, DNS:sip1.pbx.test, DNS:sip2.pbx.test, IP Address:198.18.0.2, IP Address:198.18.0.3'"
check "expired cert is signed by the CA and expired" bash -c "openssl verify -CAfile $CERTS/ca.crt $CERTS/expired.crt 2>&1 | grep -q 'certificate has expired'"

# 5. calls from the root namespace: sipp 1001 (UDP, registered at the primary) -> 1003, tone reaches 1003
rm -f $R/ua100[234]/rec/*
uac $PRIMARY 1003; rc=$?
check "sipp 1001 -> 1003 via primary: 200 OK, call completed (rc=$rc)" [ $rc -eq 0 ]
p=$(peak "$(newest "$R/ua1003/rec/*-dec.wav")")
check "1003 heard sipp's 440 Hz over the veth path (peak ${p} Hz)" near "$p" 440

# 6. colleague to colleague through rtpengine (ctrl_tcp from the root namespace)
rm -f $R/ua100[234]/rec/*
rb 4442 dial sip:1004@pbx.test >/dev/null; sleep 3; rb 4442 hangup >/dev/null; sleep 1
p4=$(peak "$(newest "$R/ua1004/rec/*-dec.wav")"); p2=$(peak "$(newest "$R/ua1002/rec/*-dec.wav")")
check "1004 heard 1002's 440 Hz (peak ${p4} Hz)" near "$p4" 440
check "1002 heard 1004's 2000 Hz (peak ${p2} Hz)" near "$p2" 2000

# 7. echo far end 1010: 1002 calls it and hears its own 440 Hz back; re-INVITEs (hold/resume) are accepted
rm -f $R/ua1002/rec/*
rb 4442 dial sip:1010@pbx.test >/dev/null; sleep 3
p2=$(peak "$(newest "$R/ua1002/rec/*-dec.wav")")
check "1002 hears its own 440 Hz echoed by 1010 (peak ${p2} Hz)" near "$p2" 440
rb 4442 hold >/dev/null; sleep 1; rb 4442 resume >/dev/null; sleep 1; rb 4442 hold >/dev/null; sleep 1; rb 4442 resume >/dev/null; sleep 1
check "call to 1010 still ESTABLISHED after 4 re-INVITEs" bash -c "BCTL_HOST=$PRIMARY python3 $TB/bctl.py 4442 listcalls | grep -q 'ESTABLISHED.*sip:1010@'"
rb 4442 hangup >/dev/null; sleep 1
rb 4442 dial sip:1010@pbx.test >/dev/null; sleep 2
check "1010 answers the next call too" bash -c "BCTL_HOST=$PRIMARY python3 $TB/bctl.py 4442 listcalls | grep -q 'ESTABLISHED.*sip:1010@'"
rb 4442 hangup >/dev/null; sleep 1

# 8. link impairments (ping from the root namespace through each)
$R/net.sh cut
check "cut: primary unreachable" bash -c "! ping -c 2 -i 0.2 -W 1 $PRIMARY >/dev/null 2>&1"
check "cut: console's rcb0 still UP" bash -c "ip link show rcb0 | head -1 | grep -q 'state UP'"
$R/net.sh restore; sleep 0.3
check "restore: primary reachable" pingok $PRIMARY 3
$R/net.sh loss 0.4
n=$(ping -c 40 -i 0.05 -W 1 $PRIMARY 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p')
check "loss 0.4: some but not all of 40 pings answered ($n)" bash -c "[ '$n' -gt 2 ] && [ '$n' -lt 36 ]"
$R/net.sh loss 0
n=$(ping -c 20 -i 0.05 -W 1 $PRIMARY 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p')
check "loss 0: 20/20 pings ($n)" [ "$n" = 20 ]
$R/net.sh jitter 40 15
avg=$(ping -c 10 -i 0.2 -W 2 $PRIMARY 2>/dev/null | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
check "jitter 40+/-15 ms: ping rtt avg ${avg} ms in 60..140" python3 -c "import sys; sys.exit(0 if 60 <= float('${avg:-0}') <= 140 else 1)"
rm -f $R/ua1003/rec/*
uac $PRIMARY 1003 5202; rc=$?
check "sipp call through the delay line (rc=$rc)" [ $rc -eq 0 ]
$R/net.sh jitter off
avg=$(ping -c 5 -i 0.2 -W 1 $PRIMARY 2>/dev/null | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
check "jitter off: ping rtt avg ${avg} ms < 10, br0 rejoined" bash -c "python3 -c \"import sys; sys.exit(0 if float('${avg:-99}') < 10 else 1)\" && ip -n rc-wan link show rcb1 | grep -q 'master br0'"
# rtp-block: a UDP probe into rtpengine's range is dropped, SIP port still reachable
probe() {  # probe PORT -> prints "got" if a datagram from the root ns arrives at 198.18.0.2:PORT in rc-pbx
  $NS python3 -c "
import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('$PRIMARY',$1)); s.settimeout(1.5)
try: s.recvfrom(100); print('got')
except Exception: print('none')" & local L=$!; sleep 0.3
  python3 -c "import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('$HOST',0))
for i in range(5): s.sendto(b'x',('$PRIMARY',$1)); time.sleep(0.1)"; wait $L; }
$R/net.sh rtp-block
r1=$(probe 32199); r2=$(probe 5999)
check "rtp-block: UDP to 32199 dropped ($r1), to 5999 passes ($r2)" bash -c "[ '$r1' = none ] && [ '$r2' = got ]"
uac $PRIMARY 1004 5204; rc=$?
check "rtp-block: SIP call still completes (rc=$rc)" [ $rc -eq 0 ]
$R/net.sh rtp-unblock
r1=$(probe 32199)
check "rtp-unblock: UDP to 32199 passes ($r1)" [ "$r1" = got ]

# 9. injected RTP from the third host arrives from 198.18.0.9
r=$( $NS python3 -c "
import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('$PRIMARY',5998)); s.settimeout(3); n=0; src=None
try:
  while n < 10: d,a=s.recvfrom(400); n+=1; src=a[0]; pt=d[1]&0x7f; ln=len(d)
except Exception: pass
print(n, src, pt if n else '-', ln if n else '-')" & sleep 0.3; $NS python3 $R/inject_rtp.py --to $PRIMARY:5998 --from $THIRD --seconds 0.5 >/dev/null; wait )
check "inject_rtp: 10 PCMU packets of 172 bytes from $THIRD ($r)" [ "$r" = "10 $THIRD 0 172" ]

# 10. failover: primary stopped, 1001 registered at the secondary reaches 1003 and 1004
$R/kamailio.sh primary stop
rm -f $R/ua1004/rec/*
uac $SECONDARY 1003 5206; rc3=$?
uac $SECONDARY 1004 5208; rc4=$?
p4=$(peak "$(newest "$R/ua1004/rec/*-dec.wav")")
check "primary down: 1001 via secondary -> 1003 (rc=$rc3)" [ $rc3 -eq 0 ]
check "primary down: 1001 via secondary -> 1004 (rc=$rc4), 1004 heard 440 Hz (peak ${p4} Hz)" bash -c "[ $rc4 -eq 0 ] && [ -n '$p4' ] && [ '$p4' -ge 418 ] && [ '$p4' -le 462 ]"
$R/kamailio.sh primary start
check "primary back: colleagues + 1010 registered again" bash -c "kamcmd -s unix:$RUN/primary/run/kamailio_ctl ul.dump | grep -cE 'AoR: (100[234]|1010)$' | grep -qx 4"
uac $PRIMARY 1003 5210; rc=$?
check "primary back: 1001 -> 1003 via primary (rc=$rc)" [ $rc -eq 0 ]

echo "remote selftest: $pass passed, $fail failed"
[ $fail -eq 0 ]
