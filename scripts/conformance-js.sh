#!/bin/sh
# conformance-js.sh - the seed's procedure by the official Azure SDK for
# JavaScript (scripts/conformance/js/seed.mjs: ClientSecretCredential with the
# mock as authority host and instance discovery off; every ARM client's
# endpoint the mock; NODE_EXTRA_CA_CERTS its throwaway CA) against
# aksnet-mock over HTTPS, then the cross-check with aksnet (see
# scripts/conformance/lib.sh).
#
#   scripts/conformance-js.sh            exit 0 when every step passed
#   LRO_SECONDS=0 scripts/...            writes answered synchronously (default 1: each
#                                        long-running operation runs 1 s, so the client polls it)
#   AKSNET_CONFORMANCE_KEEP=1            keep the temp dir (journal)
#   CF_SKIP_CROSSCHECK=1                 only the SDK's run
#
# The packages are pinned (exact versions, package-lock.json) and installed
# from the npm registry into scripts/conformance/js/node_modules (ignored by git).
set -eu
cd "$(dirname "$0")/.."
CF_NAME=conformance-js
. scripts/conformance/lib.sh

scripts/install-deps.sh js
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || cf_die "Node.js and npm are needed (apt-get install nodejs npm)"
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || cf_die "cannot install nodejs and npm"
fi
js=scripts/conformance/js
if [ ! -d "$js/node_modules" ] || [ "$js/package-lock.json" -nt "$js/node_modules" ]; then
    (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >&2) || cf_die "npm ci failed"
    touch "$js/node_modules"
fi
cf_build
cf_workdir
cf_start_mock "${LRO_SECONDS:-1}"

AKSNET_MOCK_URL=$CF_URL NODE_EXTRA_CA_CERTS=$CF_CA node "$js/seed.mjs" || cf_die "the SDK's run failed"

cf_check_journal
cf_expect_seed_puts
[ "${LRO_SECONDS:-1}" = 0 ] || cf_expect_polls
cf_say "the Azure SDK for JavaScript ran the seed's procedure: every call succeeded"

[ -n "${CF_SKIP_CROSSCHECK:-}" ] || cf_crosscheck
cf_say "PASS"
