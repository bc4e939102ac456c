/* stack.c -- the second stage for paragraph techniques (see stack.h).
 *
 * Fitting is Newton's method on the L2-regularised log loss (lambda = 1, the
 * bias unpenalised), with step halving; 21-32 weights per technique, so a
 * dense Cholesky solve per step is nothing next to one pass over the items. */
#include <math.h>
#include <string.h>
#include "stack.h"
#include "span.h"

#define DMAX US_STACK_D_MAX   /* array size; the layout in use is D_ */
#define EPS 1e-4
#define LAMBDA 1.0
#define MAX_LABELS 32

static double logit_clip(double p)
{
    if (p < EPS) p = EPS;
    if (p > 1 - EPS) p = 1 - EPS;
    return log(p / (1 - p));
}

/* Per-article sums that every paragraph's features need. */
typedef struct agg {
    size_t n;
    double all;                       /* sum of every probability */
    double log_n;                     /* log(1 + n), the same for every row */
    double tot[MAX_LABELS];           /* per label: sum over paragraphs */
    double top1[MAX_LABELS], top2[MAX_LABELS];
    size_t i1[MAX_LABELS];            /* paragraph holding top1 */
} agg;

/* Row i of probabilities laid out 'stride' bytes apart. */
static inline const float *row_at(const float *P, size_t i, size_t stride)
{
    return (const float *)(const void *)((const char *)P + i * stride);
}

static void agg_init(agg *a, const float *P, size_t n, uint32_t L, size_t stride)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->log_n = log(1.0 + (double)n);
    for (uint32_t k = 0; k < L; k++) a->top1[k] = a->top2[k] = -1;
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < L; k++) {
            double p = row_at(P, i, stride)[k];
            a->tot[k] += p;
            a->all += p;
            if (p > a->top1[k]) { a->top2[k] = a->top1[k]; a->top1[k] = p; a->i1[k] = i; }
            else if (p > a->top2[k]) a->top2[k] = p;
        }
}

/* Features 0-7 of technique k for paragraph i (the article context): row =
 * its probabilities, prev and next = its neighbours' (NULL at the ends), own
 * = sum of row. */
static void feat_context(const agg *a, const float *row, const float *prev, const float *next,
                         double own, size_t i, uint32_t k, double *f)
{
    size_t n = a->n;
    double p = row[k];
    f[0] = logit_clip(p);
    f[1] = logit_clip((n > 1 ? (a->tot[k] - p) / (double)(n - 1) : 0.0) + EPS);
    f[2] = n > 1 ? (i == a->i1[k] ? a->top2[k] : a->top1[k]) : 0.0;
    f[3] = prev ? prev[k] : 0.0;
    f[4] = next ? next[k] : 0.0;
    f[5] = own;
    f[6] = n > 1 ? (a->all - own) / (double)(n - 1) : 0.0;
    f[7] = a->log_n;
}

/* Features 20 to D_ - 1, in two parts: feat_stats writes the paragraph's
 * repeat and cue statistics x (as many as the layout reads; NULL: zeros),
 * the same for every technique, and feat_tail what depends on technique k:
 * sp = its span-tagger scores (read only by the span layouts; NULL: none) or
 * span-lexicon scores (the lexicon layout; NULL: zeros), then the bias. */
static void feat_stats(const float *x, int D_, double *f)
{
    int n_x = us_stack_n_x((uint32_t)D_);
    for (int j = 0; j < n_x; j++) f[20 + j] = x ? x[j] : 0.0;
}

static void feat_tail(const float *sp, uint32_t k, int D_, double *f)
{
    int n_x = us_stack_n_x((uint32_t)D_);
    if (us_stack_reads_spans((uint32_t)D_)) f[20 + n_x] = sp ? sp[k] : US_SPAN_SCORE_NONE;
    if (us_stack_reads_lex((uint32_t)D_)) {
        f[20 + n_x] = sp ? sp[k] : 0.0;
        f[21 + n_x] = 0.0;   /* always 0: its weight slot keeps the stand-in (stack.h) */
    }
    f[D_ - 1] = 1.0;
}

/* The D_ features of technique k for paragraph i: the context, the language
 * one-hot (a uniform 1/6 for an unknown language) and its product with f[0],
 * the tail. */
static void feat_row(const agg *a, const float *row, const float *prev, const float *next,
                     double own, const float *x, const float *sp, size_t i, uint32_t k, int lang,
                     int D_, double *f)
{
    feat_context(a, row, prev, next, own, i, k, f);
    for (int j = 0; j < US_STACK_LANGS; j++) {
        double oh = lang >= 0 && lang < US_STACK_LANGS ? (j == lang) : 1.0 / US_STACK_LANGS;
        f[8 + j] = oh;
        f[14 + j] = f[0] * oh;
    }
    feat_stats(x, D_, f);
    feat_tail(sp, k, D_, f);
}

