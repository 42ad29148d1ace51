#!/usr/bin/env bash
# `npm run bench`: benchmarks print numbers (no pass/fail). Sets up, starts the test bed, runs tests/bench/*.ts.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/setup-testbed.sh || exit 1
# Leave a test bed that was already running as it was (someone may be using it); stop only what we started.
source tests/testbed/pidfile.sh
bed_was_up() { pidfile_alive tests/testbed/run/kamailio.pid; }
if bed_was_up; then keep_bed=1; else keep_bed=0; fi
bash tests/testbed/start.sh || exit 1
# The remote bed (PBX in network namespaces, tests/testbed/remote/) for the network benchmarks: ours to stop if we start it.
remote_was_up() { ip netns list 2>/dev/null | grep -q "^rc-pbx"; }
if remote_was_up; then keep_remote=1; else keep_remote=0; fi
# The Asterisk bed for the resource-list bench (tests/bench/presence-asterisk-bench.ts): ours to stop if we start it.
ast_was_up() { pidfile_alive tests/testbed/asterisk/asterisk.pid; }
if ast_was_up; then keep_ast=1; else keep_ast=0; fi
# The LDAP bed (slapd, 1,200 people) for the company refresh bench (tests/bench/ldap-bench.ts): ours to stop if we start it.
ldap_was_up() { pidfile_alive tests/testbed/ldap/run/slapd.pid; }
if ldap_was_up; then keep_ldap=1; else keep_ldap=0; fi
cleanup() {
  [ $keep_bed = 1 ] || bash tests/testbed/stop.sh
  [ $keep_ast = 1 ] || bash tests/testbed/asterisk/stop.sh >/dev/null 2>&1
  [ $keep_ldap = 1 ] || bash tests/testbed/ldap/stop.sh >/dev/null 2>&1
  [ $keep_remote = 1 ] || bash tests/testbed/remote/stop.sh >/dev/null 2>&1
}
trap cleanup EXIT
bash tests/testbed/asterisk/start.sh || exit 1
bash tests/testbed/ldap/start.sh || exit 1
# Each bench file starts on a settled machine, so that what the previous file left running (a Chromium exiting, the
# beds answering the last subscriptions) or another job on a shared machine does not land in its timings: waits until
# the CPUs are at least BENCH_IDLE % idle over one second (default 85), at most about BENCH_SETTLE_MAX seconds (default
# 60, then it measures anyway and says so); prints the wait and the idle share it started with.
idle_pct() {
  local a b
  read -r -a a < /proc/stat; sleep 1; read -r -a b < /proc/stat
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + ${b[$i]:-0} - ${a[$i]:-0})); done
  echo $(( total > 0 ? 100 * ((b[4] - a[4]) + (b[5] - a[5])) / total : 100 ))
}
settle() {
  local want=${BENCH_IDLE:-85} max=${BENCH_SETTLE_MAX:-60} waited=0 idle
  idle=$(idle_pct)
  while [ "$idle" -lt "$want" ] && [ $waited -lt "$max" ]; do idle=$(idle_pct); waited=$((waited + 1)); done
  if [ "$idle" -ge "$want" ]; then echo "settled: ${idle}% idle (waited ${waited} s)"
  else echo "not settled: ${idle}% idle after ${waited} s (measuring anyway; the numbers below are on a busy machine)"; fi
  echo "settle $1 ${waited} s ${idle}%" >> "$lines"
}
rc=0
# `BENCH_ONLY=presence,sip npm run bench` runs only those files.
lines=$(mktemp)
for b in tests/bench/*-bench.ts; do
  name=$(basename "$b" -bench.ts)
  if [ -n "${BENCH_ONLY:-}" ] && [[ ",$BENCH_ONLY," != *",$name,"* ]]; then continue; fi
  printf '\n== %s ==\n' "$b"
  settle "$name"
  if ! npx tsx "$b" 2>&1 | tee -a "$lines"; then rc=1; echo "bench-failed $name" >> "$lines"; fi
done
# One summary of the machine-readable lines, with the machine they were measured on (README's Performance table).
printf '\n== summary ==\n'
printf 'machine: %s, %s CPU(s), %s GiB RAM, node %s, load %s\n' "$(uname -sr)" "$(nproc)" \
  "$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)" "$(node -v)" "$(cut -d' ' -f1-3 /proc/loadavg)"
grep -E '^(bench |bench-failed )' "$lines" || true
printf 'waits for a settled machine (file, seconds, idle share at start):\n'
grep -E '^settle ' "$lines" | sed 's/^settle /  /' || true
rm -f "$lines"
exit $rc
