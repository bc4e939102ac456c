#!/usr/bin/python3
"""oof-by-genre.py -- techniques micro-F1 split by the article's gold genre.

Held-out English is mostly reporting while the English training articles are
88% opinion, so the CV number over all articles says little about reporting.
This splits the out-of-fold decisions of `unspin cv --oof` (each paragraph's
"predicted" techniques against its "gold") by the genre that the subtask-1
labels give the same article id, per language, next to the reference
pipeline's split from `bench/reference.py --json` (its "by_genre" results).

  unspin cv --data DATA --folds 5 --task techniques --spans 0 --oof oof.jsonl
  bench/reference.py --data DATA --json ref.json
  /usr/bin/python3 tools/oof-by-genre.py oof.jsonl DATA [ref.json]
"""
import json, os, sys
from collections import defaultdict

if len(sys.argv) < 3:
    sys.exit(__doc__)
oof, data = sys.argv[1], sys.argv[2]
ref = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None

genre = {}
for lang in os.listdir(data):
    path = os.path.join(data, lang, "train-labels-subtask-1.txt")
    if not os.path.exists(path):
        continue
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.rstrip("\r\n").split("\t")
        if len(f) >= 2 and f[1]:
            genre[(lang, f[0])] = f[1]

# counts[lang][genre] = [tp, fp, fn, paragraphs, articles]
counts = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0, 0]))
for line in open(oof, encoding="utf-8"):
    r = json.loads(line)
    if r["task"] != "techniques":
        continue
    if any("predicted" not in p for p in r["paragraphs"]):
        sys.exit("oof-by-genre: %s has no predicted techniques (unspin older than 2026-11-26?)" % oof)
    g = genre.get((r["lang"], r["id"]), "unlabelled")
    for key in ((r["lang"], g), (r["lang"], "all"), ("all", g), ("all", "all")):
        c = counts[key[0]][key[1]]
        c[4] += 1
        for p in r["paragraphs"]:
            if "gold" not in p:
                continue
            pr, go = set(p["predicted"]), set(p["gold"])
            c[0] += len(pr & go); c[1] += len(pr - go); c[2] += len(go - pr); c[3] += 1


def f1(tp, fp, fn):
    return 2 * tp / max(2 * tp + fp + fn, 1)


def ref_f1(lang, g):
    if not ref:
        return ""
    if lang == "all":      # pool the counts over languages
        tp = fp = fn = 0
        for l, res in ref["results"].items():
            t = res.get("techniques", {})
            s = t.get("reference") if g == "all" else t.get("by_genre", {}).get(g)
            if s:
                tp += s["tp"]; fp += s["fp"]; fn += s["fn"]
        return "%.4f" % f1(tp, fp, fn) if tp + fp + fn else "-"
    t = ref["results"].get(lang, {}).get("techniques", {})
    s = t.get("reference") if g == "all" else t.get("by_genre", {}).get(g)
    return "%.4f" % s["micro_f1"] if s else "-"


print("lang\tgenre\tarticles\tparagraphs\tunspin_microF1" + ("\treference_microF1" if ref else ""))
for lang in sorted(counts, key=lambda l: (l == "all", l)):
    for g in sorted(counts[lang], key=lambda x: (x == "all", x)):
        tp, fp, fn, n, a = counts[lang][g]
        row = [lang, g, str(a), str(n), "%.4f" % f1(tp, fp, fn)]
        if ref:
            row.append(ref_f1(lang, g))
        print("\t".join(row))
