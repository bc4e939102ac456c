#!/usr/bin/python3
"""oof-genre-thresholds.py -- would thresholds tuned for reporting articles help?

Held-out English is mostly reporting, the training articles mostly opinion. For
each language this re-tunes one global techniques threshold on the other folds'
out-of-fold probabilities of `unspin cv --oof` (grid 0.15-0.54), once for
micro-F1 over all paragraphs and once for the mean of the opinion and the
reporting articles' micro-F1 (genre-balanced), applies it to the held-out fold,
and prints micro-F1 over all, opinion and reporting articles next to the
shipped decisions ("predicted" in the file).

  unspin cv --data DATA --folds 5 --oof oof.jsonl
  /usr/bin/python3 tools/oof-genre-thresholds.py oof.jsonl en fr ge it po ru
(DATA is read from ../shared/data/semeval2023.)
"""
import json, os, sys
from collections import defaultdict
oof, data = sys.argv[1], "../shared/data/semeval2023"
genre = {}
for lang in os.listdir(data):
    path = os.path.join(data, lang, "train-labels-subtask-1.txt")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            f = line.rstrip("\r\n").split("\t")
            if len(f) >= 2 and f[1]: genre[(lang, f[0])] = f[1]
rows = defaultdict(list)
for line in open(oof, encoding="utf-8"):
    r = json.loads(line)
    if r["task"] != "techniques": continue
    g = genre.get((r["lang"], r["id"]), "?")
    for p in r["paragraphs"]:
        if "gold" not in p: continue
        rows[r["lang"]].append((r["fold"], g, p["probs"], set(p["predicted"]), set(p["gold"])))
def f1(c): return 2*c[0]/max(2*c[0]+c[1]+c[2],1)
def counts(R, thr=None):
    c = defaultdict(lambda: [0,0,0])
    for fold, g, probs, pred, gold in R:
        pr = pred if thr is None else {k for k,v in probs.items() if v >= thr}
        for key in (g, "all"):
            x = c[key]; x[0]+=len(pr&gold); x[1]+=len(pr-gold); x[2]+=len(gold-pr)
    return c
grid = [0.15+0.01*i for i in range(40)]
def tune(R, balanced):
    best=None
    for t in grid:
        c = counts(R, t)
        obj = (f1(c["opinion"])+f1(c["reporting"]))/2 if balanced else f1(c["all"])
        if best is None or obj > best[0]: best=(obj,t)
    return best[1]
for lang in sys.argv[2:]:
    R = rows[lang]
    folds = sorted({r[0] for r in R})
    out = {}
    for mode in ["shipped","global","balanced"]:
        tot = defaultdict(lambda: [0,0,0]); ts=[]
        for f in folds:
            test = [r for r in R if r[0]==f]; train=[r for r in R if r[0]!=f]
            if mode=="shipped": c = counts(test)
            else:
                t = tune(train, mode=="balanced"); ts.append(t); c = counts(test, t)
            for k,v in c.items():
                for j in range(3): tot[k][j]+=v[j]
        print(lang, mode, "all %.4f opinion %.4f reporting %.4f" % (f1(tot["all"]), f1(tot["opinion"]), f1(tot["reporting"])), "thr", ["%.2f"%t for t in ts])
