#!/usr/bin/env bash
# options.sh -- every long option that `unspin CMD --help` names is one CMD
# accepts: given a junk value ("x"), the command may reject the value, the file
# or the missing --data, but getopt must not call the option unrecognized.
# (train and cv build their tables from one shared list; tokenize once had a
# hand parser that took only --utf8=VALUE.) No command may hang on it either.
# Run from the repository root by tests/run.sh; $UNSPIN is the binary.
set -u
UNSPIN=${UNSPIN:-build/unspin}
case $UNSPIN in /*) ;; */*) [ -e "$UNSPIN" ] && UNSPIN=$PWD/$UNSPIN ;; esac
src=$(cd "$(dirname "$0")/../.." && pwd)/src/cli   # the getopt tables
fails=0
checked=0
documented=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails+1)); }

"$UNSPIN" --help >"$tmp/top" 2>&1 || { echo "FAIL: $UNSPIN --help exited $?"; exit 1; }
awk '/^commands:/ {on=1; next} on && /^[[:space:]]*$/ {exit} on {print $1}' "$tmp/top" >"$tmp/cmds"
[ -s "$tmp/cmds" ] || { echo "FAIL: no commands in '$UNSPIN --help'"; exit 1; }

cd "$tmp"   # junk values name files: keep them out of the tree
while read -r cmd; do
    "$UNSPIN" "$cmd" --help >"help-$cmd" 2>&1 || { fail "'$cmd --help' exited $?"; continue; }
    while read -r opt; do
        [ "$opt" = --help ] && continue
        checked=$((checked+1))
        # serve with a junk --host or --model fails before listening; the
        # timeout only guards against a command that would wait for input.
        timeout 20 "$UNSPIN" "$cmd" "$opt" x </dev/null >/dev/null 2>"err"
        rc=$?
        [ "$rc" -eq 124 ] && { fail "'$cmd $opt x' did not finish in 20 s"; continue; }
        if grep -qiE "unrecognized option|unknown option|invalid option" "err"; then
            fail "'$cmd --help' names $opt, but '$cmd' does not accept it: $(head -1 err)"
        fi
    done < <(grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' "help-$cmd" | sort -u)
done <"$tmp/cmds"

# The other way round: every long option in a command's getopt table (its
# source, src/cli/cmd_CMD.c, and for train and cv the shared list in
# cli_data.h) is named by its --help, so that none is undocumented.
if [ -d "$src" ]; then
    while read -r cmd; do
        f="$src/cmd_$cmd.c"
        [ -f "$f" ] || { fail "no source $f for command '$cmd'"; continue; }
        tables="$f"
        grep -q CLI_TRAIN_LONG_OPTIONS "$f" && tables="$f $src/cli_data.h"
        # shellcheck disable=SC2086   # two files at most, no spaces
        names=$(grep -ohE '\{"[a-z0-9-]+", *(no|required|optional)_argument' $tables |
                sed -E 's/^\{"([a-z0-9-]+)".*/\1/' | sort -u)
        [ -n "$names" ] || { fail "no option table found in $f"; continue; }
        for n in $names; do
            [ "$n" = help ] && continue
            documented=$((documented+1))
            grep -qE -- "--$n([^a-z0-9-]|\$)" "help-$cmd" ||
                fail "'$cmd' accepts --$n, but '$cmd --help' does not name it"
        done
    done <"$tmp/cmds"
else
    echo "options.sh: SKIP the documented-options check: no sources at $src"
fi

# The check can fail: an option no command has must be reported as unknown.
"$UNSPIN" train --no-such-option x </dev/null >/dev/null 2>"err"
grep -qiE "unrecognized option|unknown option" "err" || fail "a bogus option is not reported as unrecognized: $(head -1 err)"
# ... and getopt's messages start like every other error, with the command.
head -1 err | grep -q "^unspin: train: " || fail "getopt's message does not start with 'unspin: train: ': $(head -1 err)"
"$UNSPIN" analyze --model </dev/null >/dev/null 2>"err"
head -1 err | grep -q "^unspin: analyze: .*requires an argument" || fail "a missing argument: $(head -1 err)"

if [ "$fails" -gt 0 ]; then echo "options.sh: $fails failure(s) of $checked"; exit 1; fi
echo "options.sh: ok ($checked long options accepted by their commands, $documented documented)"
