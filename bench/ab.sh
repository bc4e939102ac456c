#!/usr/bin/env bash
# Paired A/B timing of two unspin binaries on the same batch input: the VM's
# speed drifts by tens of percent between minutes, so the two binaries run
# back to back N times (the order alternating each pair) and the paired
# differences of their CPU time (perf stat task-clock) are what is compared.
#   bench/ab.sh OLD_BINARY NEW_BINARY [N=10] [INPUT.jsonl] [-- extra batch options]
# ($AB_MODEL: the model both use, default models/default.usm)
# Prints each pair, then the mean and standard deviation of new - old, and in
# how many pairs the new binary used less CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: bench/ab.sh OLD NEW [N] [INPUT]}; new=${2:?usage: bench/ab.sh OLD NEW [N] [INPUT]}
n=${3:-10}; input=${4:-}
shift $(( $# < 4 ? $# : 4 ))
[ "${1:-}" = "--" ] && shift
if [ -z "$input" ]; then   # default: the training articles as JSON Lines
    input=$(mktemp); trap 'rm -f "$input"' EXIT
    python3 - "$input" <<'PY'
import glob, json, os, sys
with open(sys.argv[1], "w") as out:
    for lang in ["en", "fr", "ge", "it", "po", "ru"]:
        for p in sorted(glob.glob(f"../shared/data/semeval2023/{lang}/train-articles-subtask-3/*.txt")):
            text = open(p, encoding="utf-8", errors="replace").read()
            out.write(json.dumps({"id": os.path.basename(p), "lang": lang, "text": text}) + "\n")
PY
    [ -s "$input" ] || { echo "ab: no input (give INPUT.jsonl or provide ../shared/data)"; exit 0; }
fi
extra=("$@")
model=${AB_MODEL:-models/default.usm}
cpu_ms() {
    perf stat -x, -e task-clock "$1" batch -q --jobs 1 --model "$model" "${extra[@]}" "$input" \
        2>&1 >/dev/null | awk -F, '/task-clock/ {printf "%.0f", $1}'
}
for i in $(seq "$n"); do
    if [ $((i % 2)) -eq 1 ]; then a=$(cpu_ms "$old"); b=$(cpu_ms "$new")
    else b=$(cpu_ms "$new"); a=$(cpu_ms "$old"); fi
    echo "$i old $a ms new $b ms"
done | awk '{print; d = $6 - $3; s += d; ss += d * d; k++; w += d < 0}
            END {m = s / k; printf "new - old: mean %.1f ms, sd %.1f ms, new faster in %d of %d pairs\n",
                 m, sqrt(ss / k - m * m), w, k}'
