#!/bin/sh
# run.sh - what a packager and a user of the library see after `make
# install`: it installs into a temporary DESTDIR, then
#   - compiles tests/install/consumer.c against the installed headers with
#     `pkg-config --cflags --libs libaksnet` alone and runs it (plan,
#     validate, capacity, and a dry run against the installed aksnet-mock);
#   - checks that only the public headers were installed;
#   - renders the installed man pages with man(1) by name (MANPATH);
#   - sources the installed bash completion and asks `complete -p aksnet`;
#   - runs the installed `aksnet --version` and `aksnet help provision`.
# Prints a line per check and "install-test: N passed, M failed"; exit 1 on
# any failure.  Run from the repository root: `make install-test`.
set -eu

root=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aksnet-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
prefix=/usr
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  $1"; }

make -s install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
bin=$dest$prefix/bin

# pkg-config finds the installed .pc file; the sysroot puts DESTDIR before its paths.
export PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$dest"
flags=$(pkg-config --cflags --libs libaksnet) && ok "pkg-config --cflags --libs libaksnet: $flags" \
    || bad "pkg-config does not know libaksnet"
# shellcheck disable=SC2086
if cc -std=c11 -Wall -Wextra -Werror -o "$tmp/consumer" tests/install/consumer.c $flags 2>"$tmp/cc.log"; then
    ok "consumer.c compiles against the installed headers only"
else
    cat "$tmp/cc.log"
    bad "consumer.c does not compile against the installed headers"
fi
if [ -x "$tmp/consumer" ] && "$tmp/consumer" "$root/examples/kubenet.json" "$bin/aksnet-mock" >"$tmp/out" 2>&1 \
    && grep -q '^consumer: ok$' "$tmp/out"; then
    ok "consumer runs: $(grep -c . "$tmp/out") lines, $(grep provision: "$tmp/out")"
else
    cat "$tmp/out" 2>/dev/null || true
    bad "the consumer program failed"
fi

headers=$(cd "$dest$prefix/include" && find . -type f | sort | tr '\n' ' ')
want=$(cd "$root/include" && find . -type f -name '*.h' | sort | tr '\n' ' ')
[ "$headers" = "$want" ] && ok "installed headers are exactly include/aksnet/ ($headers)" \
    || bad "installed headers: $headers; expected $want"

for page in aksnet aksnet-mock; do
    if MANPATH="$dest$prefix/share/man" MANWIDTH=80 man -P cat "$page" 2>/dev/null | grep -q 'EXIT STATUS'; then
        ok "man $page renders from the installed tree"
    else
        bad "man $page does not render"
    fi
done

comp=$dest$prefix/share/bash-completion/completions/aksnet
if [ -f "$comp" ] && bash -c ". '$comp' && complete -p aksnet" >/dev/null 2>&1; then
    ok "bash completion installed: $(bash -c ". '$comp' && complete -p aksnet")"
else
    bad "bash completion not installed or not loadable"
fi
[ -f "$dest$prefix/share/zsh/vendor-completions/_aksnet" ] && ok "zsh completion installed" \
    || bad "zsh completion not installed"

"$bin/aksnet" --version | grep -q '^aksnet ' && ok "aksnet --version: $("$bin/aksnet" --version | head -1)" \
    || bad "aksnet --version"
[ "$("$bin/aksnet" help provision)" = "$("$bin/aksnet" provision --help)" ] \
    && ok "aksnet help provision equals aksnet provision --help" || bad "aksnet help provision differs"

echo "install-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
