#!/usr/bin/env bash
# `npm test`: set up what is missing, then lint, type-check, unit, integration (real peers) and E2E (Chromium).
# Starts the test bed itself and stops it at the end. Prints "N passed, N failed" as its last line.
set -uo pipefail
cd "$(dirname "$0")/.."
# The app (npm dependencies, build) and the test beds' Debian packages (Kamailio, Asterisk's debootstrap, slapd,
# Chromium, sipp…): a fresh machine gets everything here.
bash scripts/setup.sh || exit 1
bash scripts/setup-testbed.sh || exit 1
OUT=test-results; rm -rf "$OUT"; mkdir -p "$OUT"
failed_steps=()
step() {
  local name=$1; shift
  printf '\n\033[1m== %s ==\033[0m\n' "$name"
  if "$@"; then echo "[$name] ok"; else echo "[$name] FAILED"; failed_steps+=("$name"); fi
}

step lint npm run --silent lint
step typecheck npm run --silent typecheck
# Electron shell without Electron: electron-builder.yml against its schema, Electronegativity with no HIGH finding.
step shell node scripts/check-shell.mjs
step unit npx jest --selectProjects unit --json --outputFile="$OUT/unit.json"

# Test beds already running (a developer's) are left running; what this run started, it stops.
source tests/testbed/pidfile.sh
alive() { pidfile_alive "$1"; }
stop_beds=""
alive tests/testbed/run/kamailio.pid || stop_beds="$stop_beds bash tests/testbed/stop.sh;"
alive tests/testbed/asterisk/asterisk.pid || stop_beds="$stop_beds bash tests/testbed/asterisk/stop.sh;"
alive tests/testbed/ldap/run/slapd.pid || stop_beds="$stop_beds bash tests/testbed/ldap/stop.sh;"
ip netns list 2>/dev/null | grep -q '^rc-pbx' || stop_beds="$stop_beds bash tests/testbed/remote/stop.sh >/dev/null 2>&1;"
# A bed that does not start is a failed step; what it printed is kept and its end repeated beside the summary.
bed() {
  local name=$1; shift
  "$@" > "$OUT/$name.out" 2>&1; local rc=$?
  cat "$OUT/$name.out"
  [ $rc -eq 0 ] || failed_steps+=("$name")
}
bed testbed bash tests/testbed/start.sh
# Asterisk (queues, park, pickup, voicemail) runs from a Debian sid chroot: ~1 min the first time, seconds after.
bed asterisk-testbed bash tests/testbed/asterisk/start.sh
# OpenLDAP slapd on 127.0.0.1:3389 with a generated company directory of 1,200 people (contacts: company tab).
bed ldap-testbed bash tests/testbed/ldap/start.sh
# The same PBX on "another host": Kamailio ×2 + rtpengine + baresip + DNS in network namespaces at 198.18.0.0/24
# (root only; about 5 s). The remote E2E suites cut, degrade and restart it.
bed remote-testbed bash tests/testbed/remote/start.sh
[ -z "$stop_beds" ] || trap "$stop_beds" EXIT
step integration npx jest --selectProjects integration --runInBand --forceExit --json --outputFile="$OUT/integration.json"
step e2e npx playwright test -c tests/e2e/playwright.config.ts

node scripts/summarize-tests.mjs "$OUT" "${failed_steps[@]}"
