#!/bin/sh
# make dry-run: the seed's example, end to end, offline: validate it, show its
# subnet's capacity, then `aksnet provision --dry-run`, which starts the mock
# ARM and Entra ID server in-process on an ephemeral loopback port with a
# throwaway credential and runs the whole plan against it, printing each
# request it sends (stdout) and each step's progress (stderr).
set -eu
bin=${1:-build/aksnet}
plan=examples/kubenet.json

echo "== aksnet validate -f $plan"
"$bin" validate -f "$plan"
echo
echo "== aksnet capacity --subnet-prefix 192.168.1.0/24 --network-plugin kubenet"
"$bin" capacity --subnet-prefix 192.168.1.0/24 --network-plugin kubenet
echo
echo "== aksnet provision --dry-run -f $plan"
"$bin" provision --dry-run -f "$plan"
