/* metrics.h -- the official SemEval-2023 Task 3 scores, as pure functions.
 *
 * Items are aligned arrays: gold[i] and pred[i] are the label bitmasks
 * (taxonomy ids, bit k = label k) of item i (an article for subtasks 1-2, an
 * (article, line) pair for subtask 3). Matching ids, missing and extra
 * predictions is done before, by us_labels_align (io/labels.h). Formulas and
 * their sources are in metrics.c. Scores are fractions in [0, 1]; any ratio
 * with a zero denominator is 0. */
#ifndef US_METRICS_H
#define US_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "base/base.h"
#include "task/taxonomy.h"

typedef struct us_prf {
    double p, r, f1;
    size_t support;     /* gold positives (items or spans) */
    size_t n_pred;      /* predicted positives (items or spans) */
    size_t tp, fp, fn;  /* bitmask metrics only; 0 for spans */
} us_prf;

typedef struct us_scores {
    size_t n_labels;                /* labels of the task, all of them averaged */
    size_t n_items;
    us_prf label[US_MAX_LABELS];    /* per label, by taxonomy id */
    us_prf micro;                   /* pooled over all labels */
    double macro_p, macro_r, macro_f1; /* unweighted means over the n_labels labels */
    double accuracy;                /* items whose pred set equals the gold set */
} us_scores;

/* Subtasks 1, 2 and 3: per-label, micro and macro P/R/F1 over 'n_labels'
 * labels for 'n' items. gold, pred are (n) bitmasks; bits >= n_labels are
 * ignored. For subtask 1 (one label per item on both sides) micro-F1 equals
 * accuracy. Never allocates. Returns US_OK, or US_EINVAL if n_labels is 0 or
 * above US_MAX_LABELS (then *out is zeroed). */
int us_metrics_labels(const uint32_t *gold, const uint32_t *pred, size_t n, size_t n_labels,
                      us_scores *out);

/* The per-task wrapper: n_labels = us_tax_n_labels(task). */
int us_metrics_task(us_task task, const uint32_t *gold, const uint32_t *pred, size_t n,
                    us_scores *out);

/* One technique span: article index (any caller-chosen integer key), label
 * id and code-point offsets [start, end). Spans with end <= start are ignored. */
typedef struct us_span {
    uint32_t doc;
    uint32_t label;
    uint32_t start, end;
} us_span;

/* SemEval-2020 Task 11 span scores with partial credit, per label (n_labels
 * labels), micro (all spans pooled) and macro (mean of per-label F1 over the
 * n_labels labels). 'gold' (n_gold) and 'pred' (n_pred) are not modified and
 * need no order. Spans of a label >= n_labels are ignored. Allocates a
 * workspace; returns US_OK, US_EINVAL or US_ENOMEM (with 'err' filled). */
int us_metrics_spans(const us_span *gold, size_t n_gold, const us_span *pred, size_t n_pred,
                     size_t n_labels, us_scores *out, us_err *err);

#endif
