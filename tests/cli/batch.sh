#!/usr/bin/env bash
# Tests of `unspin batch`: lines in = lines out, input order with several
# jobs, bad lines as error objects, verbatim passthrough, --resume after a
# truncated write, stdin, exit codes, limits, and GNU parallel --pipe giving
# the same lines as one batch. UNSPIN = the binary (default build/unspin).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
U=${UNSPIN:-build/unspin}
case "$U" in /*) ;; *) U="$ROOT/$U" ;; esac
[ -x "$U" ] || { echo "batch.sh: no executable at $U (set UNSPIN)"; exit 1; }
export UNSPIN_MODEL=${UNSPIN_MODEL:-$ROOT/models/default.usm}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "batch.sh: FAIL: $*"; fails=$((fails + 1)); }
lines() { wc -l <"$1" | tr -d ' '; }
# ids FILE: the "id" member of each output line, one per line (raw JSON).
ids() { sed -e 's/^{"id":\([^,]*\),.*/\1/' "$1"; }

# ---- corpora ------------------------------------------------------------------
# good.jsonl: 500 articles with varied text, languages and extra members.
awk 'BEGIN {
    split("en fr it ru ge po", L, " ");
    split("They will destroy everything we love!|Experts agree the plan is a disaster.|" \
          "The minister said the budget would be published on Monday.|" \
          "Wake up, people: the media are lying to you again.|" \
          "Is this really the best our leaders can do?|" \
          "Sales rose 3% in the third quarter, the company reported.", S, "|");
    for (i = 1; i <= 500; i++) {
        t = S[i % 6 + 1];
        for (k = 0; k < i % 7; k++) t = t "\\n" S[(i * 7 + k) % 6 + 1];
        printf "{\"id\":\"doc%04d\",\"text\":\"%s\",\"lang\":\"%s\",\"n\":%d,\"meta\":{\"src\":\"gen\", \"k\":[1, 2.50]}}\n", i, t, L[i % 6 + 1], i;
    }
}' >"$TMP/good.jsonl"
# bad.jsonl: the good lines with bad ones mixed in (12 bad of 512).
{
    head -n 100 "$TMP/good.jsonl"
    echo 'this is not json'
    echo '{"id":"no-text","lang":"en"}'
    echo '{"id":"num-text","text":42}'
    echo '{"id":"surrogate","text":"lone \ud800 surrogate"}'
    printf '{"id":"raw-bad-utf8","text":"bad \xff byte"}\n'
    echo ''
    echo '["an","array"]'
    echo '{"id":"lang-num","text":"ok","lang":7}'
    echo '{"id":"dup","text":"a","text":"b"}'
    echo '{"id":"trunc","text":"unterminated'
    echo '   '
    echo '{"text":"no id, but fine"}'
    sed -n '101,500p' "$TMP/good.jsonl"
} >"$TMP/bad.jsonl"

# ---- order and line counts with 2 jobs --------------------------------------------
rc=0; "$U" batch -q --jobs 2 "$TMP/good.jsonl" >"$TMP/g2" || rc=$?
[ "$rc" = 0 ] || fail "good corpus: exit $rc, expected 0"
[ "$(lines "$TMP/g2")" = 500 ] || fail "good corpus: $(lines "$TMP/g2") lines out, expected 500"
ids "$TMP/g2" >"$TMP/g2.ids"
sed -e 's/^{"id":\([^,]*\),.*/\1/' "$TMP/good.jsonl" | diff -q - "$TMP/g2.ids" >/dev/null ||
    fail "good corpus: ids out of order with --jobs 2"
"$U" batch -q --jobs 1 "$TMP/good.jsonl" >"$TMP/g1" || fail "good corpus: --jobs 1 failed"
cmp -s "$TMP/g1" "$TMP/g2" || fail "--jobs 1 and --jobs 2 outputs differ"
grep -q '"result":{"model":' "$TMP/g2" || fail "no result objects"
grep -q '"error"' "$TMP/g2" && fail "errors in the good corpus"

# ---- passthrough ---------------------------------------------------------------
head -n 1 "$TMP/g2" | grep -q '^{"id":"doc0001","n":1,"meta":{"src":"gen", "k":\[1, 2.50\]},"result":{' ||
    fail "passthrough members not kept verbatim: $(head -c 120 "$TMP/g2")"
# (span objects inside "result" carry their covered "text"; only look before it)
sed 's/"result":.*//' "$TMP/g2" | grep -q '"text":' && fail "the input text was copied to the output"
echo '{"big":123456789012345678901234567890,"id":{"a": [1,2]},"text":"ok","x":"\u00e9\n"}' |
    "$U" batch -q >"$TMP/pt" || fail "passthrough line: exit $?"
