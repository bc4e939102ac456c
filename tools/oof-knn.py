#!/usr/bin/python3
"""oof-knn.py -- would the labels of the most similar training articles help?

Reads the rows of a `cv --task framing|genre --oof` file (folds, gold labels,
the linear head's out-of-fold probabilities) and the articles' texts, builds
TF-IDF vectors (word 1-2-grams and character 3-5-grams, sublinear tf, fitted
on the training folds of each outer fold), and for each article takes the k
most similar articles of its language in the other folds. Their labels,
weighted by similarity, give a kNN probability; it is blended with the
linear head's (weight w), and the blend is scored with thresholds tuned on
the other folds (framing: per language and frame as shipped, and one per
language; genre: the arg-max, and the blend's argmax).

  unspin cv --data DATA --task framing --oof f.jsonl
  /usr/bin/python3 tools/oof-knn.py f.jsonl DATA

Environment: KNN_K and KNN_W (comma-separated k and blend weights, default
5,10,20 and 0.2,0.35,0.5), KNN_FEATS (word, char or both: word 1-2-grams with
both), KNN_IDF (1 = TF-IDF, 0 = sublinear tf alone), KNN_TOP (keep each training
article's largest weights only), KNN_CROSS (1 = neighbours of every language), KNN_MAXDF (drop the words of
more than this share of the training articles), KNN_POW (neighbours vote with their
similarity to this power, default 1).
Prototype P19 of docs/ACCURACY.md; built in C as src/task/knn.c (words,
KNN_IDF=0, k 20, w 0.35).
"""
import json, os, sys
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from scipy.sparse import hstack
from oofutil import LANGS, counts, f1c, tuned
KS = [int(x) for x in os.environ.get('KNN_K', '5,10,20').split(',')]
WS = [float(x) for x in os.environ.get('KNN_W', '0.2,0.35,0.5').split(',')]
CROSS = os.environ.get('KNN_CROSS', '0') == '1'   # neighbours from every language
FEATS = os.environ.get('KNN_FEATS', 'both')       # word, char or both
IDF = os.environ.get('KNN_IDF', '1') == '1'
TOP = int(os.environ.get('KNN_TOP', '0'))         # keep a training article's TOP largest weights
MAXDF = float(os.environ.get('KNN_MAXDF', '1.0'))  # drop words of more than this share of articles
POW = float(os.environ.get('KNN_POW', '1'))        # neighbours vote with similarity ** POW

path, data = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(path)]
task = rows[0]['task']
rows = [r for r in rows if r['task'] == task and r['gold'] is not None]
sub = 'train-articles-subtask-2' if task == 'framing' else 'train-articles-subtask-1'


def text_of(r):
    p = os.path.join(data, r['lang'], sub, 'article%s.txt' % r['id'])
    return open(p, encoding='utf-8', errors='replace').read()


texts = [text_of(r) for r in rows]
if task == 'framing':
    labs = sorted(rows[0]['frames'])
    P = np.array([[r['frames'][k] for k in labs] for r in rows])
    S = np.array([[k in r['predicted_frames'] for k in labs] for r in rows])
else:
    labs = sorted(rows[0]['genre'])
    P = np.array([[r['genre'][k] for k in labs] for r in rows])
    S = np.array([[k == r['predicted_genre'] for k in labs] for r in rows])
Y = np.array([[k in r['gold'] for k in labs] for r in rows])
F = np.array([r['fold'] for r in rows])
L = np.array([r['lang'] for r in rows])


