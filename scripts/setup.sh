#!/usr/bin/env bash
# The app's own set-up, idempotent (does only what is missing): the system libraries the app needs to build and run,
# npm dependencies, the build. Called by `npm start` (your own PBX), `npm run demo` and `npm test`. It never installs
# the test beds' servers (PBXs, LDAP, Chromium, sipp…): scripts/setup-testbed.sh does, for the demo and the tests.
# Debian/Ubuntu: apt-get installs libusb (USB headsets, node-hid) and a C++ toolchain (better-sqlite3 builds from
# source when no prebuilt binary can be downloaded). Elsewhere (macOS…) apt is skipped: Node ≥ 20.19 and, for its
# fallback build, the platform's compiler (Xcode command line tools) are all it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
# shellcheck source=scripts/lib/apt.sh
. scripts/lib/apt.sh

node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  { echo "[setup] Node.js >= 20.19 is needed (this is $(node --version))"; exit 1; }

# Only what is really absent (a Python from pyenv or a compiler from elsewhere is fine). A failed install is a warning:
# npm ci below may still succeed with prebuilt binaries, and says so if not.
want=""
command -v python3 >/dev/null 2>&1 || want="$want python3"
command -v make >/dev/null 2>&1 || want="$want make"
command -v g++ >/dev/null 2>&1 || command -v c++ >/dev/null 2>&1 || want="$want g++"
if [ "$(uname -s)" = Linux ] && ! { /sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null; } | grep -q 'libusb-1\.0\.so\.0'; then
  want="$want libusb-1.0-0"
fi
if [ -n "$want" ]; then
  # shellcheck disable=SC2086 # a word list
  apt_install_missing app $want || log "could not install$want: carrying on (npm ci may still work)"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (better-sqlite3 may compile from source: about a minute)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -f dist/renderer/index.html ] || [ ! -f dist/web-host/cli.js ] || [ ! -f dist/cli.js ] || [ ! -f dist/directory-worker.js ] ||
   [ -n "$(find electron renderer sip-core hid pbx scripts/build-node.mjs scripts/sipjs-grammar-cache.mjs -newer dist/web-host/cli.js -type f 2>/dev/null | head -1)" ]; then
  log "building"
  npm run --silent build
fi
log "app ready"
