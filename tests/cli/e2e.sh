#!/usr/bin/env bash
# End to end: train -> predict (official format) -> eval, twice:
#  1. on a small dataset generated here (always runs): the model must learn
#     the planted cues, training must be bit-identical across runs and thread
#     counts, and predict must give one row per non-empty line;
#  2. on a slice of ../shared/data/semeval2023 (skipped when it is absent):
#     train on 40 articles per language (en, fr), predict and score 20 others.
set -u
cd "$(dirname "$0")/../.."
U=${UNSPIN:-build/unspin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "e2e.sh: FAIL: $*"; fails=$((fails + 1)); }
# train OPTION with each of the VALUES must be a usage error (exit 2); runs
# after the generated dataset and opts exist
bad_values() {
    local opt=$1 a
    shift
    for a in "$@"; do
        "$U" -q train --data "$tmp/data" "${opts[@]}" "$opt" "$a" -o "$tmp/x.usm" 2>"$tmp/err"
        [ $? = 2 ] || fail "$opt $a: exit not 2"
    done
}

# ---- 1. generated dataset ------------------------------------------------------
for lang in en fr; do
    d=$tmp/data/$lang
    mkdir -p "$d"/train-articles-subtask-{1,2,3} "$d/train-labels-subtask-3-spans"
    : >"$d/train-labels-subtask-1.txt"; : >"$d/train-labels-subtask-2.txt"; : >"$d/train-labels-subtask-3.txt"
    for i in $(seq 1 24); do
        if [ $lang = fr ]; then id=$((i + 500)); else id=$((i + 100)); fi
        if [ $((i % 2)) = 0 ]; then
            body="Traitors and cowards run this corrupt regime!\nThe ministry published its annual budget report on Monday.\nWhy would anyone trust these liars?"
            genre=opinion; frames=Political,Morality
            l1=Name_Calling-Labeling,Loaded_Language; l3=Doubt
        else
            body="The ministry published its annual budget report on Monday.\nOfficials said spending rose by four percent.\nThe report will be debated next week."
            genre=reporting; frames=Economic
            l1=; l3=
        fi
        printf "Title $id\n\n$body\n" >"$d/train-articles-subtask-1/article$id.txt"
        cp "$d/train-articles-subtask-1/article$id.txt" "$d/train-articles-subtask-2/"
        cp "$d/train-articles-subtask-1/article$id.txt" "$d/train-articles-subtask-3/"
        printf '%s\t%s\n' $id $genre >>"$d/train-labels-subtask-1.txt"
        printf '%s\t%s\n' $id $frames >>"$d/train-labels-subtask-2.txt"
        printf '%s\t1\t\n%s\t3\t%s\n%s\t4\t\n%s\t5\t%s\n' $id $id "$l1" $id $id "$l3" \
            >>"$d/train-labels-subtask-3.txt"
        # the opinion articles' spans (code points; "Title NNN" and a blank line come first)
        if [ -n "$l1" ]; then
            printf '%s\tName_Calling-Labeling\t11\t31\n%s\tLoaded_Language\t41\t55\n%s\tDoubt\t116\t151\n' \
                $id $id $id
        fi >"$d/train-labels-subtask-3-spans/article$id-labels-subtask-3.txt"
    done
done
opts=(--bits 12 --epochs 4 --inner-folds 2 --seed 3)
"$U" -q train --data "$tmp/data" "${opts[@]}" --threads 1 -o "$tmp/a.usm" 2>"$tmp/err" ||
    { fail "train exited $?"; cat "$tmp/err"; }
"$U" -q train --data "$tmp/data" "${opts[@]}" --threads 2 -o "$tmp/b.usm" 2>>"$tmp/err" ||
    fail "second train exited $?"
cmp -s "$tmp/a.usm" "$tmp/b.usm" || fail "training is not deterministic across runs/threads"
"$U" dump --model "$tmp/a.usm" | grep -q "model_id=" || fail "dump shows no META"
# --knn (the default, 20 nearest at 0.35): a KNN1 section and a META line;
# explanations name the training articles whose frames were blended in, with
# their annotated frames; --knn 0 has neither, and --knn-weight out of 0..1
# is a usage error
"$U" dump --model "$tmp/a.usm" >"$tmp/dump-a.txt"
grep -q "^ *KNN1 " "$tmp/dump-a.txt" && grep -q "framing.knn=k:20 weight:0.35" "$tmp/dump-a.txt" ||
    fail "train: no KNN1 section or framing.knn META line"
