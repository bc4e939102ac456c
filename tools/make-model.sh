#!/usr/bin/env bash
# Rebuilds the shipped default model from the SemEval-2023 Task 3 training data.
# Deterministic: the same data and unspin version give the same bytes.
#   tools/make-model.sh [DATA_DIR] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/semeval2023}
out=${2:-models/default.usm}
if [ ! -d "$data/en" ]; then
    echo "make-model: $data has no training data (expected $data/en, $data/fr, ...)" >&2
    exit 1
fi
start=$(date +%s)
./build/unspin train --data "$data" --langs en,fr,ge,it,po,ru --task all --seed 1 -o "$out"
echo "make-model: $out ($(stat -c %s "$out") bytes, sha256 $(sha256sum "$out" | cut -c1-16)) in $(( $(date +%s) - start )) s"