grep -q '^{"id":{"a": \[1,2\]},"big":123456789012345678901234567890,"x":"\\u00e9\\n","result":' \
    "$TMP/pt" || fail "passthrough of big numbers/escapes/object ids: $(head -c 120 "$TMP/pt")"

# ---- bad lines -----------------------------------------------------------------
rc=0; "$U" batch -q --jobs 2 "$TMP/bad.jsonl" >"$TMP/b2" 2>"$TMP/b2.err" || rc=$?
[ "$rc" = 1 ] || fail "bad corpus: exit $rc, expected 1"
[ "$(lines "$TMP/b2")" = 512 ] || fail "bad corpus: $(lines "$TMP/b2") lines out, expected 512"
[ "$(grep -c '"error"' "$TMP/b2")" = 11 ] ||
    fail "bad corpus: $(grep -c '"error"' "$TMP/b2") error lines, expected 11"
expect_in() {   # expect_in FILE N PATTERN: line N of FILE matches
    sed -n "$2p" "$1" | grep -q -- "$3" ||
        fail "$(basename "$1") line $2: no '$3' in $(sed -n "$2p" "$1" | head -c 200)"
}
expect_line() { expect_in "$TMP/b2" "$@"; }   # the bad corpus's output
expect_line 101 '^{"id":null,"error":"[^"]*bad.jsonl:101: invalid JSON'
expect_line 102 '^{"id":"no-text","error":".*bad.jsonl:102: missing \\"text\\""}$'
expect_line 103 '^{"id":"num-text","error":".*:103: \\"text\\" is not a string"}$'
expect_line 104 '^{"id":null,"error":".*:104: invalid JSON.*Unicode'
expect_line 105 '^{"id":null,"error":".*:105: invalid UTF-8 at byte 33 of the line"}$'
expect_line 106 '^{"id":null,"error":".*:106: blank line"}$'
expect_line 107 '^{"id":null,"error":".*:107: not a JSON object"}$'
expect_line 108 '^{"id":"lang-num","error":".*:108: \\"lang\\" is not a string"}$'
expect_line 109 '^{"id":null,"error":".*:109: invalid JSON.*duplicate'
expect_line 110 '^{"id":null,"error":".*:110: invalid JSON'
expect_line 111 '^{"id":null,"error":".*:111: blank line"}$'
expect_line 112 '^{"id":null,"result":{'
expect_line 113 '^{"id":"doc0101",'
sed -n '1,100p;113,512p' "$TMP/b2" | cmp -s - "$TMP/g2" ||
    fail "good lines around the bad ones differ from the good corpus output"

# ---- what the line parser must not change silently ----------------------------------
# Escaped member names are the members they spell; "\u0000" is kept; half a
# surrogate pair is an error (the parser would decode it to '?'); a repeated
# member unspin reads is an error, other repeats and any number pass verbatim.
{
    echo '{"\u0069d":"esc-id","te\u0078t":"Escaped names.","la\u006eg":"fr"}'
    echo '{"id":"nul","text":"a\u0000b"}'
    echo '{"id":"hi-only","text":"x \ud83d\u0041"}'
    echo '{"id":"lo-only","text":"x \udc00"}'
    echo '{"id":"pair","text":"x \ud83d\ude00 \\ud800"}'
    echo '{"id":"lang2","text":"a","lang":"en","lang":"fr"}'
    echo '{"id":"other2","text":"a","x":1,"x":2e999}'
    echo '{"id":"trail","text":"a"} x'
} >"$TMP/edge.jsonl"
"$U" batch -q "$TMP/edge.jsonl" >"$TMP/edge" 2>/dev/null
[ "$(lines "$TMP/edge")" = 8 ] || fail "edge lines: $(lines "$TMP/edge") lines out, expected 8"
edge() { expect_in "$TMP/edge" "$@"; }
edge 1 '^{"id":"esc-id","result":{"model":"[^"]*","lang":"fr","n_bytes":14,'
edge 2 '^{"id":"nul","result":{"model":"[^"]*","lang":"[a-z]*","n_bytes":3,'
edge 3 '^{"id":null,"error":".*:3: invalid JSON at byte 26: .*surrogate'
edge 4 '^{"id":null,"error":".*:4: invalid JSON at byte 26: .*surrogate'
edge 5 '^{"id":"pair","result":{"model":"[^"]*","lang":"[a-z]*","n_bytes":13,'
edge 6 '^{"id":null,"error":".*:6: invalid JSON.*duplicate member \\"lang\\""}$'
edge 7 '^{"id":"other2","x":1,"x":2e999,"result":{'
edge 8 '^{"id":null,"error":".*:8: invalid JSON.*trailing garbage'

