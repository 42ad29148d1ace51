#!/usr/bin/env bash
# Stop the LDAP test bed's slapd (the one started by start.sh, by its pid file). Keeps the database.
set -uo pipefail
RUN="$(cd "$(dirname "$0")" && pwd)/run"
[ -f "$RUN/slapd.pid" ] || exit 0
source "$(dirname "$0")/../pidfile.sh"
if pid=$(pidfile_pid "$RUN/slapd.pid"); then
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$RUN/slapd.pid"
echo "[ldap] stopped"
