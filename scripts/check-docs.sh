#!/usr/bin/env bash
# check-docs.sh BUILD_DIR - check the manual pages and the shell completions.
#
#  1. Builds docs/man/aksnet.1.scd and docs/man/aksnet-mock.1.scd with scdoc
#     into BUILD_DIR/man/ (fails clearly when scdoc is missing: apt-get
#     install scdoc).
#  2. Renders each with `man -l` (no pager) and checks that it has NAME,
#     SYNOPSIS and EXIT STATUS sections.
#  3. Checks that every flag of aksnet appears in aksnet(1) and in both of its
#     completions, and every flag of aksnet-mock in aksnet-mock(1) and its
#     completions.  The flags are read from the sources: SRC_ARGS (default
#     src/cli/args.c: its option table and every "--flag" in a string
#     literal) and SRC_MOCK_MAIN (default mocks/main.c: every "--flag" in a
#     string literal), so point those variables elsewhere when files move.
#  4. In a non-interactive bash: sources scripts/completion/aksnet.bash and
#     aksnet-mock.bash, checks `complete -p`, and calls the completion
#     functions with COMP_WORDS/COMP_CWORD set (commands, a command's flags,
#     --output values, --network-plugin values, plan files after -f, `help`
#     followed by a command).
#  5. When zsh is installed: `zsh -n scripts/completion/_aksnet`, compinit
#     registers it for aksnet and aksnet-mock, and (with zsh/zpty) a few
#     completions typed into an interactive zsh give what they should.
#  6. When BUILD_DIR/aksnet and BUILD_DIR/aksnet-mock exist: every command of
#     `aksnet --help` is in the man page and the completion, and each
#     command's `--help` lists exactly the flags its bash completion offers;
#     every flag of `aksnet-mock --help` is in its man page.
#  7. Every finding code of the validators' rule tables (src/plan/validate.c,
#     src/plan/validate_fleet.c) is named in README.md and docs/plan.md.
#
# Prints one line per failure and a last line `check-docs: N passed, M
# failed`; exits 1 when anything failed or a tool it needs (scdoc, man or
# groff) is missing, 2 on a usage error.
set -eu

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
mkdir -p "$1/man"
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
src_args=${SRC_ARGS:-src/cli/args.c}
src_mock=${SRC_MOCK_MAIN:-mocks/main.c}
comp=scripts/completion

passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...: the command succeeds
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then pass; else fail "$what"; fi
}
die() { echo "check-docs: $*" >&2; exit 1; }

for f in "$src_args" "$src_mock"; do
    [ -r "$f" ] || die "$f not found (moved? set SRC_ARGS / SRC_MOCK_MAIN to its new path)"
done

# ---- 1. build ----------------------------------------------------------------------
command -v scdoc >/dev/null 2>&1 ||
    die "scdoc is not installed; it builds the manual pages (Debian: apt-get install -y scdoc)"
for page in aksnet aksnet-mock; do
    if scdoc <"docs/man/$page.1.scd" >"$build/man/$page.1"; then
        pass
    else
        fail "scdoc could not build docs/man/$page.1.scd (its message is above)"
        rm -f "$build/man/$page.1"
    fi
done

# ---- 2. render -------------------------------------------------------------------------
# The page as text: man -l without a pager (else groff), formatting removed.
# WIDTH is wide for the flag checks, so that no flag is broken across lines.
render() { # render FILE WIDTH
    if command -v man >/dev/null 2>&1; then
        LC_ALL=C MANWIDTH=$2 MANPAGER=cat PAGER=cat man -P cat -l "$1" 2>/dev/null
    elif command -v groff >/dev/null 2>&1; then
        LC_ALL=C groff -t -man -Tascii -rLL="$2"n "$1" 2>/dev/null
    else
        return 1
    fi | sed $'s/.\b//g'
}
command -v man >/dev/null 2>&1 || command -v groff >/dev/null 2>&1 ||
    die "neither man nor groff is installed; one is needed to render the pages (apt-get install -y man-db)"
declare -A text
for page in aksnet aksnet-mock; do
    [ -f "$build/man/$page.1" ] || continue
    out=$(render "$build/man/$page.1" 80 || true)
    for section in NAME SYNOPSIS 'EXIT STATUS'; do
        if grep -q "^$section" <<<"$out"; then pass; else fail "$page.1 does not render with a $section section (man -l)"; fi
    done
    text[$page]=$(render "$build/man/$page.1" 1000 || true)
done

