#!/usr/bin/python3
"""oof-stack-lite.py -- prototype P14 of docs/ACCURACY.md: a "lite" span-supervised
token detector as one more input of the techniques head's second stage.

The real span tagger's best forced span per technique (`span_scores` of `unspin
cv --oof`, prototype P7) helps the second stage but costs 26-28 hashed features
per token and a Viterbi pass per technique. The lite detector costs about one
table lookup per token: for each technique k a per-word score s_k(w), the
smoothed log-odds that a token of word w lies inside a gold span of k (against
the technique's token prior), from counts over the training paragraphs' tokens
(lowercase \\w+ words). The paragraph's input for technique k is the max of
s_k over its tokens (or another aggregate, below).

Gold spans: the official span files (`train-labels-subtask-3-spans/`), repaired
as src/task/span_fix.c does (per article the reading "newline counted twice"
wins if it scores higher: +4 per span whose technique labels the line it starts
on, +1 per start/end on a word boundary, -100 per span outside the text; then
each span is cut to one line). A token is inside a span of k if their code
points overlap. The line labels used by the repair are the `gold` of the OOF
file.

No leakage: the detector that scores an article is trained only on the
articles of the other outer folds (the `fold` field), so its output is one more
out-of-fold column, built like `span_scores` and `text_probs`. With
LITE_NESTED=1 the rows of the second stage's training folds are scored, for
each outer fold f, by detectors that saw neither f nor their own fold (the
stricter protocol the C trainer would follow with inner folds).

Key modes of the word table (LITE_KEYS): g = the word alone, l = "lang:word",
b (default) = "lang:word" shrunk towards the word's pooled estimate over all
languages (two-level additive smoothing, LITE_ALPHA pseudo-tokens, default 20;
one table keyed by lang:word, so a word unseen in its language scores 0; keys seen fewer than
LITE_MIN times in the training tokens, default 1, score 0: the table's size;
LITE_Q8=step rounds the b table to int8 multiples of step, as a C table would).
The table-size line counts the keys over all the data (the shipped table).

The second stage is a copy of tools/oof-stack-repeats.py's replica (features
0-19 of src/task/stack.h, the three repeat statistics, the seven cue
statistics of P13, one global threshold tuned on cross-fitted outputs of the
training folds). All variants below include `cue`, the shipped configuration:

  cue       the baseline (= `cue` of oof-stack-repeats.py)
  cuespan   cue + the real span tagger's score (span_scores; the reference)
  lite      cue + max over the paragraph's tokens of s_k
  lite3     cue + mean of the paragraph's top-3 token scores
  litew     cue + max over windows of 3 tokens of the mean token score
  litemw    cue + lite and litew (two inputs)
  liteg     lite with pooled word keys only (LITE_KEYS=g)
  litel     lite with "lang:word" keys only (LITE_KEYS=l)
  liteb2    cue + lite + the max of a bigram table (lang:w-1_w, inside if both are)
  litelr    cue + max over tokens of a per-token logistic regression with word
            and lang:word one-hot features (exact, on counts aggregated by key;
            L2 LITE_LAMBDA, default 1)
  litepar   control: lite with every token labelled by its paragraph's gold
            techniques instead of the spans (no span supervision)
  litespan  cue + span_scores + lite
  litenolang lite without the language inputs (the one-hot and the own logit
            times it): one calibration for every language (prototype P17)
  liteart   lite + the lite score of the previous and the next paragraph and its
            maximum over the article's other paragraphs (prototype P16)
(liteb2, litel, litelr and litemw were written but not measured in P14: time.)

Results (P14, raw bench/results/ablation/P14-oof-stack-lite.txt), pooled / en:
fold seed 1 cue 0.4174 / 0.3968, cuespan 0.4222 / 0.4043, lite 0.4251 / 0.4152;
fold seed 2 cue 0.4149 / 0.3946, cuespan 0.4206 / 0.4015, lite 0.4239 / 0.4163.

  /usr/bin/python3 tools/oof-stack-lite.py oof.jsonl DATA cue lite cuespan litespan

Also prints the span repair counts and the detector's table size. About 3
minutes a variant (the second stage), plus ~1 minute to build the tables.
"""
import json, re, math, os, sys, bisect, collections, unicodedata, time
import numpy as np
from sklearn.linear_model import LogisticRegression

