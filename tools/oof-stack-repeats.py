#!/usr/bin/python3
"""oof-stack-repeats.py -- prototype P2 of docs/ACCURACY.md: a Python replica of
the techniques head's second stage (src/task/stack.h, features 0-19 and the
bias), fitted on the first-stage probabilities of `unspin cv --oof`, with and
without three repeat statistics per paragraph (share of its words of 4+
letters found elsewhere in the article, share found twice in it, log(1 +
their number)). Thresholds: one global value tuned on cross-fitted outputs of
the training folds, as in the trainer.

  unspin cv --data DATA --folds 5 --spans 0 --oof oof.jsonl
  /usr/bin/python3 tools/oof-stack-repeats.py oof.jsonl DATA base rep rep2

Variants: base (stack.h features 0-19), rep (+ the three statistics), rep2
(+ the statistics times the paragraph's own logit), cooc (rep + the logits of
all 23 techniques of the paragraph: label co-occurrence, prototype P3), coocart
(cooc + the article mean of every technique), genre (rep + the logits of the
article's out-of-fold genre probabilities, from the genre lines of the same
file: prototype P4; needs `cv --oof` of all tasks), gbrep (the rep inputs into
gradient-boosted trees instead of a logistic regression: prototype P5), lex (rep +
four valence statistics of the paragraph from data/lexicon/afinn-multilang.tsv:
shares of its words listed negative, positive, strong (|v| >= 3), and log(1 +
their number): prototype P6), cue (rep + seven dense cues of the paragraph:
log(1 + question marks), log(1 + exclamation marks), the share of its characters
inside quotation marks, of digits, the shares of capitalised words after the
first and of all-caps words, the mean word length / 10: prototype P13). span (rep + the span
tagger's best forced span of the technique in the paragraph, `span_scores` of
`cv --oof` with spans on: prototype P7), span2 (span + its positive part), spang (span computed only where the
first stage gives the technique 0.05 or more, else -3: what a cheaper tagger pass would
see; $SPAN_FLOOR sets another floor, and the share of paragraphs the tagger
would then run on is printed: prototype P10), emb (rep + the paragraph's mean word vector from tools/ppmi-vectors.py, file in
$EMB_VECTORS, default /tmp/emb/vec.pkl: prototype P8; 15 minutes), phr (cue + the
shares of the paragraph's word 2-, 3- and 4-grams found on another line and of its
3-grams found twice on it: prototype P15). About 3 minutes each (cooc 10).
"""
import json, re, math, numpy as np, collections, sys
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import HistGradientBoostingClassifier
D=sys.argv[2]
allrows=[json.loads(l) for l in open(sys.argv[1])]
rows=[r for r in allrows if r['task']=='techniques']
GEN={(r['lang'],r['id']):r['genre'] for r in allrows if r['task']=='genre'}
techs=sorted(rows[0]['paragraphs'][0]['probs'])
K=len(techs)
LANGS=['en','fr','ge','it','po','ru']
def words(s): return [w.lower() for w in re.findall(r'\w+', s) if len(w)>=4]
def lg(p): p=min(max(p,1e-4),1-1e-4); return math.log(p/(1-p))
LEX=collections.defaultdict(dict)
import os
_lexf=os.path.join(os.path.dirname(os.path.abspath(__file__)),'..','data','lexicon','afinn-multilang.tsv')
for ln in open(_lexf,encoding='utf-8'):
    if ln.startswith('#') or not ln.strip(): continue
    lang_,w_,v_=ln.rstrip('\n').split('\t')
    if ' ' not in w_: LEX[lang_].setdefault(w_.lower(),int(v_))
QUOTES=set('"\u00ab\u00bb\u201c\u201d\u201e\u201f')
def cuestats(s):
    """P13: punctuation, quotation, digits and casing of a paragraph as dense numbers."""
    ws=re.findall(r'\w+',s); n=max(len(ws),1); c=max(len(s),1)
    caps=sum(1 for w in ws[1:] if w[:1].isupper()); allc=sum(1 for w in ws if len(w)>1 and w.isupper())
    inq=0; q=False
    for ch in s:
        if ch in QUOTES: q=not q
        elif q: inq+=1
    return [math.log(1+s.count('?')), math.log(1+s.count('!')), inq/c,
            sum(ch.isdigit() for ch in s)/c, caps/n, allc/n, sum(map(len,ws))/n/10]
def lexstats(lang,s):
    ws=[w.lower() for w in re.findall(r'\w+',s)]
    vs=[LEX[lang].get(w,0) for w in ws]; n=max(len(ws),1); hit=[v for v in vs if v]
    return [sum(v<0 for v in hit)/n, sum(v>0 for v in hit)/n, sum(abs(v)>=3 for v in hit)/n, math.log(1+len(hit))]
