/* linear.c -- AdaGrad-trained logistic/softmax regression on sparse features.
 *
 * References: Duchi, Hazan, Singer 2011 (AdaGrad); lazy L2 on sparse rows as
 * in Bottou's SGD notes. The loss is the (weighted) log loss; its gradient
 * for label l is (p_l - y_l) * x_f. */
#include <math.h>
#include <string.h>
#include "linear.h"

void us_train_params_default(us_train_params *p)
{
    p->softmax = 0;
    p->epochs = 8;
    p->lr = 0.5f;
    p->l2 = 1e-6f;
    p->pos_weight = 1.0f;
    p->balance_classes = 0;
    p->seed = 1;
    p->min_grad = 1e-3f;
    p->average = 0;
}

int us_linear_init(us_linear *m, uint32_t n_buckets, uint32_t n_labels, us_err *err)
{
    memset(m, 0, sizeof *m);
    size_t nw;
    if (n_labels == 0 || n_labels > 32)
        return us_err_set(err, US_EINVAL, "a linear model has 1 to 32 labels, not %u", n_labels);
    if (us_mul_ok(n_buckets, n_labels, &nw) != 0)
        return us_err_set(err, US_ETOOBIG, "model too large");
    m->w = us_calloc(nw, sizeof(float));
    m->b = us_calloc(n_labels, sizeof(float));
    if (!m->w || !m->b) {
        us_linear_fini(m);
        return us_err_set(err, US_ENOMEM, "out of memory for a %u x %u model", n_buckets,
                          n_labels);
    }
    m->n_buckets = n_buckets;
    m->n_labels = n_labels;
    return US_OK;
}

void us_linear_fini(us_linear *m)
{
    us_free(m->w);
    us_free(m->b);
    memset(m, 0, sizeof *m);
}

void us_linear_score(const us_linear *m, const us_fvec *x, float *out)
{
    uint32_t L = m->n_labels;
    memcpy(out, m->b, L * sizeof *out);
    for (uint32_t i = 0; i < x->n; i++) {
        const float *row = m->w + (size_t)(x->f[i].idx >> m->shift) * L;
        float v = x->f[i].val;
        for (uint32_t l = 0; l < L; l++) out[l] += v * row[l];
    }
}

uint32_t us_qlinear_stride(uint32_t n_labels)
{
    uint32_t s = 4 + n_labels;
    return s <= 16 ? (s + 7) & ~7u : (s + 31) & ~31u;
}

float us_qlinear_weight(const us_qlinear *m, uint32_t f, uint32_t l)
{
    const unsigned char *row = m->rows + (size_t)(f >> m->shift) * m->stride;
    float scale;
    memcpy(&scale, row, 4);
    return scale * (float)(int8_t)row[4 + l];
}

#define PREFETCH_AHEAD 16

/* Rows of 32 bytes (5 to 28 labels) on x86-64 with AVX2: the 32 bytes of a
 * row are widened as four groups of eight lanes; lanes 0-3 hold the scale
 * bytes and are thrown away. Each lane adds the same products in the same
 * order as the scalar loop (mul then add, no FMA), so scores are
 * bit-identical to it. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_ROW32_AVX2 1

/* The 32 lanes of an accumulator in four AVX registers. */
typedef struct acc32 { __m256 a[4]; } acc32;

