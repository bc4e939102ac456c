#!/usr/bin/env bash
# Golden tests for `unspin eval`. UNSPIN = path of the binary (relative paths
# are taken from the repository root). Fixtures: tests/fixtures/labels/;
# expected stdout in tests/golden/eval-NAME.expected and stderr in
# tests/golden/eval-NAME.stderr.expected (numbers checked by hand, see
# tests/unit/test_metrics.c for the same examples worked out).
# UPDATE=1 rewrites the expected files instead of comparing (review the diff!).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
U=${UNSPIN:-build/unspin}
case "$U" in /*) ;; *) U="$ROOT/$U" ;; esac
[ -x "$U" ] || { echo "eval.sh: no executable at $U (set UNSPIN)"; exit 1; }
GOLDEN=$ROOT/tests/golden
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() { echo "eval.sh: FAIL: $*"; fails=$((fails + 1)); }

# golden NAME EXPECTED_RC ARGS...: runs `unspin ARGS` in the fixture dir.
golden() {
    local name=$1 want_rc=$2; shift 2
    local rc=0
    (cd "$ROOT/tests/fixtures/labels" && "$U" "$@") >"$TMP/out" 2>"$TMP/err" || rc=$?
    if [ "$rc" != "$want_rc" ]; then
        fail "$name: exit code $rc, expected $want_rc"; cat "$TMP/err"; return
    fi
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$TMP/out" "$GOLDEN/eval-$name.expected"
        cp "$TMP/err" "$GOLDEN/eval-$name.stderr.expected"
        return
    fi
    diff -u "$GOLDEN/eval-$name.expected" "$TMP/out" || fail "$name: stdout differs"
    diff -u "$GOLDEN/eval-$name.stderr.expected" "$TMP/err" || fail "$name: stderr differs"
}

# expect_rc NAME RC PATTERN ARGS...: exit code and a stderr+stdout pattern only.
expect_rc() {
    local name=$1 want_rc=$2 pat=$3; shift 3
    local rc=0
    (cd "$ROOT/tests/fixtures/labels" && "$U" "$@") >"$TMP/out" 2>&1 || rc=$?
    [ "$rc" = "$want_rc" ] || { fail "$name: exit code $rc, expected $want_rc"; cat "$TMP/out"; }
    grep -q -- "$pat" "$TMP/out" || { fail "$name: no '$pat' in output"; cat "$TMP/out"; }
}

golden genre 0 eval --task genre --gold genre-gold.txt --pred genre-pred.txt
golden genre-missing 0 eval --task genre --gold genre-gold.txt --pred genre-pred-missing.txt
golden genre-json 0 eval --task genre --gold genre-gold.txt --pred genre-pred.txt --format json
golden framing 0 eval --task framing --gold framing-gold.txt --pred framing-pred.txt
golden techniques 0 eval --task=techniques --gold=tech-gold.txt --pred=tech-pred.txt
golden spans 0 eval --task spans --gold-dir spans-gold --pred spans-pred.txt
golden messy 0 -q eval --task techniques --gold messy-subtask-3.txt --pred messy-subtask-3.txt

expect_rc help 0 'usage: unspin eval' eval --help
expect_rc no-args 2 'are required' eval
expect_rc bad-task 2 "unknown --task 'topics'" eval --task topics --gold a --pred b
expect_rc bad-format 2 "unknown --format 'xml'" eval --task genre --gold a --pred b --format xml
expect_rc bad-arg 2 "unrecognized option '--frobnicate'" eval --frobnicate
expect_rc no-value 2 "option '--gold' requires an argument" eval --task genre --gold
expect_rc spans-no-gold 2 'needs exactly one of' eval --task spans --pred spans-pred.txt
expect_rc gold-dir-misuse 2 'needs --gold FILE' eval --task genre --gold-dir spans-gold --pred x
expect_rc missing-gold 1 'no-such-file.txt' eval --task genre --gold no-such-file.txt --pred genre-pred.txt
expect_rc missing-pred 1 'no-such-file.txt' eval --task genre --gold genre-gold.txt --pred no-such-file.txt
expect_rc missing-dir 1 'no-such-dir' eval --task spans --gold-dir no-such-dir --pred spans-pred.txt
expect_rc empty-dir 1 'no article<ID>' eval --task spans --gold-dir . --pred spans-pred.txt
# A prediction file of binary junk is scored (all empty), not a crash.
for i in $(seq 200); do printf '\x00\x01\xff\xfe\t%d\t\xc4\r\n\t\t\t\xef\xbb\xbf,' "$i"; done > "$TMP/junk.txt"
expect_rc junk-pred 0 'macro-F1	0.0000' eval --task techniques --gold tech-gold.txt --pred "$TMP/junk.txt"
# The same file as gold and prediction scores 1 wherever a label occurs.
expect_rc self 0 'micro-F1	1.0000' eval --task framing --gold framing-gold.txt --pred framing-gold.txt

if [ "$fails" -gt 0 ]; then echo "eval.sh: $fails failure(s)"; exit 1; fi
echo "eval.sh: all passed"
