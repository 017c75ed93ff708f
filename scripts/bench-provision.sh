#!/bin/sh
# bench-provision.sh - how fast aksnet runs the seed's procedure.
#   (a) `aksnet provision --dry-run` of examples/kubenet.json: wall time, peak
#       RSS (the mock runs in the same process), requests; median of RUNS.
#   (b) against aksnet-mock with --lro-seconds 1: wall time against the
#       critical path of the graph, three long-running operations in a chain
#       (route table -> VNet -> cluster; the group, identity and role
#       assignments are synchronous): 3 s.
# Writes build/bench/provision.md.  Loopback only; bounded (< 1 minute).
set -eu
cd "$(dirname "$0")/.."
AKSNET=${1:-build/aksnet}
MOCK=$(dirname "$AKSNET")/aksnet-mock
RUNS=${BENCH_RUNS:-5}
OUT=build/bench
mkdir -p "$OUT"
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$tmp/time.$i" "$AKSNET" provision --dry-run -f examples/kubenet.json \
        >"$tmp/out.$i" 2>/dev/null
    awk '{print $1}' "$tmp/time.$i" >>"$tmp/wall"
    awk '{print $2}' "$tmp/time.$i" >>"$tmp/rss"
    grep -cE '^(GET|PUT|POST|DELETE) ' "$tmp/out.$i" >>"$tmp/requests"
done
dry_wall=$(median <"$tmp/wall")
dry_rss=$(median <"$tmp/rss")
dry_req=$(median <"$tmp/requests")

: >"$tmp/lro"
for i in $(seq "$RUNS"); do
    fifo=$tmp/mock.$i
    mkfifo "$fifo"
    "$MOCK" --lro-seconds 1 --client-secret bench=bench-secret --journal "$tmp/journal.$i" >"$fifo" 2>/dev/null &
    pid=$!
    read -r line <"$fifo"
    url=${line##* }
    start=$(date +%s.%N)
    AZURE_TENANT_ID=00000000-0000-0000-0000-000000000001 AZURE_CLIENT_ID=bench AZURE_CLIENT_SECRET=bench-secret \
        "$AKSNET" provision -f examples/kubenet.json --arm-endpoint "$url" --authority-host "$url" >/dev/null 2>&1
    end=$(date +%s.%N)
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    echo "$end $start" | awk '{printf "%.3f\n", $1 - $2}' >>"$tmp/lro"
    wc -l <"$tmp/journal.$i" >>"$tmp/lro_requests"
done
lro_wall=$(median <"$tmp/lro")
lro_req=$(median <"$tmp/lro_requests")
ratio=$(echo "$lro_wall" | awk '{printf "%.3f", $1 / 3.0}')

{
    echo "# aksnet provision, seed plan (examples/kubenet.json)"
    echo
    echo "Measured by \`make bench\` (scripts/bench-provision.sh), median of $RUNS runs, $(nproc) cores."
    echo
    echo "| run | wall time | peak RSS | requests |"
    echo "|---|---|---|---|"
    echo "| provision --dry-run (mock in-process, 0.05 s operations) | ${dry_wall} s | ${dry_rss} KiB | ${dry_req} |"
    echo "| provision against aksnet-mock, --lro-seconds 1 | ${lro_wall} s | | ${lro_req} |"
    echo
    echo "Critical path with 1 s operations: route table -> VNet -> cluster = 3 s; wall / critical path = ${ratio}."
} | tee "$OUT/provision.md"