"$U" analyze --json --lang en --model "$tmp/a.usm" "$tmp/data/en/train-articles-subtask-2/article102.txt" \
    >"$tmp/knn.json" 2>"$tmp/err" || fail "analyze with a --knn model exited $?: $(cat "$tmp/err")"
python3 - "$tmp/knn.json" <<'PY' || fail "analyze --json: similar_articles wrong"
import json, sys
a = json.load(open(sys.argv[1]))
s = a["similar_articles"]
assert 1 <= len(s) <= 5, s
# article102 is one of the opinion articles (even ids): its own text is in the
# index, so it is its own nearest neighbour, and its twins follow
assert s[0]["id"] == "102" and 0.999 <= s[0]["similarity"] <= 1.0, s[0]   # a cosine
assert all(x["lang"] == "en" and int(x["id"]) % 2 == 0 for x in s), s
assert all(x["frames"] == ["Morality", "Political"] for x in s), s
assert [x["similarity"] for x in s] == sorted((x["similarity"] for x in s), reverse=True)
PY
"$U" -q train --data "$tmp/data" "${opts[@]}" --knn 0 -o "$tmp/k0.usm" 2>"$tmp/err" ||
    fail "train --knn 0 exited $?: $(cat "$tmp/err")"
"$U" dump --model "$tmp/k0.usm" | grep -q "KNN1\|framing.knn" && fail "train --knn 0: KNN1 still there"
"$U" analyze --json --lang en --model "$tmp/k0.usm" "$tmp/data/en/train-articles-subtask-2/article102.txt" |
    grep -q similar_articles && fail "analyze with a --knn 0 model: similar_articles"
"$U" -q train --data "$tmp/data" "${opts[@]}" --knn-weight 1.5 -o "$tmp/x.usm" 2>"$tmp/err"
[ $? = 2 ] || fail "train --knn-weight 1.5: not a usage error"
# Data with framing labels only: the default --task all leaves genre and
# techniques out (saying so), the model predicts frames and nothing else, and
# asking it for another subtask is an error, not an empty answer; --task genre
# on that data is an error and writes nothing
o2=$tmp/only2/en
mkdir -p "$o2" && cp -r "$tmp/data/en/train-articles-subtask-2" "$tmp/data/en/train-labels-subtask-2.txt" "$o2/"
"$U" train --data "$tmp/only2" --langs en "${opts[@]}" -o "$tmp/o2.usm" 2>"$tmp/err" ||
    fail "train on framing labels only exited $?: $(cat "$tmp/err")"
grep -q "no labelled article for genre" "$tmp/err" && grep -q "no labelled article for techniques" "$tmp/err" ||
    fail "train on framing labels only: no note of the subtasks left out: $(grep -v epoch "$tmp/err" | tail -3)"
"$U" -q train --data "$tmp/only2" --langs en "${opts[@]}" --task all -o "$tmp/o2all.usm" 2>"$tmp/err" &&
    cmp -s "$tmp/o2.usm" "$tmp/o2all.usm" || fail "--task all on framing labels only: not the default's model"
"$U" dump --model "$tmp/o2.usm" >"$tmp/dump-o2.txt"
grep -q "^ *tasks=framing *$" "$tmp/dump-o2.txt" && ! grep -Eq "^ *(GENR|TECH|SPAN|STK1|SLEX) " "$tmp/dump-o2.txt" ||
    fail "framing-only model: $(grep -E 'tasks=|^  [A-Z]' "$tmp/dump-o2.txt" | tr '\n' ' ')"
"$U" predict --task framing --lang en --model "$tmp/o2.usm" "$tmp/data/en/train-articles-subtask-2" \
    >"$tmp/o2-frames.txt" 2>"$tmp/err" && [ "$(wc -l <"$tmp/o2-frames.txt")" = 24 ] ||
    fail "framing-only model: predict framing: $(cat "$tmp/err")"
"$U" predict --task genre --lang en --model "$tmp/o2.usm" "$tmp/data/en/train-articles-subtask-1" \
    >"$tmp/o2-genre.txt" 2>"$tmp/err"
[ $? = 1 ] && [ ! -s "$tmp/o2-genre.txt" ] && grep -q "has no genre head" "$tmp/err" ||
    fail "framing-only model: predict --task genre: $(cat "$tmp/err")"
"$U" train --data "$tmp/only2" --langs en "${opts[@]}" --task genre -o "$tmp/o2g.usm" 2>"$tmp/err"
[ $? = 1 ] && [ ! -e "$tmp/o2g.usm" ] && grep -q "no labelled article for genre" "$tmp/err" ||
    fail "train --task genre without genre labels: $(tail -2 "$tmp/err")"
