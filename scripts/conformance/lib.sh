# scripts/conformance/lib.sh - what both conformance runs share: a throwaway
# CA, aksnet-mock over HTTPS with a random client secret, its journal, and the
# cross-check with aksnet.  Sourced (POSIX sh) by conformance-az.sh and
# conformance-js.sh from the project root.
#
# After cf_start_mock:  CF_DIR (temp dir), CF_URL (https://127.0.0.1:PORT),
# CF_CA (the CA certificate), CF_JOURNAL, AZURE_TENANT_ID, AZURE_CLIENT_ID,
# AZURE_CLIENT_SECRET, AZURE_SUBSCRIPTION_ID (exported).

CF_MOCK=${AKSNET_MOCK_BIN:-build/aksnet-mock}
CF_AKSNET=${AKSNET_BIN:-build/aksnet}
CF_SUB=00000000-0000-0000-0000-000000000000
CF_RG=myResourceGroup
CF_PID=""

cf_say() { printf '%s: %s\n' "${CF_NAME:-conformance}" "$*" >&2; }
cf_die() { cf_say "FAIL: $*"; exit 1; }

# Build the binaries if a fresh clone has none yet.
cf_build() {
    if [ ! -x "$CF_MOCK" ] || [ ! -x "$CF_AKSNET" ]; then
        make -s all >&2 || cf_die "make all failed"
    fi
}

# A fresh temp dir, removed (with the mock stopped) on exit unless
# AKSNET_CONFORMANCE_KEEP is set, in which case its path is printed.
cf_workdir() {
    CF_DIR=$(mktemp -d "${TMPDIR:-/tmp}/aksnet-conformance.XXXXXX")
    trap 'cf_cleanup' EXIT
    trap 'exit 1' HUP INT TERM
}

cf_cleanup() {
    cf_stop_mock
    if [ -n "${AKSNET_CONFORMANCE_KEEP:-}" ]; then
        cf_say "kept $CF_DIR"
    else
        rm -rf "$CF_DIR"
    fi
}

# A random GUID without uuidgen (not on every machine).
cf_guid() {
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' |
        sed 's/^\(.\{8\}\)\(.\{4\}\).\(.\{3\}\).\(.\{3\}\)\(.\{12\}\)$/\1-\2-4\3-a\4-\5/'
}

# cf_start_mock LRO_SECONDS: the CA, the mock on an ephemeral loopback port,
# and the client's environment.  The secret is random and lives only in this
# run (the mock takes it from a 0600 file, never from argv).
cf_start_mock() {
    sh scripts/mock-ca.sh "$CF_DIR/ca" >/dev/null || cf_die "scripts/mock-ca.sh failed"
    CF_CA=$CF_DIR/ca/ca.pem
    CF_JOURNAL=$CF_DIR/journal.jsonl
    AZURE_TENANT_ID=$(cf_guid)
    AZURE_CLIENT_ID=$(cf_guid)
    AZURE_CLIENT_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    AZURE_SUBSCRIPTION_ID=$CF_SUB
    export AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_SUBSCRIPTION_ID
    (umask 077 && printf '%s' "$AZURE_CLIENT_SECRET" >"$CF_DIR/secret")
    rm -f "$CF_DIR/port" "$CF_JOURNAL"
    # CF_PLAIN=1: plain HTTP (loopback only), to see what TLS costs.
    tls="--tls-cert $CF_DIR/ca/server.pem --tls-key $CF_DIR/ca/server.key"
    [ -z "${CF_PLAIN:-}" ] || tls=""
    # shellcheck disable=SC2086 # $tls is two options or none; mktemp's path has no spaces
    "$CF_MOCK" --listen 127.0.0.1:0 --port-file "$CF_DIR/port" $tls \
        --client-secret "$AZURE_CLIENT_ID=@$CF_DIR/secret" --journal "$CF_JOURNAL" \
        --lro-seconds "$1" --subscription "$CF_SUB" >"$CF_DIR/mock.log" 2>&1 &
    CF_PID=$!
    i=0
    while [ ! -s "$CF_DIR/port" ]; do
        kill -0 "$CF_PID" 2>/dev/null || { cat "$CF_DIR/mock.log" >&2; cf_die "aksnet-mock did not start"; }
        i=$((i + 1)); [ "$i" -gt 200 ] && cf_die "aksnet-mock did not write its port in 10 s"
        sleep 0.05
    done
    CF_URL=$([ -n "${CF_PLAIN:-}" ] && echo http || echo https)://127.0.0.1:$(cat "$CF_DIR/port")
    [ -n "${CF_QUIET:-}" ] || cf_say "aksnet-mock at $CF_URL (journal $CF_JOURNAL)"
}

