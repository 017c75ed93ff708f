#!/bin/sh
# memcheck.sh BINARY - run the release aksnet under valgrind on every example
# and on bad input; fail on any memory error or leak.
#
#   scripts/memcheck.sh build/aksnet        (what `make memcheck` runs)
#
# One line per case; the last line is "memcheck: N cases, no leaks".  Each
# case also checks the tool's own exit code, so a crash is not mistaken for a
# clean run.  Run from the repository root (examples/ is read from there).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 BINARY" >&2
    exit 2
fi
bin=$1
case $bin in
    */*) ;;
    *) bin=./$bin ;;
esac
if [ ! -x "$bin" ]; then
    echo "memcheck: $bin is not an executable (run make first)" >&2
    exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "memcheck: valgrind is not installed (scripts/install-deps.sh installs it)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aksnet-memcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cases=0
failed=0

# run NAME EXPECTED_EXIT [STDIN_FILE] -- ARGS...
run() {
    name=$1
    want=$2
    shift 2
    input=/dev/null
    if [ "$1" != "--" ]; then
        input=$1
        shift
    fi
    shift # --
    cases=$((cases + 1))
    log=$tmp/valgrind.$cases.log
    rc=0
    # A dry run's aksnet-mock child runs natively (mock_case below checks the mock under valgrind).
    valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 -q \
        --log-file="$log.%p" "$bin" "$@" <"$input" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" -eq 99 ] || [ -n "$(cat "$log".* 2>/dev/null)" ]; then
        echo "FAIL $name: valgrind reports errors or leaks (exit $rc)"
        cat "$log".*
        failed=$((failed + 1))
    elif [ "$rc" -ne "$want" ]; then
        echo "FAIL $name: exit $rc, expected $want"
        sed 's/^/    stderr: /' "$tmp/err" | head -n 20
        failed=$((failed + 1))
    else
        echo "ok   $name (exit $rc)"
    fi
}

# ---- inputs ----------------------------------------------------------------
: >"$tmp/empty.json"
# Bytes from a fixed generator (an LCG in awk), NULs included: the same every run.
LC_ALL=C awk 'BEGIN { x = 12345; for (i = 0; i < 4096; i++) { x = (x * 1103515245 + 12345) % 2147483648;
     printf "%c", (i % 61 == 7) ? 0 : int(x / 65536) % 256 } }' </dev/null >"$tmp/garbage.bin"
printf '{\n  "location": "chinaeast2",\n  "cluster": {"name": "c"' >"$tmp/truncated.json"
# Several errors at once: max pods, pod range in the VNet, DNS IP outside the
# service range, a Windows pool, azure network policy, a bad subnet prefix.
cat >"$tmp/invalid.json" <<'EOF'
{
  "cloud": "AzureChinaCloud",
  "subscriptionId": "00000000-0000-0000-0000-000000000000",
  "location": "chinaeast2",
  "resourceGroup": "myResourceGroup",
  "network": {
    "vnet": {"name": "myAKSVnet", "addressPrefixes": ["192.168.0.0/16"]},
    "subnet": {"name": "myAKSSubnet", "addressPrefix": "192.168.1.5/24"}
  },
  "identity": {"type": "UserAssigned", "name": "myIdentity"},
  "cluster": {
    "name": "myAKSCluster",
    "networkPolicy": "azure",
    "podCidr": "192.168.128.0/17",
    "dnsServiceIp": "10.1.0.10",
    "nodePools": [{"name": "nodepool1", "count": 3, "mode": "System", "maxPods": 111},
                  {"name": "win", "count": 2, "mode": "User", "osType": "Windows"}],
    "unknownKey": true
  }
}
EOF

# ---- cases -------------------------------------------------------------------
for plan in examples/*.json; do
    run "validate $plan" 0 -- validate -f "$plan"
    run "validate $plan -o json" 0 -- validate -f "$plan" -o json
done
run "validate -f - (stdin)" 0 examples/kubenet.json -- validate -f -
run "validate invalid plan" 1 -- validate -f "$tmp/invalid.json"
run "validate invalid plan -o json" 1 -- validate -f "$tmp/invalid.json" -o json
run "validate empty file" 1 -- validate -f "$tmp/empty.json"
run "validate missing file" 1 -- validate -f "$tmp/no-such-plan.json"
run "validate missing file -o json" 1 -- validate -f "$tmp/no-such-plan.json" -o json
run "validate garbage" 1 -- validate -f "$tmp/garbage.bin"
run "validate truncated JSON" 1 -- validate -f "$tmp/truncated.json"
run "validate a directory" 1 -- validate -f "$tmp"
run "validate flags only" 0 -- validate --subscription 00000000-0000-0000-0000-000000000000 \
    -l chinaeast2 --cloud AzureChinaCloud -g rg1 -n aks1
run "validate flags over a file" 1 -- validate -f examples/kubenet.json --max-pods 111 \
    --vnet-subnet-id garbage -o json
run "capacity kubenet" 0 -- capacity --subnet-prefix 192.168.1.0/24 --network-plugin kubenet
run "capacity kubenet -o json" 0 -- capacity --subnet-prefix 192.168.1.0/24 --network-plugin kubenet -o json
run "capacity azure" 0 -- capacity --subnet-prefix 192.168.1.0/24 --network-plugin azure --max-pods 30
run "capacity azure -o json" 0 -- capacity --subnet-prefix 192.168.1.0/24 --network-plugin azure \
    --max-pods 30 -o json
run "capacity bad prefix" 2 -- capacity --subnet-prefix 192.168.1.5/24
run "capacity --nodes" 0 -- capacity --nodes 25
run "capacity --nodes -o json" 0 -- capacity --nodes 251 --max-surge 0 -o json
run "capacity --nodes over kubenet's 400" 2 -- capacity --nodes 401
cat >"$tmp/open.json" <<'EOF'
{"subscriptionId": "00000000-0000-0000-0000-000000000000", "location": "chinaeast2", "resourceGroup": "rg",
 "network": {"vnet": {"addressPrefixes": ["192.168.0.0/16"]}, "avoidPrefixes": ["10.0.0.0/8"]},
 "cluster": {"name": "aks", "nodePools": [{"name": "nodepool1", "count": 25}]}}
EOF
run "suggest" 0 -- suggest -f "$tmp/open.json" --taken 192.168.0.0/24
run "suggest -o json --write -" 0 -- suggest -f "$tmp/open.json" -o json --write -
run "suggest --write FILE" 0 -- suggest -f "$tmp/open.json" --write "$tmp/completed.json"
run "suggest --write an existing file" 2 -- suggest -f "$tmp/open.json" --write "$tmp/completed.json"
run "suggest: nothing fits" 1 -- suggest -f "$tmp/open.json" --taken 192.168.0.0/16
run "suggest: a bad --taken" 2 -- suggest -f "$tmp/open.json" --taken 10.0.0.1/8
run "suggest: an unreadable plan" 1 -- suggest -f "$tmp/truncated.json"
run "usage: unknown flag" 2 -- validate --frobnicate
run "usage: no command" 2 --
run "version" 0 -- version
run "whoami --dry-run (aksnet-mock child)" 0 -- whoami --dry-run
run "provision --dry-run (the seed plan)" 0 -- provision --dry-run -f examples/kubenet.json
run "plan --dry-run -o json" 0 -- plan --dry-run -f examples/kubenet.json -o json
# A fleet: two plans checked together, found in conflict, then run through one client.
run "validate a fleet (a shared route table)" 1 -- validate --plans tests/data/fleets/route-table-shared
run "validate -f -f -o json" 0 -- validate -f tests/data/fleets/vnet-overlap.adjacent/a.json \
    -f tests/data/fleets/vnet-overlap.adjacent/b.json -o json
run "provision --dry-run --plans (a fleet of 2)" 0 -- provision --dry-run --plans tests/data/fleets/pod-overlap.other-vnets \
    --parallel 2

# The mock program: serve a token, a group and a failed request under valgrind, then SIGTERM.
mock_case() {
    cases=$((cases + 1))
    mock=$(dirname "$bin")/aksnet-mock
    fifo=$tmp/mock.out
    mkfifo "$fifo"
    valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
        "$mock" --client-secret app=s3cret --journal "$tmp/journal.jsonl" --state "$tmp/state.json" \
        >"$fifo" 2>"$tmp/mock.err" &
    pid=$!
    read -r line <"$fifo"   # "aksnet-mock listening on URL": the server is up
    url=${line##* }
    tok=$(curl -s -X POST "$url/t1/oauth2/v2.0/token" \
        -d 'grant_type=client_credentials&client_id=app&client_secret=s3cret&scope=x%2F.default' |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    curl -s -o /dev/null -X PUT -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
        -d '{"location":"chinaeast2"}' "$url/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1?api-version=2021-04-01"
    curl -s -o /dev/null -X PUT -d '{not json' "$url/subscriptions/x/resourcegroups/rg2?api-version=2021-04-01"
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "ok   aksnet-mock: token, group, bad request, SIGTERM (exit 0)"
    else
        echo "FAIL aksnet-mock (exit $rc)"
        cat "$tmp/mock.err"
        failed=$((failed + 1))
    fi
}
if command -v curl >/dev/null 2>&1; then
    mock_case
fi

if [ "$failed" -ne 0 ]; then
    echo "memcheck: $failed of $cases cases failed"
    exit 1
fi
echo "memcheck: $cases cases, no leaks"
