#!/usr/bin/python3
"""oof-frame-ensemble.py -- would averaging framing heads of other hash seeds help?

Reads the framing rows of K `cv --task framing --oof` files on the same folds
(the first the shipped configuration), averages their frame probabilities,
and scores micro-F1 per language with thresholds tuned on the other four
folds (per language and frame, as the shipped head's are, or one global),
next to the first file's own decisions and the first file alone under the
same tuning.
"""
import json, sys
import numpy as np
from oofutil import LANGS, counts, f1c, tuned


def load(p):
    d = {}
    for line in open(p):
        r = json.loads(line)
        if r['task'] == 'framing' and r['gold'] is not None:
            d[r['id']] = r
    return d


files = [load(p) for p in sys.argv[1:]]
ids = sorted(set.intersection(*[set(f) for f in files]))
J = files[0]
labs = sorted(J[ids[0]]['frames'])
P = np.array([[[f[i]['frames'][k] for k in labs] for i in ids] for f in files])
Y = np.array([[k in J[i]['gold'] for k in labs] for i in ids])
S = np.array([[k in J[i]['predicted_frames'] for k in labs] for i in ids])
F = np.array([J[i]['fold'] for i in ids])
L = np.array([J[i]['lang'] for i in ids])
for f in files[1:]:
    assert all(f[i]['fold'] == J[i]['fold'] for i in ids), 'files use other folds'


def row(name, D):
    out = []
    tot = np.zeros(3)
    for lg in LANGS:
        m = L == lg
        c = counts(D[m], Y[m]); tot += c
        out.append(f1c(c))
    print(f'{name:44s} ' + ' '.join(f'{x:.4f}' for x in out) + f' | all {f1c(tot):.4f}')


print(f'{"variant":44s} ' + ' '.join(f'{lg:6s}' for lg in LANGS))
row('file 1, shipped decisions', S)
for sch in ('label', 'lang', 'global'):
    row(f'file 1, {sch} threshold', tuned(P[0], Y, F, L, sch))
    for k in range(2, len(files) + 1):
        row(f'mean of {k} files, {sch} threshold', tuned(P[:k].mean(0), Y, F, L, sch))
