# Pid files of the test beds (sourced by sh and bash scripts).
# pidfile_pid FILE prints the pid in FILE when that process is alive AND is the one the file was written for: it
# started no later than the file was written. After a reboot a pid file left behind names whatever process now has
# that pid (a bed started at boot gets the same low pids again): without the check, start.sh took the bed for running
# ("remote bed: UAs did not register") and stop.sh would have killed an unrelated process.
pidfile_pid() {
  [ -f "$1" ] || return 1
  _p=$(cat "$1" 2>/dev/null)
  case "$_p" in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$_p" 2>/dev/null || return 1
  _age=$(ps -o etimes= -p "$_p" 2>/dev/null | tr -d ' ')
  [ -n "$_age" ] || return 1
  # etimes is whole seconds: 2 s of slack
  [ $(( $(date +%s) - _age )) -le $(( $(stat -c %Y "$1") + 2 )) ] || return 1
  echo "$_p"
}
pidfile_alive() { pidfile_pid "$1" >/dev/null; }
