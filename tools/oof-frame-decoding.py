#!/usr/bin/python3
"""oof-frame-decoding.py -- other ways to turn frame probabilities into frames.

Reads the framing rows of `unspin cv --task framing --oof oof.jsonl` (gold
frames, the 14 probabilities and the frames the CV scored) and prints English,
French, German, Italian, Polish, Russian and pooled micro-F1 for: the scored
decisions (shipped), at least one frame (the most probable when none passed:
ablation 49, now the default, so on files of a current binary the first two
lines agree), at least two, every frame within a factor of the top probability
(rel), the top round(sum of probabilities) frames (sumk, with "or"/"and" the
thresholded ones) and a fixed top 3 or 4.

  unspin cv --data DATA --task framing --oof oof.jsonl
  /usr/bin/python3 tools/oof-frame-decoding.py oof.jsonl
"""
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows = [r for r in rows if r['task'] == 'framing' and r['gold'] is not None]
LANGS = ['en', 'fr', 'ge', 'it', 'po', 'ru']


def f1(pairs):
    tp = fp = fn = 0
    for P, G in pairs:
        P, G = set(P), set(G)
        tp += len(P & G); fp += len(P - G); fn += len(G - P)
    return 2 * tp / max(2 * tp + fp + fn, 1)


def decide(r, v):
    P = list(r['predicted_frames']); fr = r['frames']
    order = sorted(fr, key=lambda k: -fr[k])
    k_sum = order[:max(1, round(sum(fr.values())))]
    if v == 'atleast1': return P if P else order[:1]
    if v == 'atleast2':
        for k in order:
            if len(P) >= 2: break
            if k not in P: P.append(k)
        return P
    if v.startswith('rel'):
        return list(set(P) | {k for k in order if fr[k] >= float(v[3:]) * fr[order[0]]})
    if v == 'sumk': return k_sum
    if v == 'sumk_or': return list(set(P) | set(k_sum))
    if v == 'sumk_and': return [k for k in k_sum if k in P] or order[:1]
    if v.startswith('top'): return order[:int(v[3:])]
    return P


print('no frame scored:', {l: sum(1 for r in rows if r['lang'] == l and not r['predicted_frames'])
                           for l in LANGS})
print('variant   ' + ' '.join('%-6s' % l for l in LANGS + ['all']))
for v in ['shipped', 'atleast1', 'atleast2', 'rel0.9', 'rel0.8', 'rel0.7', 'sumk', 'sumk_or',
          'sumk_and', 'top3', 'top4']:
    out = [f1([(decide(r, v), r['gold']) for r in rows if r['lang'] == l]) for l in LANGS]
    out.append(f1([(decide(r, v), r['gold']) for r in rows]))
    print('%-9s' % v, ' '.join('%.4f' % x for x in out))
