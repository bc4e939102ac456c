#!/usr/bin/env bash
# hostile.sh -- the CLI against hostile input: invalid UTF-8, NUL bytes, a 50 MB
# single line, a file over the 64 MB article limit, a million empty lines, BOM +
# CRLF, zero-width and bidi controls, a folder mixing good and bad articles,
# label files with wrong columns, and broken models (truncated, bit-flipped,
# future version, a directory, /dev/null, an empty file, a foreign file).
# Each case must give a clear error or a correct result: never a crash (exit
# >= 128) nor a hang (every command runs under `timeout`).
#
# Run from the repository root by tests/run.sh with UNSPIN=build/unspin (or
# build-san/unspin under `make san`). Big inputs are generated in a temp dir.
# A tiny model is trained on a generated 6-article dataset (about 0.1 s), so
# the test does not depend on models/default.usm being current.
# Env: HOSTILE_BIG_MB (default 50) sizes the single-line article; under a
# sanitizer build it is 8 MB for predict (ASan needs several times the memory).
# HOSTILE_PREDICT_MEM_KB (default 4000000) caps predict's address space on the
# big line (non-sanitizer builds), so the run stays bounded: it must then either
# succeed or say "out of memory" (featurising a 50 MB article takes ~8 GB).
set -u
UNSPIN=${UNSPIN:-build/unspin}
FIX=tests/fixtures
T=${HOSTILE_TIMEOUT:-60}
BIG_MB=${HOSTILE_BIG_MB:-50}
MEM_KB=${HOSTILE_PREDICT_MEM_KB:-4000000}
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
start=$(date +%s)

# run NAME CMD...: runs CMD under timeout with stdout/stderr in $tmp/NAME.{out,err};
# sets rc; fails on a crash or a hang.
run() {
    local name=$1; shift
    timeout "$T" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    if [ "$rc" -eq 124 ]; then fail "$name: timed out after ${T}s (hang?)"
    elif [ "$rc" -ge 128 ]; then fail "$name: crashed (exit $rc)"; tail -5 "$tmp/$name.err"; fi
    return 0
}
want_rc() { [ "$rc" -eq "$2" ] || { fail "$1: exit $rc, want $2"; head -5 "$tmp/$1.err"; }; }
want_err() {   # NAME fixed-string: stderr must contain it
    grep -qF -- "$2" "$tmp/$1.err" || { fail "$1: stderr lacks \"$2\""; head -5 "$tmp/$1.err"; }
}
asan=0
if nm "$UNSPIN" 2>/dev/null | grep -q __asan_init; then asan=1; fi

# ---- a tiny model ---------------------------------------------------------------
d=$tmp/data/en
mkdir -p "$d"/train-articles-subtask-{1,2,3}
for i in 1 2 3 4 5 6; do
    printf 'Title number %d\n\nThey lie to you! This is a disaster and a farce.\nThe minister said the economy grew by 2%% in March.\n' "$i" >"$d/train-articles-subtask-1/article$i.txt"
    cp "$d/train-articles-subtask-1/article$i.txt" "$d/train-articles-subtask-2/"
    cp "$d/train-articles-subtask-1/article$i.txt" "$d/train-articles-subtask-3/"
    printf '%d\t1\t\n%d\t3\tLoaded_Language,Doubt\n%d\t4\t\n' "$i" "$i" "$i" >>"$d/train-labels-subtask-3.txt"
done
printf '1\topinion\n2\treporting\n3\tsatire\n4\topinion\n5\treporting\n6\topinion\n' >"$d/train-labels-subtask-1.txt"
printf '1\tEconomic\n2\tPolitical\n3\tEconomic,Political\n4\tMorality\n5\tEconomic\n6\tPolitical\n' >"$d/train-labels-subtask-2.txt"
M=$tmp/tiny.usm
run train "$UNSPIN" -q train --data "$tmp/data" --langs en --bits 10 --epochs 1 --inner-folds 0 \
    --threads 1 -o "$M"
if [ "$rc" -ne 0 ] || [ ! -s "$M" ]; then
    fail "could not train the tiny model (exit $rc)"; cat "$tmp/train.err"
    echo "hostile.sh: $fails failure(s)"; exit 1
fi
P=("$UNSPIN" -q predict --lang en --model "$M")

