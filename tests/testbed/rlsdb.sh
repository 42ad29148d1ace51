#!/usr/bin/env bash
# Fresh db_text tables for Kamailio's resource list server (kamailio.cfg RLSDBURL = <bed>/run/rlsdb), created empty at
# each Kamailio start: its list subscriptions live in memory, so what an earlier instance wrote back is stale (and
# db_text cannot read back the empty "reason" it wrote as NULL). The xcap table (the lists themselves) is in
# kamailio.sqlite. Used by start.sh (bed on 127.0.0.1) and remote/kamailio.sh (the namespace bed). Usage: rlsdb.sh BED
set -eu
B=$1
T=/usr/share/kamailio/dbtext/kamailio
rm -rf "$B/run/rlsdb"; mkdir -p "$B/run/rlsdb"
sed 's/reason(string)/reason(string,null)/' $T/rls_presentity > "$B/run/rlsdb/rls_presentity"
sed 's/reason(string)/reason(string,null)/' $T/rls_watchers > "$B/run/rlsdb/rls_watchers"
{ head -1 $T/version; grep -E '^0:(version|rls_presentity|rls_watchers):' $T/version; } > "$B/run/rlsdb/version"
