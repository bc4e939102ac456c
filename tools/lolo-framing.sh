#!/usr/bin/env bash
# lolo-framing.sh -- framing on a language the model never saw: for each of the
# six languages, train the framing head on the other five (--knn K for each K
# given, default "20 0") and predict that language's articles as an unknown
# language (--lang es: no nearest-article vote, threshold row 0), then score
# them with the official metric. Prints one line per language and K.
#   tools/lolo-framing.sh [DATA] [K...]      (DATA default ../shared/data/semeval2023)
# Used for step 76 of docs/ACCURACY.md (about 3.5 minutes on 2 cores).
set -eu
cd "$(dirname "$0")/.."
U=${UNSPIN:-build/unspin}
D=${1:-../shared/data/semeval2023}
shift || true
KS=${*:-20 0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ALL="en fr ge it po ru"
for X in $ALL; do
    others=$(echo $ALL | tr ' ' '\n' | grep -v "^$X$" | paste -sd,)
    for k in $KS; do
        "$U" -q train --data "$D" --langs "$others" --task framing --spans 0 --knn "$k" \
            -o "$tmp/m.usm"
        "$U" predict --task framing --lang es --model "$tmp/m.usm" \
            "$D/$X/train-articles-subtask-2" >"$tmp/p.txt"
        f=$("$U" eval --task framing --gold "$D/$X/train-labels-subtask-2.txt" --pred "$tmp/p.txt" \
            2>/dev/null | awk -F'\t' '$1 == "micro-F1" {print $2}')
        n=$(awk -F'\t' '{n += split($2, a, ",")} END {printf "%.2f", n / NR}' "$tmp/p.txt")
        echo "$X knn=$k micro-F1 $f frames/article $n"
    done
done