# ---- invalid UTF-8 ------------------------------------------------------------------
printf 'Good start.\n\xc3\x28 bad byte at 12\n' >"$tmp/bad.txt"
run bad-predict "${P[@]}" --task genre "$tmp/bad.txt"
want_rc bad-predict 1
want_err bad-predict "$tmp/bad.txt: invalid UTF-8 at byte 12"
[ -s "$tmp/bad-predict.out" ] && fail "bad-predict: printed a prediction anyway"
run bad-tok "$UNSPIN" tokenize "$tmp/bad.txt"
want_rc bad-tok 1
want_err bad-tok "$tmp/bad.txt: invalid UTF-8 at byte 12"
run bad-predict-replace "${P[@]}" --task techniques --utf8=replace "$tmp/bad.txt"
want_rc bad-predict-replace 0
[ "$(wc -l <"$tmp/bad-predict-replace.out")" -eq 2 ] || fail "bad-predict-replace: want 2 rows"
run bad-tok-replace "$UNSPIN" -q tokenize --utf8=replace "$tmp/bad.txt"
want_rc bad-tok-replace 0
grep -q $'\xef\xbf\xbd' "$tmp/bad-tok-replace.out" || fail "bad-tok-replace: no U+FFFD token"
# a truncated sequence at the very end, and stdin
printf 'end \xe2\x82' | timeout "$T" "$UNSPIN" tokenize - >/dev/null 2>"$tmp/stdin.err"; rc=$?
[ "$rc" -eq 1 ] && grep -qF "invalid UTF-8 at byte 4" "$tmp/stdin.err" \
    || fail "truncated sequence on stdin: exit $rc, $(head -1 "$tmp/stdin.err")"

# ---- NUL bytes ------------------------------------------------------------------------
printf 'Before\0after the NUL.\n\0\0\0\nThird line \0 here.\n' >"$tmp/nul.txt"
run nul-predict "${P[@]}" --task techniques "$tmp/nul.txt"
want_rc nul-predict 0
# line 2 holds only NULs: no token, so not a paragraph
[ "$(cut -f2 "$tmp/nul-predict.out" | tr '\n' ' ')" = "1 3 " ] || fail "nul-predict: want rows for lines 1 and 3"
run nul-tok "$UNSPIN" tokenize "$tmp/nul.txt"
want_rc nul-tok 0
grep -q $'\tWORD\t.*\tafter\tafter$' "$tmp/nul-tok.out" || fail "nul-tok: 'after' not a token"

# ---- BOM + CRLF -----------------------------------------------------------------------
printf '\xef\xbb\xbfFirst paragraph here.\r\n\r\nSecond one!\r\n' >"$tmp/bom.txt"
run bom-tok "$UNSPIN" tokenize "$tmp/bom.txt"
want_rc bom-tok 0
# "First" starts after the BOM: code point 1, byte 3; no token holds '\r'
head -1 "$tmp/bom-tok.out" | grep -q $'^1\t1\t6\t3\t8\tWORD\t' || fail "bom-tok: first token $(head -1 "$tmp/bom-tok.out")"
grep -q $'\r' "$tmp/bom-tok.out" && fail "bom-tok: a token contains CR"
grep -q $'^3\t' "$tmp/bom-tok.out" || fail "bom-tok: no token on line 3"
run bom-predict "${P[@]}" --task techniques "$tmp/bom.txt"
want_rc bom-predict 0
cut -f2 "$tmp/bom-predict.out" | tr '\n' ' ' | grep -qx '1 3 ' || fail "bom-predict: lines $(cut -f2 "$tmp/bom-predict.out" | tr '\n' ' ')"

# ---- zero-width and bidi controls ----------------------------------------------------------
# U+200B ZWSP, U+200E LRM, U+202E RLO, U+202C PDF, U+2066 LRI, U+2069 PDI, U+2060 WJ, U+FEFF
printf 'zero\xe2\x80\x8bwidth \xe2\x80\x8e\xe2\x80\xaeevil\xe2\x80\xac \xe2\x81\xa6iso\xe2\x81\xa9 wj\xe2\x81\xa0x mid\xef\xbb\xbfbom\n' >"$tmp/zw.txt"
run zw-tok "$UNSPIN" tokenize "$tmp/zw.txt"
want_rc zw-tok 0
cut -f8 "$tmp/zw-tok.out" >"$tmp/zw.words"
for w in zero width evil iso wj x mid bom; do
    grep -qx "$w" "$tmp/zw.words" || fail "zw-tok: no token '$w' (controls must separate words)"
done
grep -q $'\xe2\x80\x8b\|\xe2\x80\x8e\|\xe2\x80\xae\|\xe2\x80\xac\|\xe2\x81\xa6\|\xe2\x81\xa9\|\xe2\x81\xa0\|\xef\xbb\xbf' \
    "$tmp/zw.words" && fail "zw-tok: a control character is inside a token"