# ---- --task: only the asked tasks, the same values as a full analysis, the rest null ----
"$U" batch -q --jobs 2 --task techniques "$TMP/good.jsonl" >"$TMP/t-tech" || fail "--task techniques: exit $?"
"$U" batch -q --jobs 2 --task genre,framing "$TMP/good.jsonl" >"$TMP/t-gf" || fail "--task genre,framing: exit $?"
"$U" batch -q --jobs 1 --task spans "$TMP/good.jsonl" >"$TMP/t-spans" || fail "--task spans: exit $?"
python3 - "$TMP/g2" "$TMP/t-tech" "$TMP/t-gf" "$TMP/t-spans" <<'PY' || fail "--task outputs disagree with the full analysis"
import json, sys
full, tech, gf, spans = ([json.loads(l) for l in open(p)] for p in sys.argv[1:5])
assert len(full) == len(tech) == len(gf) == len(spans) == 500
for f, t, g, s in zip(full, tech, gf, spans):
    F, T, G, S = f["result"], t["result"], g["result"], s["result"]
    assert f["id"] == t["id"] == g["id"] == s["id"]
    assert T["genre"] is None and T["frames"] is None and T["frame_probs"] is None
    assert [p["techniques"] for p in T["paragraphs"]] == [p["techniques"] for p in F["paragraphs"]]
    assert all(p["spans"] is None for p in T["paragraphs"])
    assert (G["genre"], G["frames"], G["frame_probs"]) == (F["genre"], F["frames"], F["frame_probs"])
    assert G["paragraphs"] is None
    assert S["genre"] is None and S["paragraphs"] == F["paragraphs"]
PY
rc=0; "$U" batch -q --task genre,bogus "$TMP/good.jsonl" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--task with an unknown name: exit $rc, expected 2"

# ---- streaming: a line's result comes out before the input ends (tail -f | unspin batch) ----
mkfifo "$TMP/fifo"
"$U" batch -q --jobs 2 "$TMP/fifo" >"$TMP/stream" &
bpid=$!
# Read-write: opening a FIFO write-only blocks until a reader opens it, so a
# batch that died first (a model it refused) would hang the test, not fail it.
exec 7<>"$TMP/fifo"
echo '{"id":"first","text":"They lie to you."}' >&7
for _ in $(seq 100); do [ -s "$TMP/stream" ] && break; sleep 0.1; done
grep -q '^{"id":"first","result":' "$TMP/stream" ||
    fail "streaming: the first line's result did not come out while the input stayed open"
echo '{"id":"second","text":"Then again."}' >&7
exec 7>&-
wait "$bpid" || fail "streaming: exit $?"
[ "$(lines "$TMP/stream")" = 2 ] || fail "streaming: $(lines "$TMP/stream") lines out, expected 2"

# ---- stdin, several files, last line without '\n' ------------------------------
"$U" batch -q --jobs 2 <"$TMP/good.jsonl" >"$TMP/s" || fail "stdin: exit $?"
cmp -s "$TMP/s" "$TMP/g2" || fail "stdin output differs from the file output"
"$U" batch -q - <"$TMP/good.jsonl" >"$TMP/s2" && cmp -s "$TMP/s2" "$TMP/g2" || fail "'-' as stdin"
head -n 3 "$TMP/good.jsonl" >"$TMP/a.jsonl"
printf '%s' "$(sed -n 4p "$TMP/good.jsonl")" >"$TMP/b.jsonl"     # no final newline
"$U" batch -q "$TMP/a.jsonl" "$TMP/b.jsonl" >"$TMP/ab" || fail "two files: exit $?"
head -n 4 "$TMP/g2" | cmp -s - "$TMP/ab" || fail "two files (last line without newline)"
echo '{"id":1,"text":"x"}' | "$U" batch -q --jobs 1 - >"$TMP/one" && [ "$(lines "$TMP/one")" = 1 ] ||
    fail "single line from stdin"
: | "$U" batch -q >"$TMP/empty" && [ ! -s "$TMP/empty" ] || fail "empty input: output or failure"