OOF, D = sys.argv[1], sys.argv[2]
VARIANTS = sys.argv[3:]
ALPHA = float(os.environ.get('LITE_ALPHA', '20'))
MINC = int(os.environ.get('LITE_MIN', '1'))
KEYS = os.environ.get('LITE_KEYS', 'b')
LAMBDA = float(os.environ.get('LITE_LAMBDA', '1'))
NESTED = os.environ.get('LITE_NESTED', '0') == '1'
Q8 = float(os.environ.get('LITE_Q8', '0'))   # >0: quantise the b table to int8 in steps of this size
QUICK = os.environ.get('LITE_QUICK', '0') == '1'   # proxy: no inner cross-fit, threshold in-sample
t0 = time.time()

allrows = [json.loads(l) for l in open(OOF)]
rows = [r for r in allrows if r['task'] == 'techniques']
techs = sorted(rows[0]['paragraphs'][0]['probs'])
K = len(techs)
TI = {t: i for i, t in enumerate(techs)}
LANGS = ['en', 'fr', 'ge', 'it', 'po', 'ru']

# ---------------------------------------------------------------- span repair
def is_word_ch(ch):
    return unicodedata.category(ch)[0] in 'LMN'

def fix_spans(text, line_labels, spans):
    """Replica of us_span_fix_article: returns (twice, [(tech, s, e)] in plain code points, one line each)."""
    n_cp = len(text)
    ls = [0] + [i + 1 for i, ch in enumerate(text) if ch == '\n']
    n_seg = len(ls)
    A = [ls[L] + L for L in range(n_seg)]
    def seg_end(L): return ls[L + 1] - 1 if L + 1 < n_seg else n_cp
    def seg_of(p): return bisect.bisect_right(ls, p) - 1
    def seg_has(L, t): return t in line_labels.get(L, ())
    def map_off(a, twice):
        if not twice: return a
        L = bisect.bisect_right(A, a) - 1
        p = ls[L] + (a - A[L])
        if L + 1 < n_seg and p > seg_end(L): p = seg_end(L)
        return p
    def score(twice):
        sc = 0
        for t, s0, e0 in spans:
            s, e = map_off(s0, twice), map_off(e0, twice)
            if e > n_cp or s >= e: sc -= 100; continue
            if seg_has(seg_of(s), t): sc += 4
            if s == 0 or not is_word_ch(text[s - 1]) or not is_word_ch(text[s]): sc += 1
            if e == n_cp or not is_word_ch(text[e - 1]) or not is_word_ch(text[e]): sc += 1
        return sc
    twice = score(1) > score(0)
    out = []; st = collections.Counter()
    for t, s0, e0 in spans:
        s, e = map_off(s0, twice), map_off(e0, twice)
        if e > n_cp: e = n_cp; st['clamped'] += 1
        if s > e: s = e
        if e > s:
            a, b = seg_of(s), seg_of(e - 1)
            best, bkey = a, -1
            for L in range(a, b + 1):
                lo, hi = max(s, ls[L]), min(e, seg_end(L))
                ov = hi - lo if hi > lo else 0
                key = ov + ((1 << 40) if seg_has(L, t) else 0) if ov > 0 else 0
                if key > bkey: bkey, best = key, L
            lo, hi = max(s, ls[best]), min(e, seg_end(best))
            if b > a and hi > lo: st['trimmed'] += 1
            s, e = lo, max(hi, lo)
        if e <= s: st['dropped'] += 1; continue
        st['consistent' if seg_has(seg_of(s), t) else 'inconsistent'] += 1
        out.append((t, s, e))
    return twice, out, st