# techniques labels without span files: no span tagger (an empty one would mark
# the first words of every predicted technique)
o3=$tmp/nospans/en
mkdir -p "$o3" && cp -r "$tmp/data/en/train-articles-subtask-3" "$tmp/data/en/train-labels-subtask-3.txt" "$o3/"
"$U" train --data "$tmp/nospans" --langs en "${opts[@]}" -o "$tmp/o3.usm" 2>"$tmp/err" ||
    fail "train without span files exited $?: $(cat "$tmp/err")"
grep -q "no span tagger" "$tmp/err" && "$U" dump --model "$tmp/o3.usm" | grep -q "^ *TECH " &&
    ! "$U" dump --model "$tmp/o3.usm" | grep -q "^ *SPAN " || fail "train without span files: $(tail -2 "$tmp/err")"
# --span-bias: the span tagger's inside bias (default 0.8), in META and the
# model id; outside -5..5 or not a number is a usage error
"$U" -q train --data "$tmp/data" "${opts[@]}" --span-bias 0.3 -o "$tmp/sb.usm" 2>"$tmp/err" ||
    fail "train --span-bias 0.3 exited $?: $(cat "$tmp/err")"
"$U" dump --model "$tmp/sb.usm" >"$tmp/dump-sb.txt"
"$U" dump --model "$tmp/a.usm" >"$tmp/dump-a.txt"
grep -q "^ *spans=.* inside_bias:0.3 " "$tmp/dump-sb.txt" && grep -q "^ *spans=.* inside_bias:0.8 " "$tmp/dump-a.txt" ||
    fail "--span-bias: $(grep spans= "$tmp/dump-sb.txt" "$tmp/dump-a.txt")"
[ "$(grep model_id= "$tmp/dump-sb.txt")" != "$(grep model_id= "$tmp/dump-a.txt")" ] ||
    fail "--span-bias: the model id did not change"
bad_values --span-bias 6 -5.5 x nan
for task in genre framing techniques; do
    case $task in genre) n=1 ;; framing) n=2 ;; techniques) n=3 ;; esac
    "$U" predict --task $task --lang en --model "$tmp/a.usm" "$tmp/data/en/train-articles-subtask-$n" \
        >"$tmp/pred-$task.txt" || fail "predict $task exited $?"
    "$U" eval --task $task --gold "$tmp/data/en/train-labels-subtask-$n.txt" \
        --pred "$tmp/pred-$task.txt" >"$tmp/eval-$task.txt" 2>"$tmp/eval-$task.err" ||
        fail "eval $task exited $?"
done
# --jobs: the same rows in the same order, the same errors and exit status, for 1 and 3 threads
cp -r "$tmp/data/en/train-articles-subtask-3" "$tmp/jobs"
printf 'bad \377 byte\n' >"$tmp/jobs/article999999.txt"
for fmt in semeval jsonl; do
    for j in 1 3; do
        rc=0; "$U" predict -j $j --format $fmt --task techniques --lang en --model "$tmp/a.usm" \
            "$tmp/jobs" >"$tmp/jobs-$j.out" 2>"$tmp/jobs-$j.err" || rc=$?
        [ "$rc" = 1 ] || fail "predict -j $j ($fmt) with a bad file: exit $rc, expected 1"
    done
    cmp -s "$tmp/jobs-1.out" "$tmp/jobs-3.out" || fail "predict -j 1 and -j 3 ($fmt) print different rows"
    cmp -s "$tmp/jobs-1.err" "$tmp/jobs-3.err" || fail "predict -j 1 and -j 3 ($fmt) report differently"
done
grep -q 'article999999.txt: invalid UTF-8' "$tmp/jobs-3.err" || fail "predict -j 3: bad file not named"
[ "$(grep -c '"error"' "$tmp/jobs-3.out")" = 1 ] || fail "predict -j 3 jsonl: no error line for the bad file"
[ "$(wc -l <"$tmp/jobs-3.out")" = 25 ] || fail "predict -j 3 jsonl: $(wc -l <"$tmp/jobs-3.out") lines, expected 25"

# one row per non-empty line: 4 per article (title + 3 body lines), 24 articles
[ "$(wc -l <"$tmp/pred-techniques.txt")" = 96 ] ||
    fail "techniques: $(wc -l <"$tmp/pred-techniques.txt") rows, expected 96"
