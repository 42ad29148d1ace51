#!/bin/sh
# Test PKI for the remote bed (generated at start, never committed). usage: gencerts.sh DIR   (idempotent)
#   ca.crt / ca.key           test CA ("Receptionist Console Test CA")
#   server.crt / server.key   DNS pbx.test, sip1.pbx.test, sip2.pbx.test, IP 198.18.0.2, 198.18.0.3 (valid 10 years)
#   expired.crt / expired.key same names, same CA, validity 2020-01-01 .. 2021-01-01 (for negative tests)
#   (other.test resolves to 198.18.0.2 but is NOT in the certificate: a hostname-mismatch test)
set -e
D=$1; mkdir -p $D; cd $D
[ -f server.crt ] && [ -f expired.crt ] && exit 0
rm -rf ca.* server.* expired.* db; mkdir -p db; : > db/index.txt; echo 1000 > db/serial
SAN="DNS:pbx.test,DNS:sip1.pbx.test,DNS:sip2.pbx.test,IP:198.18.0.2,IP:198.18.0.3"
cat > openssl.cnf <<EOF
[ ca ]
default_ca = testca
[ testca ]
dir = $D
database = $D/db/index.txt
serial = $D/db/serial
new_certs_dir = $D/db
certificate = $D/ca.crt
private_key = $D/ca.key
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
[ anything ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = pbx.test
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_server ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = $SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
q() { "$@" >/dev/null 2>&1 || { echo "gencerts: failed: $*" >&2; "$@"; exit 1; }; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=Receptionist Console Test CA" \
  -config openssl.cnf -extensions v3_ca
for n in server expired; do
  q openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj "/CN=pbx.test" -config openssl.cnf
done
q openssl ca -batch -config openssl.cnf -extensions v3_server -in server.csr -out server.crt -days 3650 -notext
q openssl ca -batch -config openssl.cnf -extensions v3_server -in expired.csr -out expired.crt -notext \
  -startdate 20200101000000Z -enddate 20210101000000Z
rm -f server.csr expired.csr
chmod 600 *.key
