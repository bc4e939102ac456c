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
LANGS=['en','fr','ge','it','po','ru']; C=['opinion','reporting','satire']
rows=[json.loads(l) for l in open(sys.argv[1])]
rows=[r for r in rows if r['task']=='genre' and r['gold']]
def g(r): return r['gold'][0] if isinstance(r['gold'],list) else r['gold']
P=np.log(np.array([[max(r['genre'][c],1e-6) for c in C] for r in rows]))
Y=np.array([C.index(g(r)) for r in rows]); F=np.array([r['fold'] for r in rows]); L=np.array([r['lang'] for r in rows])
def macro(pred,y):
    f=[]
    for c in range(3):
        tp=((pred==c)&(y==c)).sum(); fp=((pred==c)&(y!=c)).sum(); fn=((pred!=c)&(y==c)).sum()
        if tp+fp+fn==0: continue
        f.append(2*tp/max(2*tp+fp+fn,1))
    return np.mean(f)
grid=np.arange(-2,3.01,0.25)
def run(scope):
    pred=np.zeros(len(Y),int)
    for f in range(1,6):
        tr=F!=f; te=F==f
        for l in LANGS:
            m_tr = tr & ((L==l) if scope=='lang' else np.ones(len(Y),bool))
            best=(-1,0,0)
            for a,b in itertools.product(grid,grid):
                off=np.array([0,a,b]); s=macro((P[m_tr]+off).argmax(1),Y[m_tr])
                if s>best[0]+1e-9 or (abs(s-best[0])<1e-9 and abs(a)+abs(b)<abs(best[1])+abs(best[2])): best=(s,a,b)
            mt=te&(L==l)
            pred[mt]=(P[mt]+np.array([0,best[1],best[2]])).argmax(1)
    return pred
base=P.argmax(1)
print('%-8s'%'argmax', ' '.join('%.4f'%macro(base[L==l],Y[L==l]) for l in LANGS), '%.4f'%np.mean([macro(base[L==l],Y[L==l]) for l in LANGS]), 'pooled %.4f'%macro(base,Y))
for scope in ['lang','all']:
    pr=run(scope)
    print('%-8s'%scope, ' '.join('%.4f'%macro(pr[L==l],Y[L==l]) for l in LANGS), '%.4f'%np.mean([macro(pr[L==l],Y[L==l]) for l in LANGS]), 'pooled %.4f'%macro(pr,Y))
