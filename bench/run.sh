#!/usr/bin/env bash
# Throughput, memory and load-time benchmark of unspin, side by side with the
# scikit-learn reference pipeline, on the same corpus (the SemEval-2023 Task 3
# training articles of all six languages, subtask-3 folders).
#   bench/run.sh [DATA_DIR]      (default ../shared/data/semeval2023)
#   BENCH_SKIP_REFERENCE=1 / BENCH_SKIP_TRAIN=1 skip the slow parts.
#   BENCH_ROUNDS=N (default 3): the predict and batch rows run N times and
#   report the fastest round (the VM's speed drifts by up to ~30% between
#   minutes; the best round is the machine's, the others are its neighbours').
# Prints one table; docs/PERFORMANCE.md records a run with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/semeval2023}
U=./build/unspin
make -s all bench-tools >/dev/null
if [ ! -d "$data/en/train-articles-subtask-3" ]; then
    echo "bench: $data has no training articles; nothing to measure (skipped)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
langs="en fr ge it po ru"
n_art=0; bytes=0
for l in $langs; do
    d="$data/$l/train-articles-subtask-3"
    n_art=$((n_art + $(ls "$d" | wc -l)))
    bytes=$((bytes + $(cat "$d"/* | wc -c)))
done
mb=$(awk -v b="$bytes" 'BEGIN{printf "%.2f", b/1e6}')
rounds=${BENCH_ROUNDS:-3}
echo "# unspin bench: $n_art articles, $mb MB ($langs), $(nproc) cores, $(date -u +%F), best of $rounds rounds"
echo "# model: $($U dump | awk '/model_id=/{print $1}') $(stat -c %s models/default.usm) bytes"
printf "%-34s %10s %8s %10s %8s %12s\n" "workload" "articles/s" "MB/s" "peak_RSS_MB" "seconds" "art/CPU-s"

# One line of the table: label, seconds, peak RSS in KB.
# A 4th argument, CPU seconds (user + system), adds articles per CPU-second:
# on this shared VM the elapsed time also counts time the hypervisor gave
# the core to someone else.
row() {
    awk -v l="$1" -v s="$2" -v k="$3" -v c="${4:-}" -v n="$n_art" -v b="$bytes" \
        'BEGIN{printf "%-34s %10.0f %8.2f %10.1f %8.2f %12s\n", l, n/s, b/1e6/s, k/1024, s,
               c == "" ? "-" : sprintf("%.0f", n/c)}'
}
# Runs a command (per language when it takes --lang) under GNU time, sums
# the elapsed time and keeps the largest peak RSS.
measure() {   # label, then a command template where LANG and DIR are substituted
    local label=$1; shift
    local best="" best_cpu="" peak=0 r
    for r in $(seq "$rounds"); do
        local total=0 cpu=0
        for l in $langs; do
            local d="$data/$l/train-articles-subtask-3"
            local cmd=("${@//LANG/$l}")
            cmd=("${cmd[@]//DIR/$d}")
            /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "${cmd[@]}" >/dev/null 2>"$tmp/err" || {
                echo "bench: failed: ${cmd[*]}"; cat "$tmp/err"; exit 1; }
            read -r s k u y < "$tmp/t"
            total=$(awk -v a="$total" -v b="$s" 'BEGIN{print a+b}')
            cpu=$(awk -v a="$cpu" -v u="$u" -v y="$y" 'BEGIN{print a+u+y}')
            [ "$k" -gt "$peak" ] && peak=$k
        done
        best=$(awk -v a="${best:-$total}" -v b="$total" 'BEGIN{print (b < a ? b : a)}')
        best_cpu=$(awk -v a="${best_cpu:-$cpu}" -v b="$cpu" 'BEGIN{print (b < a ? b : a)}')
    done
    row "$label" "$best" "$peak" "$best_cpu"
}
# Two processes at once, one per core: each gets every other article of every
# language (one invocation per language and half).
measure2() {
    local label=$1; shift
    local start end peak
    for l in $langs; do
        mkdir -p "$tmp/half0/$l" "$tmp/half1/$l"
        local k=0
        for f in "$data/$l/train-articles-subtask-3"/*; do
            ln -sf "$(realpath "$f")" "$tmp/half$((k % 2))/$l/"
            k=$((k + 1))
        done
    done
    local best="" r
    for r in $(seq "$rounds"); do
        start=$(date +%s.%N)
        for h in 0 1; do
            ( for l in $langs; do c=("${@//LANG/$l}"); c=("${c[@]//DIR/$tmp/half$h/$l}")
              /usr/bin/time -f "%M" -a -o "$tmp/m" "${c[@]}" >/dev/null 2>&1; done ) &
        done
        wait
        end=$(date +%s.%N)
        best=$(awk -v a="$start" -v b="$end" -v m="$best" 'BEGIN{s = b - a; print (m == "" || s < m) ? s : m}')
    done
    peak=$(sort -n "$tmp/m" | tail -1); rm -f "$tmp/m"
    row "$label" "$best" "$peak"
}
for task in genre framing techniques; do
    measure "predict $task (1 core)" $U predict -q --jobs 1 --task $task --lang LANG DIR
done | tee "$tmp/predict.txt"
measure2 "predict techniques (2 cores)" $U predict -q --jobs 1 --task techniques --lang LANG DIR
measure2 "predict genre (2 cores)" $U predict -q --jobs 1 --task genre --lang LANG DIR
# One process per language using both cores (--jobs 2): one model load, no process pairs.
measure "predict techniques --jobs 2" $U predict -q --jobs 2 --task techniques --lang LANG DIR
measure "predict genre --jobs 2" $U predict -q --jobs 2 --task genre --lang LANG DIR
# analyze reads one article per call: this row is a process (and model load) per article.
start=$(date +%s.%N)
for l in $langs; do
    for f in "$data/$l/train-articles-subtask-3"/*; do
        $U analyze --json --lang $l "$f" >/dev/null 2>&1 || { echo "bench: analyze failed on $f"; exit 1; }
    done
done
row "analyze --json, one process each" "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" 0
# JSON Lines corpus for batch.
/usr/bin/python3 - "$data" "$tmp/corpus.jsonl" $langs <<'PY'
import json, os, sys
data, out, langs = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "w") as f:
    for l in langs:
        d = os.path.join(data, l, "train-articles-subtask-3")
        for name in sorted(os.listdir(d)):
            text = open(os.path.join(d, name), encoding="utf-8", errors="replace").read()
            f.write(json.dumps({"id": name, "lang": l, "text": text}, ensure_ascii=False) + "\n")
PY
# batch over the corpus in one process, best of the rounds: label, then batch's options.
# BATCH_CORPUS / BATCH_TIMES: another corpus file, BATCH_TIMES copies of the first.
measure_batch() {
    local label=$1; shift
    local corpus=${BATCH_CORPUS:-$tmp/corpus.jsonl} times=${BATCH_TIMES:-1}
    local n_art=$((n_art * times)) bytes=$((bytes * times))
    local best="" best_cpu="" peak=0 r
    for r in $(seq "$rounds"); do
        # GNU time's %e has 10 ms steps, 4% of a 0.25 s run: the wall clock comes from date.
        local t0 t1
        t0=$(date +%s.%N)
        /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" $U batch -q "$@" "$corpus" > "$tmp/out.jsonl"
        t1=$(date +%s.%N)
        read -r s k u y < "$tmp/t"
        s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')
        best=$(awk -v a="${best:-$s}" -v b="$s" 'BEGIN{print (b < a ? b : a)}')
        best_cpu=$(awk -v a="${best_cpu:-999999}" -v b="$u" -v c="$y" 'BEGIN{print (b + c < a ? b + c : a)}')
        [ "$k" -gt "$peak" ] && peak=$k
    done
    [ "$(wc -l < "$tmp/out.jsonl")" -eq "$n_art" ] || echo "bench: WARNING: batch lines out != in"
    row "$label" "$best" "$peak" "$best_cpu"
}
measure_batch "batch --jobs 1, full analysis" --jobs 1
measure_batch "batch --jobs 2, full analysis" --jobs 2
# The same on four copies of the corpus (5,004 articles): a run of 0.5 s also
# counts the process start, the model load and the last articles' tail, about
# 40 ms; a corpus that takes seconds shows the steady rate.
for i in 1 2 3 4; do cat "$tmp/corpus.jsonl"; done > "$tmp/corpus4.jsonl"
BATCH_CORPUS=$tmp/corpus4.jsonl BATCH_TIMES=4 measure_batch "batch --jobs 2, full, corpus x4" --jobs 2
# Paragraph-level prediction alone in one process on both cores.
measure_batch "batch --jobs 2 --task techniques" --jobs 2 --task techniques
./build/bench_load models/default.usm 50 | awk '{printf "model load: %.2f ms mean, %.2f ms best (50 loads)\n", $2, $3}'
# Where full analysis spends its time: each stage of us_analyze on the same
# articles in one process (CPU time, best of the rounds).
echo "# stages of one analysis (build/bench_stages, 1 core, CPU time, best of $rounds rounds)"
./build/bench_stages models/default.usm "$rounds" $(for l in $langs; do echo "$data/$l/train-articles-subtask-3"/*; done) |
    awk -F'\t' '{printf "stage %-18s %8.0f articles/CPU-s %8.1f us/article\n", $1, $3, $4}'
if [ "${BENCH_SKIP_TRAIN:-0}" != 1 ]; then
    /usr/bin/time -f "%e %M" -o "$tmp/t" $U -q train --data "$data" -o "$tmp/m.usm"
    read -r s k < "$tmp/t"
    awk -v s="$s" -v k="$k" 'BEGIN{printf "train default model (all tasks, 6 languages): %.1f s, peak RSS %.0f MB\n", s, k/1024}'
fi
# Reference pipeline (scikit-learn): its CV and timing take ~15 minutes, so
# they are read from bench/results/reference-cv.json (made by
# `bench/reference.py --time --json bench/results/reference-cv.json` on this
# machine kind); BENCH_REFERENCE=1 reruns it first.
ref=bench/results/reference-cv.json
if [ "${BENCH_REFERENCE:-0}" = 1 ] && /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
    /usr/bin/python3 bench/reference.py --data "$data" --time --quiet --json "$ref"
fi
if [ -f "$ref" ]; then
    echo "# reference: TF-IDF word 1-2 + char 2-5 grams, one-vs-rest logistic regression (scikit-learn, 1 core)"
    /usr/bin/python3 - "$ref" "$n_art" "$tmp/tech_rate" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))
t = ref.get("timing", {})
for task in ("genre", "framing", "techniques"):
    p = t.get("predict", {}).get(task)
    if p:
        print(f"reference predict {task:<11} {p['articles_per_s']:10.1f} articles/s")
for task, s in t.get("train_s", {}).items():
    print(f"reference train {task:<13} {s:10.1f} s")
PY
fi
