#!/bin/sh
# make dry-run: the seed's example, offline.  Provisioning against the
# built-in mock is not built yet (issues #3 and #5); until it is, this
# validates the seed's plan and prints its subnet's capacity, which is the
# part of the procedure that needs no network.
set -eu
bin=${1:-build/aksnet}
plan=examples/kubenet.json

echo "== aksnet validate -f $plan"
"$bin" validate -f "$plan"
echo
echo "== aksnet capacity --subnet-prefix 192.168.1.0/24 --network-plugin kubenet"
"$bin" capacity --subnet-prefix 192.168.1.0/24 --network-plugin kubenet
echo
echo "== aksnet capacity --subnet-prefix 192.168.1.0/24 --network-plugin azure --max-pods 30"
"$bin" capacity --subnet-prefix 192.168.1.0/24 --network-plugin azure --max-pods 30
echo
echo "dry-run: provisioning against the built-in mock (aksnet provision --dry-run) is not built yet."
