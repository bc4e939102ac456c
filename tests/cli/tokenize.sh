#!/usr/bin/env bash
# tokenize.sh -- `unspin tokenize`: golden offsets on a multilingual fixture,
# the invalid-UTF-8 error (message and exit code), --utf8=replace, usage errors.
# Run from the repository root by tests/run.sh; $UNSPIN is the binary.
set -u
UNSPIN=${UNSPIN:-build/unspin}
FIX=tests/fixtures/text
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails+1)); }

# 1. golden: every token's line, cp and byte offsets, kind, flags, text, norm
if "$UNSPIN" tokenize "$FIX/multilingual.txt" >"$tmp/out" 2>"$tmp/err"; then
    if ! diff -u tests/golden/tokenize-multilingual.expected "$tmp/out" >"$tmp/diff"; then
        fail "tokenize multilingual.txt differs from tests/golden/tokenize-multilingual.expected"
        head -40 "$tmp/diff"
    fi
else
    fail "tokenize multilingual.txt exited $?"; cat "$tmp/err"
fi

# 2. the same from stdin
"$UNSPIN" tokenize - <"$FIX/multilingual.txt" >"$tmp/out2" 2>/dev/null
cmp -s tests/golden/tokenize-multilingual.expected "$tmp/out2" || fail "tokenize from stdin differs"

# 3. strict mode: surrogate ED A0 80 starts at byte 7 ("ok\nbad " is 7 bytes)
"$UNSPIN" tokenize "$FIX/invalid-utf8.txt" >"$tmp/out3" 2>"$tmp/err3"
rc=$?
[ "$rc" -eq 1 ] || fail "invalid UTF-8: exit code $rc, want 1"
want="unspin: tokenize: $FIX/invalid-utf8.txt: invalid UTF-8 at byte 7"
if ! head -1 "$tmp/err3" | grep -qxF "$want"; then
    fail "invalid UTF-8 message"
    echo " want: $want"
    echo " got:  $(head -1 "$tmp/err3")"
fi
[ -s "$tmp/out3" ] && fail "invalid UTF-8: printed tokens anyway"

# 4. replace mode: three U+FFFD (one per byte of the surrogate), offsets in the repaired text
"$UNSPIN" -q tokenize --utf8=replace "$FIX/invalid-utf8.txt" >"$tmp/out4" 2>"$tmp/err4" \
    || fail "--utf8=replace exited $?"
R=$'\xef\xbf\xbd'   # U+FFFD
{
    printf '1\t0\t2\t0\t2\tWORD\tSENT_START\tok\tok\n'
    printf '2\t3\t6\t3\t6\tWORD\tSENT_START\tbad\tbad\n'
    printf '2\t7\t8\t7\t10\tSYMBOL\tNONASCII\t%s\t%s\n' "$R" "$R"
    printf '2\t8\t9\t10\t13\tSYMBOL\tNONASCII\t%s\t%s\n' "$R" "$R"
    printf '2\t9\t10\t13\t16\tSYMBOL\tNONASCII\t%s\t%s\n' "$R" "$R"
    printf '2\t11\t15\t17\t21\tWORD\t-\there\there\n'
} >"$tmp/want4"
if ! cmp -s "$tmp/want4" "$tmp/out4"; then
    fail "--utf8=replace output"
    diff "$tmp/want4" "$tmp/out4" | head
fi

# 5. usage errors exit 2; --help exits 0; a missing file exits 1
"$UNSPIN" tokenize --bogus >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "unknown option: exit $rc, want 2"
"$UNSPIN" tokenize a b >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "two files: exit $rc, want 2"
"$UNSPIN" tokenize --help | grep -q "usage: unspin tokenize" || fail "--help"
"$UNSPIN" tokenize "$tmp/missing.txt" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 1 ] || fail "missing file: exit $rc, want 1"

# 6. empty input: no output, success
: >"$tmp/empty"
"$UNSPIN" tokenize "$tmp/empty" >"$tmp/out6" || fail "empty input exited $?"
[ -s "$tmp/out6" ] && fail "empty input printed something"

if [ "$fails" -gt 0 ]; then echo "tokenize.sh: $fails failure(s)"; exit 1; fi
echo "tokenize.sh: ok"
