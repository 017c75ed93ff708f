#!/usr/bin/env bash
# tests/checksrc/run.sh - self-test of scripts/checksrc.py.
#
# Each directory under cases/ is a tiny source tree (include/, src/, mocks/,
# tests/) plus a file "expect".  The tree is copied into a temporary
# directory, checksrc.py runs on it with --root, and the problems it reports,
# as "path:line: RULE", must be exactly the lines of expect (blank lines and
# "#" comments ignored; "files: N" also checks the number of files checked).
# An empty expect means the tree is clean: exit status 0, "0 problems".
#
# The fixtures are named *.c.in and *.h.in so that neither checksrc.py on the
# real tree nor the build picks them up; the copy drops the ".in".  Bytes that
# would not survive an editor are written as markers and put back on copy:
# @TAB@ a tab, @SP@ a blank, @CR@ a carriage return, "@NOEOL@" + newline at the
# end of a file: no newline there.
#
# Also checked: every rule of checksrc.py fires in some case, the default root
# is the parent of scripts/, and a missing --root is a usage error (status 2).
#
# Prints "checksrc-selftest: N passed, M failed"; exit status 1 on a failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
checker=${CHECKSRC:-$here/../../scripts/checksrc.py}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/checksrc-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; }

# materialize CASE_DIR DEST: the case's tree, markers replaced, without expect.
materialize() {
    python3 - "$1" "$2" <<'EOF'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
for dirpath, _, files in os.walk(src):
    for f in files:
        rel = os.path.relpath(os.path.join(dirpath, f), src)
        if rel == "expect":
            continue
        with open(os.path.join(dirpath, f), "rb") as fh:
            data = fh.read()
        data = data.replace(b"@TAB@", b"\t").replace(b"@SP@", b" ").replace(b"@CR@", b"\r")
        if data.endswith(b"@NOEOL@\n"):
            data = data[:-len(b"@NOEOL@\n")]
        out = os.path.join(dst, rel[:-3] if rel.endswith(".in") else rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as fh:
            fh.write(data)
EOF
}

# path:line: RULE of every problem line in checksrc.py's output, sorted.
problems() {
    sed -n 's/^\([^:]*\):\([0-9]*\):[0-9]*: .* \[\([A-Z]*\)\]$/\1:\2: \3/p' | LC_ALL=C sort
}

for dir in "$here"/cases/*/; do
    name=$(basename "$dir")
    root=$tmp/$name
    mkdir -p "$root"
    materialize "$dir" "$root"
    out=$(python3 "$checker" --root "$root" 2>&1)
    rc=$?
    want=$(grep -v -e '^#' -e '^files:' -e '^$' "$dir/expect" | LC_ALL=C sort)
    got=$(printf '%s\n' "$out" | problems)
    nwant=$(printf '%s' "$want" | grep -c . || true)
    why=
    [ "$got" = "$want" ] || why="problems differ"
    if [ "$nwant" -eq 0 ]; then
        [ "$rc" -eq 0 ] || why="${why:+$why; }exit status $rc, want 0"
    else
        [ "$rc" -eq 1 ] || why="${why:+$why; }exit status $rc, want 1"
    fi
    summary=$(printf '%s\n' "$out" | tail -n 1)
    case "$summary" in
        "checksrc: "*" files, $nwant problems") ;;
        *) why="${why:+$why; }last line \"$summary\", want \"checksrc: N files, $nwant problems\"" ;;
    esac
    files=$(sed -n 's/^files: *//p' "$dir/expect")
    if [ -n "$files" ] && [ "$summary" != "checksrc: $files files, $nwant problems" ]; then
        why="${why:+$why; }last line \"$summary\", want $files files"
    fi
    if [ -z "$why" ]; then
        pass "$name"
    else
        fail "$name: $why"
        echo "      want:"; printf '%s\n' "$want" | sed 's/^/        /'
        echo "      output:"; printf '%s\n' "$out" | sed 's/^/        /'
    fi
done

# Every rule the checker knows is exercised by some case.
rules=$(python3 -B -c '
import importlib.util, sys
spec = importlib.util.spec_from_file_location("checksrc", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
print("\n".join(sorted(mod.RULES)))' "$checker")
missing=
for r in $rules; do
    grep -q -- " $r\$" "$here"/cases/*/expect || missing="$missing $r"
done
if [ -n "$rules" ] && [ -z "$missing" ]; then
    pass "every rule fires in some case"
else
    fail "rules no case exercises:${missing:- (could not list the rules)}"
fi

# Without --root, the tree is the parent of the script's directory, wherever
# it is run from.
mkdir -p "$tmp/default/scripts"
cp "$checker" "$tmp/default/scripts/checksrc.py"
materialize "$here/cases/cppcomments" "$tmp/default"
out=$(cd / && python3 "$tmp/default/scripts/checksrc.py" 2>&1)
rc=$?
got=$(printf '%s\n' "$out" | problems | tr '\n' ' ')
if [ "$rc" -eq 1 ] && [ "$got" = "src/util/cpp.c:4: CPPCOMMENTS src/util/cpp.c:5: CPPCOMMENTS " ]; then
    pass "default root is the parent of scripts/"
else
    fail "default root: exit status $rc, output:"
    printf '%s\n' "$out" | sed 's/^/        /'
fi

# A root that is not there is a usage error, not a clean tree.
python3 "$checker" --root "$tmp/no-such-dir" >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 2 ]; then
    pass "missing --root exits 2"
else
    fail "missing --root: exit status $rc, want 2"
fi

echo "checksrc-selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