# ------------------------------------------------------- tokens of every paragraph
WRE = re.compile(r'\w+')
wid = {}; lwid = {}; bgid = {}
tok_w = []; tok_lw = []; tok_bg = []; tok_mask = []; tok_bgmask = []; par_start = []; par_len = []
P_fold = []; P_lang = []; P_lab = []; P_gmask = []
rep_stats = collections.Counter(); bad_names = collections.Counter()
lines_of = {}
ntok = 0
for r in rows:
    lang = r['lang']
    text = open(f"{D}/{lang}/train-articles-subtask-3/article{r['id']}.txt", encoding='utf-8',
                errors='replace', newline='').read()
    lines = text.split('\n')
    lines_of[(lang, r['id'])] = lines
    line_labels = {p['line'] - 1: {TI[g] for g in p.get('gold', []) if g in TI} for p in r['paragraphs']}
    spans = []
    sf = f"{D}/{lang}/train-labels-subtask-3-spans/article{r['id']}-labels-subtask-3.txt"
    if os.path.exists(sf):
        for ln in open(sf, encoding='utf-8'):
            f = ln.rstrip('\r\n').split('\t')
            if len(f) < 4: continue
            if f[1] not in TI: bad_names[f[1]] += 1; continue
            spans.append((TI[f[1]], int(f[2]), int(f[3])))
    if spans:
        twice, fixed, st = fix_spans(text, line_labels, spans)
        rep_stats['articles_' + lang] += 1; rep_stats['repaired_' + lang] += twice
        rep_stats.update(st)
    else:
        fixed = []
    ls = [0] + [i + 1 for i, ch in enumerate(text) if ch == '\n']
    byline = collections.defaultdict(list)
    for t, s, e in fixed:
        byline[bisect.bisect_right(ls, s) - 1].append((t, s, e))
    for p in r['paragraphs']:
        L = p['line'] - 1
        par_start.append(ntok)
        P_fold.append(r['fold']); P_lang.append(lang); P_lab.append('gold' in p)
        P_gmask.append(sum(1 << TI[g] for g in set(p.get('gold', [])) if g in TI))
        if L >= len(lines): par_len.append(0); continue
        sp = byline.get(L, [])
        prev = None; prevm = 0; n = 0
        for m in WRE.finditer(lines[L]):
            w = m.group().lower(); ts, te = ls[L] + m.start(), ls[L] + m.end()
            mask = 0
            for t, s, e in sp:
                if ts < e and te > s: mask |= 1 << t
            tok_w.append(wid.setdefault(w, len(wid)))
            tok_lw.append(lwid.setdefault(lang + ':' + w, len(lwid)))
            if prev is None:
                tok_bg.append(-1); tok_bgmask.append(0)
            else:
                tok_bg.append(bgid.setdefault(lang + ':' + prev + '_' + w, len(bgid))); tok_bgmask.append(mask & prevm)
            tok_mask.append(mask); prev, prevm = w, mask; n += 1
        ntok += n; par_len.append(n)
tok_w = np.array(tok_w); tok_lw = np.array(tok_lw); tok_bg = np.array(tok_bg)
tok_mask = np.array(tok_mask, dtype=np.int64); tok_bgmask = np.array(tok_bgmask, dtype=np.int64)
par_start = np.array(par_start); par_len = np.array(par_len)
P_fold = np.array(P_fold); P_lab = np.array(P_lab)
NP = len(par_start)
tok_par = np.repeat(np.arange(NP), par_len)
tok_fold = P_fold[tok_par]; tok_labd = P_lab[tok_par]
lw_word = np.zeros(len(lwid), dtype=np.int64)
for k_, i in lwid.items(): lw_word[i] = wid[k_.split(':', 1)[1]]
BITS = np.array([(tok_mask >> k) & 1 for k in range(K)], dtype=np.float64)      # K x ntok
P_gmask = np.array(P_gmask, dtype=np.int64)
PBITS = np.array([(P_gmask[tok_par] >> k) & 1 for k in range(K)], dtype=np.float64)   # control: paragraph labels
BGBITS = np.array([(tok_bgmask >> k) & 1 for k in range(K)], dtype=np.float64)
print('# span repair: %s' % ', '.join('%s %d/%d' % (l, rep_stats['repaired_' + l], rep_stats['articles_' + l])
                                       for l in LANGS),
      '| total %d of %d articles read as newline-twice; spans consistent %d, inconsistent %d, cut %d, dropped %d, clamped %d'
      % (sum(rep_stats['repaired_' + l] for l in LANGS), sum(rep_stats['articles_' + l] for l in LANGS),
         rep_stats['consistent'], rep_stats['inconsistent'], rep_stats['trimmed'], rep_stats['dropped'],
         rep_stats['clamped']), flush=True)
if bad_names: print('# unknown technique names in span files (dropped):', dict(bad_names))
print('# %d paragraphs, %d tokens, %d words, %d lang:words, %d lang:bigrams; share of tokens inside any span %.3f'
      % (NP, ntok, len(wid), len(lwid), len(bgid), (tok_mask > 0).mean()), flush=True)

