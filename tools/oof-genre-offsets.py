#!/usr/bin/python3
"""oof-genre-offsets.py -- would class-prior offsets help the genre decision?

Reads the genre rows of `unspin cv --task genre --oof oof.jsonl` and compares
the shipped arg-max of the genre probabilities with an arg-max after adding
log-probability offsets to reporting and satire (grid -2..3 in steps of 0.25),
tuned for macro-F1 on the other four folds, either per language ('lang') or
one pair for all ('all'). Prints each language's macro-F1, their mean and the
pooled macro-F1 (prototype P12 of docs/ACCURACY.md).

  unspin cv --data DATA --task genre [--fold-seed 2] --oof oof.jsonl
  /usr/bin/python3 tools/oof-genre-offsets.py oof.jsonl
"""
import json, sys, itertools
import numpy as np

LANGS = ['en', 'fr', 'ge', 'it', 'po', 'ru']
C = ['opinion', 'reporting', 'satire']
rows = [json.loads(l) for l in open(sys.argv[1])]
rows = [r for r in rows if r['task'] == 'genre' and r['gold']]
P = np.log(np.array([[max(r['genre'][c], 1e-6) for c in C] for r in rows]))
Y = np.array([C.index(r['gold'][0]) for r in rows])
F = np.array([r['fold'] for r in rows])
L = np.array([r['lang'] for r in rows])


def macro(pred, y):
    """Macro-F1 over the classes that occur in pred or y."""
    f = []
    for c in range(3):
        tp = ((pred == c) & (y == c)).sum()
        fp = ((pred == c) & (y != c)).sum()
        fn = ((pred != c) & (y == c)).sum()
        if tp + fp + fn:
            f.append(2 * tp / (2 * tp + fp + fn))
    return np.mean(f)


grid = np.arange(-2, 3.01, 0.25)


def run(scope):
    """Arg-max after offsets tuned on the other folds, per language or for all."""
    pred = np.zeros(len(Y), int)
    for f in range(1, 6):
        tr, te = F != f, F == f
        for l in LANGS:
            m_tr = tr & (L == l) if scope == 'lang' else tr
            best = (-1, 0, 0)   # macro-F1, then the smallest offsets among ties
            for a, b in itertools.product(grid, grid):
                s = macro((P[m_tr] + np.array([0, a, b])).argmax(1), Y[m_tr])
                if s > best[0] + 1e-9 or (abs(s - best[0]) < 1e-9 and
                                          abs(a) + abs(b) < abs(best[1]) + abs(best[2])):
                    best = (s, a, b)
            mt = te & (L == l)
            pred[mt] = (P[mt] + np.array([0, best[1], best[2]])).argmax(1)
    return pred


def line(name, pred):
    per = [macro(pred[L == l], Y[L == l]) for l in LANGS]
    print('%-8s' % name, ' '.join('%.4f' % x for x in per), '%.4f' % np.mean(per),
          'pooled %.4f' % macro(pred, Y))


line('argmax', P.argmax(1))
for scope in ['lang', 'all']:
    line(scope, run(scope))
