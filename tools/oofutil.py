"""oofutil.py -- what the framing prototypes on `cv --oof` files share: micro-F1
counts and thresholds tuned on the other outer folds (imported by
oof-frame-ensemble.py and oof-knn.py, which run from this folder)."""
import numpy as np

LANGS = ['en', 'fr', 'ge', 'it', 'po', 'ru']
GRID = np.arange(0.10, 0.70, 0.01)


def counts(D, Yx):
    """True positives, predicted and gold counts of decisions D against Yx."""
    return np.array([(D & Yx).sum(), D.sum(), Yx.sum()])


def f1c(c):
    return 2 * c[0] / max(c[1] + c[2], 1)


def best_threshold(Pm, Yx):
    return max(GRID, key=lambda t: f1c(counts(Pm >= t, Yx)))


def tuned(Pm, Y, F, L, scheme, at_least_one=False):
    """Decisions for probabilities Pm (items x labels; gold Y, fold F, language
    L of each item), with thresholds tuned on the other folds: one global
    ('global'), one per language ('lang') or per language and label ('label').
    at_least_one: an item with no label above its threshold gets its most
    probable one (the shipped framing rule)."""
    D = np.zeros_like(Y)
    for fo in sorted(set(F)):
        te, tr = F == fo, F != fo
        if scheme == 'global':
            D[te] = Pm[te] >= best_threshold(Pm[tr], Y[tr])
        else:
            for lg in LANGS:
                trl, tel = tr & (L == lg), te & (L == lg)
                if scheme == 'label':
                    best = [best_threshold(Pm[trl][:, j:j+1], Y[trl][:, j:j+1])
                            for j in range(Y.shape[1])]
                    D[tel] = Pm[tel] >= np.array(best)
                else:
                    D[tel] = Pm[tel] >= best_threshold(Pm[trl], Y[trl])
        if at_least_one:
            none = te & ~D.any(1)
            D[none, Pm[none].argmax(1)] = True
    return D