# ------------------------------------------------------------- the lite tables
def nb_table(train, keys, V, bits, alpha, minc, parent=None):
    """Smoothed P(inside k | key) per key (V x K), shrunk to 'parent' (V x K) or the prior."""
    tot = np.bincount(keys[train], minlength=V).astype(np.float64)
    P = np.empty((V, K))
    for k in range(K):
        ink = np.bincount(keys[train], weights=bits[k, train], minlength=V)
        pk = max(ink.sum() / max(tot.sum(), 1), 1e-6)
        base = parent[:, k] if parent is not None else pk
        P[:, k] = (ink + alpha * base) / (tot + alpha)
    return P, tot

def logit(p): p = np.clip(p, 1e-7, 1 - 1e-7); return np.log(p / (1 - p))

def lr_table(train):
    """Per-token logistic regression per technique, word + lang:word one-hot, exact on key counts."""
    from scipy.optimize import minimize
    tr = train
    keys = tok_lw[tr]; V = len(lwid); VW = len(wid)
    tot = np.bincount(keys, minlength=V).astype(np.float64)
    S = np.zeros((V, K))
    for k in range(K):
        nin = np.bincount(keys, weights=BITS[k, tr], minlength=V); nout = tot - nin
        live = tot > 0
        def fg(th):
            b, ww, wl = th[0], th[1:1 + VW], th[1 + VW:]
            z = b + ww[lw_word] + wl
            # loss: nin*softplus(-z) + nout*softplus(z)
            sp_pos = np.logaddexp(0, z); sp_neg = np.logaddexp(0, -z)
            loss = (nin * sp_neg + nout * sp_pos).sum() + 0.5 * LAMBDA * ((ww ** 2).sum() + (wl ** 2).sum())
            sig = 1 / (1 + np.exp(-z))
            g = nout * sig - nin * (1 - sig)        # dloss/dz
            g[~live] = 0
            gb = g.sum(); gw = np.bincount(lw_word, weights=g, minlength=VW) + LAMBDA * ww; gl = g + LAMBDA * wl
            return loss, np.concatenate([[gb], gw, gl])
        pk = max(nin.sum() / tot.sum(), 1e-6)
        th0 = np.zeros(1 + VW + V); th0[0] = math.log(pk / (1 - pk))
        res = minimize(fg, th0, jac=True, method='L-BFGS-B', options={'maxiter': 300})
        th = res.x
        S[:, k] = th[1:1 + VW][lw_word] + th[1 + VW:]
    return S

def token_scores(train, mode):
    """Per-token scores (ntok x K) of a detector trained on the tokens 'train' (boolean)."""
    if mode == 'lr':
        S = lr_table(np.where(train)[0])
        return S[tok_lw]
    keysmode = mode
    tr = np.where(train)[0]
    if keysmode == 'bg':
        Pw, totw = nb_table(tr, tok_w, len(wid), BITS, ALPHA, 0)
        ok = tok_bg >= 0
        keys = np.where(ok, tok_bg, 0)
        trb = tr[ok[tr]]
        P, tot = nb_table(trb, keys, len(bgid), BGBITS, ALPHA, 0)
        prior = np.array([BGBITS[k, trb].mean() for k in range(K)])
        Sc = logit(P) - logit(prior)[None, :]
        Sc[tot < MINC] = 0
        out = Sc[keys]; out[~ok] = -np.inf
        return out
    prior = np.array([BITS[k, tr].mean() for k in range(K)])
    if keysmode == 'g':
        P, tot = nb_table(tr, tok_w, len(wid), BITS, ALPHA, MINC)
        Sc = logit(P) - logit(prior)[None, :]; Sc[tot < MINC] = 0
        return Sc[tok_w]
    if keysmode == 'l':
        P, tot = nb_table(tr, tok_lw, len(lwid), BITS, ALPHA, MINC)
        Sc = logit(P) - logit(prior)[None, :]; Sc[tot < MINC] = 0
        return Sc[tok_lw]
    # b: lang:word shrunk to word, word shrunk to the prior ('par': the same with
    # every token labelled by its paragraph's techniques -- no span supervision)
    bits = PBITS if keysmode == 'par' else BITS
    if keysmode == 'par': prior = np.array([bits[k, tr].mean() for k in range(K)])
    Pw, totw = nb_table(tr, tok_w, len(wid), bits, ALPHA, MINC)
    P, tot = nb_table(tr, tok_lw, len(lwid), bits, ALPHA, MINC, parent=Pw[lw_word])
    Sc = logit(P) - logit(prior)[None, :]; Sc[tot < MINC] = 0
    if Q8: Sc = np.clip(np.round(Sc / Q8), -127, 127) * Q8   # the int8 table
    return Sc[tok_lw]

