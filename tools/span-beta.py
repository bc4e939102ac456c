#!/usr/bin/python3
"""span-beta.py -- the span tagger's inside bias tuned per technique or per
language, measured with nested cross-validation.

Reads the credit sums of `build/span_cv --beta-grid ...` (per inside bias,
fold, language and technique: partial-overlap precision and recall numerators
and counts, SemEval-2020 Task 11) and, for each outer fold, picks the bias
on the other folds' sums, then scores the held-out fold with it; micro-F1 is
pooled over every fold, language and technique, as span_cv's "all" row.

Schemes: one bias for all (span_cv's default is 0.7), one per language, one
per technique (coordinate ascent on the pooled micro-F1, 3 sweeps), one per
language and technique.

  build/span_cv --data DATA -q --beta-grid 0.3,0.5,0.7,1,1.5 > beta.txt
  /usr/bin/python3 tools/span-beta.py beta.txt
"""
import sys, collections
rows = []
on = False
for ln in open(sys.argv[1]):
    if ln.startswith('beta\t'): on = True; continue
    if on:
        f = ln.split()
        if len(f) != 8: on = False; continue
        rows.append((float(f[0]), int(f[1]), f[2], int(f[3]), float(f[4]), int(f[5]), float(f[6]), int(f[7])))
betas = sorted({r[0] for r in rows}); folds = sorted({r[1] for r in rows})
langs = sorted({r[2] for r in rows}); techs = sorted({r[3] for r in rows})
S = collections.defaultdict(lambda: [0.0, 0, 0.0, 0])   # (beta, fold, lang, tech) -> sums
for b, fo, lg, k, pn, npr, rn, ng in rows:
    S[(b, fo, lg, k)] = [pn, npr, rn, ng]
def f1(t):
    p = t[0] / t[1] if t[1] else 0; r = t[2] / t[3] if t[3] else 0
    return 2 * p * r / (p + r) if p + r else 0
def total(choice, fs, ls=None):
    """Sums over folds fs (and languages ls) with choice(lang, tech) -> beta."""
    t = [0.0, 0, 0.0, 0]
    for fo in fs:
        for lg in (ls or langs):
            for k in techs:
                s = S.get((choice(lg, k), fo, lg, k))
                if s:
                    for i in range(4): t[i] += s[i]
    return t
def tune(scheme, fs):
    if scheme == 'global':
        b = max(betas, key=lambda b: f1(total(lambda l, k: b, fs)))
        return lambda l, k: b
    if scheme == 'lang':
        best = {lg: max(betas, key=lambda b: f1(total(lambda l, k: b, fs, [lg]))) for lg in langs}
        return lambda l, k: best[l]
    if scheme == 'tech':
        g = max(betas, key=lambda b: f1(total(lambda l, k: b, fs)))
        cur = {k: g for k in techs}
        for _ in range(3):
            for k in techs:
                def score(b):
                    old = cur[k]; cur[k] = b; v = f1(total(lambda l, kk: cur[kk], fs)); cur[k] = old; return v
                cur[k] = max(betas, key=score)
        return lambda l, k: cur[k]
    if scheme == 'langtech':
        cur = {}
        for lg in langs:
            g = max(betas, key=lambda b: f1(total(lambda l, k: b, fs, [lg])))
            c = {k: g for k in techs}
            for _ in range(3):
                for k in techs:
                    def score(b):
                        old = c[k]; c[k] = b; v = f1(total(lambda l, kk: c[kk], fs, [lg])); c[k] = old; return v
                    c[k] = max(betas, key=score)
            cur[lg] = c
        return lambda l, k: cur[l][k]
print('inside bias grid:', betas)
for b in betas:
    print(f'fixed {b:<5}', ' '.join(f'{lg} {f1(total(lambda l, k: b, folds, [lg])):.4f}' for lg in langs),
          f'| all {f1(total(lambda l, k: b, folds)):.4f}')
for scheme in ('global', 'lang', 'tech', 'langtech'):
    per = collections.defaultdict(lambda: [0.0, 0, 0.0, 0]); allt = [0.0, 0, 0.0, 0]
    chosen = []
    for fo in folds:
        ch = tune(scheme, [x for x in folds if x != fo])
        chosen.append(ch)
        for lg in langs:
            t = total(ch, [fo], [lg])
            for i in range(4): per[lg][i] += t[i]; allt[i] += t[i]
    print(f'nested {scheme:9s}', ' '.join(f'{lg} {f1(per[lg]):.4f}' for lg in langs), f'| all {f1(allt):.4f}')
    if scheme in ('lang', 'tech'):
        ch = tune(scheme, folds)   # on all folds: what a model would store
        keys = langs if scheme == 'lang' else techs
        print('   on all folds:', ' '.join(f'{x}:{ch(x, 0) if scheme == "lang" else ch("en", x)}' for x in keys))
