#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian/Ubuntu machine: Debian packages for the test bed and Chromium, npm
# dependencies, build. Called by `npm run demo` and `npm test`; safe to run again (does only what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

PKGS="kamailio kamailio-presence-modules kamailio-websocket-modules kamailio-sqlite-modules rtpengine-daemon
baresip-core sip-tester sox sqlite3 chromium libusb-1.0-0 python3 iproute2 procps debootstrap zstd openssl
slapd ldap-utils iptables ethtool iputils-ping dnsmasq-base kamailio-tls-modules"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "Need root (or sudo) to install:$missing"; exit 1; }
    SUDO="sudo"
  fi
  log "installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3; do
    if $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q >/tmp/rc-apt-update.log 2>&1 &&
       $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/tmp/rc-apt-install.log 2>&1; then
      break
    fi
    [ $attempt = 3 ] && { tail -20 /tmp/rc-apt-install.log; echo "apt-get failed"; exit 1; }
    log "apt-get failed, retrying ($attempt)"; sleep 5
  done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (sqlite3 compiles from source: about a minute)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -f dist/renderer/index.html ] || [ ! -f dist/web-host/cli.js ] || [ -n "$(find electron renderer sip-core hid -newer dist/web-host/cli.js -type f 2>/dev/null | head -1)" ]; then
  log "building"
  npm run --silent build
fi
log "ready"