def aggregate(T, agg):
    """Paragraph values (NP x K) from token scores T (ntok x K)."""
    out = np.zeros((NP, K))
    nz = np.where(par_len > 0)[0]
    if agg == 'max':
        Tm = np.where(np.isfinite(T), T, -1e9)
        out[nz] = np.maximum.reduceat(Tm, par_start[nz], axis=0)
        out[out < -1e8] = 0
    elif agg == 'top3':
        for i in nz:
            seg = T[par_start[i]:par_start[i] + par_len[i]]
            if len(seg) <= 3: out[i] = seg.mean(0)
            else: out[i] = np.partition(seg, len(seg) - 3, axis=0)[-3:].mean(0)
    elif agg == 'win3':
        cs = np.vstack([np.zeros((1, K)), np.cumsum(T, 0)])
        idx = np.arange(len(T))
        valid = (idx - 2) >= par_start[tok_par]
        w3 = np.full_like(T, -1e9)
        w3[valid] = (cs[idx[valid] + 1] - cs[idx[valid] - 2]) / 3
        out[nz] = np.maximum.reduceat(w3, par_start[nz], axis=0)
        short = nz[par_len[nz] < 3]
        for i in short: out[i] = T[par_start[i]:par_start[i] + par_len[i]].mean(0)
    return out

CACHE = {}
def lite_feature(mode, agg):
    """OOF paragraph feature: dict outer fold -> (NP x K); key 0 = plain out-of-fold column."""
    key = (mode, agg)
    if key in CACHE: return CACHE[key]
    tk = {}
    res = {0: np.zeros((NP, K))}
    lab = tok_labd
    for f in range(1, 6):
        T = token_scores(lab & (tok_fold != f), mode)
        res[0][P_fold == f] = aggregate(T, agg)[P_fold == f]
    if NESTED:
        for f in range(1, 6):
            res[f] = res[0].copy()
            for g in range(1, 6):
                if g == f: continue
                T = token_scores(lab & (tok_fold != f) & (tok_fold != g), mode)
                res[f][P_fold == g] = aggregate(T, agg)[P_fold == g]
    CACHE[key] = res
    print('#   table %s/%s built (%.0f s)' % (mode, agg, time.time() - t0), flush=True)
    return res

# ------------------------------------------------- the replica of the second stage
def words(s): return [w.lower() for w in re.findall(r'\w+', s) if len(w) >= 4]
def lg(p): p = min(max(p, 1e-4), 1 - 1e-4); return math.log(p / (1 - p))
QUOTES = set('"\u00ab\u00bb\u201c\u201d\u201e\u201f')
def cuestats(s):
    ws = re.findall(r'\w+', s); n = max(len(ws), 1); c = max(len(s), 1)
    caps = sum(1 for w in ws[1:] if w[:1].isupper()); allc = sum(1 for w in ws if len(w) > 1 and w.isupper())
    inq = 0; q = False
    for ch in s:
        if ch in QUOTES: q = not q
        elif q: inq += 1
    return [math.log(1 + s.count('?')), math.log(1 + s.count('!')), inq / c,
            sum(ch.isdigit() for ch in s) / c, caps / n, allc / n, sum(map(len, ws)) / n / 10]
