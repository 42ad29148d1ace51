#!/usr/bin/env bash
# The test beds' set-up on a Debian/Ubuntu machine (root or sudo), idempotent: the Debian packages of the servers and
# tools `npm run demo` and `npm test` start — Kamailio, rtpengine, baresip, sipp, OpenLDAP slapd, debootstrap (the
# Asterisk chroot), dnsmasq, Chromium for Playwright… Never called by `npm start`. The app's own set-up is
# scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/apt.sh
. scripts/lib/apt.sh

TESTBED_PKGS="kamailio kamailio-presence-modules kamailio-websocket-modules kamailio-sqlite-modules kamailio-tls-modules
rtpengine-daemon baresip-core sip-tester sox sqlite3 chromium python3 iproute2 procps debootstrap zstd openssl
slapd ldap-utils iptables ethtool iputils-ping dnsmasq-base"
rc=0
# shellcheck disable=SC2086 # a word list
apt_install_missing test-bed $TESTBED_PKGS || rc=$?
if [ $rc = 2 ]; then
  echo "[setup] the test beds (Kamailio, Asterisk in a Debian chroot, slapd, network namespaces) need Debian or Ubuntu"
  exit 1
fi
[ $rc = 0 ] || exit 1
printf '\033[1m[setup]\033[0m test beds ready to start\n'
