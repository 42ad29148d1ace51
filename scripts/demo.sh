#!/usr/bin/env bash
# `npm run demo [-- --no-browser] [-- --port N]`: a living console on a local test PBX, every pane with content.
#  - set-up (what is missing): the app (scripts/setup.sh) and the test beds' packages (scripts/setup-testbed.sh);
#  - the Asterisk 22 bed (queues over AMI, BLF hints) and the OpenLDAP bed (the company directory, 1,200 people);
#  - scripts/demo-peers.ts: colleagues 2002–2005 as baresip phones, three callers waiting in queue "support", and two
#    missed calls to the console once it is registered (its history);
#  - the console as 2001 on Asterisk, provisioned by scripts/demo-data/provision.json (favorites 2002–2005, the LDAP
#    directory, the queue), with its own data directory tests/testbed/run/demo/data, recreated at each run, where
#    the sample personal contacts (scripts/demo-data/personal-contacts.vcf) are imported with the contacts CLI.
# Electron when its binary is installed and there is a display; otherwise the web host, whose URL is printed
# (`Console: http://127.0.0.1:N/?token=…`) and opened in the default browser when there is a display.
#   --no-browser   the web host only, and open nothing: print the URL (scripts, tests/e2e/demo.e2e.ts, screenshots)
#   --no-setup     skip the set-up (the caller has just done it: npm test, scripts/screenshots.ts)
#   other options go to the web host (e.g. --port 8080)
# Ctrl-C (or SIGTERM) stops the console and the peers, and the test beds this run started (ones already running, a
# developer's or npm test's, are left running). Needs root (the Asterisk bed runs in a chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
BROWSER=1 SETUP=1 HOST_ARGS=()
for a in "$@"; do
  case $a in
    --no-browser) BROWSER=0 ;;
    --no-setup) SETUP=0 ;;
    *) HOST_ARGS+=("$a") ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "npm run demo: needs root (the Asterisk test bed runs in a Debian chroot); try sudo npm run demo"; exit 1; }
if [ $SETUP = 1 ]; then
  bash scripts/setup.sh
  bash scripts/setup-testbed.sh
fi

RUN=tests/testbed/run
DEMO=$RUN/demo
DATA=$DEMO/data
PROV=scripts/demo-data/provision.json
mkdir -p "$RUN"
# One demo at a time: a second one would fight over the phones' ports and the console's extension.
exec 8>"$RUN/demo.lock"
flock -n 8 || { echo "npm run demo: a demo is already running on this machine ($RUN/demo.lock)"; exit 1; }

source tests/testbed/pidfile.sh
alive() { pidfile_alive "$1"; }
STOP_BEDS=()
alive tests/testbed/asterisk/asterisk.pid || STOP_BEDS+=(tests/testbed/asterisk/stop.sh)
alive tests/testbed/ldap/run/slapd.pid || STOP_BEDS+=(tests/testbed/ldap/stop.sh)
CONSOLE="" PEERS=""
cleanup() {
  trap - EXIT INT TERM
  set +e
  [ -n "$CONSOLE" ] && kill -TERM "$CONSOLE" 2>/dev/null
  [ -n "$PEERS" ] && kill -TERM "$PEERS" 2>/dev/null
  [ -n "$CONSOLE" ] && wait "$CONSOLE" 2>/dev/null
  [ -n "$PEERS" ] && wait "$PEERS" 2>/dev/null
  for s in "${STOP_BEDS[@]}"; do bash "$s" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A phone left by a demo that was killed (its PID files are in the old directory), then a fresh directory.
for f in "$DEMO"/baresip-*.pid; do
  [ -f "$f" ] || continue
  p=$(cat "$f")
  if [ -n "$p" ] && grep -q baresip "/proc/$p/cmdline" 2>/dev/null; then kill -9 "$p" 2>/dev/null || true; fi
done
rm -rf "$DEMO"
mkdir -p "$DATA"

# (8>&-: a bed outliving this script must not keep the demo's lock)
bash tests/testbed/asterisk/start.sh 8>&-
bash tests/testbed/ldap/start.sh 8>&-
# First start of this console: the sample personal contacts, with the administrator's command line (npm run cli).
node dist/cli.js --import-contacts scripts/demo-data/personal-contacts.vcf --directory personal --db "$DATA/contacts.sqlite"

# (node --import tsx rather than npx tsx: $! is then the process itself, which the cleanup signals)
node --import tsx scripts/demo-peers.ts "$DEMO" &
PEERS=$!

cat <<'TXT'

Test PBX: Asterisk 22 on 127.0.0.1:5070 (AMI :5038), the console is extension 2001. Colleagues (baresip):
  2002  rings until answered, plays 440 Hz   answer it:  python3 tests/testbed/bctl.py 4452 accept
  2003  answers at once, plays 1000 Hz       make it call you:  python3 tests/testbed/bctl.py 4453 dial sip:2001@127.0.0.1:5070
  2004  answers at once, plays 2000 Hz
  2005  answers at once, plays 600 Hz (its line carries the queue's callers: its lamp shows "in a call")
Queue "support" (600): three callers waiting; agents 2002 and 2003 are paused. Company directory: OpenLDAP, 1,200 people.
TXT
ELECTRON=""
if [ $BROWSER = 1 ] && node -e "require('fs').accessSync(require('electron'))" >/dev/null 2>&1 && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  ELECTRON=1
  echo "Starting the Electron console as 2001…"
  RECEPTIONIST_DATA_DIR=$PWD/$DATA "$(node -p "require('electron')")" dist/electron/main.js --provision "$PROV" &
  CONSOLE=$!
else
  [ $BROWSER = 1 ] && echo "Electron's binary is not installed here (or there is no display): the web host; open the Console URL below."
  node dist/web-host/cli.js --data-dir "$DATA" --provision "$PROV" --log-file "$DEMO/console.log" "${HOST_ARGS[@]}" > >(tee "$DEMO/console.out") 2>&1 &
  CONSOLE=$!
fi

if [ $BROWSER = 1 ] && [ -z "$ELECTRON" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v xdg-open >/dev/null; then
  for _ in $(seq 1 100); do
    URL=$(sed -n 's/^Console: //p' "$DEMO/console.out" 2>/dev/null | head -1)
    [ -n "$URL" ] && { xdg-open "$URL" >/dev/null 2>&1 || true; break; }
    sleep 0.1
  done
fi

# Until Ctrl-C, or until the console or the peers stop by themselves (the other then goes too).
status=0
wait -n "$CONSOLE" "$PEERS" || status=$?
exit "$status"
