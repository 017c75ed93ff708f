#!/bin/sh
# mock-ca.sh DIR - a throwaway certificate authority and a server
# certificate for aksnet-mock --tls-cert/--tls-key, made with the openssl
# command line:
#   DIR/ca.pem      the CA certificate (give it to clients: --cacert, CURL_CA_BUNDLE,
#                   REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE)
#   DIR/ca.key      its key (0600)
#   DIR/server.pem  a server certificate for 127.0.0.1, ::1 and localhost, signed by the CA
#   DIR/server.key  its key (0600)
# Run again, it keeps what is there while the server certificate still
# verifies against the CA and stays valid for another day; otherwise it
# makes all four afresh.  Test material only: the keys are not protected.
set -eu

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
command -v openssl >/dev/null 2>&1 || { echo "$0: the openssl command is needed" >&2; exit 1; }
mkdir -p "$dir"

ca_pem=$dir/ca.pem ca_key=$dir/ca.key srv_pem=$dir/server.pem srv_key=$dir/server.key

# Everything there and still good: nothing to do.
if [ -s "$ca_pem" ] && [ -s "$ca_key" ] && [ -s "$srv_pem" ] && [ -s "$srv_key" ] &&
    openssl verify -CAfile "$ca_pem" "$srv_pem" >/dev/null 2>&1 &&
    openssl x509 -in "$srv_pem" -noout -checkend 86400 >/dev/null 2>&1; then
    chmod 600 "$ca_key" "$srv_key"
    echo "kept $ca_pem $ca_key $srv_pem $srv_key"
    exit 0
fi

umask 077
work=$(mktemp -d "$dir/.mock-ca.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

cat >"$work/server.ext" <<'EOF'
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
EOF

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
    -subj "/CN=aksnet-mock throwaway CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=127.0.0.1" \
    -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
openssl x509 -req -sha256 -days 30 -in "$work/server.csr" \
    -CA "$work/ca.pem" -CAkey "$work/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
openssl verify -CAfile "$work/ca.pem" "$work/server.pem" >/dev/null

chmod 600 "$work/ca.key" "$work/server.key"
chmod 644 "$work/ca.pem" "$work/server.pem"
# Keys first, so that a certificate never sits next to a key that is not its own for long.
for f in ca.key ca.pem server.key server.pem; do
    mv -f "$work/$f" "$dir/$f"
done
echo "wrote $ca_pem $ca_key $srv_pem $srv_key"
