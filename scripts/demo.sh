#!/usr/bin/env bash
# `npm run demo [-- --port N]`: set up what is missing, start the loopback test-bed PBX (Kamailio + rtpengine) with
# colleagues 1002-1004 (baresip), and the console provisioned as 1001. Electron when its binary is installed,
# otherwise the web host: open the printed URL in Chromium/Chrome/Firefox. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash tests/testbed/start.sh
# Asterisk 22 (queues over AMI) for the Queued calls pane, with a few callers waiting in its queue "support".
bash tests/testbed/asterisk/start.sh
npx tsx scripts/demo-queue.ts &
QUEUE_CALLERS=$!
trap 'kill $QUEUE_CALLERS 2>/dev/null; sleep 1; bash tests/testbed/asterisk/stop.sh >/dev/null 2>&1; bash tests/testbed/stop.sh >/dev/null 2>&1 || true' EXIT
mkdir -p tests/testbed/run
PROV=tests/testbed/run/demo-provision.json
cat > "$PROV" <<'JSON'
{
  "version": 1,
  "accounts": [{ "server": "127.0.0.1", "port": 5060, "transport": "udp", "user": "1001", "password": "secret",
                 "displayName": "Reception", "media": "auto" }],
  "preferences": {},
  "pbx": { "type": "asterisk", "ami": { "host": "127.0.0.1", "port": 5038, "user": "console", "secret": "secret" },
           "context": "internal", "pauseReasons": ["Lunch", "Meeting", "Training"], "queues": ["support"] }
}
JSON
cat <<'TXT'

Test-bed PBX is up on 127.0.0.1:5060. Colleagues:
  1002  answers by hand, plays 440 Hz   make it call you:  python3 tests/testbed/bctl.py 4442 dial sip:1001@127.0.0.1
  1003  answers at once, plays 1000 Hz  (dial 1003 from the console)
  1004  answers at once, plays 2000 Hz
Asterisk 22 on 127.0.0.1 (AMI :5038): queue "support" with three callers waiting (Queued calls pane).
TXT
if node -e "require('fs').accessSync(require('electron'))" >/dev/null 2>&1 && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "Starting the Electron console as 1001…"
  npx electron dist/electron/main.js --provision "$PROV"
else
  echo "Electron's binary is not installed here: starting the web host (open the Console URL below in a browser)."
  node dist/web-host/cli.js --provision "$PROV" "$@"
fi