f1() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$2"; }
# (genre: micro-F1 = accuracy; macro-F1 counts the absent satire class as 0)
for pair in "genre micro-F1" "framing micro-F1" "techniques micro-F1"; do
    set -- $pair
    v=$(f1 "$2" "$tmp/eval-$1.txt")
    awk -v v="$v" 'BEGIN{exit !(v >= 0.9)}' || fail "$1: $2 on the training articles is '$v' (< 0.9): the planted cues were not learnt"
done

# cv writes one table and valid JSON, also when only some tasks are asked for
for task in all techniques; do
    "$U" -q cv --data "$tmp/data" "${opts[@]}" --folds 3 --task $task --spans 0 \
        --json "$tmp/cv-$task.json" --oof "$tmp/oof-$task.jsonl" >"$tmp/cv-$task.txt" 2>"$tmp/err" ||
        { fail "cv --task $task exited $?"; cat "$tmp/err"; }
    grep -q "^all" "$tmp/cv-$task.txt" || fail "cv --task $task: no pooled row"
    python3 - "$tmp/cv-$task.json" "$task" <<'PY' || fail "cv --task $task: bad JSON"
import json, sys
d = json.load(open(sys.argv[1]))
tasks = ["genre", "framing", "techniques"] if sys.argv[2] == "all" else [sys.argv[2]]
assert sorted(d["ece"]) == ["frames", "genre", "spans", "techniques"], d["ece"]
for lang in ("en", "fr", "all"):
    assert sorted(d["results"][lang]) == sorted(tasks), d["results"][lang]
    for t in tasks:
        assert 0.0 <= d["results"][lang][t]["unspin"] <= 1.0
PY
    # --oof: every article once per subtask, from a fold that did not train on it;
    # the genre arg-max of its probabilities gives the table's genre accuracy.
    python3 - "$tmp/oof-$task.jsonl" "$tmp/cv-$task.json" "$task" <<'PY' || fail "cv --task $task: bad --oof output"
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
d = json.load(open(sys.argv[2]))
tasks = ["genre", "framing", "techniques"] if sys.argv[3] == "all" else [sys.argv[3]]
seen = collections.Counter((r["id"], r["task"]) for r in rows)
assert sorted({t for _, t in seen}) == sorted(tasks), seen
assert all(n == 1 for n in seen.values()) and len(seen) == 48 * len(tasks), len(seen)
for r in rows:
    assert 1 <= r["fold"] <= 3 and r["lang"] in ("en", "fr")
    assert all(len(p["probs"]) == 23 and len(p["text_probs"]) == 23 for p in r["paragraphs"])
    assert all(0 <= v <= 1 for p in r["paragraphs"] for v in p["probs"].values())
    if r["task"] == "techniques":
        assert len(r["paragraphs"]) == 4 and all("gold" in p for p in r["paragraphs"])
    else:
        assert len(r["genre"]) == 3 and len(r["frames"]) == 14 and len(r["paragraphs"]) == 4
if "genre" in tasks:
    g = [r for r in rows if r["task"] == "genre"]
    acc = sum(max(r["genre"], key=r["genre"].get) in r["gold"] for r in g) / len(g)
    assert abs(acc - d["results"]["all"]["genre"]["micro_f1"]) < 1e-3, acc
    assert all(r["predicted_genre"] == max(r["genre"], key=r["genre"].get) for r in g)
# the predicted sets are the decisions the table scored: micro-F1 from them
def micro(pairs):
    tp = sum(len(set(p) & set(g)) for p, g in pairs)
    fp = sum(len(set(p) - set(g)) for p, g in pairs)
    fn = sum(len(set(g) - set(p)) for p, g in pairs)
    return 2 * tp / max(2 * tp + fp + fn, 1)
if "framing" in tasks:
    f = micro((r["predicted_frames"], r["gold"]) for r in rows if r["task"] == "framing")
    assert abs(f - d["results"]["all"]["framing"]["unspin"]) < 1e-3, (f, d["results"]["all"])
if "techniques" in tasks:
    t = micro((p["predicted"], p["gold"]) for r in rows if r["task"] == "techniques"
              for p in r["paragraphs"])
    assert abs(t - d["results"]["all"]["techniques"]["unspin"]) < 1e-3, (t, d["results"]["all"])
PY
done
# with the span tagger on, techniques lines carry its 23 span scores per paragraph
"$U" -q cv --data "$tmp/data" "${opts[@]}" --folds 3 --task techniques --oof "$tmp/oof-spans.jsonl" \
    >/dev/null 2>"$tmp/err" || { fail "cv --oof with spans exited $?"; cat "$tmp/err"; }
