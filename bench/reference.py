#!/usr/bin/python3
"""Classical reference pipeline for SemEval-2023 Task 3 (genre, framing, techniques).

This is the scikit-learn baseline that unspin is compared against.  It uses the
same article-level folds as `unspin cv` (see fold_of() below) and reports, on
the concatenated out-of-fold predictions:

  * genre       macro-F1 (and micro-F1 = accuracy)     -- subtask 1, unit = article
  * framing     micro-F1                                -- subtask 2, unit = article
  * techniques  micro-F1 (tp/fp/fn pooled)              -- subtask 3, unit = paragraph
                (exactly the (ID, LINE) rows of the gold label file)

Models (one per language and subtask, as in the published classical baseline):
  features   TfidfVectorizer(word, 1-2-grams) + TfidfVectorizer(char_wb, 2-5-grams),
             both sublinear_tf=True, min_df=2, fitted on the training folds only;
  genre      LogisticRegression(multinomial, lbfgs), class_weight='balanced'
             (= the reference) and unweighted ("plain");
  framing,   one-vs-rest LogisticRegression(liblinear, C=C_ML) and ONE global
  techniques probability threshold chosen to maximise micro-F1 on out-of-fold
             predictions inside the training part (inner CV: leave one of the
             training folds out at a time, features of the outer training part).

Trivial baselines on the same folds: genre majority class of the training folds;
framing/techniques: the k most frequent labels of the training folds for every
item, k (possibly 0) chosen to maximise micro-F1 on the training folds.

Must be run with Debian's interpreter (/usr/bin/python3, python3-sklearn).
"""

import argparse
import json
import os
import platform
import re
import sys
import time
from collections import Counter

# Single-threaded BLAS: results and timings reproducible, "single process".
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

LANGS = ["en", "fr", "ge", "it", "po", "ru"]
MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
LABEL_FIXES = {"Appeal_to_Fear-Prejudi-čce": "Appeal_to_Fear-Prejudice"}
_DIGITS = re.compile(r"[0-9]+")

C_GENRE = 1.0      # LogisticRegression C for genre
C_ML = 1.0         # LogisticRegression C for the one-vs-rest multi-label models
THRESHOLDS = [round(0.01 * i, 2) for i in range(1, 100)]


# --------------------------------------------------------------------------
# Folds (must match the C implementation bit for bit)
# --------------------------------------------------------------------------

def fold_of(article_id, k=5, seed=1):
    """Fold of an article ID string.

    x = int(ID) mod 2^64 if ID is all ASCII digits, else FNV-1a 64 of its UTF-8
    bytes; state = x XOR (seed * 0x9E3779B97F4A7C15); one splitmix64 step;
    fold = z mod k.  All arithmetic mod 2^64.
    """
    if _DIGITS.fullmatch(article_id):
        x = int(article_id) & MASK64
    else:
        x = FNV_OFFSET
        for b in article_id.encode("utf-8"):
            x = ((x ^ b) * FNV_PRIME) & MASK64
    state = (x ^ ((seed * GOLDEN) & MASK64)) & MASK64
    state = (state + GOLDEN) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    z = z ^ (z >> 31)
    return z % k


# --------------------------------------------------------------------------
# Data loading
# --------------------------------------------------------------------------

def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def label_rows(path):
    """Non-empty lines of a label file, split on TAB, CR stripped."""
    for line in read_text(path).split("\n"):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        yield [p.strip() for p in line.split("\t")]


def split_labels(field, warn):
    out = []
    for lab in field.split(","):
        lab = lab.strip()
        if not lab:
            continue
        if lab in LABEL_FIXES:
            warn.append("label %r mapped to %r" % (lab, LABEL_FIXES[lab]))
            lab = LABEL_FIXES[lab]
        if lab not in out:
            out.append(lab)
    return out


def article_path(root, lang, sub, aid):
    return os.path.join(root, lang, "train-articles-subtask-%d" % sub, "article%s.txt" % aid)


