#!/usr/bin/python3
"""oof-knn-techniques.py -- prototype P20 of docs/ACCURACY.md: would the
techniques of the most similar training articles help paragraph techniques?

Reads the techniques rows of `cv --oof` (the shipped second stage's paragraph
probabilities `probs`, gold, fold) and the articles' texts. Each article is a
log(1 + tf) vector of its words (lowercased \\w+, words of two or more training
articles; as src/task/knn.c for framing); its k most similar articles of its
language in the other folds vote, weighted by cosine, with their share of
paragraphs using each technique ("rate") or whether the article uses it at all
("pres"). The vote enters each paragraph's probability linearly,
(1 - w) p + w vote, or as a shift of the logit, logit p + w (logit vote -
logit prior); decisions take one global threshold tuned on the other folds (the
shipped rule).

  unspin cv --data DATA --task techniques --oof f.jsonl
  /usr/bin/python3 tools/oof-knn-techniques.py f.jsonl DATA
"""
import json, sys
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize
from oofutil import LANGS
OOF, D = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(OOF)]
rows = [r for r in rows if r['task'] == 'techniques']
techs = sorted(rows[0]['paragraphs'][0]['probs']); K = len(techs)
texts, RATE, PRES, AL, AF = [], [], [], [], []
for r in rows:
    texts.append(open(f"{D}/{r['lang']}/train-articles-subtask-3/article{r['id']}.txt", encoding='utf-8', errors='replace').read())
    ps = [p for p in r['paragraphs'] if 'gold' in p]
    RATE.append([sum(k in p['gold'] for p in ps) / max(len(ps), 1) for k in techs])
    PRES.append([float(any(k in p['gold'] for p in ps)) for k in techs])
    AL.append(r['lang']); AF.append(r['fold'])
RATE, PRES, AL, AF = map(np.array, (RATE, PRES, AL, AF))
A = len(rows)
def votes(kn):
    VR = np.zeros((A, K)); VP = np.zeros((A, K)); SIM = np.zeros(A)
    for fo in sorted(set(AF)):
        for lg in LANGS:
            tr = np.where((AF != fo) & (AL == lg))[0]; te = np.where((AF == fo) & (AL == lg))[0]
            if len(te) == 0: continue
            cv = CountVectorizer(min_df=2, token_pattern=r'(?u)\b\w+\b')
            Xa = cv.fit_transform([texts[i] for i in tr]).astype(float); Xa.data = np.log1p(Xa.data)
            Xb = cv.transform([texts[i] for i in te]).astype(float); Xb.data = np.log1p(Xb.data)
            S = (normalize(Xb) @ normalize(Xa).T).toarray()
            nb = np.argsort(-S, 1)[:, :kn]; w = np.maximum(np.take_along_axis(S, nb, 1), 1e-6)
            VR[te] = (w[:, :, None] * RATE[tr][nb]).sum(1) / w.sum(1, keepdims=True)
            VP[te] = (w[:, :, None] * PRES[tr][nb]).sum(1) / w.sum(1, keepdims=True)
            SIM[te] = w.mean(1)
    return VR, VP, SIM
# paragraphs
P, Y, F, L, ART = [], [], [], [], []
for ai, r in enumerate(rows):
    for p in r['paragraphs']:
        if 'gold' not in p: continue
        P.append([p['probs'][k] for k in techs]); Y.append([k in p['gold'] for k in techs])
        F.append(r['fold']); L.append(r['lang']); ART.append(ai)
P, Y, F, L, ART = map(np.array, (P, Y, F, L, ART))
grid = np.arange(0.05, 0.6, 0.005)
def f1(D_, Y_):
    tp = (D_ & Y_).sum(); return 2 * tp / max(D_.sum() + Y_.sum(), 1)
def decide(Q):
    Dd = np.zeros_like(Y)
    for fo in range(1, 6):
        tr, te = F != fo, F == fo
        t = max(grid, key=lambda t: f1(Q[tr] >= t, Y[tr]))
        Dd[te] = Q[te] >= t
    return Dd
def show(name, Dd):
    out = [f1(Dd[L == l], Y[L == l]) for l in LANGS] + [f1(Dd, Y)]
    print(f'{name:36s}', ' '.join(f'{x:.4f}' for x in out), flush=True)
def lg(x): x = np.clip(x, 1e-4, 1 - 1e-4); return np.log(x / (1 - x))
print('variant', ' '.join(LANGS), 'all')
shipped = np.array([[k in p['predicted'] for k in techs] for r in rows for p in r['paragraphs'] if 'gold' in p])
show('shipped decisions', shipped)
show('probs, global thr', decide(P))
for kn in (10, 20, 40):
    VR, VP, SIM = votes(kn)
    show(f'k{kn} vote rate alone', decide(VR[ART]))
    for w in (0.1, 0.2, 0.35):
        show(f'k{kn} lin rate w{w}', decide((1 - w) * P + w * VR[ART]))
    prior = RATE.mean(0)
    for w in (0.25, 0.5, 1.0):
        show(f'k{kn} logit rate w{w}', decide(1 / (1 + np.exp(-(lg(P) + w * (lg(VR[ART]) - lg(prior)))))))
        show(f'k{kn} logit pres w{w}', decide(1 / (1 + np.exp(-(lg(P) + w * (lg(VP[ART]) - lg(PRES.mean(0))))))))