python3 - "$tmp/oof-spans.jsonl" "$tmp/oof-techniques.jsonl" <<'PY' || fail "cv --oof: bad span_scores"
import json, math, sys
on = [json.loads(l) for l in open(sys.argv[1])]
off = [json.loads(l) for l in open(sys.argv[2])]   # --spans 0: none
assert len(on) == 48 and all(r["task"] == "techniques" for r in on)
for r in on:
    for p in r["paragraphs"]:
        s = p["span_scores"]
        assert len(s) == 23 and sorted(s) == sorted(p["probs"]), s
        assert all(math.isfinite(v) for v in s.values())
assert not any("span_scores" in p for r in off for p in r["paragraphs"])
PY

# --stack-spans: the second stage reads the span tagger; predicting techniques
# alone then loads the tagger too, and the option needs what it reads
"$U" -q train --data "$tmp/data" "${opts[@]}" --stack-spans 1 -o "$tmp/ss.usm" 2>"$tmp/err" ||
    { fail "train --stack-spans exited $?"; cat "$tmp/err"; }
"$U" dump --model "$tmp/ss.usm" | grep -q "techniques.stack_spans=" ||
    fail "train --stack-spans: META does not say so"
"$U" predict --model "$tmp/ss.usm" --task techniques --lang en "$tmp/data/en/train-articles-subtask-3" \
    >"$tmp/pred-ss.txt" 2>"$tmp/err" || fail "predict with a --stack-spans model exited $?: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/pred-ss.txt")" = 96 ] || fail "predict --stack-spans model: $(wc -l <"$tmp/pred-ss.txt") rows"
"$U" -q train --data "$tmp/data" "${opts[@]}" --stack-spans 1 --spans 0 -o "$tmp/x.usm" 2>"$tmp/err"
[ $? = 2 ] && grep -q "stack-spans 1 needs" "$tmp/err" || fail "--stack-spans 1 --spans 0: $(cat "$tmp/err")"

# --stack-lex: the second stage reads the span lexicon (an SLEX section);
# it needs the cue layout and does not go with --stack-spans
"$U" -q train --data "$tmp/data" "${opts[@]}" --stack-lex 1 -o "$tmp/sl.usm" 2>"$tmp/err" ||
    { fail "train --stack-lex exited $?"; cat "$tmp/err"; }
"$U" dump --model "$tmp/sl.usm" >"$tmp/dump-sl.txt"
grep -q "techniques.stack_lex=" "$tmp/dump-sl.txt" && grep -q "^ *SLEX " "$tmp/dump-sl.txt" ||
    fail "train --stack-lex: no SLEX section or META line"
"$U" predict --model "$tmp/sl.usm" --task techniques --lang en "$tmp/data/en/train-articles-subtask-3" \
    >"$tmp/pred-sl.txt" 2>"$tmp/err" || fail "predict with a --stack-lex model exited $?: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/pred-sl.txt")" = 96 ] || fail "predict --stack-lex model: $(wc -l <"$tmp/pred-sl.txt") rows"
"$U" -q train --data "$tmp/data" "${opts[@]}" --stack-lex 1 --stack-spans 1 -o "$tmp/x.usm" 2>"$tmp/err"
[ $? = 2 ] && grep -q "stack-lex 1 needs" "$tmp/err" || fail "--stack-lex 1 --stack-spans 1: $(cat "$tmp/err")"
# --lex-bits and --lex-alpha reach the lexicon (its size, the META line and
# the model id), and a smoothing that is not positive is a usage error
"$U" -q train --data "$tmp/data" "${opts[@]}" --stack-lex 1 --lex-bits 12 --lex-alpha 5 \
    -o "$tmp/sl2.usm" 2>"$tmp/err" || fail "train --lex-bits 12 --lex-alpha 5 exited $?: $(cat "$tmp/err")"
"$U" dump --model "$tmp/sl2.usm" >"$tmp/dump-sl2.txt"
grep -q "techniques.stack_lex=.*bits:12 alpha:5 levels:16" "$tmp/dump-sl2.txt" &&
    grep -Eq "^ *SLEX +[0-9]+ +67072 " "$tmp/dump-sl2.txt" ||
    fail "--lex-bits 12 --lex-alpha 5: $(grep -E 'stack_lex|SLEX' "$tmp/dump-sl2.txt")"