base = []; rep = []; cuef = []; spanf = []; Y = []; F = []; L = []; ART = []
for ai, r in enumerate(rows):
    # same text reading as tools/oof-stack-repeats.py (universal newlines)
    text = open(f"{D}/{r['lang']}/train-articles-subtask-3/article{r['id']}.txt", encoding='utf-8', errors='replace').read()
    lines = text.split('\n')
    cnt = collections.Counter(w for ln in lines for w in words(ln))
    ps = r['paragraphs']; n = len(ps)
    T = np.array([[p['text_probs'][k] for k in techs] for p in ps])
    own = T.sum(1); allsum = T.sum(); tot = T.sum(0)
    for i, p in enumerate(ps):
        line = lines[p['line'] - 1] if p['line'] - 1 < len(lines) else ''
        ws = words(line)
        local = collections.Counter(ws)
        rep_else = sum(1 for w in ws if cnt[w] - local[w] >= 1) / max(len(ws), 1)
        rep_in = sum(1 for w in ws if local[w] >= 2) / max(len(ws), 1)
        lw = math.log(1 + len(ws))
        others = np.delete(T, i, 0) if n > 1 else np.zeros((1, K))
        fk = []
        for k in range(K):
            f0 = lg(T[i, k]); f1 = lg((tot[k] - T[i, k]) / (n - 1) + 1e-4) if n > 1 else lg(1e-4)
            f2 = others[:, k].max() if n > 1 else 0
            f3 = T[i - 1, k] if i > 0 else 0; f4 = T[i + 1, k] if i + 1 < n else 0
            f5 = own[i]; f6 = (allsum - own[i]) / (n - 1) if n > 1 else 0; f7 = math.log(1 + n)
            oh = [1.0 * (r['lang'] == l) for l in LANGS]
            fk.append([f0, f1, f2, f3, f4, f5, f6, f7] + oh + [f0 * o for o in oh] + [1.0])
        base.append(fk); rep.append([rep_else, rep_in, lw])
        spanf.append([p['span_scores'][k] if 'span_scores' in p else 0.0 for k in techs])
        cuef.append(cuestats(line))
        Y.append([int(k in p['gold']) for k in techs] if 'gold' in p else [-1] * K)
        F.append(r['fold']); L.append(r['lang']); ART.append(ai)
ART = np.array(ART)
def neighbours(X):
    """liteart: each paragraph's previous and next paragraph's lexicon score and the max over the article's others."""
    out = np.zeros((len(X), 3, X.shape[1]))
    for a in np.unique(ART):
        ix = np.where(ART == a)[0]; S = X[ix]; n = len(ix)
        for j in range(n):
            if j > 0: out[ix[j], 0] = S[j - 1]
            if j + 1 < n: out[ix[j], 1] = S[j + 1]
            if n > 1: out[ix[j], 2] = np.delete(S, j, 0).max(0)
    return out
NB = {}
base = np.array(base); rep = np.array(rep); cuef = np.array(cuef); spanf = np.array(spanf)
Y = np.array(Y); F = np.array(F); L = np.array(L)
assert (F == P_fold).all() and len(F) == NP
keep = Y[:, 0] >= 0
# the article's gold genre (subtask 1), and paragraphs whose text (lowercased, 20+
# characters) also occurs in an article of another outer fold (duplicated articles)
GEN = {}
for l in LANGS:
    for ln in open(f"{D}/{l}/train-labels-subtask-1.txt", encoding='utf-8', errors='replace'):
        f_ = ln.rstrip('\r\n').split('\t')
        if len(f_) >= 2: GEN[(l, f_[0])] = f_[1]
G = []; ptext = []
for r in rows:
    lines = lines_of[(r['lang'], r['id'])]
    for p in r['paragraphs']:
        G.append(GEN.get((r['lang'], r['id']), '-'))
        ptext.append(lines[p['line'] - 1].strip().lower() if p['line'] - 1 < len(lines) else '')
G = np.array(G)
folds_of = collections.defaultdict(set)
for t, f_ in zip(ptext, F): folds_of[t].add(f_)
DUP = np.array([len(t) >= 20 and len(folds_of[t] - {f_}) > 0 for t, f_ in zip(ptext, F)])
print('# paragraphs duplicated in another outer fold: %d (en %d of %d labelled)'
      % ((DUP & keep).sum(), (DUP & keep & (L == 'en')).sum(), (keep & (L == 'en')).sum()), flush=True)
grid = np.arange(0.05, 0.6, 0.005)
def f1(P, Y, t):
    tp = ((P >= t) & (Y == 1)).sum(); fp = ((P >= t) & (Y == 0)).sum(); fn = ((P < t) & (Y == 1)).sum()
    return 2 * tp / max(2 * tp + fp + fn, 1)