/* a += v * (float)int8 row[0..32). */
__attribute__((target("avx2"), always_inline))
static inline void row32_add(acc32 *a, const unsigned char *row, __m256 v)
{
    for (int k = 0; k < 4; k++) {
        __m128i q = _mm_loadl_epi64((const __m128i *)(const void *)(row + 8 * k));
        a->a[k] = _mm256_add_ps(a->a[k],
                                _mm256_mul_ps(v, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
    }
}

__attribute__((target("avx2")))
static void score_row32_avx2(const us_qlinear *m, const us_fvec *x, float *acc)
{
    uint32_t n = x->n, sh = m->shift;
    acc32 a;
    for (int k = 0; k < 4; k++) a.a[k] = _mm256_loadu_ps(acc + 8 * k);
    for (uint32_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
        __builtin_prefetch(m->rows + (size_t)(x->f[i].idx >> sh) * 32);
    for (uint32_t i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n)
            __builtin_prefetch(m->rows + (size_t)(x->f[i + PREFETCH_AHEAD].idx >> sh) * 32);
        uint32_t f = x->f[i].idx >> sh;
        if (US_NEVER(f >= m->n_buckets)) continue;
        const unsigned char *row = m->rows + (size_t)f * 32;
        float scale;
        memcpy(&scale, row, 4);
        row32_add(&a, row, _mm256_set1_ps(x->f[i].val * scale));
    }
    for (int k = 0; k < 4; k++) _mm256_storeu_ps(acc + 8 * k, a.a[k]);
}

#endif

#ifdef HAVE_ROW32_AVX2
__attribute__((target("avx2")))
static void add_rows32_avx2(const us_qlinear *m, const uint32_t *b, uint32_t n, float *acc)
{
    acc32 a;
    for (int k = 0; k < 4; k++) a.a[k] = _mm256_loadu_ps(acc + 8 * k);
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *row = m->rows + (size_t)(b[i] >> m->shift) * 32;
        float scale;
        memcpy(&scale, row, 4);
        row32_add(&a, row, _mm256_set1_ps(scale));
    }
    for (int k = 0; k < 4; k++) _mm256_storeu_ps(acc + 8 * k, a.a[k]);
}
#endif

void us_qlinear_add_rows(const us_qlinear *m, const uint32_t *b, uint32_t n, float *out)
{
    uint32_t L = m->n_labels, sh = m->shift;
    for (uint32_t i = 0; i < n; i++)   /* every miss in flight at once */
        if (b[i] >> sh < m->n_buckets) __builtin_prefetch(m->rows + (size_t)(b[i] >> sh) * m->stride);
#ifdef HAVE_ROW32_AVX2
    if (m->stride == 32 && us_cpu_avx2()) {
        uint32_t ok = 1;
        for (uint32_t i = 0; i < n; i++) ok &= b[i] >> sh < m->n_buckets;
        if (ok) {
            float acc[32] = {0};
            memcpy(acc + 4, out, L * sizeof *acc);
            add_rows32_avx2(m, b, n, acc);
            memcpy(out, acc + 4, L * sizeof *out);
            return;
        }
    }
#endif
    for (uint32_t i = 0; i < n; i++) {
        if (US_NEVER(b[i] >> sh >= m->n_buckets)) continue;
        const unsigned char *row = m->rows + (size_t)(b[i] >> sh) * m->stride;
        float scale;
        memcpy(&scale, row, 4);
        const int8_t *q = (const int8_t *)(row + 4);
        for (uint32_t l = 0; l < L; l++) out[l] += scale * (float)q[l];
    }
}

/* acc[0..lanes) += sum over x of value * row (any stride); inlined so that
 * a constant 'lanes' unrolls. */
__attribute__((always_inline))
static inline void score_scalar(const us_qlinear *m, const us_fvec *x, float *acc, uint32_t lanes)
{
    uint32_t n = x->n, sh = m->shift;
    for (uint32_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
        __builtin_prefetch(m->rows + (size_t)(x->f[i].idx >> sh) * m->stride);
    for (uint32_t i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n)
            __builtin_prefetch(m->rows + (size_t)(x->f[i + PREFETCH_AHEAD].idx >> sh) * m->stride);
        uint32_t f = x->f[i].idx >> sh;
        if (US_NEVER(f >= m->n_buckets)) continue;
        const unsigned char *row = m->rows + (size_t)f * m->stride;
        float scale;
        memcpy(&scale, row, 4);
        float v = x->f[i].val * scale;
        const int8_t *q = (const int8_t *)(row + 4);
        for (uint32_t l = 0; l < lanes; l++) acc[l] += v * (float)q[l];
    }
}

/* out = init + x . W (init: L floats, or NULL for zeros). */
static void score_from(const us_qlinear *m, const us_fvec *x, const float *init, float *out)
{
    uint32_t L = m->n_labels;
#ifdef HAVE_ROW32_AVX2
    if (m->stride == 32 && us_cpu_avx2()) {
        float acc[32] = {0};
        if (init) memcpy(acc + 4, init, L * sizeof *acc);
        score_row32_avx2(m, x, acc);
        memcpy(out, acc + 4, L * sizeof *out);
        return;
    }
#endif
    float acc[32] = {0};   /* lanes past L stay unused */
    if (init) memcpy(acc, init, L * sizeof *acc);
    if (m->stride == 8 && L <= 4) {
        /* Genre's 8-byte rows: four fixed lanes (padding lanes hold 0), which
         * the compiler keeps in registers; the same sums per lane. */
        score_scalar(m, x, acc, 4);
    } else {
        score_scalar(m, x, acc, L);
    }
    memcpy(out, acc, L * sizeof *out);
}

void us_qlinear_score(const us_qlinear *m, const us_fvec *x, float *out)
{
    score_from(m, x, m->b, out);
}

void us_qlinear_dot(const us_qlinear *m, const us_fvec *x, float *out)
{
    score_from(m, x, NULL, out);
}

void us_probs(float *z, uint32_t n, int softmax)
{
    if (!softmax) {
        for (uint32_t l = 0; l < n; l++) z[l] = 1.0f / (1.0f + expf(-z[l]));
        return;
    }
    float mx = z[0];
    for (uint32_t l = 1; l < n; l++) if (z[l] > mx) mx = z[l];
    float s = 0;
    for (uint32_t l = 0; l < n; l++) { z[l] = expf(z[l] - mx); s += z[l]; }
    for (uint32_t l = 0; l < n; l++) z[l] /= s;
}

int us_linear_train(us_linear *m, const us_fvec *X, const uint32_t *Y, const uint8_t *mask,
                    size_t n_items, const us_train_params *p, us_err *err)
{
    uint32_t L = m->n_labels;
    size_t nw = (size_t)m->n_buckets * L;
    float *G = us_calloc(nw, sizeof(float));       /* AdaGrad accumulators for W */
    float *Gb = us_calloc(L, sizeof(float));
    size_t *order = us_malloc((n_items ? n_items : 1) * sizeof *order);
    float *z = us_malloc(L * sizeof *z);
    float *cw = us_calloc(L, sizeof *cw);          /* softmax class weights */
    /* Averaging (Polyak-Ruppert) with the lazy trick of the span perceptron:
     * U sums step * update, and the mean iterate is w - U / steps. Double:
     * step * update spans many orders of magnitude. */
    int avg = p->average && p->epochs >= 2;
    double *U = avg ? us_calloc(nw + L, sizeof *U) : NULL, *Ub = U ? U + nw : NULL;
    double step = 0;
    int rc = US_OK;
    if (!G || !Gb || !order || !z || !cw || (avg && !U)) {
        rc = us_err_set(err, US_ENOMEM, "out of memory while training");
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; i < n_items; i++)
        if (!mask || mask[i]) order[n++] = i;
    if (p->softmax) {
        /* Inverse-frequency weights, normalised so the average item weight is 1. */
        double cnt[32] = {0};
        for (size_t k = 0; k < n; k++)
            for (uint32_t l = 0; l < L; l++) if (Y[order[k]] >> l & 1u) cnt[l] += 1;
        for (uint32_t l = 0; l < L; l++) {
            cw[l] = 1.0f;
            if (p->balance_classes && cnt[l] > 0) cw[l] = (float)(n / (L * cnt[l]));
        }
    }
    uint64_t rng = p->seed;
    const float eps = 1e-6f;
    for (uint32_t ep = 0; ep < p->epochs; ep++) {
        for (size_t k = n; k > 1; k--) {       /* Fisher-Yates with splitmix64 */
            size_t j = (size_t)(us_splitmix64(&rng) % k);
            size_t t = order[k - 1]; order[k - 1] = order[j]; order[j] = t;
        }
        int avg_now = avg && ep >= 1;
        for (size_t k = 0; k < n; k++) {
            size_t i = order[k];
            const us_fvec *x = &X[i];
            uint32_t y = Y[i];
            us_linear_score(m, x, z);
            float iw = 1.0f;
            if (p->softmax) {
                us_probs(z, L, 1);
                for (uint32_t l = 0; l < L; l++) if (y >> l & 1u) iw = cw[l];
                for (uint32_t l = 0; l < L; l++) z[l] = iw * (z[l] - (float)(y >> l & 1u));
            } else {
                for (uint32_t l = 0; l < L; l++) {
                    float pr = 1.0f / (1.0f + expf(-z[l]));
                    int pos = (int)(y >> l & 1u);
                    z[l] = (pr - (float)pos) * (pos ? p->pos_weight : 1.0f);
                }
            }
            /* z now holds dLoss/dlogit per label. Labels whose gradient is
             * negligible are skipped: after the first epoch most labels of most
             * items are confidently right, and this makes training ~5x faster. */
            uint32_t act[32], n_act = 0;
            for (uint32_t l = 0; l < L; l++) {
                float g = z[l];
                if (fabsf(g) < p->min_grad) continue;
                act[n_act++] = l;
                Gb[l] += g * g;
                float d = p->lr * g / (sqrtf(Gb[l]) + eps);
                m->b[l] -= d;
                if (avg_now) Ub[l] -= step * d;
            }
            for (uint32_t t = 0; t < x->n && n_act; t++) {
                size_t base = (size_t)(x->f[t].idx >> m->shift) * L;
                float v = x->f[t].val;
                float *w = m->w + base, *gs = G + base;
                for (uint32_t a = 0; a < n_act; a++) {
                    uint32_t l = act[a];
                    float g = z[l] * v + p->l2 * w[l];
                    gs[l] += g * g;
                    float d = p->lr * g / (sqrtf(gs[l]) + eps);
                    w[l] -= d;
                    if (avg_now) U[base + l] -= step * d;
                }
            }
            if (avg_now) step += 1;
        }
    }
    if (avg && step > 0) {
        for (size_t j = 0; j < nw; j++) m->w[j] = (float)(m->w[j] - U[j] / step);
        for (uint32_t l = 0; l < L; l++) m->b[l] = (float)(m->b[l] - Ub[l] / step);
    }
done:
    us_free(U);
    us_free(G);
    us_free(Gb);
    us_free(order);
    us_free(z);
    us_free(cw);
    return rc;
}

void us_linear_quantize(const us_linear *m, float *b, unsigned char *rows)
{
    uint32_t L = m->n_labels, stride = us_qlinear_stride(L);
    memcpy(b, m->b, L * sizeof *b);
    memset(rows, 0, (size_t)m->n_buckets * stride);
    for (uint32_t f = 0; f < m->n_buckets; f++) {
        const float *row = m->w + (size_t)f * L;
        float mx = 0;
        for (uint32_t l = 0; l < L; l++) if (fabsf(row[l]) > mx) mx = fabsf(row[l]);
        float s = mx > 0 ? mx / 127.0f : 0.0f;
        unsigned char *out = rows + (size_t)f * stride;
        uint32_t bits;
        memcpy(&bits, &s, 4);
        out[0] = (unsigned char)bits; out[1] = (unsigned char)(bits >> 8);
        out[2] = (unsigned char)(bits >> 16); out[3] = (unsigned char)(bits >> 24);
        for (uint32_t l = 0; l < L; l++) {
            float v = s > 0 ? row[l] / s : 0.0f;
            long r = lroundf(v);
            out[4 + l] = (unsigned char)(int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
        }
    }
}
