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
rc=0
# `BENCH_ONLY=presence,sip npm run bench` runs only those files.
lines=$(mktemp)
for b in tests/bench/*-bench.ts; do
  name=$(basename "$b" -bench.ts)
  if [ -n "${BENCH_ONLY:-}" ] && [[ ",$BENCH_ONLY," != *",$name,"* ]]; then continue; fi
  printf '\n== %s ==\n' "$b"
  if ! npx tsx "$b" 2>&1 | tee -a "$lines"; then rc=1; echo "bench-failed $name" >> "$lines"; fi
done
# One summary of the machine-readable lines, with the machine they were measured on (README's Performance table).
printf '\n== summary ==\n'
printf 'machine: %s, %s CPU(s), %s GiB RAM, node %s, load %s\n' "$(uname -sr)" "$(nproc)" \
  "$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)" "$(node -v)" "$(cut -d' ' -f1-3 /proc/loadavg)"
grep -E '^(bench |bench-failed )' "$lines" || true
rm -f "$lines"
exit $rc
