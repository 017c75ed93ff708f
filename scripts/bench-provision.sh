#!/bin/sh
# bench-provision.sh - how fast aksnet runs the seed's procedure.
#   `aksnet provision --dry-run` of examples/kubenet.json: wall time, peak
#   RSS (the mock runs in the same process, writes answered synchronously),
#   requests; median of RUNS.  Against a separate aksnet-mock, with 1 s
#   operations and beside the Azure CLI and the JS SDK: scripts/bench-clients.sh.
# Writes build/bench/provision.md.  Loopback only; bounded (a few seconds).
set -eu
cd "$(dirname "$0")/.."
AKSNET=${1:-build/aksnet}
RUNS=${BENCH_RUNS:-5}
OUT=build/bench
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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

{
    echo "# aksnet provision, seed plan (examples/kubenet.json)"
    echo
    echo "Measured by \`make bench\` (scripts/bench-provision.sh), median of $RUNS runs, $(nproc) cores."
    echo
    echo "| run | wall time | peak RSS | requests |"
    echo "|---|---|---|---|"
    echo "| provision --dry-run (mock in-process, synchronous writes) | ${dry_wall} s | ${dry_rss} KiB | ${dry_req} |"
} | tee "$OUT/provision.md"
