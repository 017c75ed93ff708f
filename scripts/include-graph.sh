#!/bin/sh
# include-graph.sh - the layering as the compiler sees it: for every source
# file of the library, the tool and the mock, the headers `cc -MM` says it
# includes, folded into "folder -> folder" edges (a folder's own headers
# omitted).  Compare with docs/architecture.md's picture; the Makefile's
# LAYERS table makes any other edge a compile error.
#
#   scripts/include-graph.sh          # the edges, one per line
#   scripts/include-graph.sh --dot    # the same as a Graphviz digraph
set -eu
cd "$(dirname "$0")/.."
all="-Iinclude -Isrc/util -Isrc/http -Isrc/auth -Isrc/arm -Isrc/plan -Isrc/provision -Imocks"
cflags=$(pkg-config --cflags libcurl openssl libcjson libmicrohttpd 2>/dev/null || true)
folder() {
    case $1 in
        include/aksnet/*) echo "include/aksnet" ;;
        /*) echo "" ;;                     # system headers
        *) dirname "$1" ;;
    esac
}
edges=$(for src in src/*/*.c mocks/*.c; do
    from=$(dirname "$src")
    # shellcheck disable=SC2086
    cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $all $cflags -MM "$src" |
        tr ' \\' '\n\n' | grep '\.h$' | while read -r h; do
            to=$(folder "$h")
            if [ -n "$to" ] && [ "$to" != "$from" ]; then echo "$from -> $to"; fi
        done
done | sort -u)
if [ "${1:-}" = "--dot" ]; then
    echo "digraph aksnet {"
    echo "$edges" | sed 's/^\(.*\) -> \(.*\)$/  "\1" -> "\2";/'
    echo "}"
else
    echo "$edges"
fi