# ---- 3. flags: sources against pages and completions -------------------------------------
# Every "--flag" inside a string literal of a C file.
literal_flags() {
    grep -o '"\([^"\\]\|\\.\)*"' "$1" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
# aksnet's option table: rows {"name", 'x' or 0, GROUP, ...} -> --name and -x.
table_flags() {
    sed -nE 's/^[[:space:]]*\{ *"([a-z][a-z0-9-]*)", *(0|'"'"'(.)'"'"'),.*/--\1 \3/p' "$1" |
        tr ' ' '\n' | sed -E '/^$/d; s/^([a-zA-Z])$/-\1/' | sort -u
}
aksnet_flags=$( { literal_flags "$src_args"; table_flags "$src_args"; } | sort -u)
mock_flags=$( { literal_flags "$src_mock"; grep -oE "strcmp\(a, \"-[a-zA-Z]\"\)" "$src_mock" |
    grep -oE -- '-[a-zA-Z]'; } | sort -u)
[ "$(grep -c -- '^--' <<<"$aksnet_flags")" -ge 10 ] ||
    fail "found only $(grep -c -- '^--' <<<"$aksnet_flags") long flags in $src_args; has its option table changed shape?"
[ "$(grep -c -- '^--' <<<"$mock_flags")" -ge 10 ] ||
    fail "found only $(grep -c -- '^--' <<<"$mock_flags") long flags in $src_mock"

# has TEXT FLAG: FLAG appears in TEXT as a whole word (not inside a longer flag).
has() { grep -qE -- "(^|[^a-zA-Z0-9-])$2([^a-zA-Z0-9-]|\$)" <<<"$1"; }
for flag in $aksnet_flags; do
    if has "${text[aksnet]-}" "$flag"; then pass; else fail "aksnet(1) does not mention $flag (from $src_args)"; fi
    [[ $flag == --* ]] || continue # short flags: step 6 checks them against --help
    for f in "$comp/aksnet.bash" "$comp/_aksnet"; do
        if has "$(cat "$f")" "$flag"; then pass; else fail "$f does not complete $flag (from $src_args)"; fi
    done
done
for flag in $mock_flags; do
    if has "${text[aksnet-mock]-}" "$flag"; then pass; else fail "aksnet-mock(1) does not mention $flag (from $src_mock)"; fi
    [[ $flag == --* ]] || continue
    for f in "$comp/aksnet-mock.bash" "$comp/_aksnet"; do
        if has "$(cat "$f")" "$flag"; then pass; else fail "$f does not complete $flag (from $src_mock)"; fi
    done
done
# The commands and the two being added (--version, help COMMAND) are in the page.
for word in validate capacity suggest plan provision destroy whoami version help --version 'EXIT STATUS' ENVIRONMENT \
    FILES EXAMPLES 'aksnet-mock(1)' AZURE_AUTHORITY_HOST AZURE_SUBSCRIPTION_ID AKSNET_CLIENT_ASSERTION_ALG; do
    if grep -q -- "$word" <<<"${text[aksnet]-}"; then pass; else fail "aksnet(1) does not mention $word"; fi
done
for word in 'FAULT RULES' 'METHOD:PATH-GLOB:ACTION[:COUNT]' 'EXIT STATUS' EXAMPLES; do
    if grep -qF -- "$word" <<<"${text[aksnet-mock]-}"; then pass; else fail "aksnet-mock(1) does not mention $word"; fi
done

# ---- 4. bash completion ---------------------------------------------------------------------
# Each line of the report is "ok ..." or "FAIL ...", from a bash that reads no rc file.
bash_report=$(
    cd "$build" && mkdir -p complete-test/sub && cd complete-test && : >plan.json && : >notes.txt
    bash --norc --noprofile -s "$root/$comp" <<'EOF' 2>&1
set -u
source "$1/aksnet.bash" && source "$1/aksnet-mock.bash" || { echo "FAIL cannot source the completions"; exit 0; }
complete -p aksnet >/dev/null 2>&1 && echo "ok complete -p aksnet" || echo "FAIL complete -p aksnet: not registered"
complete -p aksnet-mock >/dev/null 2>&1 && echo "ok complete -p aksnet-mock" ||
    echo "FAIL complete -p aksnet-mock: not registered"
# expect FUNCTION "WORDS TO COMPLETE (last one is the word under the cursor)" "EXPECTED..." ["exactly"]
expect() {
    local fn=$1 words=$2 want=$3 exact=${4-}
    read -r -a COMP_WORDS <<<"$words"
    [[ $words == *' ' ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$words COMP_POINT=${#words}
    COMPREPLY=()
    "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]-}"
    local got=" ${COMPREPLY[*]-} " w
    for w in $want; do
        if [[ $got != *" $w "* ]]; then echo "FAIL '$words<TAB>' gives [${COMPREPLY[*]-}], not $w"; return; fi
    done
    if [[ -n $exact && $(wc -w <<<"$want") -ne ${#COMPREPLY[@]} ]]; then
        echo "FAIL '$words<TAB>' gives [${COMPREPLY[*]-}], expected exactly [$want]"; return
    fi
    echo "ok '$words<TAB>'"
}
expect _aksnet 'aksnet pro' provision exactly
expect _aksnet 'aksnet ' 'validate capacity suggest plan provision destroy whoami version help' exactly
expect _aksnet 'aksnet --v' --version exactly
expect _aksnet 'aksnet provision --out' --output exactly
expect _aksnet 'aksnet validate --output ' 'text json' exactly
expect _aksnet 'aksnet capacity -o j' json exactly
expect _aksnet 'aksnet capacity --network-plugin ' 'kubenet azure' exactly
expect _aksnet 'aksnet provision --network-plugin ' kubenet exactly
expect _aksnet 'aksnet validate --network-policy ' 'calico none' exactly
expect _aksnet 'aksnet plan --cloud AzureU' AzureUSGovernment exactly
expect _aksnet 'aksnet validate -f ' 'plan.json sub -' exactly
expect _aksnet 'aksnet provision --file pl' plan.json exactly
expect _aksnet 'aksnet whoami --cacert no' notes.txt exactly
expect _aksnet 'aksnet help ' 'validate capacity suggest plan provision destroy whoami version' exactly
expect _aksnet 'aksnet help prov' provision exactly
expect _aksnet 'aksnet capacity --sub' --subnet-prefix exactly
expect _aksnet 'aksnet capacity --no' --nodes exactly
expect _aksnet 'aksnet suggest --ta' --taken exactly
expect _aksnet 'aksnet suggest --write ' 'plan.json sub -' exactly
expect _aksnet 'aksnet destroy --y' --yes exactly
expect _aksnet 'aksnet plan --dry' --dry-run exactly
expect _aksnet 'aksnet whoami --' '--cloud --arm-endpoint --authority-host --cacert --verbose --request-timeout --dry-run --output --help' exactly
expect _aksnet 'aksnet version --' '--output --help' exactly
expect _aksnet 'aksnet validate --name ' '' exactly
expect _aksnet_mock 'aksnet-mock --fa' --fault exactly
expect _aksnet_mock 'aksnet-mock --' '--listen --lro-seconds --accept-any-client --client-secret --help'
EOF
)
while IFS= read -r line; do
    case $line in
        ok*) pass ;;
        *) fail "bash completion: ${line#FAIL }" ;;
    esac
done <<<"$bash_report"
rm -rf "$build/complete-test"

# ---- 5. zsh completion ----------------------------------------------------------------------
if command -v zsh >/dev/null 2>&1; then
    check "zsh -n $comp/_aksnet: it does not parse" zsh -n "$comp/_aksnet"
    # shellcheck disable=SC2016 # zsh expands these, not this script
    check "zsh: compinit does not register _aksnet for aksnet and aksnet-mock" \
        zsh -f -c 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -D
                   [[ $_comps[aksnet] == _aksnet && $_comps[aksnet-mock] == _aksnet ]] && autoload -U +X _aksnet' \
        zsh "$root/$comp"
    # Type into an interactive zsh (zsh/zpty) and report what compadd is given.
    if zsh -f -c 'zmodload zsh/zpty' 2>/dev/null && command -v timeout >/dev/null 2>&1; then
        zsh_report=$(timeout 60 zsh -f -s "$root/$comp" <<'EOF' 2>&1 || echo "FAIL the zpty session did not finish"
setopt extendedglob
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PS1= RPS1=; bindkey -e; unsetopt zle_bracketed_paste 2>/dev/null'
zpty -w z "fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits; builtin compadd -A hits "$@"; local r=$?; (( $#hits )) && print -r -- "<<${(j: :)hits}>>" >&2; return r }'
# A widget that completes, then prints a numbered marker: no race with what is typed next.
zpty -w z 'typeset -i __n=0; __complete_mark() { zle complete-word; __n+=1; print -r -- "MA""RK$__n" >&2 }'
zpty -w z 'zle -N __complete_mark; bindkey "^X^T" __complete_mark'
zpty -w z 'exec 2>&1; print -r -- RE""ADY'
zpty -r z out '*READY*'
typeset -i n=0
expect() { # expect INPUT WORDS...: completing INPUT offers each of WORDS
    local input=$1 got w; shift; n+=1
    zpty -w -n z "$input"$'\C-x\C-t'
    zpty -r z got "*MARK$n*"
    zpty -w -n z $'\C-u'
    got=${(j: :)${(M)${(f)${got//$'\r'/$'\n'}}:#*<<*>>*}}
    got=${got//$'\e'\[[0-9;?]#[a-zA-Z]/}
    for w in "$@"; do
        [[ " ${got//[<>]/ } " == *" $w "* ]] || { print -r -- "FAIL '$input<TAB>' gives [$got], not $w"; return; }
    done
    print -r -- "ok '$input<TAB>'"
}
expect 'aksnet pro' provision
expect 'aksnet provision --out' --output
expect 'aksnet validate --output ' text json
expect 'aksnet capacity --network-plugin ' kubenet azure
expect 'aksnet help ' validate provision whoami
expect 'aksnet destroy --' --yes --dry-run --file --arm-endpoint
expect 'aksnet-mock --' --fault --listen --accept-any-client
zpty -d z
EOF
)
        while IFS= read -r line; do
            case $line in
                ok*) pass ;;
                FAIL*) fail "zsh completion: ${line#FAIL }" ;;
            esac
        done <<<"$zsh_report"
        [ "$(grep -cE '^(ok|FAIL)' <<<"$zsh_report")" -ge 7 ] ||
            fail "zsh completion: the zpty session reported fewer cases than it runs: $zsh_report"
    fi
else
    echo "check-docs: zsh is not installed; the zsh completion is not checked"
fi

# ---- 6. the built programs --------------------------------------------------------------------
if [ -x "$build/aksnet" ]; then
    cmds=$("$build/aksnet" --help | sed -nE 's/^  ([a-z]+) .*/\1/p')
    [ -n "$cmds" ] || fail "$build/aksnet --help lists no command"
    for c in $cmds; do
        if grep -q "^       $c" <<<"${text[aksnet]-}"; then pass; else fail "aksnet(1) has no entry for the command $c"; fi
        if [ "$c" = help ]; then
            continue # takes a command name, not flags (below)
        fi
        # The flag column of its --help: "  -f, --file V   ..." and "      --subscription V   ...".
        want=$("$build/aksnet" "$c" --help | grep -E '^  +-' | cut -c1-28 | grep -oE -- '--?[a-z][a-z-]*' | sort -u)
        have=$(bash --norc --noprofile -c 'source "$1"; _aksnet_flags "$2"' bash "$comp/aksnet.bash" "$c" |
            tr -s '[:space:]' '\n' | sed '/^$/d' | sort -u)
        if [ "$want" = "$have" ]; then
            pass
        else
            fail "bash completion of 'aksnet $c': flags differ from its --help (< --help, > completion):
$(diff <(echo "$want") <(echo "$have") | grep '^[<>]')"
        fi
        # What aksnet(1) says: `aksnet help COMMAND` is `aksnet COMMAND --help`.
        if grep -qx help <<<"$cmds"; then
            if [ "$("$build/aksnet" help "$c" 2>&1)" = "$("$build/aksnet" "$c" --help 2>&1)" ]; then
                pass
            else
                fail "'aksnet help $c' does not print what 'aksnet $c --help' prints"
            fi
        fi
    done
    # And --version is `version`: the version, the commit, libcurl, OpenSSL, cJSON.
    v=$("$build/aksnet" --version 2>&1 || true)
    if grep -qi commit <<<"$v" && grep -qi libcurl <<<"$v" && grep -qi openssl <<<"$v" && grep -qi cjson <<<"$v"; then
        pass
    else
        echo "check-docs: note: '$build/aksnet --version' does not (yet) print the commit and the libraries' versions that aksnet(1) describes"
    fi
fi
if [ -x "$build/aksnet-mock" ]; then
    for flag in $("$build/aksnet-mock" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
        if has "${text[aksnet-mock]-}" "$flag"; then pass; else fail "aksnet-mock(1) does not mention $flag (from --help)"; fi
    done
fi

# ---- 7. finding codes: every code of the validators' rule tables in README and docs/plan.md -------------
# Rows of the tables in src/plan/validate.c and src/plan/validate_fleet.c: { "code", AKSNET_SEVERITY_..., ...
codes=$(sed -nE 's/^[[:space:]]*\{ *"([a-z][a-z0-9-]*)", *AKSNET_SEVERITY_.*/\1/p' src/plan/validate*.c | sort -u)
[ "$(wc -w <<<"$codes")" -ge 20 ] ||
    fail "found only $(wc -w <<<"$codes") finding codes in src/plan/validate*.c; have the rule tables changed shape?"
for code in $codes; do
    for doc in README.md docs/plan.md; do
        if has "$(cat "$doc")" "$code"; then pass; else fail "$doc does not list the finding code $code"; fi
    done
done

echo "check-docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
