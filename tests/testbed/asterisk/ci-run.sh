#!/bin/bash
# What CI runs: start the Asterisk test bed (restoring tests/testbed/cache if the CI cache provided it), run the
# Asterisk integration suites, stop. Prints the time of each step. Exit code: the tests' (or start.sh's).
set -u
BED=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BED/../../.." && pwd)
t0=$(date +%s)
"$BED/start.sh" || exit 1
t1=$(date +%s)
(cd "$REPO" && npx jest tests/integration/asterisk-); rc=$?
t2=$(date +%s)
"$BED/stop.sh"
t3=$(date +%s)
echo "start.sh $((t1 - t0)) s, tests $((t2 - t1)) s (rc $rc), stop $((t3 - t2)) s, total $((t3 - t0)) s"
exit $rc