[ "$(grep model_id= "$tmp/dump-sl.txt")" != "$(grep model_id= "$tmp/dump-sl2.txt")" ] ||
    fail "--lex-bits/--lex-alpha: the model id did not change"
bad_values --lex-alpha 0 -1 nan x
# --ctx-blocks 1: the neighbours' words as blocks of their own (FCFG version
# 6, 60 bytes; META and the model id say so), and the model predicts (its
# fast path against the plain one: test_wordvec); bad values are usage errors
"$U" -q train --data "$tmp/data" "${opts[@]}" --ctx-blocks 1 --ctx-weight 0.3 -o "$tmp/cb.usm" \
    2>"$tmp/err" || fail "train --ctx-blocks 1 exited $?: $(cat "$tmp/err")"
"$U" dump --model "$tmp/cb.usm" >"$tmp/dump-cb.txt"
grep -q "^ *features=.* w:1/0.7/0.35/1/0.3 ctx:blocks$" "$tmp/dump-cb.txt" &&
    grep -Eq "^ *FCFG +[0-9]+ +60 " "$tmp/dump-cb.txt" ||
    fail "--ctx-blocks 1: $(grep -E 'features=|FCFG' "$tmp/dump-cb.txt")"
[ "$("$U" dump --model "$tmp/a.usm" | grep model_id=)" != "$(grep model_id= "$tmp/dump-cb.txt")" ] ||
    fail "--ctx-blocks 1: the model id did not change"
"$U" predict --task techniques --lang en --model "$tmp/cb.usm" "$tmp/data/en/train-articles-subtask-3" \
    >"$tmp/pred-cb.txt" 2>"$tmp/err" || fail "predict with a --ctx-blocks model exited $?: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/pred-cb.txt")" = 96 ] || fail "predict --ctx-blocks model: $(wc -l <"$tmp/pred-cb.txt") rows"
for a in "--ctx-blocks 2" "--ctx-blocks x" "--ctx-weight 0" "--ctx-weight 5" "--ctx-weight nan"; do
    # shellcheck disable=SC2086
    "$U" -q train --data "$tmp/data" "${opts[@]}" $a -o "$tmp/x.usm" 2>"$tmp/err"
    [ $? = 2 ] || fail "$a: exit not 2"
done

# --head-bits: heads with fewer weight rows than buckets (META, the model id,
# the sections' sizes say so), capped at the buckets; the model predicts
# (its fast paths against plain scoring: test_wordvec); bad lists are usage
# errors
"$U" -q train --data "$tmp/data" "${opts[@]}" --head-bits 12,11,10 -o "$tmp/hb.usm" \
    2>"$tmp/err" || fail "train --head-bits 12,11,10 exited $?: $(cat "$tmp/err")"
"$U" dump --model "$tmp/hb.usm" >"$tmp/dump-hb.txt"
"$U" dump --model "$tmp/a.usm" >"$tmp/dump-a0.txt"
grep -q "^ *train.framing=.* rows:2^11$" "$tmp/dump-hb.txt" &&
    grep -q "^ *train.techniques=.* average:1 rows:2^10$" "$tmp/dump-hb.txt" &&
    ! grep -q "^ *train.genre=.*rows:" "$tmp/dump-hb.txt" &&
    ! grep -q "rows:" "$tmp/dump-a0.txt" ||
    fail "--head-bits 12,11,10: $(grep -E 'train\.' "$tmp/dump-hb.txt")"
size_of() { awk -v s="$2" '$1 == s {print $3}' "$1"; }
[ $(( $(size_of "$tmp/dump-a0.txt" TECH) - $(size_of "$tmp/dump-hb.txt" TECH) )) = $(( 3072 * 32 )) ] &&
    [ $(( $(size_of "$tmp/dump-a0.txt" FRAM) - $(size_of "$tmp/dump-hb.txt" FRAM) )) = $(( 2048 * 32 )) ] &&
    [ "$(size_of "$tmp/dump-a0.txt" GENR)" = "$(size_of "$tmp/dump-hb.txt" GENR)" ] ||
    fail "--head-bits 12,11,10: sections $(grep -E '^ *(GENR|FRAM|TECH) ' "$tmp/dump-hb.txt")"
[ "$(grep model_id= "$tmp/dump-a0.txt")" != "$(grep model_id= "$tmp/dump-hb.txt")" ] ||
    fail "--head-bits: the model id did not change"
