/* metrics.c -- the official SemEval-2023 Task 3 scores, and SemEval-2020
 * Task 11 span scores with partial credit.
 *
 * 2024-06. Pure functions over aligned bitmask arrays (see metrics.h); no
 * I/O, no id matching, no printing.
 *
 * Label metrics (subtasks 1, 2, 3). The official scorers of SemEval-2023
 * Task 3 (scorer-subtask-{1,2,3}.py in the task's baseline/scorer package)
 * binarise gold and predictions over the full label list of the subtask and
 * call scikit-learn's f1_score with average="micro" and average="macro". For
 * a label k, over items i:
 *     tp_k = #{i : k in gold_i and k in pred_i}
 *     fp_k = #{i : k not in gold_i and k in pred_i}
 *     fn_k = #{i : k in gold_i and k not in pred_i}
 *     P_k = tp_k / (tp_k + fp_k)    R_k = tp_k / (tp_k + fn_k)
 *     F1_k = 2 tp_k / (2 tp_k + fp_k + fn_k)   (= 2 P_k R_k / (P_k + R_k))
 *   micro: the same formulas on tp = sum tp_k, fp = sum fp_k, fn = sum fn_k;
 *   macro-F1 = (1/K) sum_k F1_k over ALL K labels of the subtask, including
 *   labels absent from both gold and predictions (scikit-learn's macro with
 *   an explicit label list; such a label has F1 = 0). It is the mean of
 *   per-label F1, not the F1 of mean P and mean R.
 * Every ratio with a zero denominator is 0 (scikit-learn zero_division=0,
 * which is also what its default "warn" returns). For subtask 1 every item
 * has exactly one gold and one predicted genre, so tp + fp = tp + fn = n and
 * micro-F1 = accuracy; an item scored as an empty prediction (missing from
 * the prediction file) breaks that identity, hence 'accuracy' is separate.
 *
 * Span metrics (`--task spans`), as in the SemEval-2020 Task 11 technique
 * classification scorer with partial credit (Da San Martino et al., "SemEval-
 * 2020 Task 11: Detection of Propaganda Techniques in News Articles", 2020,
 * section 3; and the 2019 NLP4IF span scorer it derives from). For a
 * technique t, with spans as code-point sets [start, end) and U_G(t, a) /
 * U_P(t, a) the union of the gold / predicted spans of t in article a:
 *     P_t = ( sum_{p in Pred_t} |p ∩ U_G(t, art(p))| / |p| ) / |Pred_t|
 *     R_t = ( sum_{g in Gold_t} |g ∩ U_P(t, art(g))| / |g| ) / |Gold_t|
 *     F1_t = 2 P_t R_t / (P_t + R_t)
 *   micro: the numerators and denominators summed over all techniques
 *   (all spans pooled) before dividing; macro-F1 = mean of F1_t over all
 *   techniques. Intersecting with the union (not summing overlaps with each
 *   gold span) means overlapping gold spans never give more than full credit.
 *
 * Bloat: no confidence intervals, no per-language breakdown (callers do it). */
#include <stdlib.h>
#include <string.h>
#include "metrics.h"

/* ---- label metrics ------------------------------------------------------ */

static double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

static void prf_from_counts(us_prf *s)
{
    s->p = ratio((double)s->tp, (double)(s->tp + s->fp));
    s->r = ratio((double)s->tp, (double)(s->tp + s->fn));
    s->f1 = ratio(2.0 * (double)s->tp, (double)(2 * s->tp + s->fp + s->fn));
    s->support = s->tp + s->fn;
    s->n_pred = s->tp + s->fp;
}

static void macro(us_scores *out)
{
    double p = 0, r = 0, f = 0;
    for (size_t k = 0; k < out->n_labels; k++) {
        p += out->label[k].p;
        r += out->label[k].r;
        f += out->label[k].f1;
    }
    out->macro_p = p / (double)out->n_labels;
    out->macro_r = r / (double)out->n_labels;
    out->macro_f1 = f / (double)out->n_labels;
}

int us_metrics_labels(const uint32_t *gold, const uint32_t *pred, size_t n, size_t n_labels,
                      us_scores *out)
{
    memset(out, 0, sizeof *out);
    if (n_labels == 0 || n_labels > US_MAX_LABELS || (n && (!gold || !pred))) return US_EINVAL;
    uint32_t all = n_labels >= 32 ? 0xFFFFFFFFu : (1u << n_labels) - 1;
    size_t n_exact = 0;
    out->n_labels = n_labels;
    out->n_items = n;
    for (size_t i = 0; i < n; i++) {
        uint32_t g = gold[i] & all, p = pred[i] & all;
        n_exact += g == p;
        for (size_t k = 0; k < n_labels; k++) {
            uint32_t bit = 1u << k;
            if (g & p & bit) out->label[k].tp++;
            else if (p & bit) out->label[k].fp++;
            else if (g & bit) out->label[k].fn++;
        }
    }
    for (size_t k = 0; k < n_labels; k++) {
        prf_from_counts(&out->label[k]);
        out->micro.tp += out->label[k].tp;
        out->micro.fp += out->label[k].fp;
        out->micro.fn += out->label[k].fn;
    }
    prf_from_counts(&out->micro);
    macro(out);
    out->accuracy = ratio((double)n_exact, (double)n);
    return US_OK;
}

