#!/usr/bin/env bash
# eval --task spans --articles: gold offsets that count each newline twice are
# repaired against the article text, so exact predictions score 1.
set -u
U=${UNSPIN:-build/unspin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gold" "$tmp/articles"
printf 'Title line here\n\nThey are corrupt liars and traitors.\n\nSecond paragraph with a cowardly regime.\n' \
    >"$tmp/articles/article7.txt"
# plain code-point offsets of two phrases
s1=$(/usr/bin/python3 -c 'import sys; t=open(sys.argv[1],encoding="utf-8").read(); print(t.index("corrupt liars"))' "$tmp/articles/article7.txt")
s2=$(/usr/bin/python3 -c 'import sys; t=open(sys.argv[1],encoding="utf-8").read(); print(t.index("cowardly regime"))' "$tmp/articles/article7.txt")
e1=$((s1 + 13)); e2=$((s2 + 15))
# the annotation tool's offsets: every newline before the offset counted twice
printf '7\tLoaded_Language\t%d\t%d\n7\tName_Calling-Labeling\t%d\t%d\n' \
    $((s1 + 2)) $((e1 + 2)) $((s2 + 4)) $((e2 + 4)) >"$tmp/gold/article7-labels-subtask-3.txt"
printf '7\tLoaded_Language\t%d\t%d\n7\tName_Calling-Labeling\t%d\t%d\n' $s1 $e1 $s2 $e2 >"$tmp/pred.txt"
fails=0
raw=$("$U" eval --task spans --gold-dir "$tmp/gold" --pred "$tmp/pred.txt" 2>/dev/null | awk -F'\t' '$1=="micro-F1"{print $2}')
fixed=$("$U" eval --task spans --gold-dir "$tmp/gold" --pred "$tmp/pred.txt" --articles "$tmp/articles" 2>"$tmp/err" | awk -F'\t' '$1=="micro-F1"{print $2}')
[ "$fixed" = "1.0000" ] || { echo "eval_repair.sh: FAIL: repaired micro-F1 is '$fixed', expected 1.0000"; cat "$tmp/err"; fails=1; }
awk -v r="$raw" 'BEGIN{exit !(r < 1)}' || { echo "eval_repair.sh: FAIL: unrepaired micro-F1 '$raw' should be below 1"; fails=1; }
grep -q "1 of 1 articles counted newlines twice" "$tmp/err" || { echo "eval_repair.sh: FAIL: no repair report"; cat "$tmp/err"; fails=1; }
[ $fails = 0 ] && echo "eval_repair.sh: ok (raw $raw, repaired $fixed)"
exit $fails
