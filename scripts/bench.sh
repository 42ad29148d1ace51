#!/usr/bin/env bash
# `npm run bench`: benchmarks print numbers (no pass/fail). Sets up, starts the test bed, runs tests/bench/*.ts.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash tests/testbed/start.sh || exit 1
trap 'bash tests/testbed/stop.sh' EXIT
rc=0
for b in tests/bench/*-bench.ts; do
  printf '\n== %s ==\n' "$b"
  npx tsx "$b" || rc=1
done
exit $rc