# The journal as "METHOD STATUS PATH" lines, from line $1 on (default 1).
cf_journal_lines() {
    tail -n "+${1:-1}" "$CF_JOURNAL" | jq -r '"\(.method) \(.status) \(.path)"'
}

# Every request the client sent was answered with a success, or a GET with
# 404 (a read before a write): any other 4xx or 5xx in the journal means the
# mock refused what ARM accepts (or the client erred).
cf_check_journal() {
    bad=$(tail -n "+${1:-1}" "$CF_JOURNAL" | jq -r 'select(.status >= 400 and (.method != "GET" or .status != 404)) | "\(.method) \(.status) \(.path) \(.responseBody.error.code // "")"')
    [ -z "$bad" ] || { printf '%s\n' "$bad" >&2; cf_die "the mock refused requests (above)"; }
    cf_say "journal: $(tail -n "+${1:-1}" "$CF_JOURNAL" | jq -r '"\(.method) \(.status)"' | sort | uniq -c |
        awk '{printf "%s%s %s x%s", sep, $2, $3, $1; sep=", "}')"
}

# cf_expect_put PATH-SUFFIX: the client created or updated that resource
# (a PUT answered 200 or 201), as the seed's step requires.
cf_expect_put() {
    tail -n "+${2:-1}" "$CF_JOURNAL" | jq -s -e --arg s "$1" \
        'any(.[]; .method == "PUT" and (.status == 200 or .status == 201) and
                (.path | ascii_downcase | gsub("//"; "/") | endswith($s | ascii_downcase)))' >/dev/null ||
        cf_die "no successful PUT of ...$1 in the journal"
}

