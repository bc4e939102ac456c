#!/usr/bin/python3
"""oof-second-stage.py -- prototype: do the paragraphs help the article?

Reads the out-of-fold analyses of `unspin cv --oof FILE` and asks whether a
second stage over the first stage's probabilities, with or without the
paragraphs' technique probabilities (mean and maximum per technique over the
article), beats the first stage for genre and framing. The second stage is
trained on the other outer folds' rows and tested on each fold in turn;
framing thresholds are tuned on cross-fitted outputs of the training folds.

  unspin cv --data ../shared/data/semeval2023 --folds 5 --spans 0 --oof oof.jsonl
  /usr/bin/python3 tools/oof-second-stage.py oof.jsonl [--thresholds global|lang|label]

Needs Debian's python3-sklearn. Results: docs/ACCURACY.md ("Prototypes").
"""
import argparse, json, math
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

LANGS = ["en", "fr", "ge", "it", "po", "ru"]
GENRES = ["opinion", "reporting", "satire"]


def logit(p):
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def features(r, techs, use_tech, use_frames, use_genre):
    ps = r["paragraphs"]
    f = []
    if use_genre:
        f += [math.log(max(r["genre"][g], 1e-6)) for g in GENRES]
    if use_frames:
        f += [logit(v) for _, v in sorted(r["frames"].items())]
    if use_tech:
        n = max(len(ps), 1)
        for k in techs:
            vals = [p["probs"][k] for p in ps] or [0.0]
            f += [sum(vals) / n, max(vals)]
        tot = [sum(p["probs"].values()) for p in ps] or [0.0]
        f += [sum(tot) / n, max(tot), math.log(1 + len(ps))]
    f += [1.0 if r["lang"] == l else 0.0 for l in LANGS]
    return f


def micro_f1(P, Y, t):
    tp = ((P >= t) & (Y == 1)).sum()
    fp = ((P >= t) & (Y == 0)).sum()
    fn = ((P < t) & (Y == 1)).sum()
    return 2 * tp / max(2 * tp + fp + fn, 1)


def tune(P, Y, lang, mode):
    """Thresholds (one per row and label) maximising pooled micro-F1 on P, Y."""
    grid = np.arange(0.05, 0.8, 0.01)
    def one(P, Y):
        return max((micro_f1(P, Y, t), t) for t in grid)[1]
    if mode == "global":
        return lambda rows_lang: np.full((len(rows_lang), P.shape[1]), one(P, Y))
    if mode == "lang":
        by = {l: one(P[lang == l], Y[lang == l]) if (lang == l).any() else 0.5 for l in LANGS}
        return lambda rows_lang: np.array([[by[l]] * P.shape[1] for l in rows_lang])
    t = np.full(P.shape[1], one(P, Y))   # per label: coordinate ascent
    for _ in range(2):
        for k in range(P.shape[1]):
            best = (-1.0, t[k])
            for c in grid[::2]:
                t2 = t.copy(); t2[k] = c
                best = max(best, (micro_f1(P, Y, t2), c))
            t[k] = best[1]
    return lambda rows_lang: np.tile(t, (len(rows_lang), 1))


def genre(rows, techs):
    g = [r for r in rows if r["task"] == "genre"]
    y = np.array([GENRES.index(r["gold"][0]) for r in g])
    fold = np.array([r["fold"] for r in g]); lang = np.array([r["lang"] for r in g])
    first = np.array([GENRES.index(max(r["genre"], key=r["genre"].get)) for r in g])
    for name, args in (("first stage", None), ("second stage, genre only", (False, False, True)),
                       ("second stage + frames + techniques", (True, True, True))):
        pred = first.copy()
        if args:
            X = np.array([features(r, techs, *args) for r in g])
            for f in sorted(set(fold)):
                tr, te = fold != f, fold == f
                m = LogisticRegression(max_iter=2000, class_weight="balanced").fit(X[tr], y[tr])
                pred[te] = m.predict(X[te])
        cells = [f1_score(y[s], pred[s], average="macro", labels=[0, 1, 2])
                 for s in [lang == l for l in LANGS] + [np.ones(len(g), bool)]]
        print("genre macro-F1 | %-36s | %s" % (name, " ".join("%.4f" % c for c in cells)))


def framing(rows, techs, mode):
    g = [r for r in rows if r["task"] == "framing"]
    frames = sorted(g[0]["frames"])
    Y = np.array([[int(k in r["gold"]) for k in frames] for r in g])
    fold = np.array([r["fold"] for r in g]); lang = np.array([r["lang"] for r in g])
    P0 = np.array([[r["frames"][k] for k in frames] for r in g])
    for name, args in (("first stage, thresholds: " + mode, None),
                       ("second stage, frames only", (False, True, False)),
                       ("second stage + genre + techniques", (True, True, True))):
        P = np.zeros(Y.shape); T = np.zeros(Y.shape)
        X = np.array([features(r, techs, *args) for r in g]) if args else None
        for f in sorted(set(fold)):
            tr, te = fold != f, fold == f
            if X is None:
                P[te] = P0[te]
                T[te] = tune(P0[tr], Y[tr], lang[tr], mode)(lang[te])
                continue
            inner = np.zeros((tr.sum(), len(frames)))   # cross-fitted on the training folds
            ftr = fold[tr]
            for f2 in sorted(set(ftr)):
                a, b = ftr != f2, ftr == f2
                for k in range(len(frames)):
                    m = LogisticRegression(max_iter=2000).fit(X[tr][a], Y[tr][a, k])
                    inner[b, k] = m.predict_proba(X[tr][b])[:, 1]
            T[te] = tune(inner, Y[tr], lang[tr], mode)(lang[te])
            for k in range(len(frames)):
                m = LogisticRegression(max_iter=2000).fit(X[tr], Y[tr][:, k])
                P[te, k] = m.predict_proba(X[te])[:, 1]
        cells = [micro_f1(P[s], Y[s], T[s]) for s in [lang == l for l in LANGS] +
                 [np.ones(len(g), bool)]]
        print("framing micro-F1 | %-36s | %s" % (name, " ".join("%.4f" % c for c in cells)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("oof")
    ap.add_argument("--thresholds", choices=["global", "lang", "label"], default="global")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.oof)]
    techs = sorted(next(r for r in rows if r["paragraphs"])["paragraphs"][0]["probs"])
    print("columns: " + " ".join(LANGS) + " all")
    genre(rows, techs)
    framing(rows, techs, a.thresholds)


if __name__ == "__main__":
    main()