SPECS = {   # variant -> list of (key mode, aggregate) lite inputs, and whether span_scores is read
    'cue': ([], False), 'cuespan': ([], True),
    'lite': ([(KEYS, 'max')], False), 'lite3': ([(KEYS, 'top3')], False),
    'litew': ([(KEYS, 'win3')], False), 'litemw': ([(KEYS, 'max'), (KEYS, 'win3')], False),
    'liteg': ([('g', 'max')], False), 'litel': ([('l', 'max')], False),
    'liteb2': ([(KEYS, 'max'), ('bg', 'max')], False),
    'litelr': ([('lr', 'max')], False), 'litepar': ([('par', 'max')], False), 'litespan': ([(KEYS, 'max')], True),
    'litelrspan': ([('lr', 'max')], True),
    'liteart': ([(KEYS, 'max')], False),
    'litenolang': ([(KEYS, 'max')], False),
}
def feats(idx, k, variant, of):
    lite, sp = SPECS[variant]
    b = [base[idx, k, :] if variant != 'litenolang' else base[idx, k, :][:, list(range(8)) + [20]],
         rep[idx], cuef[idx]]
    if sp: b.append(spanf[idx][:, k:k + 1])
    for m, a in lite:
        X = lite_feature(m, a)
        b.append(X[of if NESTED else 0][idx][:, k:k + 1])
        if variant == 'liteart':
            key = (m, a, of if NESTED else 0)
            if key not in NB: NB[key] = neighbours(X[of if NESTED else 0])
            b.append(NB[key][idx, :, k])
    return np.hstack(b)

def run(variant):
    Q = np.zeros((len(base), K)); Th = np.zeros(len(base))
    for f in range(1, 6):
        tr = np.where((F != f) & keep)[0]; te = np.where((F == f) & keep)[0]
        Qin = np.zeros((len(tr), K)); ftr = F[tr]
        for k in range(K):
            if not QUICK:
                for f2 in set(ftr):
                    a = tr[ftr != f2]; b = tr[ftr == f2]
                    m = LogisticRegression(max_iter=2000, C=1.0).fit(feats(a, k, variant, f), Y[a, k])
                    Qin[ftr == f2, k] = m.predict_proba(feats(b, k, variant, f))[:, 1]
            m = LogisticRegression(max_iter=2000, C=1.0).fit(feats(tr, k, variant, f), Y[tr, k])
            Q[te, k] = m.predict_proba(feats(te, k, variant, f))[:, 1]
            if QUICK: Qin[:, k] = m.predict_proba(feats(tr, k, variant, f))[:, 1]
        Th[te] = max((f1(Qin, Y[tr], t), t) for t in grid)[1]
    Qk, Yk, Tk, Lk, Gk, Dk = Q[keep], Y[keep], Th[keep], L[keep], G[keep], DUP[keep]
    out = [f1(Qk[Lk == l], Yk[Lk == l], Tk[Lk == l][:, None]) for l in LANGS] + [f1(Qk, Yk, Tk[:, None])]
    for sel in ((Lk == 'en') & (Gk == 'opinion'), (Lk == 'en') & (Gk == 'reporting'), Gk == 'reporting',
                (Lk == 'en') & ~Dk, ~Dk):
        out.append(f1(Qk[sel], Yk[sel], Tk[sel][:, None]))
    return ' '.join('%.4f' % x for x in out), Q

def table_size(mode):
    tr = np.where(tok_labd)[0]
    if mode in ('l', 'b', 'lr', 'par'):
        tot = np.bincount(tok_lw[tr], minlength=len(lwid)); totw = np.bincount(tok_w[tr], minlength=len(wid))
        return int((tot >= MINC).sum())
    if mode == 'g':
        return int((np.bincount(tok_w[tr], minlength=len(wid)) >= MINC).sum())
    return int((np.bincount(tok_bg[tr][tok_bg[tr] >= 0], minlength=len(bgid)) >= MINC).sum())

modes = sorted({m for v in VARIANTS for m, a in SPECS[v][0]})
for m in modes:
    n = table_size(m)
    print('# table %s (all data, keys seen >= %d times): %d keys -> %.2f MB at int8 for %d techniques'
          % (m, MINC, n, n * K / 1e6, K), flush=True)
print('# keys=%s alpha=%g min=%d nested=%d quick=%d q8=%g' % (KEYS, ALPHA, MINC, NESTED, QUICK, Q8), flush=True)
print('variant ' + ' '.join(LANGS) + ' all en-opinion en-reporting all-reporting en-nodup all-nodup', flush=True)
OUT = os.environ.get('LITE_SAVE')
for v in VARIANTS:
    s, Q = run(v)
    print(v, s, '(%.0f s)' % (time.time() - t0), flush=True)
    if OUT: np.save('%s-%s.npy' % (OUT, v), Q)