def load_lang(root, lang, warn):
    """Returns dict with per-subtask item lists (ids, texts, labels, article id)."""
    d = {}
    cache = {}

    def article(sub, aid):
        key = (sub, aid)
        if key not in cache:
            p = article_path(root, lang, sub, aid)
            cache[key] = read_text(p) if os.path.exists(p) else None
        return cache[key]

    # subtask 1: genre
    ids, texts, ys = [], [], []
    for p in label_rows(os.path.join(root, lang, "train-labels-subtask-1.txt")):
        if len(p) < 2 or not p[1]:
            warn.append("%s st1: row without genre for %s" % (lang, p[0]))
            continue
        t = article(1, p[0])
        if t is None:
            warn.append("%s st1: missing article %s" % (lang, p[0]))
            continue
        ids.append(p[0]); texts.append(t.replace("\r", "")); ys.append(p[1])
    d[1] = dict(ids=ids, art=ids, texts=texts, y=ys)

    # subtask 2: framing (multi-label, possibly empty)
    ids, texts, ys = [], [], []
    for p in label_rows(os.path.join(root, lang, "train-labels-subtask-2.txt")):
        t = article(2, p[0])
        if t is None:
            warn.append("%s st2: missing article %s" % (lang, p[0]))
            continue
        ids.append(p[0]); texts.append(t.replace("\r", ""))
        ys.append(split_labels(p[1] if len(p) > 1 else "", warn))
    d[2] = dict(ids=ids, art=ids, texts=texts, y=ys)

    # subtask 3: techniques per paragraph (= line of the article, 1-based)
    ids, art, texts, ys = [], [], [], []
    for p in label_rows(os.path.join(root, lang, "train-labels-subtask-3.txt")):
        if len(p) < 2 or not p[1].isdigit():
            warn.append("%s st3: bad row %r" % (lang, p))
            continue
        t = article(3, p[0])
        if t is None:
            warn.append("%s st3: missing article %s" % (lang, p[0]))
            continue
        lines = t.split("\n")
        ln = int(p[1])
        if not 1 <= ln <= len(lines):
            warn.append("%s st3: line %d out of range in %s" % (lang, ln, p[0]))
            continue
        ids.append("%s:%d" % (p[0], ln)); art.append(p[0])
        texts.append(lines[ln - 1].rstrip("\r"))
        ys.append(split_labels(p[2] if len(p) > 2 else "", warn))
    d[3] = dict(ids=ids, art=art, texts=texts, y=ys)
    return d


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

WORD_KW = dict(analyzer="word", ngram_range=(1, 2), lowercase=True)
CHAR_KW = dict(analyzer="char_wb", ngram_range=(2, 5), lowercase=True)