static double row_sum(const float *row, uint32_t L)
{
    double s = 0;
    for (uint32_t k = 0; k < L; k++) s += row[k];
    return s;
}

static double dot(const float *w, const double *f, int D_)
{
    double z = 0;
    for (int j = 0; j < D_; j++) z += (double)w[j] * f[j];
    return z;
}

/* dot(w, feat_row(...)) for a known language, from the context and tail
 * features alone: the same products added in the same order, less the other
 * languages' one-hot terms, which are exact zeros. Adding a zero leaves a
 * sum unchanged (but for the sign of a zero sum, which exp does not see),
 * so the probabilities are bit-identical to feat_row() + dot(). */
static double dot_one_lang(const float *w, const double *f, int D_, int lang)
{
    double z = 0;
    for (int j = 0; j < 8; j++) z += (double)w[j] * f[j];
    z += (double)w[8 + lang] * 1.0;
    z += (double)w[14 + lang] * (f[0] * 1.0);
    for (int j = 20; j < D_; j++) z += (double)w[j] * f[j];
    return z;
}

void us_stack_apply(const float *w, uint32_t D_, uint32_t L, int lang, float *P, size_t n,
                    size_t stride, const float *X)
{
    us_stack_apply_spans(w, D_, L, lang, P, n, stride, X, NULL);
}

void us_stack_apply_spans(const float *w, uint32_t D_, uint32_t L, int lang, float *P, size_t n,
                          size_t stride, const float *X, const float *S)
{
    if (!n || L > MAX_LABELS || us_stack_n_x(D_) < 0) return;
    agg a;
    agg_init(&a, P, n, L, stride);
    int known = lang >= 0 && lang < US_STACK_LANGS;
    int standin = !S && us_stack_reads_lex(D_);   /* a language without lexicon rows */
    float prev[MAX_LABELS], cur[MAX_LABELS];
    double f[DMAX];
    for (size_t i = 0; i < n; i++) {
        float *row = (float *)(void *)((char *)P + i * stride);
        const float *next = i + 1 < n ? row_at(P, i + 1, stride) : NULL;
        memcpy(cur, row, L * sizeof *cur);    /* row is overwritten below */
        double own = row_sum(cur, L);
        const float *x = X ? X + i * US_STACK_X : NULL, *sp = S ? S + i * L : NULL;
        feat_stats(x, (int)D_, f);   /* the same for every technique: once */
        for (uint32_t k = 0; k < L; k++) {
            const float *wk = w + (size_t)k * D_, *pv = i ? prev : NULL;
            double z;
            if (known) {
                feat_context(&a, cur, pv, next, own, i, k, f);
                feat_tail(sp, k, (int)D_, f);
            } else {
                feat_row(&a, cur, pv, next, own, x, sp, i, k, lang, (int)D_, f);
            }
            if (standin) f[US_STACK_LEX_IN] = wk[US_STACK_LEX_STANDIN];
            z = known ? dot_one_lang(wk, f, (int)D_, lang) : dot(wk, f, (int)D_);
            row[k] = (float)(1.0 / (1.0 + exp(-z)));
        }
        memcpy(prev, cur, L * sizeof *prev);
    }
}

/* Solves A x = b for symmetric positive definite A (D_ x D_, overwritten). */
static int cholesky_solve(double *A, const double *b, double *x, int D_)
{
    for (int j = 0; j < D_; j++) {
        double s = A[j * D_ + j];
        for (int k = 0; k < j; k++) s -= A[j * D_ + k] * A[j * D_ + k];
        if (!(s > 0)) return -1;
        A[j * D_ + j] = sqrt(s);
        for (int i = j + 1; i < D_; i++) {
            double t = A[i * D_ + j];
            for (int k = 0; k < j; k++) t -= A[i * D_ + k] * A[j * D_ + k];
            A[i * D_ + j] = t / A[j * D_ + j];
        }
    }
    for (int i = 0; i < D_; i++) {
        double t = b[i];
        for (int k = 0; k < i; k++) t -= A[i * D_ + k] * x[k];
        x[i] = t / A[i * D_ + i];
    }
    for (int i = D_ - 1; i >= 0; i--) {
        double t = x[i];
        for (int k = i + 1; k < D_; k++) t -= A[k * D_ + i] * x[k];
        x[i] = t / A[i * D_ + i];
    }
    return 0;
}

/* Regularised log loss of weights wv on m rows F with targets y. */
static double loss(const double *wv, const double *F, const uint8_t *y, size_t m, int D_)
{
    double s = 0;
    for (size_t r = 0; r < m; r++) {
        double z = 0;
        for (int j = 0; j < D_; j++) z += wv[j] * F[r * D_ + j];
        /* log(1 + e^-z) for y = 1, log(1 + e^z) for y = 0, without overflow */
        double t = y[r] ? -z : z;
        s += t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
    }
    for (int j = 0; j < D_ - 1; j++) s += 0.5 * LAMBDA * wv[j] * wv[j];
    return s;
}

