#!/bin/sh
# bench-clients.sh - the seed's procedure by three clients against the same
# aksnet-mock binary on this machine, in one run:
#   az      the Azure CLI (scripts/conformance/az-seed.sh: az login ... az aks create)
#   js      the Azure SDK for JavaScript (scripts/conformance/js/seed.mjs)
#   aksnet  `aksnet provision -f scripts/conformance/seed-plan.json`
# Each run gets a fresh mock (HTTPS, a random client secret) and is timed
# alone by GNU time: wall, CPU (user+sys, child processes included), peak RSS
# (the largest process), and the requests the mock's journal counted; wall
# time by the clock in nanoseconds around the run.
# Median of BENCH_RUNS (default 5) runs each, first with operations answered
# synchronously (--lro-seconds 0), then with every long-running operation
# taking 1 s, where the wall time is set against the graph's critical path
# (RG -> route table -> VNet -> role -> cluster: three 1 s operations).
# A run whose journal shows a refusal or a missing resource fails the bench.
# Writes build/bench/clients.md (docs/benchmarks.md is a copy, committed).
set -eu
cd "$(dirname "$0")/.."
CF_NAME=bench-clients
. scripts/conformance/lib.sh
RUNS=${BENCH_RUNS:-5}
TOOLS=${BENCH_TOOLS:-az js aksnet}
CRITICAL=3

scripts/install-deps.sh bench conformance
cf_build
case " $TOOLS " in
    *" js "*) [ -d scripts/conformance/js/node_modules ] ||
        (cd scripts/conformance/js && npm ci --no-audit --no-fund >&2) || cf_die "npm ci failed" ;;
esac
cf_workdir
export CF_QUIET=1

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run_once TOOL LRO: one timed run; appends "wall cpu rss requests" to $CF_DIR/TOOL.LRO
run_once() {
    cf_start_mock "$2"
    [ "$1" = az ] && cf_az_setup >/dev/null
    before=$(wc -l <"$CF_JOURNAL")
    case $1 in
        az) set -- "$1" "$2" sh scripts/conformance/az-seed.sh ;;
        js) set -- "$1" "$2" env AKSNET_MOCK_URL="$CF_URL" NODE_EXTRA_CA_CERTS="$CF_CA" \
                node scripts/conformance/js/seed.mjs ;;
        aksnet) set -- "$1" "$2" "$CF_AKSNET" provision -f scripts/conformance/seed-plan.json \
                --arm-endpoint "$CF_URL" --authority-host "$CF_URL" --cacert "$CF_CA" --output json ;;
    esac
    tool=$1 lro=$2
    shift 2
    t0=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o "$CF_DIR/time" "$@" >"$CF_DIR/out" 2>"$CF_DIR/err" ||
        { cat "$CF_DIR/err" >&2; cf_die "$tool failed"; }
    t1=$(date +%s%N)
    cf_check_journal "$((before + 1))" 2>/dev/null || cf_die "$tool: the mock refused requests"
    cf_expect_seed_puts "$((before + 1))"
    requests=$(($(wc -l <"$CF_JOURNAL") - before))
    awk -v r="$requests" -v ns=$((t1 - t0)) '{printf "%.3f %.2f %d %d\n", ns / 1e9, $1 + $2, $3, r}' \
        "$CF_DIR/time" >>"$CF_DIR/$tool.$lro"
    cf_stop_mock
}

for lro in 0 1; do
    for tool in $TOOLS; do
        for i in $(seq "$RUNS"); do
            run_once "$tool" "$lro"
        done
        cf_say "$tool, --lro-seconds $lro: $(awk '{print $1}' "$CF_DIR/$tool.$lro" | tr '\n' ' ')s"
    done
done

col() { awk -v c="$1" '{print $c}' "$2" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {r = b > 0 ? a / b : 0; printf (r >= 10 ? "%.0f" : "%.1f"), r}'; }
mkdir -p build/bench
{
    echo "# The seed's procedure by three clients against aksnet-mock"
    echo
    echo "Measured by \`make bench\` (\`scripts/bench-clients.sh\`, median of $RUNS runs each, one fresh"
    echo "\`aksnet-mock\` over HTTPS per run), $(nproc) cores, $(date -u +%Y-%m-%d)."
    echo "Clients: Debian's azure-cli $(az version --query '"azure-cli"' -o tsv 2>/dev/null),"
    echo "Node.js $(node --version) with the packages pinned in \`scripts/conformance/js/package.json\`,"
    echo "aksnet $("$CF_AKSNET" version 2>/dev/null | head -1 | awk '{print $NF}')."
    echo
    echo "## Operations answered synchronously (\`--lro-seconds 0\`)"
    echo
    echo "| client | wall s | CPU s | peak RSS MB | requests | aksnet is faster by |"
    echo "|---|---:|---:|---:|---:|---:|"
    aw=$(col 1 "$CF_DIR/aksnet.0")
    for tool in $TOOLS; do
        f=$CF_DIR/$tool.0
        w=$(col 1 "$f")
        printf '| %s | %s | %s | %.1f | %s | %s× |\n' "$tool" "$w" "$(col 2 "$f")" \
            "$(col 3 "$f" | awk '{print $1 / 1024}')" "$(col 4 "$f")" "$(ratio "$w" "$aw")"
    done
    echo
    echo "## Every long-running operation takes 1 s (\`--lro-seconds 1\`); critical path ${CRITICAL} s"
    echo
    echo "| client | wall s | CPU s | requests | wall / critical path |"
    echo "|---|---:|---:|---:|---:|"
    for tool in $TOOLS; do
        f=$CF_DIR/$tool.1
        w=$(col 1 "$f")
        printf '| %s | %s | %s | %s | %s |\n' "$tool" "$w" "$(col 2 "$f")" "$(col 4 "$f")" \
            "$(awk -v w="$w" -v c="$CRITICAL" 'BEGIN {printf "%.3f", w / c}')"
    done
} >build/bench/clients.md
cat build/bench/clients.md
