#!/usr/bin/env bash
# lolo.sh -- what unspin does on a language it was not trained on: for each of
# the six languages, train on the other five and predict that language's
# articles as an unknown language (--lang es: no language features, threshold
# row 0, no nearest-article vote), then score them with the official metrics.
#
#   tools/lolo.sh framing [DATA] [K...]   framing only, once per --knn K (default
#                                         "20 0"): step 76 of docs/ACCURACY.md
#   tools/lolo.sh all [DATA]              genre, framing and techniques (--spans 0)
#
# DATA defaults to ../shared/data/semeval2023. One line per language (and K).
# About 3.5 minutes for framing, 15 for all, on 2 cores.
set -eu
cd "$(dirname "$0")/.."
U=${UNSPIN:-build/unspin}
mode=${1:?usage: tools/lolo.sh framing|all [DATA] [K...]}
D=${2:-../shared/data/semeval2023}
shift $(($# < 2 ? $# : 2))
KS=${*:-20 0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ALL="en fr ge it po ru"

# score TASK N X: predicts subtask N of language X with $tmp/m.usm, prints its F1
score() {
    "$U" predict --task "$1" --lang es --model "$tmp/m.usm" "$D/$3/train-articles-subtask-$2" >"$tmp/p.txt"
    "$U" eval --task "$1" --gold "$D/$3/train-labels-subtask-$2.txt" --pred "$tmp/p.txt" 2>/dev/null |
        awk -F'\t' -v m="$4" '$1 == m {print $2}'
}

for X in $ALL; do
    others=$(echo $ALL | tr ' ' '\n' | grep -v "^$X$" | paste -sd,)
    if [ "$mode" = framing ]; then
        for k in $KS; do
            "$U" -q train --data "$D" --langs "$others" --task framing --spans 0 --knn "$k" \
                -o "$tmp/m.usm"
            f=$(score framing 2 "$X" micro-F1)
            n=$(awk -F'\t' '{n += split($2, a, ",")} END {printf "%.2f", n / NR}' "$tmp/p.txt")
            echo "$X knn=$k micro-F1 $f frames/article $n"
        done
    else
        "$U" -q train --data "$D" --langs "$others" --spans 0 -o "$tmp/m.usm"
        echo "$X genre macro-F1 $(score genre 1 "$X" macro-F1)" \
             "framing micro-F1 $(score framing 2 "$X" micro-F1)" \
             "techniques micro-F1 $(score techniques 3 "$X" micro-F1)"
    fi
done
