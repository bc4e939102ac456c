#!/usr/bin/env bash
# schema.sh -- `unspin analyze --json` against docs/analysis.schema.json on an
# op-ed, a multilingual fixture (Cyrillic, Polish, emoji, combining marks,
# CRLF), an empty file and a file of empty lines; plus the offsets: every
# paragraph's and span's code-point range must cover the same text as its
# byte range; and cues: present exactly with explanations, largest first. Needs python3-jsonschema (Debian) for /usr/bin/python3;
# without it the test is skipped. Run from the repository root; $UNSPIN is
# the binary.
set -u
UNSPIN=${UNSPIN:-build/unspin}
PY=/usr/bin/python3
FIX=tests/fixtures/analyze
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails+1)); }

if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
    echo "schema.sh: skipped (no python3-jsonschema for $PY)"
    exit 0
fi

: >"$tmp/empty.txt"
inputs=(examples/oped-bridge.txt "$FIX/multilingual.txt" "$tmp/empty.txt" "$FIX/empty-lines.txt")
for f in "${inputs[@]}"; do
    for flags in "" "--no-explain --lang en" "--lang en"; do
        # shellcheck disable=SC2086
        if ! "$UNSPIN" analyze --json $flags "$f" >"$tmp/out.json" 2>"$tmp/err"; then
            fail "analyze --json $flags $f exited non-zero"; cat "$tmp/err"; continue
        fi
        # exactly one line: the JSON object and a newline
        [ "$(wc -l <"$tmp/out.json")" -eq 1 ] || fail "$f: output is not exactly one line"
        if ! "$PY" - "$f" "$tmp/out.json" docs/analysis.schema.json "$flags" >"$tmp/py" 2>&1 <<'PYEOF'