EMB=None
if 'emb' in sys.argv[3:]:
    import pickle
    EV,EE=pickle.load(open(os.environ.get('EMB_VECTORS','/tmp/emb/vec.pkl'),'rb'))
    EMB=({w:i for i,w in enumerate(EV)},EE)
def pemb(s):
    ids=[EMB[0][w.lower()] for w in re.findall(r'\w+',s) if w.lower() in EMB[0]]
    return EMB[1][ids].mean(0) if ids else np.zeros(EMB[1].shape[1],dtype=np.float32)
embf=[]
# spang's gate: the first-stage probability from which the tagger runs
# ($SPAN_FLOOR, default 0.05, US_STACK_SPAN_FLOOR)
FLOOR=float(os.environ.get('SPAN_FLOOR','0.05'))
gate_n=[0,0]; gate_c=[0,0]
def ngr(ws,n): return [tuple(ws[j:j+n]) for j in range(len(ws)-n+1)]
def phrstats(W,i):
    """phrases of line i repeated (W: every line's lowercased words): shares of its word 2-, 3- and 4-grams on another line, of its 3-grams twice on it."""
    out=[]
    for n in (2,3,4):
        mine=ngr(W[i],n)
        if not mine: out.append(0.0); continue
        other=set(g for j,ws in enumerate(W) if j!=i for g in ngr(ws,n))
        out.append(sum(g in other for g in mine)/len(mine))
    m3=ngr(W[i],3); c3=collections.Counter(m3)
    out.append(sum(1 for g in m3 if c3[g]>=2)/max(len(m3),1))
    return out
phrf=[]
base=[];rep=[];lexf=[];cuef=[];spanf=[];spang=[];Y=[];F=[];L=[];cooc=[];artm=[];genf=[]
for r in rows:
    text=open(f"{D}/{r['lang']}/train-articles-subtask-3/article{r['id']}.txt",encoding='utf-8',errors='replace').read()
    lines=text.split('\n')
    cnt=collections.Counter(w for ln in lines for w in words(ln))
    W=[[w.lower() for w in re.findall(r'\w+',ln)] for ln in lines] if 'phr' in sys.argv[3:] else None
    ps=r['paragraphs']; n=len(ps)
    T=np.array([[p['text_probs'][k] for k in techs] for p in ps])
    own=T.sum(1); allsum=T.sum()
    tot=T.sum(0)
    for i,p in enumerate(ps):
        ws=words(lines[p['line']-1]) if p['line']-1 < len(lines) else []
        local=collections.Counter(ws)
        rep_else=sum(1 for w in ws if cnt[w]-local[w]>=1)/max(len(ws),1)
        rep_in=sum(1 for w in ws if local[w]>=2)/max(len(ws),1)
        lw=math.log(1+len(ws))
        others=np.delete(T,i,0) if n>1 else np.zeros((1,K))
        fk=[]
        for k in range(K):
            f0=lg(T[i,k]); f1=lg((tot[k]-T[i,k])/(n-1)+1e-4) if n>1 else lg(1e-4)
            f2=others[:,k].max() if n>1 else 0
            f3=T[i-1,k] if i>0 else 0; f4=T[i+1,k] if i+1<n else 0
            f5=own[i]; f6=(allsum-own[i])/(n-1) if n>1 else 0; f7=math.log(1+n)
            oh=[1.0*(r['lang']==l) for l in LANGS]
            fk.append([f0,f1,f2,f3,f4,f5,f6,f7]+oh+[f0*o for o in oh]+[1.0])
        base.append(fk); rep.append([rep_else,rep_in,lw])
        spanf.append([p['span_scores'][k] if 'span_scores' in p else 0.0 for k in techs])
        # gated: the tagger runs only where the first stage gives the technique >= FLOOR
        spang.append([p['span_scores'][k] if 'span_scores' in p and p['text_probs'][k] >= FLOOR
                      else -3.0 for k in techs])
        passed=max(p['text_probs'].values()) >= FLOOR   # the paragraph gets a tagger pass
        ln_=len(lines[p['line']-1]) if p['line']-1 < len(lines) else 0
        gate_n[0]+=1; gate_n[1]+=passed
        gate_c[0]+=ln_; gate_c[1]+=ln_ if passed else 0
        if EMB: embf.append(pemb(lines[p['line']-1] if p['line']-1 < len(lines) else ''))
        if 'phr' in sys.argv[3:]: phrf.append(phrstats(W,p['line']-1) if p['line']-1 < len(lines) else [0.0]*4)
        cuef.append(cuestats(lines[p['line']-1] if p['line']-1 < len(lines) else ''))
        lexf.append(lexstats(r['lang'], lines[p['line']-1] if p['line']-1 < len(lines) else ''))
        cooc.append([lg(T[i,j]) for j in range(K)])
        gp=GEN.get((r['lang'],r['id']))   # no genre line: zeros and a 0 flag
        genf.append([lg(gp['opinion']),lg(gp['reporting']),lg(gp['satire']),1.0] if gp else [0.0]*4)
        artm.append([lg((tot[j]-T[i,j])/(n-1)+1e-4) if n>1 else lg(1e-4) for j in range(K)])
        if 'gold' in p: Y.append([int(k in p['gold']) for k in techs])
        else: Y.append([-1]*K)
        F.append(r['fold']); L.append(r['lang'])
