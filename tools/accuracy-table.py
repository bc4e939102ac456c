#!/usr/bin/env python3
"""Markdown accuracy table: unspin CV next to the reference pipeline and the baselines.

    tools/accuracy-table.py UNSPIN_CV.json bench/results/reference-cv.json

UNSPIN_CV.json comes from `unspin cv --json`, the reference file from
bench/reference.py --json (same folds: both use the splitmix64 fold function).
Cells where unspin beats every other column are marked in bold."""
import json
import sys

LANGS = ["en", "fr", "ge", "it", "po", "ru"]
OFFICIAL_EN = {"genre": 0.25, "framing": 0.61, "techniques": 0.16}   # held-out test, task paper


def main():
    us = json.load(open(sys.argv[1]))["results"]
    ref = json.load(open(sys.argv[2]))["results"] if len(sys.argv) > 2 else {}
    print("| lang | task | metric | unspin | reference (sklearn) | majority / top-k | official baseline (test) |")
    print("|---|---|---|---|---|---|---|")
    wins = total = 0
    for lang in LANGS:
        if lang not in us:
            continue
        for task, metric in (("genre", "macro-F1"), ("framing", "micro-F1"),
                             ("techniques", "micro-F1")):
            u = us[lang][task]["unspin"]
            b = us[lang][task]["baseline"]
            r = None
            if lang in ref:
                rt = ref[lang][task]
                r = rt["balanced"]["macro_f1"] if task == "genre" else rt["reference"]["micro_f1"]
            off = OFFICIAL_EN.get(task) if lang == "en" else None
            others = [x for x in (r, b) if x is not None]
            best = all(u > x for x in others)
            total += 1
            wins += best
            cell = f"**{u:.4f}**" if best else f"{u:.4f}"
            print(f"| {lang} | {task} | {metric} | {cell} | "
                  f"{'' if r is None else f'{r:.4f}'} | {b:.4f} | {'' if off is None else off} |")
    print(f"\nunspin ahead of both the reference and the baseline in {wins} of {total} cells.")


if __name__ == "__main__":
    main()
