#!/bin/bash
# Stop the Asterisk started by start.sh (by its PID, never by name: other engineers' processes share this
# machine) and unmount anything start.sh or an older version of it mounted in the chroot. Idempotent.
BED=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$BED/root
PIDFILE=$BED/asterisk.pid
if [ -f "$PIDFILE" ]; then
  PID=$(cat "$PIDFILE")
  # Only signal it if that PID is still our chroot's Asterisk (PIDs get reused).
  if kill -0 "$PID" 2>/dev/null && [ "$(readlink "/proc/$PID/root")" = "$ROOT" ]; then
    chroot "$ROOT" /usr/sbin/asterisk -rx 'core stop now' >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do kill -0 "$PID" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$PID" 2>/dev/null && { kill -TERM "$PID"; sleep 2; }
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID"
  fi
  rm -f "$PIDFILE"
fi
for m in proc dev/pts sys; do
  mountpoint -q "$ROOT/$m" 2>/dev/null && umount "$ROOT/$m"
done
if grep -q " $ROOT/" /proc/mounts; then echo "still mounted:"; grep " $ROOT/" /proc/mounts; exit 1; fi
echo stopped
