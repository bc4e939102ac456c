#!/usr/bin/python3
"""oof-prior-shift.py -- prototype P21 of docs/ACCURACY.md: can the label priors
of a batch of articles be estimated without labels and corrected for?

Held-out English is mostly reporting while its training articles are 88%
opinion. Given the out-of-fold probabilities of `cv --oof`, the articles of
each language are weighted so that the gold genres follow a target mix (the
train-like mix, reporting-heavy ones, balanced), as if they were a held-out
set, and the batch's priors are re-estimated by EM (Saerens, Latinne and
Decaestecker 2002): posteriors rescaled by pi / pi_train, pi the weighted
mean of the rescaled posteriors, until it settles. Genre: the arg-max of the
rescaled posteriors (also with tempered posteriors, p^0.5, for an
overconfident head); techniques: one binary EM per technique over the
paragraphs, with the shipped global threshold tuned on the other folds.

  /usr/bin/python3 tools/oof-prior-shift.py oof.jsonl
"""
import json, sys
import numpy as np
from oofutil import LANGS
OOF = sys.argv[1]
rows = [json.loads(l) for l in open(OOF)]
G = [r for r in rows if r['task'] == 'genre' and r['gold']]
T = [r for r in rows if r['task'] == 'techniques']
gl = ['opinion', 'reporting', 'satire']
gold_genre = {(r['lang'], r['id']): r['gold'][0] for r in G}
MIXES = {'train-like': None, 'reporting .65 opinion .30 satire .05': [0.30, 0.65, 0.05],
         'reporting .5 opinion .45 satire .05': [0.45, 0.5, 0.05], 'balanced': [1/3, 1/3, 1/3]}
def em(P, w, pi_tr, iters=200):
    pi = pi_tr.copy()
    for _ in range(iters):
        Q = P * (pi / pi_tr); Q /= Q.sum(1, keepdims=True)
        pi_new = (w[:, None] * Q).sum(0) / w.sum()
        if np.abs(pi_new - pi).max() < 1e-7: pi = pi_new; break
        pi = pi_new
    Q = P * (pi / pi_tr); Q /= Q.sum(1, keepdims=True)
    return Q, pi
def wmacro(D, Y, w):
    f = []
    for j in range(Y.shape[1]):
        tp = (w * (D[:, j] & Y[:, j])).sum(); pp = (w * D[:, j]).sum(); gg = (w * Y[:, j]).sum()
        f.append(2 * tp / max(pp + gg, 1e-12))
    return np.mean(f), f
def onehot(Pm):
    D = np.zeros(Pm.shape, bool); D[np.arange(len(Pm)), Pm.argmax(1)] = True; return D
print('== genre: macro-F1 (reporting F1), articles weighted to the mix; EM = Saerens et al. 2002 prior adaptation on the batch')
for lg in LANGS:
    R = [r for r in G if r['lang'] == lg]
    P = np.array([[r['genre'][k] for k in gl] for r in R]); Y = np.array([[r['gold'][0] == k for k in gl] for r in R])
    obs = Y.mean(0); pi_tr = obs.copy()
    for name, mix in MIXES.items():
        w = np.ones(len(R)) if mix is None else (Y * (np.array(mix) / np.maximum(obs, 1e-9))).sum(1)
        m0, f0 = wmacro(onehot(P), Y, w)
        Q, pi = em(P, w, pi_tr)
        m1, f1 = wmacro(onehot(Q), Y, w)
        # EM with tempered posteriors (overconfidence)
        out = f'{lg} {name:38s} none {m0:.4f} ({f0[1]:.3f})  EM {m1:.4f} ({f1[1]:.3f}) pi_hat ' + ' '.join(f'{x:.2f}' for x in pi)
        for tau in (0.5,):
            Pt = P ** tau; Pt /= Pt.sum(1, keepdims=True)
            Qt, pit = em(Pt, w, pi_tr)
            mt, ft = wmacro(onehot(P * (pit / pi_tr)), Y, w)
            out += f'  EM(tau {tau}) {mt:.4f} ({ft[1]:.3f})'
        print(out, flush=True)
print('== techniques: micro-F1, paragraphs weighted by their article genre to the mix; per technique binary EM')
techs = sorted(T[0]['paragraphs'][0]['probs'])
grid = np.arange(0.05, 0.6, 0.005)
for lg in LANGS:
    Pp, Yp, Fp, Wg = [], [], [], []
    for r in T:
        if r['lang'] != lg: continue
        g = gold_genre.get((r['lang'], r['id']))
        if g is None: continue
        for p in r['paragraphs']:
            if 'gold' not in p: continue
            Pp.append([p['probs'][k] for k in techs]); Yp.append([k in p['gold'] for k in techs]); Fp.append(r['fold']); Wg.append(gl.index(g))
    Pp, Yp, Fp, Wg = map(np.array, (Pp, Yp, Fp, Wg))
    def f1w(D, w):
        tp = (w[:, None] * (D & Yp)).sum(); return 2 * tp / max((w[:, None] * D).sum() + (w[:, None] * Yp).sum(), 1e-12)
    art_obs = np.bincount(Wg, minlength=3) / len(Wg)
    for name, mix in MIXES.items():
        w = np.ones(len(Pp)) if mix is None else np.array(mix)[Wg] / np.maximum(art_obs[Wg], 1e-9)
        D0 = np.zeros_like(Yp); D1 = np.zeros_like(Yp)
        for fo in range(1, 6):
            tr, te = Fp != fo, Fp == fo
            if te.sum() == 0: continue
            # threshold tuned on the training folds, unweighted (as shipped)
            best, bt = -1, 0.3
            for tt in grid:
                Dd = Pp[tr] >= tt; tp = (Dd & Yp[tr]).sum(); f = 2 * tp / max(Dd.sum() + Yp[tr].sum(), 1)
                if f > best: best, bt = f, tt
            pi_tr = Yp[tr].mean(0).clip(1e-4, 1 - 1e-4)
            D0[te] = Pp[te] >= bt
            # binary EM per technique on the test fold, weighted
            Pt = Pp[te]; wt = w[te]; pi = pi_tr.copy()
            for _ in range(200):
                r1 = pi / pi_tr; r0 = (1 - pi) / (1 - pi_tr)
                Q = Pt * r1 / (Pt * r1 + (1 - Pt) * r0)
                pi = ((wt[:, None] * Q).sum(0) / wt.sum()).clip(1e-4, 1 - 1e-4)
            r1 = pi / pi_tr; r0 = (1 - pi) / (1 - pi_tr)
            D1[te] = (Pt * r1 / (Pt * r1 + (1 - Pt) * r0)) >= bt
        print(f'{lg} {name:38s} none {f1w(D0, w):.4f}  EM {f1w(D1, w):.4f}', flush=True)