def vectors(tr, te):
    """TF-IDF of the texts, fitted on the training rows."""
    vs = []
    if FEATS in ('word', 'both'):
        vs.append(TfidfVectorizer(ngram_range=(1, 2) if FEATS == 'both' else (1, 1), min_df=2,
                                  max_df=MAXDF, sublinear_tf=True, use_idf=IDF,
                                  max_features=200000))
    if FEATS in ('char', 'both'):
        vs.append(TfidfVectorizer(analyzer='char_wb', ngram_range=(3, 5), min_df=2,
                                  sublinear_tf=True, use_idf=IDF, max_features=200000))
    ttr = [texts[i] for i in tr]
    tte = [texts[i] for i in te]
    A = hstack([v.fit_transform(ttr) for v in vs]).tocsr()
    B = hstack([v.transform(tte) for v in vs]).tocsr()
    if TOP:   # keep each training row's TOP largest weights, renormalised
        A = A.tolil()
        for r in range(A.shape[0]):
            d = np.array(A.data[r]); c = np.array(A.rows[r])
            if len(d) > TOP:
                keep = np.argsort(-d)[:TOP]
                A.data[r] = list(d[keep]); A.rows[r] = list(c[keep])
        A = A.tocsr()
        n = np.sqrt(A.multiply(A).sum(1)).A1
        A = A.multiply(1 / np.maximum(n, 1e-12)[:, None]).tocsr()
    # each block is unit length: rescale the sum to unit length
    return A * (len(vs) ** -0.5), B * (len(vs) ** -0.5)


def knn_probs():
    """K -> kNN probabilities of every row, from the other folds."""
    out = {k: np.zeros(P.shape) for k in KS}
    for fo in sorted(set(F)):
        groups = [None] if CROSS else LANGS
        for lg in groups:
            tr = np.where((F != fo) & ((L == lg) if lg else True))[0]
            te = np.where((F == fo) & ((L == lg) if lg else True))[0]
            if len(te) == 0:
                continue
            A, B = vectors(tr, te)
            Sim = (B @ A.T).toarray()
            order = np.argsort(-Sim, axis=1)
            for k in KS:
                nb = order[:, :k]
                w = np.take_along_axis(Sim, nb, axis=1)
                w = np.maximum(w, 1e-6) ** POW
                votes = (w[:, :, None] * Y[tr][nb]).sum(1) / w.sum(1, keepdims=True)
                out[k][te] = votes
    return out


def argmax(Pm):
    D = np.zeros_like(Y)
    D[np.arange(len(Pm)), Pm.argmax(1)] = True
    return D


def macro(D, Yx):
    return np.mean([f1c(counts(D[:, j], Yx[:, j])) for j in range(Yx.shape[1])])


def row(name, D):
    out = []
    tot = np.zeros(3)
    for lg in LANGS:
        m = L == lg
        if task == 'framing':
            c = counts(D[m], Y[m]); tot += c
            out.append(f1c(c))
        else:
            out.append(macro(D[m], Y[m]))
    allv = f1c(tot) if task == 'framing' else macro(D, Y)
    print(f'{name:40s} ' + ' '.join(f'{x:.4f}' for x in out) + f' | all {allv:.4f}', flush=True)


print(f'{path}: {task}, {len(rows)} articles, k {KS}, w {WS}, cross {CROSS}, feats {FEATS}, idf {IDF}, top {TOP}, max_df {MAXDF}')
print(f'{"variant":40s} ' + ' '.join(f'{lg:6s}' for lg in LANGS))
row('linear, shipped decisions', S)
K = knn_probs()
if task == 'framing':
    row('linear, label thresholds', tuned(P, Y, F, L, 'label', at_least_one=True))
    row('linear, lang threshold', tuned(P, Y, F, L, 'lang', at_least_one=True))
    for k in KS:
        row(f'kNN k={k}, lang threshold', tuned(K[k], Y, F, L, 'lang', at_least_one=True))
        for w in WS:
            B = (1 - w) * P + w * K[k]
            row(f'blend k={k} w={w}, label thr', tuned(B, Y, F, L, 'label', at_least_one=True))
            row(f'blend k={k} w={w}, lang thr', tuned(B, Y, F, L, 'lang', at_least_one=True))
else:
    row('linear, argmax', argmax(P))
    for k in KS:
        row(f'kNN k={k}, argmax', argmax(K[k]))
        for w in WS:
            row(f'blend k={k} w={w}, argmax', argmax((1 - w) * P + w * K[k]))
