#!/usr/bin/env bash
# manpage.sh -- docs/unspin.1 must not silently rot:
#   1. every command listed by `unspin --help` has a ".SS <command>" subsection;
#   2. every long option printed by `unspin CMD --help` appears in that command's
#      subsection (and every long option of `unspin --help` somewhere in the page);
#   3. no subsection documents a command the binary does not list;
#   4. the page renders without warnings (groff -man -ww, else man --warnings=all).
# Run from the repository root by tests/run.sh; $UNSPIN is the binary.
set -u
UNSPIN=${UNSPIN:-build/unspin}
case $UNSPIN in /*) ;; */*) [ -e "$UNSPIN" ] && UNSPIN=$PWD/$UNSPIN ;; esac
cd "$(dirname "$0")/../.."
PAGE=docs/unspin.1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails+1)); }

[ -f "$PAGE" ] || { echo "FAIL: $PAGE does not exist"; exit 1; }
"$UNSPIN" --help >"$tmp/top" 2>&1 || { echo "FAIL: $UNSPIN --help exited $?"; cat "$tmp/top"; exit 1; }

# The page as plain text for matching: drop comment lines, turn \- into -, drop
# font escapes (\fB \fI \fR \fP \f(XX) and the zero-width \& and \c.
sed -e '/^\.\\"/d' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f([A-Z][A-Z]//g' \
    -e 's/\\&//g' -e 's/\\c//g' "$PAGE" >"$tmp/page"

# Commands: the lines of `unspin --help` between "commands:" and the next blank line.
awk '/^commands:/ {on=1; next} on && /^[[:space:]]*$/ {exit} on {print $1}' "$tmp/top" >"$tmp/cmds"
ncmd=$(wc -l <"$tmp/cmds")
[ "$ncmd" -ge 1 ] || { echo "FAIL: no commands found in '$UNSPIN --help'"; cat "$tmp/top"; exit 1; }

# Long options mentioned in a help text: --name, with "--utf8=strict" giving --utf8.
long_opts() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' "$1" | sort -u; }

# Body of subsection ".SS NAME": up to the next .SS or .SH.
subsection() {
    awk -v name="$1" '
        /^\.S[SH][[:space:]]/ { if (on) exit
                                t = $0; sub(/^\.SS[[:space:]]+/, "", t); gsub(/"/, "", t)
                                if ($1 == ".SS" && t == name) on = 1; next }
        on' "$tmp/page"
}

has_opt() { grep -qE -- "$1([^a-z0-9-]|\$)" "$2"; }

checked=0
while read -r cmd; do
    subsection "$cmd" >"$tmp/ss-$cmd"
    if ! [ -s "$tmp/ss-$cmd" ]; then
        fail "command '$cmd' has no '.SS $cmd' subsection in $PAGE"
        continue
    fi
    if ! "$UNSPIN" "$cmd" --help >"$tmp/help-$cmd" 2>&1; then
        fail "'$UNSPIN $cmd --help' exited non-zero"
        continue
    fi
    while read -r opt; do
        [ -n "$opt" ] || continue
        checked=$((checked+1))
        has_opt "$opt" "$tmp/ss-$cmd" || fail "option $opt of '$cmd' (from '$cmd --help') is not in the '.SS $cmd' subsection of $PAGE"
    done < <(long_opts "$tmp/help-$cmd")
done <"$tmp/cmds"

# Global long options (--help, --model in the trailer...) somewhere in the page.
while read -r opt; do
    [ -n "$opt" ] || continue
    checked=$((checked+1))
    has_opt "$opt" "$tmp/page" || fail "option $opt (from '$UNSPIN --help') is not in $PAGE"
done < <(long_opts "$tmp/top")

# Subsections under COMMANDS must all be real commands.
awk '/^\.SH[[:space:]]/ { on = ($0 ~ /^\.SH[[:space:]]+"?COMMANDS"?[[:space:]]*$/); next }
     on && /^\.SS[[:space:]]/ { t = $0; sub(/^\.SS[[:space:]]+/, "", t); gsub(/"/, "", t); print t }' \
    "$tmp/page" >"$tmp/documented"
while read -r doc; do
    grep -qxF -- "$doc" "$tmp/cmds" || fail "$PAGE documents '$doc' under COMMANDS, but '$UNSPIN --help' does not list it"
done <"$tmp/documented"

# Required sections.
for sh in NAME SYNOPSIS DESCRIPTION COMMANDS FILES ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
    grep -qE "^\.SH[[:space:]]+\"?$sh\"?[[:space:]]*\$" "$tmp/page" || fail "$PAGE has no '.SH $sh' section"
done

# Rendering without warnings.
if command -v groff >/dev/null 2>&1; then
    how="groff -man -Tutf8 -ww -z"
    groff -man -Tutf8 -ww -z "$PAGE" >"$tmp/render" 2>&1; rc=$?
elif command -v man >/dev/null 2>&1; then
    how="man --warnings=all -l"
    MANWIDTH=80 MAN_KEEP_FORMATTING=0 man --warnings=all -l "$PAGE" >/dev/null 2>"$tmp/render"; rc=$?
else
    how=""
    echo "SKIP: neither groff nor man is installed; rendering not checked"
fi
if [ -n "$how" ]; then
    if [ "$rc" -ne 0 ] || [ -s "$tmp/render" ]; then
        fail "'$how $PAGE' exited $rc or warned:"
        head -20 "$tmp/render"
    fi
fi

if [ "$fails" -eq 0 ]; then
    echo "manpage: OK ($ncmd commands, $checked long options${how:+, rendered clean with $how})"
    exit 0
fi
echo "manpage: $fails failure(s)"
exit 1
