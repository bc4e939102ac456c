#!/usr/bin/env bash
# report.sh -- `unspin report`: a report of an op-ed, the multilingual
# fixture and an invalid-UTF-8 file is written anyway, is well-formed HTML
# (one <html>, balanced tags), self-contained (no http:// or https://, no
# external src/href), escapes article text, has the legend and SVG charts,
# names the failed file and exits 1; the valid files alone exit 0.
# Run from the repository root by tests/run.sh; $UNSPIN is the binary.
set -u
UNSPIN=${UNSPIN:-build/unspin}
PY=/usr/bin/python3
FIX=tests/fixtures/analyze
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails+1)); }

# Well-formedness and content checks on an HTML file; extra args are required substrings.
check_html() {
    "$PY" - "$@" <<'PYEOF'
import sys
from html.parser import HTMLParser
path, needles = sys.argv[1], sys.argv[2:]
src = open(path, encoding="utf-8").read()
VOID = {"meta", "br", "img", "hr", "input", "link", "col", "wbr"}
SVG_LEAF = {"rect", "circle", "line", "path", "polyline", "polygon"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.count = [], [], {}
    def handle_starttag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.errors.append("external %s=%r" % (k, v))
            if k.startswith("on"):
                self.errors.append("event handler attribute %s" % k)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))
    def handle_startendtag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
        if tag not in VOID and tag not in SVG_LEAF:
            self.errors.append("self-closed <%s/> at %s" % (tag, self.getpos()))
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("</%s> at %s closes %s" % (tag, self.getpos(),
                               self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
p = P()
p.feed(src)
p.close()
bad = list(p.errors)
if p.stack:
    bad.append("unclosed: %s" % p.stack[:5])
for tag in ("html", "head", "body"):
    if p.count.get(tag) != 1:
        bad.append("%d <%s> elements" % (p.count.get(tag, 0), tag))
if not src.startswith("<!DOCTYPE html>"):
    bad.append("no doctype")
for s in ("http://", "https://"):
    if s in src.lower():
        bad.append("contains %r" % s)
if p.count.get("svg", 0) == 0:
    bad.append("no <svg>")
if p.count.get("script", 0):
    bad.append("has <script> (the article's text was not escaped?)")
import re
# Article text may be cut by highlight markup: also look in the tag-free text.
flat = re.sub(r"<[^>]*>", "", src)
for n in needles:
    if n not in src and n not in flat:
        bad.append("missing %r" % n)
for b in bad[:15]:
    print(b)
sys.exit(1 if bad else 0)
PYEOF
}

# 1. two good articles and a bad one: report written, exit 1, failure named
"$UNSPIN" report -o "$tmp/mixed.html" examples/oped-bridge.txt "$FIX/multilingual.txt" \
    "$FIX/invalid-utf8.txt" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "report with an invalid file: exit $rc, want 1"
[ -s "$tmp/out" ] && fail "report printed to stdout with -o FILE"
grep -q "$FIX/invalid-utf8.txt: invalid UTF-8 at byte 38" "$tmp/err" \
    || { fail "stderr does not name the invalid file"; cat "$tmp/err"; }
if [ -s "$tmp/mixed.html" ]; then
    check_html "$tmp/mixed.html" 'id="legend"' 'id="errors"' 'id="corpus"' \
        "$FIX/invalid-utf8.txt" "invalid UTF-8 at byte 38" \
        "Words or phrases with strong emotional implications" \
        "Technique co-occurrence" "Techniques per folder" "Frames per article" \
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" "&amp; &#39;quotes&#39;" \
        "Zażółć gęślą jaźń" "Весь этот так называемый" \
        || fail "mixed report is not well-formed or misses content"
else
    fail "no report written when one article failed"
fi

# 2. only valid files: exit 0, no Errors section
"$UNSPIN" -q report --title 'Test <&> "title"' -o "$tmp/ok.html" examples/oped-bridge.txt \
    "$FIX/multilingual.txt" 2>"$tmp/err2"
rc=$?
[ "$rc" -eq 0 ] || { fail "report of valid files: exit $rc, want 0"; cat "$tmp/err2"; }
check_html "$tmp/ok.html" 'id="legend"' "<title>Test &lt;&amp;&gt; &quot;title&quot;</title>" \
    || fail "valid report is not well-formed"
grep -q 'id="errors"' "$tmp/ok.html" && fail "valid report has an Errors section"

# 3. one article: no corpus view, still a legend and charts
"$UNSPIN" -q report -o "$tmp/one.html" examples/oped-bridge.txt || fail "single report: exit $?"
check_html "$tmp/one.html" 'id="legend"' 'class="para"' || fail "single report is not well-formed"
grep -q 'id="corpus"' "$tmp/one.html" && fail "single report has a corpus view"
# with a language, the annotated articles whose frames were blended in (the
# default model's --knn), escaped inside the well-formed page; without one, none
"$UNSPIN" -q report --lang en -o "$tmp/en.html" examples/oped-bridge.txt || fail "report --lang en: exit $?"
check_html "$tmp/en.html" 'Most similar annotated articles: en/' || fail "report --lang en: no similar articles"
grep -q 'Most similar annotated' "$tmp/one.html" && fail "report without a language lists similar articles"

# 4. a folder expands to its article<ID>.txt files; a missing path is an error in the report
mkdir -p "$tmp/src/en" "$tmp/src/fr"
cp examples/oped-bridge.txt "$tmp/src/en/article1.txt"
cp "$FIX/multilingual.txt" "$tmp/src/fr/article2.txt"
"$UNSPIN" -q report -o "$tmp/dir.html" "$tmp/src/en" "$tmp/src/fr" "$tmp/nope.txt" 2>/dev/null
rc=$?
[ "$rc" -eq 1 ] || fail "missing path: exit $rc, want 1"
check_html "$tmp/dir.html" "$tmp/nope.txt" "$tmp/src/en/article1.txt" "$tmp/src/fr/article2.txt" \
    ">$tmp/src/en<" ">$tmp/src/fr<" || fail "folder report misses articles, folders or the missing path"

# 5. usage errors exit 2; nothing written
"$UNSPIN" report examples/oped-bridge.txt >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "no -o: exit $rc, want 2"
"$UNSPIN" report -o "$tmp/x.html" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "no article: exit $rc, want 2"
[ -e "$tmp/x.html" ] && fail "usage error wrote a file"
"$UNSPIN" report --help | grep -q "usage: unspin report" || fail "--help"

# 6. -o - writes the page to stdout
"$UNSPIN" -q report -o - examples/oped-bridge.txt >"$tmp/stdout.html" || fail "-o -: exit $?"
head -c 15 "$tmp/stdout.html" | grep -q '<!DOCTYPE html>' || fail "-o - did not print the page"

# 7. analyze: terminal view without colour when piped, errors and usage
"$UNSPIN" analyze --no-explain examples/oped-bridge.txt >"$tmp/an.txt" 2>&1 || fail "analyze: exit $?"
grep -q $'\033' "$tmp/an.txt" && fail "analyze: ANSI escapes in piped output"
grep -q "^Genre " "$tmp/an.txt" || fail "analyze: no genre line"
grep -q "Frames" "$tmp/an.txt" || fail "analyze: no frames line"
grep -q "cues:" "$tmp/an.txt" && fail "analyze --no-explain printed cues"
tr -d '[]' <"$tmp/an.txt" | grep -q "The Bridge to Nowhere" || fail "analyze: paragraph text missing"
"$UNSPIN" analyze "$FIX/invalid-utf8.txt" >/dev/null 2>"$tmp/an.err"; rc=$?
[ "$rc" -eq 1 ] || fail "analyze invalid UTF-8: exit $rc, want 1"
grep -q "$FIX/invalid-utf8.txt: invalid UTF-8 at byte 38" "$tmp/an.err" || fail "analyze: error text"
"$UNSPIN" analyze "$tmp/missing.txt" >/dev/null 2>"$tmp/an.err"; rc=$?
[ "$rc" -eq 1 ] || fail "analyze missing file: exit $rc, want 1"
grep -q "$tmp/missing.txt" "$tmp/an.err" || fail "analyze: missing file not named"
"$UNSPIN" analyze --bogus x >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "analyze --bogus: exit $rc, want 2"
"$UNSPIN" analyze a b >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "analyze two files: exit $rc, want 2"
"$UNSPIN" analyze --utf8=replace "$FIX/invalid-utf8.txt" >/dev/null 2>&1 \
    || fail "analyze --utf8=replace: exit $?"

if [ "$fails" -gt 0 ]; then echo "report.sh: $fails failure(s)"; exit 1; fi
echo "report.sh: ok"