def make_features():
    """The real pipeline: two TfidfVectorizers (sublinear_tf, min_df=2), hstacked."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    class Feats:
        def __init__(self):
            self.w = TfidfVectorizer(sublinear_tf=True, min_df=2, **WORD_KW)
            self.c = TfidfVectorizer(sublinear_tf=True, min_df=2, **CHAR_KW)

        def fit_transform(self, texts):
            return hstack([self.w.fit_transform(texts), self.c.fit_transform(texts)]).tocsr()

        def transform(self, texts):
            return hstack([self.w.transform(texts), self.c.transform(texts)]).tocsr()

    return Feats()


class CountCache:
    """Same features as make_features(), fitted per fold without re-tokenising.

    The n-gram counts of every item are computed once (the analyzers are the
    slow part); for a fold, the vocabulary is the set of n-grams with document
    frequency >= 2 in the training rows and the idf comes from the training
    rows, which is exactly what TfidfVectorizer(min_df=2).fit(train) does (up
    to a permutation of the columns).
    """

    def __init__(self, texts):
        from sklearn.feature_extraction.text import CountVectorizer
        self.C = [CountVectorizer(**WORD_KW).fit_transform(texts).tocsr(),
                  CountVectorizer(**CHAR_KW).fit_transform(texts).tocsr()]

    def fold(self, tr, te):
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfTransformer
        tr_idx, te_idx = np.flatnonzero(tr), np.flatnonzero(te)
        Xtr, Xte = [], []
        for C in self.C:
            Ctr = C[tr_idx]
            df = np.bincount(Ctr.indices, minlength=C.shape[1])
            cols = np.flatnonzero(df >= 2)
            Ctr = Ctr[:, cols]
            t = TfidfTransformer(sublinear_tf=True).fit(Ctr)
            Xtr.append(t.transform(Ctr))
            Xte.append(t.transform(C[te_idx][:, cols]))
        return hstack(Xtr).tocsr(), hstack(Xte).tocsr()


class GenreModel:
    def __init__(self, balanced):
        from sklearn.linear_model import LogisticRegression
        kw = dict(C=C_GENRE, solver="lbfgs", max_iter=2000)
        if SKL_HAS_MULTICLASS:
            kw["multi_class"] = "multinomial"
        self.lr = LogisticRegression(class_weight="balanced" if balanced else None, **kw)

    def fit(self, X, y):
        self.lr.fit(X, y)
        return self

    def predict(self, X):
        return list(self.lr.predict(X))


class MultiLabelModel:
    """One-vs-rest logistic regression + one global threshold on probabilities."""

    def __init__(self, labels):
        self.labels = list(labels)

    def _fit_ovr(self, X, Y):
        from sklearn.linear_model import LogisticRegression
        models = []
        for j in range(Y.shape[1]):
            yj = Y[:, j]
            if yj.min() == yj.max():           # constant column: no classifier
                models.append(float(yj[0]))
            else:
                m = LogisticRegression(C=C_ML, solver="liblinear", dual=True, max_iter=1000)
                m.fit(X, yj)
                models.append(m)
        return models

    @staticmethod
    def _proba(models, X):
        P = np.zeros((X.shape[0], len(models)), dtype=np.float64)
        for j, m in enumerate(models):
            P[:, j] = m if isinstance(m, float) else m.predict_proba(X)[:, 1]
        return P

    def fit(self, X, Y, inner_groups=None):
        """inner_groups: fold id of every row; threshold tuned by leave-one-group-out."""
        self.threshold = 0.5
        if inner_groups is not None:
            groups = sorted(set(inner_groups))
            if len(groups) >= 2:
                g = np.asarray(inner_groups)
                P = np.zeros(Y.shape, dtype=np.float64)
                for gv in groups:
                    te = g == gv
                    P[te] = self._proba(self._fit_ovr(X[~te], Y[~te]), X[te])
                self.threshold = best_threshold(P, Y)
        self.models = self._fit_ovr(X, Y)
        return self

    def predict(self, X):
        return self._proba(self.models, X) >= self.threshold


def micro_counts(P, Y):
    P = np.asarray(P, dtype=bool); Y = np.asarray(Y, dtype=bool)
    return int((P & Y).sum()), int((P & ~Y).sum()), int((~P & Y).sum())


def f1_from(tp, fp, fn):
    return 0.0 if tp == 0 else 2.0 * tp / (2.0 * tp + fp + fn)


def best_threshold(P, Y):
    best, bt = -1.0, 0.5
    for t in THRESHOLDS:
        f = f1_from(*micro_counts(P >= t, Y))
        if f > best + 1e-12:
            best, bt = f, t
    return bt


def topk_baseline(Ytr, n_test):
    """k most frequent labels for every item; k maximises train micro-F1."""
    freq = Ytr.sum(axis=0)
    order = np.argsort(-freq, kind="stable")
    best, bk = -1.0, 0
    for k in range(0, Ytr.shape[1] + 1):
        pred = np.zeros(Ytr.shape[1], dtype=bool)
        pred[order[:k]] = True
        f = f1_from(*micro_counts(np.broadcast_to(pred, Ytr.shape), Ytr))
        if f > best + 1e-12:
            best, bk = f, k
    pred = np.zeros(Ytr.shape[1], dtype=bool)
    pred[order[:bk]] = True
    return np.tile(pred, (n_test, 1)), bk


def binarize(ys, labels):
    idx = {l: i for i, l in enumerate(labels)}
    Y = np.zeros((len(ys), len(labels)), dtype=bool)
    for r, labs in enumerate(ys):
        for l in labs:
            Y[r, idx[l]] = True
    return Y


# --------------------------------------------------------------------------
# Cross-validation
# --------------------------------------------------------------------------

def genre_scores(gold, pred):
    from sklearn.metrics import f1_score
    labs = sorted(set(gold) | set(pred))
    return dict(macro_f1=float(f1_score(gold, pred, labels=labs, average="macro", zero_division=0)),
                micro_f1=float(np.mean([g == p for g, p in zip(gold, pred)])))


def ml_scores(P, Y):
    tp, fp, fn = micro_counts(P, Y)
    return dict(micro_f1=f1_from(tp, fp, fn), tp=tp, fp=fp, fn=fn)


def cv_task(data, lang, sub, inv, k, seed):
    """Out-of-fold evaluation of one language and subtask (1 genre, 2 framing, 3 techniques)."""
    t0, c0 = time.perf_counter(), time.process_time()
    d = data[sub]
    folds = np.array([fold_of(a, k, seed) for a in d["art"]])
    cache = CountCache(d["texts"])
    if sub == 1:
        y = np.array(d["y"], dtype=object)
        pred = {"balanced": [None] * len(y), "plain": [None] * len(y),
                "majority": [None] * len(y)}
        for f in range(k):
            te = folds == f; tr = ~te
            if te.sum() == 0:
                continue
            Xtr, Xte = cache.fold(tr, te)
            maj = Counter(y[tr]).most_common()
            maj = sorted(c for c, n in maj if n == maj[0][1])[0]
            ti = np.flatnonzero(te)
            for name, bal in (("balanced", True), ("plain", False)):
                p = GenreModel(bal).fit(Xtr, list(y[tr])).predict(Xte)
                for i, v in zip(ti, p):
                    pred[name][i] = v
            for i in ti:
                pred["majority"][i] = maj
        res = {n: genre_scores(list(y), p) for n, p in pred.items()}
        res["n"] = len(y)
        res["fold_sizes"] = [int((folds == f).sum()) for f in range(k)]
        res["seconds"] = time.perf_counter() - t0
        res["cpu_seconds"] = time.process_time() - c0
        return res

    labels = inv[sub]
    Y = binarize(d["y"], labels)
    Pref = np.zeros_like(Y); Pbase = np.zeros_like(Y)
    thr, ks = [], []
    for f in range(k):
        te = folds == f; tr = ~te
        if te.sum() == 0:
            continue
        Xtr, Xte = cache.fold(tr, te)
        m = MultiLabelModel(labels).fit(Xtr, Y[tr], inner_groups=list(folds[tr]))
        Pref[te] = m.predict(Xte)
        thr.append(m.threshold)
        Pbase[te], kk = topk_baseline(Y[tr], int(te.sum()))
        ks.append(kk)
    # Techniques split by the article's gold genre (subtask 1 labels of the same
    # ids): held-out English is mostly reporting, train mostly opinion.
    by_genre = {}
    if sub == 3 and 1 in data:
        genre_of = dict(zip(data[1]["art"], data[1]["y"]))
        g = np.array([genre_of.get(a, "") for a in d["art"]], dtype=object)
        for name in sorted(set(g) - {""}):
            m = g == name
            by_genre[name] = dict(ml_scores(Pref[m], Y[m]), items=int(m.sum()),
                                  articles=len({a for a, x in zip(d["art"], m) if x}))
    return dict(reference=ml_scores(Pref, Y), baseline_topk=ml_scores(Pbase, Y),
                by_genre=by_genre, thresholds=thr, topk=ks, n=int(Y.shape[0]),
                n_labelled=int(Y.any(axis=1).sum()),
                fold_sizes=[int((folds == f).sum()) for f in range(k)],
                seconds=time.perf_counter() - t0, cpu_seconds=time.process_time() - c0)


_POOL_ARGS = None


def _pool_run(task):
    lang, sub = task
    data, inv, k, seed = _POOL_ARGS
    return task, cv_task(data[lang], lang, sub, inv, k, seed)


def run_cv(all_data, langs, inv, k, seed, jobs, log):
    """All (language, subtask) CV tasks, biggest first, over `jobs` processes (fork)."""
    global _POOL_ARGS
    tasks = [(l, s) for l in langs for s in (1, 2, 3)]
    size = lambda t: sum(len(x) for x in all_data[t[0]][t[1]]["texts"]) * (5 if t[1] > 1 else 1)
    tasks.sort(key=size, reverse=True)
    names = {1: "genre", 2: "framing", 3: "techniques"}
    out = {l: {} for l in langs}

    def done(task, r):
        out[task[0]][names[task[1]]] = r
        extra = ""
        if task[1] > 1:
            extra = " (thresholds %s, top-k %s)" % (r["thresholds"], r["topk"])
        log("  %s %-10s %6.1f s wall %6.1f s CPU%s" % (task[0], names[task[1]], r["seconds"],
                                                       r["cpu_seconds"], extra))

    _POOL_ARGS = (all_data, inv, k, seed)
    if jobs > 1 and len(tasks) > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(jobs) as pool:
            for task, r in pool.imap_unordered(_pool_run, tasks):
                done(task, r)
    else:
        for task in tasks:
            done(*_pool_run(task))
    for l in langs:
        out[l]["seconds"] = sum(out[l][n]["seconds"] for n in names.values())
        out[l]["cpu_seconds"] = sum(out[l][n]["cpu_seconds"] for n in names.values())
    return out


# --------------------------------------------------------------------------
# Timing: train on everything, predict everything, single process
# --------------------------------------------------------------------------

def timing(all_data, inv, results, log):
    """Training time = vectorizers + final fits on all data of a language.  The
    threshold search is not repeated (it would cost 5 more fits per label): the
    threshold is the median of the CV fold thresholds of that language."""
    out = {"train_s": {}, "train_cpu_s": {}, "predict": {}}
    models = {}
    for sub, key in ((1, "genre"), (2, "framing"), (3, "techniques")):
        t0, c0 = time.perf_counter(), time.process_time()
        for lang, data in all_data.items():
            d = data[sub]
            fe = make_features()
            X = fe.fit_transform(d["texts"])
            if sub == 1:
                m = GenreModel(True).fit(X, d["y"])
            else:
                m = MultiLabelModel(inv[sub]).fit(X, binarize(d["y"], inv[sub]))
                m.threshold = float(np.median(results[lang][key]["thresholds"]))
            models[(lang, sub)] = (fe, m)
        out["train_s"][key] = time.perf_counter() - t0
        out["train_cpu_s"][key] = time.process_time() - c0
        log("  trained %s on all languages in %.1f s (%.1f s CPU)" % (
            key, out["train_s"][key], out["train_cpu_s"][key]))
    for sub, key in ((1, "genre"), (2, "framing"), (3, "techniques")):
        n_items = 0; n_art = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for lang, data in all_data.items():
            d = data[sub]
            fe, m = models[(lang, sub)]
            m.predict(fe.transform(d["texts"]))
            n_items += len(d["texts"]); n_art += len(set(d["art"]))
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        out["predict"][key] = dict(seconds=dt, cpu_seconds=dc, articles=n_art,
                                   articles_per_s=n_art / dt, articles_per_cpu_s=n_art / dc)
        if sub == 3:
            out["predict"][key].update(paragraphs=n_items, paragraphs_per_s=n_items / dt,
                                       paragraphs_per_cpu_s=n_items / dc)
        log("  predicted %s: %d articles%s in %.2f s" % (
            key, n_art, (" / %d paragraphs" % n_items) if sub == 3 else "", dt))
    return out


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def fmt_table(results, langs, pooled):
    hdr = ("%-6s | %-27s | %-17s | %-17s" %
           ("lang", "genre macro-F1", "framing micro-F1", "techniques mic-F1"))
    sub = ("%-6s | %8s %8s %9s | %8s %8s | %8s %8s" %
           ("", "ref(bal)", "plain", "majority", "ref", "top-k", "ref", "top-k"))
    lines = [hdr, sub, "-" * len(sub)]

    def row(name, g, fr, te):
        return ("%-6s | %8.4f %8.4f %9.4f | %8.4f %8.4f | %8.4f %8.4f" %
                ((name,) + tuple(g) + tuple(fr) + tuple(te)))

    cols = []
    for lang in langs:
        r = results[lang]
        g = (r["genre"]["balanced"]["macro_f1"], r["genre"]["plain"]["macro_f1"],
             r["genre"]["majority"]["macro_f1"])
        fr = (r["framing"]["reference"]["micro_f1"], r["framing"]["baseline_topk"]["micro_f1"])
        te = (r["techniques"]["reference"]["micro_f1"], r["techniques"]["baseline_topk"]["micro_f1"])
        cols.append(g + fr + te)
        lines.append(row(lang, g, fr, te))
    if len(langs) > 1:
        mean = np.mean(np.array(cols), axis=0)
        lines.append("-" * len(sub))
        lines.append(row("mean", mean[:3], mean[3:5], mean[5:7]))
        p = pooled
        lines.append("%-6s | %8s %8s %9s | %8.4f %8.4f | %8.4f %8.4f" % (
            "pooled", "", "", "", p["framing"]["reference"], p["framing"]["baseline_topk"],
            p["techniques"]["reference"], p["techniques"]["baseline_topk"]))
    lines.append("")
    lines.append("genre micro-F1 (accuracy):")
    for lang in langs:
        r = results[lang]["genre"]
        lines.append("  %-4s ref(bal) %.4f  plain %.4f  majority %.4f" % (
            lang, r["balanced"]["micro_f1"], r["plain"]["micro_f1"], r["majority"]["micro_f1"]))
    return "\n".join(lines)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.normpath(os.path.join(repo, "..", "shared", "data",
                                                                    "semeval2023")))
    ap.add_argument("--langs", default=",".join(LANGS), help="comma-separated (default: all 6)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--print-folds", action="store_true",
                    help="print lang<TAB>ID<TAB>fold for every article ID and exit")
    ap.add_argument("--json", metavar="OUT", help="write machine-readable results")
    ap.add_argument("--time", action="store_true",
                    help="also time training on everything and prediction of everything")
    ap.add_argument("--jobs", type=int, default=2,
                    help="processes for the CV part (default 2; --time is always 1 process)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    langs = [l.strip() for l in a.langs.split(",") if l.strip()]
    if a.folds < 2:
        ap.error("--folds must be >= 2")

    if not os.path.isdir(a.data):
        print("reference: data directory %s not found; nothing to do." % a.data)
        return 0
    langs = [l for l in langs if os.path.isdir(os.path.join(a.data, l))] or []
    if not langs:
        print("reference: no language folders under %s; nothing to do." % a.data)
        return 0

    if a.print_folds:
        for lang in langs:
            ids = set()
            for sub in (1, 2, 3):
                dd = os.path.join(a.data, lang, "train-articles-subtask-%d" % sub)
                if os.path.isdir(dd):
                    for fn in os.listdir(dd):
                        if fn.startswith("article") and fn.endswith(".txt"):
                            ids.add(fn[len("article"):-len(".txt")])
                lf = os.path.join(a.data, lang, "train-labels-subtask-%d.txt" % sub)
                if os.path.exists(lf):
                    ids.update(p[0] for p in label_rows(lf))
            for i in sorted(ids, key=lambda s: (len(s), s)):
                print("%s\t%s\t%d" % (lang, i, fold_of(i, a.folds, a.seed)))
        return 0

    global np, SKL_HAS_MULTICLASS
    import numpy as np
    import sklearn
    SKL_HAS_MULTICLASS = tuple(int(x) for x in sklearn.__version__.split(".")[:2]) < (1, 5)

    log = (lambda s: None) if a.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    t_start = time.perf_counter()
    warn = []
    all_data = {lang: load_lang(a.data, lang, warn) for lang in langs}
    for w, n in Counter(warn).items():
        log("warning: %s%s" % (w, " (x%d)" % n if n > 1 else ""))

    # Label inventories from the data (union over the selected languages).
    inv = {}
    counts = {}
    for sub in (1, 2, 3):
        c = Counter()
        for lang in langs:
            for y in all_data[lang][sub]["y"]:
                c.update([y] if sub == 1 else y)
        counts[sub] = c
        inv[sub] = sorted(c)
    rare = {"global": {}, "per_language": {}}
    for sub, key in ((1, "genre"), (2, "framing"), (3, "techniques")):
        rare["global"][key] = {l: n for l, n in counts[sub].items() if n < 3}
        for lang in langs:
            c = Counter()
            for y in all_data[lang][sub]["y"]:
                c.update([y] if sub == 1 else y)
            r = {l: c.get(l, 0) for l in inv[sub] if c.get(l, 0) < 3}
            if r:
                rare["per_language"].setdefault(lang, {})[key] = r
    log("labels: %d genres, %d frames, %d techniques" % (len(inv[1]), len(inv[2]), len(inv[3])))
    for key, r in rare["global"].items():
        if r:
            log("rare %s labels (<3 occurrences overall): %s" % (key, r))
    for lang, r in rare["per_language"].items():
        log("rare labels in %s (<3 occurrences): %s" % (lang, r))

    t_cv = time.perf_counter()
    results = run_cv(all_data, langs, inv, a.folds, a.seed, a.jobs, log)
    cv_seconds = time.perf_counter() - t_cv

    pooled = {}
    for key in ("framing", "techniques"):
        pooled[key] = {}
        for m in ("reference", "baseline_topk"):
            tp = sum(results[l][key][m]["tp"] for l in langs)
            fp = sum(results[l][key][m]["fp"] for l in langs)
            fn = sum(results[l][key][m]["fn"] for l in langs)
            pooled[key][m] = f1_from(tp, fp, fn)

    table = fmt_table(results, langs, pooled)
    print("unspin classical reference: %d-fold CV by article, seed %d, data %s" % (
        a.folds, a.seed, a.data))
    print("items: " + ", ".join("%s %d/%d/%d" % (l, results[l]["genre"]["n"],
                                                 results[l]["framing"]["n"],
                                                 results[l]["techniques"]["n"]) for l in langs)
          + "  (articles st1 / articles st2 / paragraphs st3)")
    print()
    print(table)
    print()
    cv_cpu = sum(results[l]["cpu_seconds"] for l in langs)
    print("CV time: %.1f s wall with %d process(es); CPU %.1f s (%s)" % (
        cv_seconds, a.jobs, cv_cpu,
        ", ".join("%s %.0f s" % (l, results[l]["cpu_seconds"]) for l in langs)))

    tm = None
    if a.time:
        log("timing: training on everything, predicting everything (single process)")
        tm = timing(all_data, inv, results, log)
        print()
        print("Timing (models trained on all data of all languages, single process; training = "
              "vectorizers + final fits, threshold = median of the CV fold thresholds; "
              "rates per wall second, per CPU second in brackets):")
        for key in ("genre", "framing", "techniques"):
            p = tm["predict"][key]
            extra = ", %.0f [%.0f] paragraphs/s (%d paragraphs)" % (
                p["paragraphs_per_s"], p["paragraphs_per_cpu_s"], p["paragraphs"]) \
                if "paragraphs" in p else ""
            print("  %-10s train %6.1f s [%6.1f CPU] | predict %6.2f s [%6.2f CPU]: "
                  "%6.1f [%6.1f] articles/s (%d articles)%s" % (
                      key, tm["train_s"][key], tm["train_cpu_s"][key], p["seconds"],
                      p["cpu_seconds"], p["articles_per_s"], p["articles_per_cpu_s"],
                      p["articles"], extra))
    total = time.perf_counter() - t_start
    import resource
    ru_s, ru_c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total_cpu = ru_s.ru_utime + ru_s.ru_stime + ru_c.ru_utime + ru_c.ru_stime
    try:
        load = " (load average at end: %.2f %.2f %.2f)" % os.getloadavg()
    except OSError:
        load = ""
    print("Total: %.1f s wall, %.1f s CPU (all processes)%s" % (total, total_cpu, load))

    if a.json:
        out = dict(
            tool="bench/reference.py",
            config=dict(folds=a.folds, seed=a.seed, langs=langs, data=a.data, jobs=a.jobs,
                        features="tfidf word 1-2 + char_wb 2-5, sublinear_tf, min_df=2",
                        genre="LogisticRegression multinomial lbfgs C=%g; reference = "
                              "class_weight=balanced" % C_GENRE,
                        multilabel="one-vs-rest LogisticRegression liblinear C=%g, one global "
                                   "threshold (grid 0.01..0.99) by leave-one-training-fold-out "
                                   "inner CV maximising micro-F1" % C_ML,
                        baselines="genre majority of training folds; top-k most frequent "
                                  "labels, k maximising training micro-F1"),
            versions=dict(python=platform.python_version(), sklearn=sklearn.__version__,
                          numpy=np.__version__),
            labels=dict(genre=inv[1], framing=inv[2], techniques=inv[3]),
            label_counts={k: dict(counts[s]) for s, k in ((1, "genre"), (2, "framing"),
                                                           (3, "techniques"))},
            rare_labels=rare, warnings=sorted(set(warn)),
            results=results, pooled_micro_f1=pooled, cv_seconds=cv_seconds,
            timing=tm, total_seconds=total, total_cpu_seconds=total_cpu,
            cv_cpu_seconds=cv_cpu)
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        tmp = a.json + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1, ensure_ascii=False, sort_keys=False)
            f.write("\n")
        os.replace(tmp, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
