/* wordvec.c -- per-word vectors of linear character n-grams (see wordvec.h). */
#include <string.h>
#include "task/wordvec.h"

#define WV_SLOTS ((size_t)1 << US_FZ_TC_BITS)

void us_wordvec_init(us_wordvec *wv) { memset(wv, 0, sizeof *wv); }

void us_wordvec_fini(us_wordvec *wv)
{
    us_free(wv->keys);
    us_free(wv->vecs);
    memset(wv, 0, sizeof *wv);
}

void us_wordvec_heads(us_wordvec *wv, const us_qlinear *q0, const us_qlinear *q1)
{
    if (wv->q[0] == q0 && wv->q[1] == q1) return;
    wv->q[0] = q0;
    wv->q[1] = q1;
    wv->off[0] = 0;
    wv->off[1] = q0 ? q0->n_labels : 0;
    if (wv->keys) memset(wv->keys, 0, WV_SLOTS * sizeof *wv->keys);
}

/* Sum of the weight rows of buckets b[0..n) for the heads, into v. */
static void word_vector(const us_wordvec *wv, const uint32_t *b, uint32_t n, float *v)
{
    memset(v, 0, US_WV_LANES * sizeof *v);
    for (int h = 0; h < 2; h++)
        if (wv->q[h]) us_qlinear_add_rows(wv->q[h], b, n, v + wv->off[h]);
}

/* sum += v over the lanes; restrict lets the compiler use vector adds (the
 * same per-lane sums). */
static inline void add_lanes(float *restrict sum, const float *restrict v)
{
    for (int l = 0; l < US_WV_LANES; l++) sum[l] += v[l];
}

static int sink(void *ud, const uint32_t *b, uint32_t n, uint32_t slot, uint64_t key)
{
    us_wordvec *wv = ud;
    if (!wv->keys) {
        wv->keys = us_calloc(WV_SLOTS, sizeof *wv->keys);
        wv->vecs = us_malloc(WV_SLOTS * US_WV_LANES * sizeof *wv->vecs);
        if (!wv->keys || !wv->vecs) {
            us_free(wv->keys);
            us_free(wv->vecs);
            wv->keys = NULL;
            wv->vecs = NULL;
            return US_ENOMEM;
        }
    }
    if (US_NEVER(slot >= WV_SLOTS)) return US_EINVAL;
    float *v = wv->vecs + (size_t)slot * US_WV_LANES;
    if (wv->keys[slot] != key) {
        word_vector(wv, b, n, v);
        wv->keys[slot] = key;
    }
    add_lanes(wv->sum, v);
    return US_OK;
}

void us_wordvec_begin(us_wordvec *wv, us_fz *fz)
{
    memset(wv->sum, 0, sizeof wv->sum);
    fz->char_sink = sink;
    fz->char_sink_ud = wv;
}

void us_wordvec_add(const us_wordvec *wv, const us_fz *fz, int h, float *z)
{
    const us_qlinear *q = wv->q[h];
    if (!q) return;
    float k = fz->cfg.w_char * fz->inv_norm;
    for (uint32_t l = 0; l < q->n_labels; l++) z[l] += k * wv->sum[wv->off[h] + l];
}