import json, sys
import jsonschema
path, out, schema_path, flags = sys.argv[1:5]
schema = json.load(open(schema_path, encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
doc = json.load(open(out, encoding="utf-8"))
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:10]:
    print("schema: %s: %s" % ("/".join(map(str, e.path)), e.message))
raw = open(path, "rb").read()
text = raw.decode("utf-8")
bad = len(errors)
def check(what, cp0, cp1, b0, b1, expect=None):
    global bad
    if not (0 <= cp0 <= cp1 <= len(text) and 0 <= b0 <= b1 <= len(raw)):
        print("%s: range out of bounds cp %d..%d byte %d..%d" % (what, cp0, cp1, b0, b1)); bad += 1
        return
    by_cp, by_byte = text[cp0:cp1], raw[b0:b1].decode("utf-8", "replace")
    if by_cp != by_byte:
        print("%s: cp text %r != byte text %r" % (what, by_cp, by_byte)); bad += 1
    if expect is not None and expect != by_cp:
        print("%s: text field %r != %r" % (what, expect, by_cp)); bad += 1
if doc["n_bytes"] != len(raw):
    print("n_bytes %d != %d" % (doc["n_bytes"], len(raw))); bad += 1
if not 0 <= doc["n_codepoints"] <= len(text):
    print("n_codepoints %d out of range" % doc["n_codepoints"]); bad += 1
lines = text.split("\n") if text else []
if text.endswith("\n"):
    lines.pop()
if doc["n_lines"] != len(lines):
    print("n_lines %d != %d" % (doc["n_lines"], len(lines))); bad += 1
nonempty = [i + 1 for i, l in enumerate(lines) if l.strip()]
if doc["paragraphs"] and [p["line"] for p in doc["paragraphs"]] != nonempty:
    print("paragraph lines %s != non-empty lines %s" % ([p["line"] for p in doc["paragraphs"]], nonempty)); bad += 1
for p in doc["paragraphs"]:
    where = "paragraph line %d" % p["line"]
    check(where, p["start_cp"], p["end_cp"], p["start_byte"], p["end_byte"])
    if text[p["start_cp"]:p["end_cp"]].rstrip("\r") != lines[p["line"] - 1].rstrip("\r"):
        print("%s: range is not the line's content" % where); bad += 1
    for s in p["spans"]:
        check(where + " span", s["start_cp"], s["end_cp"], s["start_byte"], s["end_byte"], s["text"])
    explain = "--no-explain" not in flags
    for t in p["techniques"]:
        if explain != ("cues" in t):
            print("%s: technique cues present=%s with explain=%s" % (where, "cues" in t, explain)); bad += 1
    for s in p["spans"]:
        if explain != ("cues" in s):
            print("%s: span cues present=%s with explain=%s" % (where, "cues" in s, explain)); bad += 1
            continue
        w = [c["weight"] for c in s.get("cues", [])]
        if w != sorted(w, reverse=True):
            print("%s: span %r: cue weights not sorted: %s" % (where, s["text"], w)); bad += 1
        # the bundled example: every span has a reason
        if explain and path.endswith("oped-bridge.txt") and not (w and w[0] > 0):
            print("%s: span %r has no positive cue" % (where, s["text"])); bad += 1
if "--lang en" in flags and doc["lang"] != "en":
    print("lang %r, want en" % doc["lang"]); bad += 1
# the default model blends in the frames of similar training articles
# (train --knn): explanations name them when the language is known
knn = "--no-explain" not in flags and "--lang en" in flags and doc["n_words"] > 0
if knn != ("similar_articles" in doc):
    print("similar_articles present=%s, expected %s" % ("similar_articles" in doc, knn)); bad += 1
sims = [s["similarity"] for s in doc.get("similar_articles", [])]
if sims != sorted(sims, reverse=True) or any(s["lang"] != "en" for s in doc.get("similar_articles", [])):
    print("similar_articles not sorted or not English: %s" % doc.get("similar_articles")); bad += 1
sys.exit(1 if bad else 0)
PYEOF
        then
            fail "$f ($flags): JSON does not match the schema or the offsets"; head -20 "$tmp/py"
        fi
    done
done

# the validator itself rejects a wrong label and a missing key
"$UNSPIN" analyze --json examples/oped-bridge.txt | "$PY" -c '
import json, sys, jsonschema
schema = json.load(open("docs/analysis.schema.json", encoding="utf-8"))
d = json.load(sys.stdin)
v = jsonschema.validators.validator_for(schema)(schema)
assert v.is_valid(d)
bad = json.loads(json.dumps(d)); bad["paragraphs"][0]["techniques"].append({"label": "Bogus", "confidence": 0.5})
assert not v.is_valid(bad), "a bogus technique passed"
bad = json.loads(json.dumps(d)); del bad["frame_probs"]["Economic"]
assert not v.is_valid(bad), "a missing frame probability passed"
' || fail "the schema does not reject broken documents"

# the multilingual fixture must actually exercise the paths above
"$UNSPIN" analyze --json "$FIX/multilingual.txt" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["paragraphs"]) == 5, d["paragraphs"]
assert d["n_bytes"] > d["n_codepoints"], "no multi-byte characters?"
' || fail "multilingual fixture: expected 5 paragraphs with multi-byte text"

# the empty file: no paragraphs, zero sizes, and no genre or frames (the
# heads' biases alone once called it satire)
"$UNSPIN" analyze --json "$tmp/empty.txt" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert d["paragraphs"] == [] and d["n_bytes"] == 0 and d["n_lines"] == 0, d
assert d["n_words"] == 0 and d["genre"] is None and d["frames"] == [], d
assert all(p == 0 for p in d["frame_probs"].values()), d
' || fail "empty file: expected no paragraphs, zero sizes, no genre or frames"

# punctuation only: its line is still a paragraph, but nothing is said of the article;
# one word is enough for a genre
printf '... !!\n\n' | "$UNSPIN" analyze --json - | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert d["n_words"] == 0 and d["genre"] is None and d["frames"] == [], d
assert len(d["paragraphs"]) == 1, d
' || fail "punctuation-only text: expected no genre or frames, one paragraph"
printf 'Lies.\n' | "$UNSPIN" analyze --json - | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert d["n_words"] == 1 and d["genre"]["label"] in ("opinion", "reporting", "satire"), d
' || fail "a one-word text: expected n_words 1 and a genre"

# stdin gives the same JSON as the file
"$UNSPIN" analyze --json - <"$FIX/multilingual.txt" >"$tmp/stdin.json" 2>/dev/null
"$UNSPIN" analyze --json "$FIX/multilingual.txt" >"$tmp/file.json" 2>/dev/null
cmp -s "$tmp/stdin.json" "$tmp/file.json" || fail "analyze --json - differs from the file"

if [ "$fails" -gt 0 ]; then echo "schema.sh: $fails failure(s)"; exit 1; fi
echo "schema.sh: ok"
