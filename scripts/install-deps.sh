#!/bin/sh
# Install the Debian packages aksnet builds, tests and benchmarks with, and
# only those that are missing: a second run does nothing and says nothing.
# A fresh machine has stale package lists, so `apt-get update` runs once
# before the first install (never when nothing is missing).
set -eu

PACKAGES="build-essential pkg-config libcurl4-openssl-dev libssl-dev libcjson-dev libcmocka-dev
libmicrohttpd-dev valgrind cppcheck curl openssl python3 scdoc man-db groff-base"

# Extra groups a caller may ask for: `bench` adds the load tools, `fuzz` clang's libFuzzer,
# `conformance` the Azure CLI and jq, `js` jq (Node.js comes from the machine or conformance-js.sh).
for group in "$@"; do
    case "$group" in
        bench) PACKAGES="$PACKAGES wrk hyperfine time" ;;
        fuzz) PACKAGES="$PACKAGES clang libclang-rt-14-dev" ;;
        conformance) PACKAGES="$PACKAGES azure-cli jq" ;;
        js) PACKAGES="$PACKAGES jq" ;;
        *) echo "install-deps.sh: unknown group '$group' (known: bench, fuzz, conformance, js)" >&2; exit 2 ;;
    esac
done

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: missing Debian packages:$missing; run as root or install them" >&2
    exit 1
fi

echo "install-deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