run zw-predict "${P[@]}" --task framing "$tmp/zw.txt"
want_rc zw-predict 0

# ---- articles without words: reported, not labelled from the biases ------------------------
mkdir -p "$tmp/nowords"
printf '' >"$tmp/nowords/article1.txt"
printf '... !!! ***\n\n' >"$tmp/nowords/article2.txt"
printf 'They lie to you! This is a farce.\n' >"$tmp/nowords/article3.txt"
run nowords-genre "${P[@]}" --task genre "$tmp/nowords"
want_rc nowords-genre 1
want_err nowords-genre "article1.txt: no words to classify (genre not predicted)"
want_err nowords-genre "article2.txt: no words to classify (genre not predicted)"
[ "$(cut -f1 "$tmp/nowords-genre.out" | tr '\n' ' ')" = "3 " ] || fail "nowords-genre: want a row for article 3 only"
run nowords-jsonl "${P[@]}" --task framing --format jsonl "$tmp/nowords"
want_rc nowords-jsonl 1
[ "$(wc -l <"$tmp/nowords-jsonl.out")" -eq 3 ] || fail "nowords-jsonl: want 3 lines (lines out = articles in)"
[ "$(grep -c '"error":".*no words to classify (frames not predicted)' "$tmp/nowords-jsonl.out")" -eq 2 ] \
    || fail "nowords-jsonl: want 2 error lines"
run nowords-tech "${P[@]}" --task techniques "$tmp/nowords"
want_rc nowords-tech 0   # paragraphs are judged on their own: the punctuation line is one

# ---- a million empty lines (quadratic loops would show here) ---------------------------------
head -c 1000000 /dev/zero | tr '\0' '\n' >"$tmp/empty.txt"
printf 'The only words are here.\n' >>"$tmp/empty.txt"
t0=$(date +%s)
run empty-predict "${P[@]}" --task techniques "$tmp/empty.txt"
want_rc empty-predict 0
[ "$(cat "$tmp/empty-predict.out")" = "$(printf 'empty\t1000001\t')" ] \
    || [ "$(cut -f1,2 "$tmp/empty-predict.out")" = "$(printf 'empty\t1000001')" ] \
    || fail "empty-predict: want one row for line 1000001, got $(head -c 200 "$tmp/empty-predict.out")"
run empty-tok "$UNSPIN" tokenize "$tmp/empty.txt"
want_rc empty-tok 0
[ "$(wc -l <"$tmp/empty-tok.out")" -eq 6 ] || fail "empty-tok: want 6 tokens"
t1=$(date +%s)
[ $((t1 - t0)) -le 20 ] || fail "a million empty lines took $((t1 - t0)) s (quadratic?)"

# ---- a big single line; a file over the 64 MB article limit ------------------------------------
python3 - "$tmp/big.txt" "$BIG_MB" <<'PY' || fail "could not generate the big line"
import sys
w = b"Lorem ipsum dolor sit amet, they LIE again!!! "
n = int(sys.argv[2]) << 20
with open(sys.argv[1], "wb") as f:
    f.write((w * (n // len(w) + 1))[:n])
PY
big_bytes=$((BIG_MB << 20))
t0=$(date +%s)
run big-tok "$UNSPIN" tokenize "$tmp/big.txt"
want_rc big-tok 0
last_end=$(tail -n 1 "$tmp/big-tok.out" | cut -f5)
[ "$last_end" = $((big_bytes - 1)) ] || [ "$last_end" = "$big_bytes" ] \
    || fail "big-tok: last token ends at byte '$last_end' of $big_bytes"
rm -f "$tmp/big-tok.out"
if [ "$asan" -eq 1 ]; then
    head -c $((8 << 20)) "$tmp/big.txt" >"$tmp/big8.txt"
    run big-predict "${P[@]}" --task genre "$tmp/big8.txt"
    want_rc big-predict 0
    grep -q $'^big8\t' "$tmp/big-predict.out" || fail "big-predict: no row"
else
    ( ulimit -v "$MEM_KB"; exec timeout "$T" "${P[@]}" --task genre "$tmp/big.txt" ) \
        >"$tmp/big-predict.out" 2>"$tmp/big-predict.err"
    rc=$?
    if [ "$rc" -eq 0 ]; then
        grep -q $'^big\t' "$tmp/big-predict.out" || fail "big-predict: no row"
    elif [ "$rc" -eq 1 ]; then
        want_err big-predict "big.txt: out of memory"
    else
        fail "big-predict: exit $rc (crash or hang)"; tail -5 "$tmp/big-predict.err"
    fi
fi
rm -f "$tmp/big.txt" "$tmp/big8.txt"
echo "hostile.sh: ${BIG_MB} MB line: $(($(date +%s) - t0)) s"
truncate -s 65M "$tmp/huge.txt"
run huge-predict "${P[@]}" --task genre "$tmp/huge.txt"
want_rc huge-predict 1
want_err huge-predict "huge.txt: larger than the limit of 67108864 bytes"
run huge-tok "$UNSPIN" tokenize "$tmp/huge.txt"
want_rc huge-tok 1
want_err huge-tok "huge.txt: larger than the limit of 67108864 bytes"
rm -f "$tmp/huge.txt"

# ---- a folder mixing good and bad articles -------------------------------------------------------
mkdir -p "$tmp/mixed"
for i in 1 2 3; do printf 'Good article %d.\nIt has two lines.\n' "$i" >"$tmp/mixed/article10$i.txt"; done
printf 'bad \xff byte\n' >"$tmp/mixed/article201.txt"
mkdir "$tmp/mixed/article202.txt"                       # a folder named like an article
printf '' >"$tmp/mixed/article203.txt"                 # empty article
printf 'not an article\n' >"$tmp/mixed/notes.md"
run mixed "${P[@]}" --task genre "$tmp/mixed"
want_rc mixed 1
[ "$(wc -l <"$tmp/mixed.out")" -eq 3 ] || fail "mixed: want 3 genre rows (the empty article is reported), got $(wc -l <"$tmp/mixed.out")"
for i in 101 102 103; do grep -q "^$i"$'\t' "$tmp/mixed.out" || fail "mixed: no row for $i"; done
want_err mixed "article201.txt: invalid UTF-8 at byte 4"
want_err mixed "article202.txt"
want_err mixed "article203.txt: no words to classify"
run mixed-jsonl "${P[@]}" --task techniques --format jsonl "$tmp/mixed"
want_rc mixed-jsonl 1
[ "$(wc -l <"$tmp/mixed-jsonl.out")" -eq 6 ] || fail "mixed-jsonl: want 6 lines (one per article)"
[ "$(grep -c '"error"' "$tmp/mixed-jsonl.out")" -eq 2 ] || fail "mixed-jsonl: want 2 error lines"

# ---- label files with wrong columns (eval) ------------------------------------------------------
printf '101\topinion\n102\n103\treporting\textra\n104\tsatire\n' >"$tmp/g1.txt"
printf '101\topinion\n102\treporting\n104\n' >"$tmp/p1.txt"
run eval-cols "$UNSPIN" eval --task genre --gold "$tmp/g1.txt" --pred "$tmp/p1.txt"
want_rc eval-cols 0
want_err eval-cols "g1.txt:2: expected 2 tab-separated columns, found 1"
want_err eval-cols "g1.txt:3: expected 2 tab-separated columns, found 3"
want_err eval-cols "p1.txt:3: expected 2 tab-separated columns, found 1"
grep -q '^micro-F1' "$tmp/eval-cols.out" || fail "eval-cols: no micro-F1 line"
printf '301\t1\tDoubt\n301\tDoubt\n301\tx\tDoubt\n' >"$tmp/t1.txt"
run eval-tech "$UNSPIN" eval --task techniques --gold "$tmp/t1.txt" --pred "$tmp/t1.txt"
want_rc eval-tech 0
want_err eval-tech "t1.txt:2: expected 3 tab-separated columns, found 2"
want_err eval-tech "t1.txt:3: bad line number \"x\""
head -c 4096 /dev/urandom >"$tmp/rand.txt"
run eval-garbage "$UNSPIN" eval --task framing --gold "$tmp/rand.txt" --pred "$tmp/rand.txt"
[ "$rc" -le 2 ] || fail "eval-garbage: exit $rc"
run eval-spans "$UNSPIN" eval --task spans --gold "$tmp/t1.txt" --pred "$tmp/rand.txt"
[ "$rc" -le 2 ] || fail "eval-spans: exit $rc"

# ---- broken models ---------------------------------------------------------------------------------
size=$(stat -c %s "$M")
head -c $((size / 2)) "$M" >"$tmp/trunc.usm"
cp "$M" "$tmp/flip.usm"
# One bit flipped in the middle of the framing head (offset and size from dump).
fram=$("$UNSPIN" dump --model "$M" | awk '$1 == "FRAM" {print $2 + int($3 / 2)}')
[ -n "$fram" ] || fail "dump lists no FRAM section"
python3 - "$tmp/flip.usm" "${fram:-0}" <<'PY'
import sys
p, at = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[at] ^= 0x10
open(p, "wb").write(b)
PY
: >"$tmp/empty.usm"
printf 'good text\n' >"$tmp/ok.txt"
check_model() {   # NAME MODEL expected-message [TASK]
    run "model-$1" "$UNSPIN" predict --task "${4:-genre}" --lang en --model "$2" "$tmp/ok.txt"
    want_rc "model-$1" 1
    want_err "model-$1" "$3"
    [ -s "$tmp/model-$1.out" ] && fail "model-$1: printed a prediction anyway"
}
check_model truncated "$tmp/trunc.usm" "trunc.usm: truncated: header says $size bytes, file has $((size / 2))"
check_model bitflip "$tmp/flip.usm" "checksum mismatch (file corrupted)" framing
# predict reads only its task's sections (us_model_load_for): the flip, in the
# framing head, is found when that head is read, by dump always, and it does
# not stop a genre prediction, which reads none of its bytes.
run model-bitflip-genre "$UNSPIN" predict --task genre --lang en --model "$tmp/flip.usm" "$tmp/ok.txt"
want_rc model-bitflip-genre 0
grep -q '	' "$tmp/model-bitflip-genre.out" || fail "model-bitflip-genre: no prediction"
run model-bitflip-dump "$UNSPIN" dump --model "$tmp/flip.usm"
want_rc model-bitflip-dump 1
want_err model-bitflip-dump "section FRAM checksum mismatch (file corrupted)"
run model-fixture-flip-dump "$UNSPIN" dump --model "$FIX/models/bitflip.usm"
want_rc model-fixture-flip-dump 1
want_err model-fixture-flip-dump "section WGT0 checksum mismatch (file corrupted)"
# dump takes the model as --model M, -m M or one operand, and one model only.
run dump-operand "$UNSPIN" dump "$FIX/models/bitflip.usm"
want_rc dump-operand 1
want_err dump-operand "section WGT0 checksum mismatch (file corrupted)"
run dump-two-models "$UNSPIN" dump -m "$FIX/models/bitflip.usm" "$FIX/models/truncated.usm"
want_rc dump-two-models 2
want_err dump-two-models "unexpected argument '$FIX/models/truncated.usm' (one model at a time)"
check_model future "$FIX/models/future-version.usm" "format version 2.0 is newer than this unspin"
check_model fixture-trunc "$FIX/models/truncated.usm" "truncated: header says 256 bytes, file has 131"
check_model fixture-flip "$FIX/models/bitflip.usm" "missing or short FCFG section"
check_model directory "$tmp" "$tmp: is a directory"
check_model devnull /dev/null "/dev/null: empty file (not an unspin model)"
check_model empty "$tmp/empty.usm" "empty file (not an unspin model)"
check_model foreign "$FIX/models/foreign.usm" "bad magic (not an unspin model)"
check_model missing "$tmp/missing.usm" "missing.usm"
check_model text-as-model "$tmp/ok.txt" "bad magic"

# ---- output that cannot be written (a full disk) -----------------------------------
# Every command must say so and exit 1, not lose its output silently.
if [ -w /dev/full ]; then
    full() {   # NAME CMD...: stdout to /dev/full
        local name=$1; shift
        timeout "$T" "$@" >/dev/full 2>"$tmp/$name.err"
        rc=$?
        want_rc "$name" 1
        want_err "$name" "write error"
    }
    full full-analyze "$UNSPIN" analyze --model "$M" "$FIX/text/multilingual.txt"
    full full-predict "$UNSPIN" predict --model "$M" --lang en --task techniques -j 2 \
        "$FIX/text/multilingual.txt" "$FIX/analyze/empty-lines.txt"
    printf '{"id":"a","text":"good text"}\n' >"$tmp/ok.jsonl"
    full full-batch "$UNSPIN" batch --model "$M" "$tmp/ok.jsonl"
    full full-eval "$UNSPIN" eval --task genre --gold "$FIX/labels/genre-gold.txt" \
        --pred "$FIX/labels/genre-gold.txt"
    full full-dump "$UNSPIN" dump "$M"
    full full-tokenize "$UNSPIN" tokenize "$FIX/text/multilingual.txt"
    full full-help "$UNSPIN" --help
else
    echo "hostile.sh: /dev/full not writable, write-error cases skipped"
fi

end=$(date +%s)
echo "hostile.sh: $((end - start)) s, $fails failure(s)"
[ "$fails" -eq 0 ]