# ---- --resume -------------------------------------------------------------------
size=$(wc -c <"$TMP/b2")
head -c $((size / 2)) "$TMP/b2" >"$TMP/res"          # a write cut mid-line
tail -c 1 "$TMP/res" | od -c | grep -q '\\n' && fail "resume setup: cut fell on a line boundary"
rc=0; "$U" batch -q --jobs 2 --resume "$TMP/res" "$TMP/bad.jsonl" >"$TMP/res.stdout" || rc=$?
[ "$rc" = 0 ] || fail "resume: exit $rc, expected 0 (the bad lines were in the first half)"
[ -s "$TMP/res.stdout" ] && fail "resume wrote to stdout"
cmp -s "$TMP/res" "$TMP/b2" || fail "resume: output differs from one uninterrupted run"
head -n 106 "$TMP/b2" >"$TMP/res2"      # cut right after null-id error lines
"$U" batch -q --resume "$TMP/res2" "$TMP/bad.jsonl" >/dev/null
cmp -s "$TMP/res2" "$TMP/b2" || fail "resume after null-id lines: output differs"
"$U" batch -q --resume "$TMP/res2" "$TMP/bad.jsonl" >/dev/null
cmp -s "$TMP/res2" "$TMP/b2" || fail "resume of a complete output appended lines"
rm -f "$TMP/res3"
"$U" batch -q --resume "$TMP/res3" "$TMP/good.jsonl" && cmp -s "$TMP/res3" "$TMP/g2" ||
    fail "resume with no previous output"

# ---- limits: text over 16 MB, line over 64 MB (skipped unbuffered) ------------------
{
    printf '{"id":"t17","text":"'; head -c $((17 << 20)) /dev/zero | tr '\0' 'a'; printf '"}\n'
    printf '{"id":"l65","text":"'; head -c $((65 << 20)) /dev/zero | tr '\0' 'b'; printf '"}\n'
    echo '{"id":"after","text":"Still here."}'
} >"$TMP/big.jsonl"
rc=0; "$U" batch -q "$TMP/big.jsonl" >"$TMP/big" || rc=$?
[ "$rc" = 1 ] || fail "limits: exit $rc, expected 1"
[ "$(lines "$TMP/big")" = 3 ] || fail "limits: $(lines "$TMP/big") lines out, expected 3"
sed -n 1p "$TMP/big" | grep -q '^{"id":"t17","error":".*:1: text is 17825792 bytes, over the 16 MB' ||
    fail "16 MB text limit: $(sed -n 1p "$TMP/big" | head -c 200)"
sed -n 2p "$TMP/big" | grep -q '^{"id":null,"error":".*:2: line over the 64 MB limit' ||
    fail "64 MB line limit: $(sed -n 2p "$TMP/big" | head -c 200)"
sed -n 3p "$TMP/big" | grep -q '^{"id":"after","result":' || fail "line after the limits"
rm -f "$TMP/big.jsonl"

# ---- usage and runtime errors ---------------------------------------------------------
rc=0; "$U" batch --jobs 0 "$TMP/good.jsonl" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--jobs 0: exit $rc, expected 2"
rc=0; "$U" batch --no-such-option >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "unknown option: exit $rc, expected 2"
rc=0; "$U" batch --help >/dev/null || rc=$?
[ "$rc" = 0 ] || fail "--help: exit $rc"
rc=0; "$U" batch -q "$TMP/missing.jsonl" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'missing.jsonl: cannot open' "$TMP/err" || fail "missing input: exit $rc"
rc=0; "$U" batch -q --model "$TMP/good.jsonl" "$TMP/good.jsonl" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "bad model: exit $rc, expected 1"
"$U" batch --jobs 2 "$TMP/a.jsonl" 2>"$TMP/sum" >/dev/null
grep -q 'batch: 3 analysed, 0 failed' "$TMP/sum" || fail "summary line: $(cat "$TMP/sum")"
grep -q 'articles/s' "$TMP/sum" || fail "summary without a rate"

# ---- GNU parallel --pipe ------------------------------------------------------------
if command -v parallel >/dev/null 2>&1; then
    parallel --will-cite --pipe -N 50 -k "$U" batch -q --jobs 1 <"$TMP/good.jsonl" >"$TMP/par" ||
        fail "parallel --pipe: exit $?"
    cmp -s "$TMP/par" "$TMP/g2" || fail "parallel --pipe -N 50 -k output differs from one batch"
else
    echo "batch.sh: GNU parallel check skipped (parallel not installed)"
fi

if [ "$fails" -gt 0 ]; then echo "batch.sh: $fails failure(s)"; exit 1; fi
echo "batch.sh: ok"