static void newton(const double *F, const uint8_t *y, size_t m, double *wv, int D_)
{
    double H[US_STACK_D_MAX * US_STACK_D_MAX], g[US_STACK_D_MAX], step[US_STACK_D_MAX],
        trial[US_STACK_D_MAX];
    double cur = loss(wv, F, y, m, D_);
    for (int it = 0; it < 50; it++) {
        memset(H, 0, sizeof H);
        for (int j = 0; j < D_; j++) g[j] = j < D_ - 1 ? LAMBDA * wv[j] : 0.0;
        for (int j = 0; j < D_ - 1; j++) H[j * D_ + j] = LAMBDA;
        H[(D_ - 1) * D_ + D_ - 1] = 1e-9;
        for (size_t r = 0; r < m; r++) {
            const double *f = F + r * D_;
            double z = 0;
            for (int j = 0; j < D_; j++) z += wv[j] * f[j];
            double p = 1.0 / (1.0 + exp(-z)), s = p * (1 - p), d = p - y[r];
            for (int i = 0; i < D_; i++) {
                g[i] += d * f[i];
                double sf = s * f[i];
                for (int j = 0; j <= i; j++) H[i * D_ + j] += sf * f[j];
            }
        }
        for (int i = 0; i < D_; i++)
            for (int j = 0; j < i; j++) H[j * D_ + i] = H[i * D_ + j];
        if (cholesky_solve(H, g, step, D_) != 0) return;
        double t = 1.0, next = cur;
        for (int h = 0; h < 30; h++, t *= 0.5) {
            for (int j = 0; j < D_; j++) trial[j] = wv[j] - t * step[j];
            if ((next = loss(trial, F, y, m, D_)) <= cur) break;
        }
        if (next > cur) return;
        double moved = 0;
        for (int j = 0; j < D_; j++) {
            moved = fmax(moved, fabs(wv[j] - trial[j]));
            wv[j] = trial[j];
        }
        if (cur - next < 1e-9 * (1 + cur) || moved < 1e-8) return;
        cur = next;
    }
}

int us_stack_fit(const float *P, const float *X, const uint32_t *Y, const int *lang,
                 const uint32_t *g, const uint8_t *use, size_t n, uint32_t L, uint32_t min_pos,
                 float *w, us_err *err)
{
    return us_stack_fit_spans(P, X, NULL, Y, lang, g, use, n, L, min_pos, US_STACK_D, w, err);
}

int us_stack_fit_spans(const float *P, const float *X, const float *S, const uint32_t *Y,
                       const int *lang, const uint32_t *g, const uint8_t *use, size_t n,
                       uint32_t L, uint32_t min_pos, uint32_t D_u, float *w, us_err *err)
{
    int D_ = (int)D_u;
    if (L > MAX_LABELS) return us_err_set(err, US_EINVAL, "too many labels for stacking");
    if (us_stack_n_x(D_u) <= 0)   /* the first version is read, not trained */
        return us_err_set(err, US_EINVAL, "stacking: no layout of %d weights", D_);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += use[i] != 0;
    double *F = us_malloc((m ? m : 1) * D_ * sizeof *F);
    uint8_t *y = us_malloc(m ? m : 1);
    if (!F || !y) {
        us_free(F); us_free(y);
        return us_err_set(err, US_ENOMEM, "out of memory while stacking");
    }
    for (uint32_t k = 0; k < L; k++) {
        double wv[US_STACK_D_MAX] = {0};
        wv[0] = 1.0;                         /* identity: the first stage's logit */
        size_t r = 0, pos = 0;
        for (size_t s = 0, e; s < n; s = e) {
            e = us_stack_group_end(g, s, n);
            if (use[s]) {
                agg a;
                agg_init(&a, P + s * L, e - s, L, L * sizeof *P);
                for (size_t i = s; i < e; i++) {
                    const float *row = P + i * L;
                    feat_row(&a, row, i > s ? row - L : NULL, i + 1 < e ? row + L : NULL,
                             row_sum(row, L), X ? X + i * US_STACK_X : NULL,
                             S ? S + i * L : NULL, i - s, k, lang[s], D_, F + r * D_);
                    y[r] = (uint8_t)(Y[i] >> k & 1u);
                    pos += y[r++];
                }
            }
        }
        if (pos >= min_pos && pos < r) newton(F, y, r, wv, D_);
        if (us_stack_reads_lex(D_u)) {   /* the always-zero input's slot: the stand-in */
            double sum = 0;
            for (size_t q = 0; q < r; q++) sum += F[q * D_ + US_STACK_LEX_IN];
            wv[US_STACK_LEX_STANDIN] = r ? sum / (double)r : 0.0;
        }
        for (int j = 0; j < D_; j++) w[(size_t)k * D_ + j] = (float)wv[j];
    }
    us_free(F);
    us_free(y);
    return US_OK;
}
