#!/usr/bin/env bash
# LDAP test bed: OpenLDAP slapd on 127.0.0.1:3389 only, its own config and database under tests/testbed/ldap/run,
# loaded with a generated company directory (≥1,000 people, accented names). Idempotent: a running slapd is kept.
#   base dc=example,dc=com · people under ou=people · admin cn=admin,dc=example,dc=com / secret (anonymous may read)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
RUN="$HERE/run"
PORT="${RC_LDAP_PORT:-3389}"
URL="ldap://127.0.0.1:$PORT"
log() { printf '[ldap] %s\n' "$*"; }

command -v slapd >/dev/null || PATH="$PATH:/usr/sbin"
command -v slapd >/dev/null || { echo "[ldap] slapd is not installed (Debian: apt-get install slapd ldap-utils)"; exit 1; }

source "$HERE/../pidfile.sh"
if pidfile_alive "$RUN/slapd.pid" &&
   ldapsearch -x -H "$URL" -b dc=example,dc=com -s base '(objectClass=*)' dn >/dev/null 2>&1; then
  log "already running on $URL"
  exit 0
fi

mkdir -p "$RUN/data"
cat >"$RUN/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $RUN/slapd.pid
argsfile $RUN/slapd.args
sizelimit unlimited
database mdb
maxsize 268435456
suffix "dc=example,dc=com"
rootdn "cn=admin,dc=example,dc=com"
rootpw secret
directory $RUN/data
index objectClass eq
index cn,sn,givenName,mail eq,sub
index telephoneNumber,mobile eq,sub
access to * by * read
CONF

if [ ! -f "$RUN/data/.loaded" ]; then
  rm -f "$RUN/data/"*.mdb
  python3 "$HERE/gen-ldif.py" 1200 >"$RUN/people.ldif"
  slapadd -q -f "$RUN/slapd.conf" -l "$RUN/people.ldif"
  touch "$RUN/data/.loaded"
  log "loaded $(grep -c '^dn: uid=' "$RUN/people.ldif") people"
fi

# Foreground (-d 0) under setsid so it outlives this script; loopback only.
setsid slapd -d 0 -h "$URL/" -f "$RUN/slapd.conf" >"$RUN/slapd.log" 2>&1 < /dev/null &
for _ in $(seq 1 50); do
  if ldapsearch -x -H "$URL" -b dc=example,dc=com -s base '(objectClass=*)' dn >/dev/null 2>&1; then
    log "slapd ready on $URL"
    exit 0
  fi
  sleep 0.2
done
log "slapd did not start:"; tail -20 "$RUN/slapd.log"; exit 1