phrf=np.array(phrf); embf=np.array(embf); base=np.array(base); rep=np.array(rep); cooc=np.array(cooc); artm=np.array(artm); genf=np.array(genf); lexf=np.array(lexf); cuef=np.array(cuef); spanf=np.array(spanf); spang=np.array(spang); Y=np.array(Y); F=np.array(F); L=np.array(L)
keep=Y[:,0]>=0
if 'spang' in sys.argv[3:]:
    print('spang floor %.2f: tagger pass on %.1f%% of paragraphs, %.1f%% of their characters'
          % (FLOOR, 100*gate_n[1]/max(gate_n[0],1), 100*gate_c[1]/max(gate_c[0],1)), flush=True)
grid=np.arange(0.05,0.6,0.005)
def f1(P,Y,t):
    tp=((P>=t)&(Y==1)).sum(); fp=((P>=t)&(Y==0)).sum(); fn=((P<t)&(Y==1)).sum(); return 2*tp/max(2*tp+fp+fn,1)
def feats(idx,k,variant):
    b=base[idx,k,:]
    if variant=='rep': b=np.hstack([b, rep[idx]])
    if variant=='rep2': b=np.hstack([b, rep[idx], rep[idx]*base[idx,k,0:1]])
    if variant=='cooc': b=np.hstack([b, rep[idx], cooc[idx]])
    if variant=='gbrep': b=np.hstack([b, rep[idx]])
    if variant=='lex': b=np.hstack([b, rep[idx], lexf[idx]])
    if variant=='cue': b=np.hstack([b, rep[idx], cuef[idx]])
    if variant=='phr': b=np.hstack([b, rep[idx], cuef[idx], phrf[idx]])
    if variant=='span': b=np.hstack([b, rep[idx], spanf[idx][:,k:k+1]])
    if variant=='spang': b=np.hstack([b, rep[idx], spang[idx][:,k:k+1]])
    if variant=='span2': b=np.hstack([b, rep[idx], spanf[idx][:,k:k+1], np.maximum(spanf[idx][:,k:k+1],0)])
    if variant=='emb': b=np.hstack([b, rep[idx], embf[idx]])
    if variant=='genre': b=np.hstack([b, rep[idx], genf[idx]])
    if variant=='coocart': b=np.hstack([b, rep[idx], cooc[idx], artm[idx]])
    return b
C=1.0/len(base)  # lambda=1 like the C stack (sklearn C = 1/lambda per sum)
def mk(variant):
    if variant=='gbrep':   # P5: gradient-boosted trees instead of a logistic regression
        return HistGradientBoostingClassifier(max_iter=150,learning_rate=0.05,max_leaf_nodes=15,
                                              min_samples_leaf=40,l2_regularization=1.0,random_state=0)
    return LogisticRegression(max_iter=2000,C=1.0)
def run(variant):
    Q=np.zeros((len(base),K)); T=np.zeros(len(base))
    for f in range(1,6):
        tr=np.where((F!=f)&keep)[0]; te=np.where((F==f)&keep)[0]
        Qin=np.zeros((len(tr),K)); ftr=F[tr]
        for k in range(K):
            for f2 in set(ftr):
                a=tr[ftr!=f2]; b=tr[ftr==f2]
                m=mk(variant).fit(feats(a,k,variant),Y[a,k])
                Qin[ftr==f2,k]=m.predict_proba(feats(b,k,variant))[:,1]
            m=mk(variant).fit(feats(tr,k,variant),Y[tr,k])
            Q[te,k]=m.predict_proba(feats(te,k,variant))[:,1]
        T[te]=max((f1(Qin,Y[tr],t),t) for t in grid)[1]
    Qk,Yk,Tk,Lk=Q[keep],Y[keep],T[keep],L[keep]
    out=[f1(Qk[Lk==l],Yk[Lk==l],Tk[Lk==l][:,None]) for l in LANGS]+[f1(Qk,Yk,Tk[:,None])]
    return ' '.join('%.4f'%x for x in out)
for v in sys.argv[3:]:
    print(v, run(v), flush=True)
