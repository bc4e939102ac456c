#!/usr/bin/python3
"""oof-frame-blend.py -- would an English-only framing head help the joint one?

Reads the English framing rows of two `cv --task framing --oof` files on the
same folds, the joint model's and one trained on English alone (`--langs
en`), blends their probabilities (weight w of the English-only head) and
scores each blend with frame thresholds tuned on the other four folds (one
global threshold, or one per frame; grid 0.10-0.69), next to the decisions
each file scored (prototype P11 of docs/ACCURACY.md).

  unspin cv --data DATA --task framing --oof joint.jsonl
  unspin cv --data DATA --task framing --langs en --oof en.jsonl
  /usr/bin/python3 tools/oof-frame-blend.py joint.jsonl en.jsonl
"""
import json, sys
import numpy as np


def load(p):
    d = {}
    for line in open(p):
        r = json.loads(line)
        if r['task'] == 'framing' and r['lang'] == 'en' and r['gold'] is not None:
            d[r['id']] = r
    return d


J, E = load(sys.argv[1]), load(sys.argv[2])
ids = sorted(set(J) & set(E))
labs = sorted(J[ids[0]]['frames'])
PJ = np.array([[J[i]['frames'][k] for k in labs] for i in ids])
PE = np.array([[E[i]['frames'][k] for k in labs] for i in ids])
Y = np.array([[k in J[i]['gold'] for k in labs] for i in ids])
F = np.array([J[i]['fold'] for i in ids])
assert all(J[i]['fold'] == E[i]['fold'] for i in ids), 'the two files use other folds'


def f1(P, Y):
    return 2 * (P & Y).sum() / max(P.sum() + Y.sum(), 1)


def scored(D):
    return f1(np.array([[k in D[i]['predicted_frames'] for k in labs] for i in ids]), Y)


grid = np.arange(0.1, 0.7, 0.01)


def cv_thresholds(P, per_label):
    out = np.zeros_like(Y)
    for f in set(F):
        tr, te = F != f, F == f
        if per_label:
            t = np.array([max((f1(P[tr][:, k:k + 1] >= g, Y[tr][:, k:k + 1]), g) for g in grid)[1]
                          for k in range(len(labs))])
        else:
            t = max((f1(P[tr] >= g, Y[tr]), g) for g in grid)[1]
        out[te] = P[te] >= t
    return f1(out, Y)


print('%d English articles; decisions scored in the files: joint %.4f, English-only %.4f'
      % (len(ids), scored(J), scored(E)))
for w in [0, 0.25, 0.5, 0.75, 1]:
    P = w * PE + (1 - w) * PJ
    print('w_en %.2f  global threshold %.4f  per-frame thresholds %.4f'
          % (w, cv_thresholds(P, False), cv_thresholds(P, True)))