# The seed's resources, each as the journal must show it written.
cf_expect_seed_puts() {
    for s in "/resourcegroups/$CF_RG" \
        "/providers/Microsoft.Network/virtualNetworks/myAKSVnet" \
        "/providers/Microsoft.Network/routeTables/myAKSRouteTable" \
        "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity" \
        "/providers/Microsoft.ContainerService/managedClusters/myAKSCluster"; do
        cf_expect_put "$s" "$@"
    done
    # The subnet associated with the route table: by a PUT of the subnet (the
    # seed's way) or of the VNet with the subnet inline (aksnet's).
    tail -n "+${1:-1}" "$CF_JOURNAL" | jq -s -e 'any(.[]; .method == "PUT" and .status < 300 and
        (.path | test("/virtualNetworks/myAKSVnet(/subnets/myAKSSubnet)?$"; "i")) and
        ([.requestBody | .. | objects | select(.name? == "myAKSSubnet" or .addressPrefix? != null)
          | .. | objects | .routeTable?.id? // empty] | length > 0))' >/dev/null ||
        cf_die "the subnet was never associated with the route table"
    tail -n "+${1:-1}" "$CF_JOURNAL" | jq -s -e 'any(.[]; .method == "PUT" and .status == 201 and
        (.path | test("/virtualNetworks/myAKSVnet/providers/Microsoft.Authorization/roleAssignments/")))' \
        >/dev/null || cf_die "no Network Contributor role assignment on the VNet in the journal"
}

# cf_crosscheck: aksnet on scripts/conformance/seed-plan.json (the seed's
# resources as aksnet would make them) against what the client made.
#  1. `aksnet plan` finds every resource present (no "create") and prints what
#     differs from aksnet's own plan;
#  2. `aksnet provision` brings them to the plan: the journal shows no PUT
#     answered 201 (a creation) and no DELETE;
#  3. `aksnet plan` again: every resource equal.
cf_crosscheck() {
    set -- -f scripts/conformance/seed-plan.json --arm-endpoint "$CF_URL" --authority-host "$CF_URL" \
        --cacert "$CF_CA" --output json
    "$CF_AKSNET" plan "$@" >"$CF_DIR/plan1.jsonl" || cf_die "aksnet plan failed (exit $?)"
    created=$(jq -r 'select(.state == "create") | "  \(.step): \(.resource)"' "$CF_DIR/plan1.jsonl")
    [ -z "$created" ] || { printf '%s\n' "$created" >&2; cf_die "aksnet plan would create what the client made (above)"; }
    cf_say "aksnet plan: every resource present; what differs from aksnet's plan:"
    jq -r 'select(.state == "update" or .state == "no-op") | "  \(.step): \(.state) \(.status)"' \
        "$CF_DIR/plan1.jsonl" >&2

    mark=$(($(wc -l <"$CF_JOURNAL") + 1))
    "$CF_AKSNET" provision "$@" >"$CF_DIR/provision.jsonl" || cf_die "aksnet provision failed (exit $?)"
    recreated=$(cf_journal_lines "$mark" | awk '($1 == "PUT" && $2 == 201) || $1 == "DELETE"')
    [ -z "$recreated" ] || { printf '%s\n' "$recreated" >&2; cf_die "aksnet provision created or deleted (above)"; }
    cf_check_journal "$mark"
    cf_say "aksnet provision: $(cf_journal_lines "$mark" | awk '$1 == "PUT"' | wc -l) updates in place, nothing recreated"

    "$CF_AKSNET" plan "$@" >"$CF_DIR/plan2.jsonl" || cf_die "the second aksnet plan failed (exit $?)"
    left=$(jq -r 'select(.state == "create" or .state == "update") | "  \(.step): \(.state) \(.status)"' \
        "$CF_DIR/plan2.jsonl")
    [ -z "$left" ] || { printf '%s\n' "$left" >&2; cf_die "after provision, aksnet plan still differs (above)"; }
    cf_say "aksnet plan after provision: every resource as planned"
}

# An isolated Azure CLI pointed at the mock: its own config dir, the mock's CA
# plus the system's, no telemetry; the mock registered as a cloud whose
# active directory is $CF_URL/adfs (an ADFS-style authority is how the CLI's
# MSAL skips its instance discovery on the internet).
cf_az_setup() {
    export AZURE_CONFIG_DIR="$CF_DIR/az" AZURE_CORE_COLLECT_TELEMETRY=no AZURE_CORE_NO_COLOR=1 \
        AZURE_CORE_ONLY_SHOW_ERRORS=1 AZURE_CORE_OUTPUT=none
    cat "$CF_CA" /etc/ssl/certs/ca-certificates.crt >"$CF_DIR/bundle.pem"
    export REQUESTS_CA_BUNDLE="$CF_DIR/bundle.pem"
    rm -rf "$AZURE_CONFIG_DIR"
    az cloud register -n AksnetMock --endpoint-resource-manager "$CF_URL/" \
        --endpoint-active-directory "$CF_URL/adfs" --endpoint-active-directory-resource-id "$CF_URL/" \
        --endpoint-active-directory-graph-resource-id "$CF_URL/" --endpoint-management "$CF_URL/" &&
        az cloud set -n AksnetMock || cf_die "az cloud register failed"
}

# Stop the mock started by cf_start_mock (cf_cleanup does it on exit too).
cf_stop_mock() {
    [ -n "$CF_PID" ] && kill "$CF_PID" 2>/dev/null && wait "$CF_PID" 2>/dev/null
    CF_PID=""
}

# With long-running operations, the client followed them: it polled an
# Azure-AsyncOperation URL until it said Succeeded.
cf_expect_polls() {
    tail -n "+${1:-1}" "$CF_JOURNAL" | jq -s -e 'any(.[]; .method == "GET" and .status == 200 and
        (.path | test("/providers/[^/]+/locations/[^/]+/operations/")) and .responseBody.status == "Succeeded")' \
        >/dev/null || cf_die "the client never followed a long-running operation to its end"
    cf_say "the client followed $(tail -n "+${1:-1}" "$CF_JOURNAL" | jq -r 'select(.method == "GET" and
        (.path | test("/locations/[^/]+/operations/"))) | .path' | sort -u | wc -l) long-running operations"
}
