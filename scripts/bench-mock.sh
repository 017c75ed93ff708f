#!/bin/sh
# bench-mock.sh - load aksnet-mock over loopback with wrk and report what it
# sustains: (a) GET of a resource group with a bearer token, (b) POST token
# requests (client credentials).  16 connections, 2 threads, BENCH_SECONDS
# (10) each; prints a table of requests/s, p50, p99 and errors and writes it
# to build/bench/mock.md.
#
#   scripts/bench-mock.sh [MOCK-BINARY]     (default: builds build/aksnet-mock)
#
# Loopback only; the mock is stopped on exit, whatever happens.  Aim: 20,000
# GETs a second on 2 cores (issue 3).
set -eu

cd "$(dirname "$0")/.."
MOCK=${1:-build/aksnet-mock}
DURATION=${BENCH_SECONDS:-10}
CONNECTIONS=16
THREADS=2
OUT=build/bench
SUB=00000000-0000-0000-0000-000000000000
TENANT=00000000-0000-0000-0000-000000000001
export BENCH_CLIENT_ID=bench-client BENCH_CLIENT_SECRET=bench-secret

scripts/install-deps.sh bench
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    make -s "$MOCK"
fi

tmp=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$MOCK" --listen 127.0.0.1:0 --port-file "$tmp/port" \
    --client-secret "$BENCH_CLIENT_ID=$BENCH_CLIENT_SECRET" >"$tmp/mock.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/port" ]; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "bench-mock.sh: the mock did not start:" >&2
        cat "$tmp/mock.log" >&2
        exit 1
    fi
    sleep 0.05
done
URL="http://127.0.0.1:$(cat "$tmp/port")"

token=$(curl -sS --max-time 5 "$URL/$TENANT/oauth2/v2.0/token" \
    -d grant_type=client_credentials -d "client_id=$BENCH_CLIENT_ID" -d "client_secret=$BENCH_CLIENT_SECRET" \
    --data-urlencode scope=https://management.azure.com/.default |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
if [ -z "$token" ]; then
    echo "bench-mock.sh: no token from $URL/$TENANT/oauth2/v2.0/token" >&2
    exit 1
fi
RG_URL="$URL/subscriptions/$SUB/resourcegroups/bench-rg?api-version=2021-04-01"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"location":"eastus"}' "$RG_URL")
case "$code" in
    200 | 201) ;;
    *) echo "bench-mock.sh: creating the resource group answered $code" >&2; exit 1 ;;
esac

# run NAME wrk-args...: one wrk run, its output kept in $tmp/NAME.txt.
run() {
    name=$1
    shift
    echo "bench-mock.sh: $name, ${DURATION}s, $CONNECTIONS connections, $THREADS threads" >&2
    timeout $((DURATION + 15)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$tmp/$name.txt"
}

# row LABEL NAME: a table row from wrk's report (rps, p50, p99, socket errors + non-2xx/3xx answers).
row() {
    awk -v label="$1" '
        /Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = $2 }
        $1 == "99%" { p99 = $2 }
        /Socket errors:/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { errors += $5 }
        / requests in / { total = $1 }
        END { printf "| %-32s | %10.0f | %9s | %9s | %8d | %10d |\n", label, rps, p50, p99, errors, total }
    ' "$tmp/$2.txt"
}

run get -H "Authorization: Bearer $token" "$RG_URL"
run token -s scripts/bench/token.lua "$URL/$TENANT/oauth2/v2.0/token"

mkdir -p "$OUT"
{
    echo "# aksnet-mock under wrk"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, loopback, wrk $CONNECTIONS connections / $THREADS threads," \
        "${DURATION}s per row; target: 20000 GETs/s on 2 cores."
    echo
    echo "| request                          | requests/s |       p50 |       p99 |   errors |   requests |"
    echo "|----------------------------------|-----------:|----------:|----------:|---------:|-----------:|"
    row "GET resource group (bearer)" get
    row "POST token (client secret)" token
} >"$OUT/mock.md"
cat "$OUT/mock.md"
