#!/usr/bin/python3
"""ppmi-vectors.py -- prototype P8 of docs/ACCURACY.md: word vectors from every
text of the data folder (the training articles of subtasks 1 and 3 and
unlabeled/, nine languages, 2.2M words): co-occurrence counts in a +-5 word
window, positive PMI with context smoothing 0.75, truncated SVD (sklearn).
Unsupervised, but it sees the texts of every CV fold (transductive): an
optimistic test.

  /usr/bin/python3 tools/ppmi-vectors.py [DIM] [DATA] [OUT]   (defaults 100, ../shared/data/semeval2023, /tmp/emb/vec.pkl)
"""
import re, glob, os, collections, numpy as np, scipy.sparse as sp, sys, pickle
from sklearn.decomposition import TruncatedSVD
D=sys.argv[2] if len(sys.argv)>2 else '../shared/data/semeval2023'
OUT=sys.argv[3] if len(sys.argv)>3 else '/tmp/emb/vec.pkl'
files=glob.glob(D+'/*/train-articles-subtask-3/*.txt')+glob.glob(D+'/unlabeled/*/*')
files+=glob.glob(D+'/*/train-articles-subtask-1/*.txt')
files=sorted(set(files))
docs=[]
for f in files:
    try: t=open(f,encoding='utf-8',errors='replace').read()
    except IsADirectoryError: continue
    docs.append([w.lower() for w in re.findall(r'\w+',t)])
cnt=collections.Counter(w for d in docs for w in d)
vocab=[w for w,c in cnt.items() if c>=3]
idx={w:i for i,w in enumerate(vocab)}; V=len(vocab)
print('docs',len(docs),'tokens',sum(map(len,docs)),'V',V,file=sys.stderr)
rows=[];cols=[];W=5
for d in docs:
    ids=[idx.get(w,-1) for w in d]
    for i,a in enumerate(ids):
        if a<0: continue
        for j in range(max(0,i-W),min(len(ids),i+W+1)):
            b=ids[j]
            if j!=i and b>=0: rows.append(a); cols.append(b)
M=sp.coo_matrix((np.ones(len(rows),dtype=np.float32),(rows,cols)),shape=(V,V)).tocsr()
M.sum_duplicates()
tot=M.sum(); rs=np.asarray(M.sum(1)).ravel(); cs=np.asarray(M.sum(0)).ravel()**0.75; cs/=cs.sum()
M=M.tocoo()
pmi=np.log(M.data*1.0/tot/(rs[M.row]/tot)/cs[M.col])
keep=pmi>0
P=sp.csr_matrix((pmi[keep],(M.row[keep],M.col[keep])),shape=(V,V))
svd=TruncatedSVD(int(sys.argv[1]) if len(sys.argv)>1 else 100,random_state=0)
U=svd.fit_transform(P)  # U*S
E=U/np.sqrt(svd.singular_values_)[None,:]*np.sqrt(np.sqrt(svd.singular_values_))[None,:]
E/=np.linalg.norm(E,axis=1,keepdims=True)+1e-9
os.makedirs(os.path.dirname(OUT) or '.',exist_ok=True)
pickle.dump((vocab,E.astype(np.float32)),open(OUT,'wb'))
for q in ['war','putin','vaccine','freedom','stupid']:
    if q in idx:
        s=E@E[idx[q]]; print(q,[vocab[i] for i in np.argsort(-s)[1:8]],file=sys.stderr)