"$U" predict --task techniques --lang en --model "$tmp/hb.usm" "$tmp/data/en/train-articles-subtask-3" \
    >"$tmp/pred-hb.txt" 2>"$tmp/err" || fail "predict with a --head-bits model exited $?: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/pred-hb.txt")" = 96 ] || fail "predict --head-bits model: $(wc -l <"$tmp/pred-hb.txt") rows"
"$U" -q train --data "$tmp/data" "${opts[@]}" --head-bits 18,18,18 -o "$tmp/hb18.usm" 2>"$tmp/err" ||
    fail "train --head-bits 18,18,18 exited $?: $(cat "$tmp/err")"
cmp -s "$tmp/a.usm" "$tmp/hb18.usm" || fail "--head-bits above --bits: not capped to one row a bucket"
bad_values --head-bits 12,11 12,11,10,9 9,12,12 12,x,12 ,12,12 12,12,25

# --average: techniques keep the mean of their iterates by default (META says
# so per task), genre and framing do not; --average 0 turns it off everywhere
"$U" dump --model "$tmp/a.usm" >"$tmp/dump-a.txt"
grep -q "^ *train.techniques=.* average:1$" "$tmp/dump-a.txt" &&
    ! grep -q "^ *train.genre=.*average" "$tmp/dump-a.txt" &&
    ! grep -q "^ *train.framing=.*average" "$tmp/dump-a.txt" || fail "default model META: averaging per task"
"$U" -q train --data "$tmp/data" "${opts[@]}" --average 0 -o "$tmp/avg0.usm" 2>"$tmp/err" ||
    { fail "train --average 0 exited $?"; cat "$tmp/err"; }
! "$U" dump --model "$tmp/avg0.usm" | grep -q "average:" || fail "--average 0: META still says average"
cmp -s "$tmp/a.usm" "$tmp/avg0.usm" && fail "--average 0 trained the same model as the default"
"$U" -q train --data "$tmp/data" "${opts[@]}" --average 2 -o "$tmp/x.usm" 2>"$tmp/err"
[ $? = 2 ] && grep -q "invalid value '2' for --average" "$tmp/err" || fail "--average 2: $(cat "$tmp/err")"

# a valence lexicon: stored in the model (META says so), used without the file
cat >"$tmp/lex.tsv" <<'EOF2'
# test lexicon
en	traitors	-3
en	liars	-3
fr	traitors	-3
en	trust	1
EOF2
"$U" -q train --data "$tmp/data" "${opts[@]}" --lexicon "$tmp/lex.tsv" --lex-weight 2 \
    -o "$tmp/lex.usm" 2>"$tmp/err" || { fail "train --lexicon exited $?"; cat "$tmp/err"; }
"$U" dump --model "$tmp/lex.usm" | grep -q "lexicon=3 words, weight 2" ||
    fail "train --lexicon: META does not name the lexicon: $("$U" dump --model "$tmp/lex.usm" | grep -i lex)"
cmp -s "$tmp/lex.usm" "$tmp/a.usm" && fail "train --lexicon wrote the same model as without"
rm -f "$tmp/lex.tsv"
"$U" predict --model "$tmp/lex.usm" --task techniques --lang en "$tmp/data/en/train-articles-subtask-3" \
    >"$tmp/pred-lex.txt" 2>"$tmp/err" || fail "predict with a lexicon model exited $?"
[ "$(wc -l <"$tmp/pred-lex.txt")" = 96 ] || fail "predict with a lexicon model: $(wc -l <"$tmp/pred-lex.txt") rows"
"$U" -q train --data "$tmp/data" "${opts[@]}" --lexicon "$tmp/no-such.tsv" -o "$tmp/x.usm" 2>"$tmp/err"
[ $? = 1 ] && grep -q "no-such.tsv" "$tmp/err" || fail "train --lexicon MISSING: $(cat "$tmp/err")"
printf 'en\tgood\t2\nen\tbad\n' >"$tmp/bad.tsv"
"$U" -q cv --data "$tmp/data" "${opts[@]}" --lexicon "$tmp/bad.tsv" 2>"$tmp/err" >/dev/null
[ $? = 1 ] && grep -q "bad.tsv:2:" "$tmp/err" || fail "cv --lexicon with a bad line: $(cat "$tmp/err")"
"$U" -q train --data "$tmp/data" "${opts[@]}" --lex-weight 2 -o "$tmp/x.usm" 2>"$tmp/err"
[ $? = 2 ] && grep -q "needs --lexicon" "$tmp/err" || fail "--lex-weight alone: $(cat "$tmp/err")"
[ ! -e "$tmp/x.usm" ] || fail "a failed train wrote a model"