int us_metrics_task(us_task task, const uint32_t *gold, const uint32_t *pred, size_t n,
                    us_scores *out)
{
    return us_metrics_labels(gold, pred, n, us_tax_n_labels(task), out);
}

/* ---- span metrics --------------------------------------------------------- */

static int span_cmp(const void *a, const void *b)
{
    const us_span *x = a, *y = b;
    if (x->doc != y->doc) return x->doc < y->doc ? -1 : 1;
    if (x->label != y->label) return x->label < y->label ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* Copies the valid spans of 'src' into 'dst', sorts them and merges the
 * overlapping or touching ones of the same (doc, label) in place, so 'dst'
 * holds the disjoint unions U(label, doc) in order. Returns their count. */
static size_t build_unions(const us_span *src, size_t n, size_t n_labels, us_span *dst)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (src[i].end > src[i].start && src[i].label < n_labels) dst[m++] = src[i];
    if (m == 0) return 0;
    qsort(dst, m, sizeof *dst, span_cmp);
    size_t k = 0;
    for (size_t i = 1; i < m; i++) {
        us_span *u = &dst[k];
        if (dst[i].doc == u->doc && dst[i].label == u->label && dst[i].start <= u->end) {
            if (dst[i].end > u->end) u->end = dst[i].end;
        } else {
            dst[++k] = dst[i];
        }
    }
    return k + 1;
}

/* |s ∩ union|, where 'u' (n_u) are the sorted disjoint unions. */
static uint64_t overlap(const us_span *s, const us_span *u, size_t n_u)
{
    /* First union of s's (doc, label) whose end is after s->start: ends are
     * increasing within a (doc, label) group because unions are disjoint. */
    size_t lo = 0, hi = n_u;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const us_span *m = &u[mid];
        int before = m->doc != s->doc ? m->doc < s->doc
                   : m->label != s->label ? m->label < s->label
                   : m->end <= s->start;
        if (before) lo = mid + 1;
        else hi = mid;
    }
    uint64_t total = 0;
    for (size_t i = lo; i < n_u && u[i].doc == s->doc && u[i].label == s->label &&
                        u[i].start < s->end; i++) {
        uint32_t a = u[i].start > s->start ? u[i].start : s->start;
        uint32_t b = u[i].end < s->end ? u[i].end : s->end;
        if (b > a) total += b - a;
    }
    return total;
}

/* Adds, per label, sum over spans s of |s ∩ union| / |s| into num[] and the
 * span count into cnt[]. */
static void credit(const us_span *spans, size_t n, const us_span *u, size_t n_u,
                   size_t n_labels, double *num, size_t *cnt)
{
    for (size_t i = 0; i < n; i++) {
        const us_span *s = &spans[i];
        if (s->end <= s->start || s->label >= n_labels) continue;
        num[s->label] += (double)overlap(s, u, n_u) / (double)(s->end - s->start);
        cnt[s->label]++;
    }
}

static void prf_from_credit(us_prf *s, double p_num, size_t n_pred, double r_num, size_t n_gold)
{
    s->p = ratio(p_num, (double)n_pred);
    s->r = ratio(r_num, (double)n_gold);
    s->f1 = ratio(2 * s->p * s->r, s->p + s->r);
    s->support = n_gold;
    s->n_pred = n_pred;
}

int us_metrics_spans(const us_span *gold, size_t n_gold, const us_span *pred, size_t n_pred,
                     size_t n_labels, us_scores *out, us_err *err)
{
    memset(out, 0, sizeof *out);
    if (n_labels == 0 || n_labels > US_MAX_LABELS || (n_gold && !gold) || (n_pred && !pred))
        return us_err_set(err, US_EINVAL, "span metrics: bad arguments");
    size_t n_max = n_gold > n_pred ? n_gold : n_pred;
    us_span *u = us_calloc(n_max ? n_max : 1, sizeof *u);
    if (!u) return us_err_set(err, US_ENOMEM, "span metrics: out of memory");
    double p_num[US_MAX_LABELS] = {0}, r_num[US_MAX_LABELS] = {0};
    size_t p_cnt[US_MAX_LABELS] = {0}, r_cnt[US_MAX_LABELS] = {0};

    size_t n_u = build_unions(gold, n_gold, n_labels, u);       /* U_G */
    credit(pred, n_pred, u, n_u, n_labels, p_num, p_cnt);
    n_u = build_unions(pred, n_pred, n_labels, u);              /* U_P */
    credit(gold, n_gold, u, n_u, n_labels, r_num, r_cnt);
    us_free(u);

    double pn = 0, rn = 0;
    size_t pc = 0, rc = 0;
    out->n_labels = n_labels;
    for (size_t k = 0; k < n_labels; k++) {
        prf_from_credit(&out->label[k], p_num[k], p_cnt[k], r_num[k], r_cnt[k]);
        pn += p_num[k];
        rn += r_num[k];
        pc += p_cnt[k];
        rc += r_cnt[k];
    }
    prf_from_credit(&out->micro, pn, pc, rn, rc);
    macro(out);
    out->n_items = rc;
    return US_OK;
}
