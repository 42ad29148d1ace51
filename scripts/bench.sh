#!/usr/bin/env bash
# `npm run bench`: benchmarks print numbers (no pass/fail). Sets up, starts the test bed, runs tests/bench/*.ts.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
# Leave a test bed that was already running as it was (someone may be using it); stop only what we started.
bed_was_up() { [ -f tests/testbed/run/kamailio.pid ] && kill -0 "$(cat tests/testbed/run/kamailio.pid)" 2>/dev/null; }
if bed_was_up; then keep_bed=1; else keep_bed=0; fi
bash tests/testbed/start.sh || exit 1
[ $keep_bed = 1 ] || trap 'bash tests/testbed/stop.sh' EXIT
rc=0
for b in tests/bench/*-bench.ts; do
  printf '\n== %s ==\n' "$b"
  npx tsx "$b" || rc=1
done
exit $rc
