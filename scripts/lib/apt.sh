# Sourced by scripts/setup.sh and scripts/setup-testbed.sh: install the Debian/Ubuntu packages of a list that are
# missing, as root or through sudo, with retries. Where apt-get does not exist (macOS, Fedora…) it installs nothing,
# says which packages it would have wanted, and returns 0 (the caller decides whether that is fatal).
# usage: apt_install_missing "LABEL" pkg1 pkg2 …   (returns 0 when nothing is missing afterwards, 1 on failure, 2 when
# there is no apt-get)
apt_install_missing() {
  local label=$1; shift
  local missing="" p
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    printf '\033[1m[setup]\033[0m no apt-get here: not installing %s packages (%s); install their equivalents yourself if needed\n' "$label" "$*"
    return 2
  fi
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -n "$missing" ] || return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "[setup] need root (or sudo) to install:$missing"; return 1; }
    sudo="sudo"
  fi
  printf '\033[1m[setup]\033[0m installing %s packages:%s\n' "$label" "$missing"
  local attempt
  for attempt in 1 2 3; do
    # shellcheck disable=SC2086 # $missing is a word list on purpose
    if $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >/tmp/rc-apt-update.log 2>&1 &&
       $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/tmp/rc-apt-install.log 2>&1; then
      return 0
    fi
    [ "$attempt" = 3 ] && { tail -20 /tmp/rc-apt-install.log; echo "[setup] apt-get failed"; return 1; }
    printf '\033[1m[setup]\033[0m apt-get failed, retrying (%s)\n' "$attempt"; sleep 5
  done
}