"$U" -q cv --data "$tmp/data" "${opts[@]}" --folds 3 --task genre --oof "$tmp/no/such/dir.jsonl" \
    >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q "no/such/dir.jsonl: cannot write" "$tmp/err" ||
    fail "cv --oof to an unwritable path: $(cat "$tmp/err")"

# ---- 2. a slice of the real data -------------------------------------------------
data=../shared/data/semeval2023
if [ ! -d "$data/en/train-articles-subtask-3" ]; then
    echo "e2e.sh: real-data slice skipped (no $data)"
else
    for lang in en fr; do
        s=$tmp/slice/$lang; h=$tmp/held/$lang
        mkdir -p "$s" "$h"
        ids=$(cut -f1 "$data/$lang/train-labels-subtask-3.txt" | uniq | head -60)
        train_ids=$(echo "$ids" | head -40); held_ids=$(echo "$ids" | tail -20)
        for n in 1 2 3; do
            mkdir -p "$s/train-articles-subtask-$n" "$h/train-articles-subtask-$n"
            for id in $train_ids; do cp "$data/$lang/train-articles-subtask-$n/article$id.txt" "$s/train-articles-subtask-$n/" 2>/dev/null; done
            for id in $held_ids; do cp "$data/$lang/train-articles-subtask-$n/article$id.txt" "$h/train-articles-subtask-$n/" 2>/dev/null; done
            grep -F -w -f <(echo "$train_ids") "$data/$lang/train-labels-subtask-$n.txt" >"$s/train-labels-subtask-$n.txt"
            grep -F -w -f <(echo "$held_ids") "$data/$lang/train-labels-subtask-$n.txt" >"$h/gold-$n.txt"
        done
    done
    "$U" -q train --data "$tmp/slice" --langs en,fr --bits 16 --epochs 3 --inner-folds 2 \
        -o "$tmp/slice.usm" 2>"$tmp/err" || { fail "slice: train exited $?"; cat "$tmp/err"; }
    "$U" predict --task techniques --lang en --model "$tmp/slice.usm" "$tmp/held/en/train-articles-subtask-3" \
        >"$tmp/slice-pred.txt" || fail "slice: predict exited $?"
    "$U" eval --task techniques --gold "$tmp/held/en/gold-3.txt" --pred "$tmp/slice-pred.txt" \
        >"$tmp/slice-eval.txt" 2>"$tmp/slice-eval.err" || fail "slice: eval exited $?"
    grep -q " 0 missing ids" "$tmp/slice-eval.err" || fail "slice: predictions miss gold rows: $(head -3 "$tmp/slice-eval.err")"
    v=$(f1 micro-F1 "$tmp/slice-eval.txt")
    awk -v v="$v" 'BEGIN{exit !(v > 0.05)}' || fail "slice: techniques micro-F1 '$v' on held-out English"
    echo "e2e.sh: real-data slice: held-out English techniques micro-F1 $v (40+40 training articles)"
    # An article of a language without training articles gets no vote from the
    # nearest articles, so its frames must come from the thresholds tuned
    # without the vote: the same frames as a --knn 0 model's (same head)
    for k in 20 0; do
        "$U" -q train --data "$tmp/slice" --langs en,fr --bits 16 --epochs 3 --inner-folds 2 \
            --task framing --spans 0 --knn $k -o "$tmp/fr-$k.usm" 2>"$tmp/err" ||
            fail "slice: train --task framing --knn $k exited $?: $(cat "$tmp/err")"
        "$U" predict --task framing --lang es --model "$tmp/fr-$k.usm" \
            "$tmp/held/en/train-articles-subtask-2" "$tmp/held/fr/train-articles-subtask-2" \
            >"$tmp/fr-$k.txt" 2>"$tmp/err" || fail "slice: predict --lang es exited $?: $(cat "$tmp/err")"
    done
    n=$(ls "$tmp"/held/{en,fr}/train-articles-subtask-2 | grep -c '\.txt$')
    [ "$(wc -l <"$tmp/fr-0.txt")" = "$n" ] || fail "slice: predict --lang es: $(wc -l <"$tmp/fr-0.txt") rows, not $n"
    cmp -s "$tmp/fr-20.txt" "$tmp/fr-0.txt" ||
        fail "slice: another language's frames differ with the vote on: $(diff "$tmp/fr-20.txt" "$tmp/fr-0.txt" | head -4)"
fi
[ $fails = 0 ] && echo "e2e.sh: ok"
exit $fails
