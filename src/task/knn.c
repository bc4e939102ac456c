/* knn.c -- nearest annotated articles for framing (see knn.h). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "task/knn.h"

#define L_FRAME US_N_FRAME_LABELS
#define HDR 32
#define MIN_DF 2          /* a word of one training article links it to nothing */
#define SIM_FLOOR 1e-6f   /* a neighbour sharing no word still votes, barely */

/* log(1 + tf) for the stored term frequencies (1..255), from a table: the
 * posting loop reads one per posting, and log1p was a third of the vote. */
static float log1p_table[256];
static pthread_once_t log1p_once = PTHREAD_ONCE_INIT;

static void log1p_init(void)
{
    for (int i = 0; i < 256; i++) log1p_table[i] = (float)log1p((double)i);
}

static inline float log1p_tf(uint32_t tf)
{
    return tf < 256 ? log1p_table[tf] : (float)log1p((double)tf);
}

/* 32-bit key of word hash w in language lang: odd, so never 0 (empty). */
static inline uint32_t word_key(uint64_t w, int lang)
{
    uint64_t s = w ^ ((uint64_t)(lang + 1) * 0x9E3779B97F4A7C15ull);
    return (uint32_t)(us_splitmix64(&s) >> 32) | 1u;
}

/* Counts the distinct keys of t's counted tokens into s->wkey/wcnt (an open
 * addressing table of s->n_w slots). Returns the number of distinct keys,
 * or -1 on out of memory. */
static long count_words(us_knn_scratch *s, us_fz *fz, const us_text *t, int lang)
{
    size_t need = 16;
    while (need < 2 * t->n_toks) need *= 2;
    if (need > s->cap_w) {
        uint32_t *k = us_realloc(s->wkey, need * sizeof *k);
        if (!k) return -1;
        s->wkey = k;
        uint32_t *c = us_realloc(s->wcnt, need * sizeof *c);
        if (!c) return -1;
        s->wcnt = c;
        s->cap_w = need;
    }
    memset(s->wkey, 0, need * sizeof *s->wkey);
    s->n_w = need;
    size_t mask = need - 1;
    long n = 0;
    for (uint32_t i = 0; i < t->n_toks; i++) {
        if (!us_tok_is_term(&t->toks[i])) continue;
        uint64_t w = us_fz_word_hash(fz, t, i);
        if (!w) continue;
        uint32_t key = word_key(w, lang);
        size_t p = key & mask;
        while (s->wkey[p] && s->wkey[p] != key) p = (p + 1) & mask;
        if (!s->wkey[p]) { s->wkey[p] = key; s->wcnt[p] = 0; n++; }
        s->wcnt[p]++;
    }
    return n;
}

/* A slot of the key table: key, first posting, number of postings. */
enum { S_KEY, S_START, S_COUNT, S_N };

/* The slot of key in the index's table, or NULL. The loader checked that
 * some slot is empty, so the probe ends. */
static const uint32_t *find(const us_knn *kn, uint32_t key)
{
    uint32_t mask = (1u << kn->bits) - 1, p = key >> (32 - kn->bits);
    for (const uint32_t *sl; (sl = kn->slot + (size_t)p * S_N)[S_KEY]; p = (p + 1) & mask)
        if (sl[S_KEY] == key) return sl;
    return NULL;
}

/* ---- building ---------------------------------------------------------------- */

typedef struct entry { uint32_t key, art, tf; } entry;

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->art > y->art) - (x->art < y->art);
}

/* Views the section bytes 'h' (already checked or just built). */
static void view(const unsigned char *h, us_knn *out)
{
    memset(out, 0, sizeof *out);
    out->k = us_get_u32le(h + 8);
    out->weight = us_get_f32le(h + 12);
    out->n_arts = us_get_u32le(h + 16);
    out->bits = us_get_u32le(h + 20);
    out->n_post = us_get_u32le(h + 24);
    size_t A = out->n_arts, T = (size_t)1 << out->bits, off = HDR;
    out->frames = (const uint32_t *)(const void *)(h + off); off += 4 * A;
    out->inv_norm = (const float *)(const void *)(h + off); off += 4 * A;
    out->lang = h + off; off += (A + 3) & ~(size_t)3;
    out->slot = (const uint32_t *)(const void *)(h + off); off += 4 * S_N * T;
    out->post = (const uint32_t *)(const void *)(h + off); off += 4 * (size_t)out->n_post;
    out->ids = (const char *)(h + off);
    out->present = 1;
}

static size_t section_size(uint64_t A, uint32_t bits, uint64_t P)
{
    return HDR + 8 * A + ((A + 3) & ~(uint64_t)3) + 12 * ((uint64_t)1 << bits) + 4 * P +
           US_KNN_ID * A;
}

int us_knn_train(const us_dataset *ds, const uint8_t *art_in, const us_feat_cfg *fcfg,
                 uint32_t k, float weight, us_knn_build *b, us_err *err)
{
    memset(b, 0, sizeof *b);
    if (k < 1 || k > US_KNN_MAX_K || !(weight >= 0.0f && weight <= 1.0f))
        return us_err_set(err, US_EINVAL, "knn: k must be 1..%d and the weight 0..1", US_KNN_MAX_K);
    pthread_once(&log1p_once, log1p_init);
    entry *e = NULL;
    size_t n_e = 0, cap_e = 0;
    uint32_t n_arts = 0;
    us_fz fz;
    us_fz_init(&fz, fcfg);
    us_text t;
    us_text_init(&t);
    us_knn_scratch s;
    memset(&s, 0, sizeof s);
    int rc = US_OK;
    b->art_of = us_malloc((ds->n ? ds->n : 1) * sizeof *b->art_of);
    if (!b->art_of) rc = us_err_set(err, US_ENOMEM, "out of memory");
    for (size_t a = 0; a < ds->n && rc == US_OK; a++) {
        const us_article *ar = &ds->arts[a];
        if ((art_in && !art_in[a]) || !ar->has_frames || !ar->text[US_TASK_FRAMING] || ar->lang < 0)
            continue;
        if ((rc = us_text_tokenize(&t, ar->text[US_TASK_FRAMING], ar->len[US_TASK_FRAMING], err)))
            break;
        long n = count_words(&s, &fz, &t, ar->lang);
        if (n < 0 || us_grow((void **)&e, &cap_e, n_e + (size_t)n, sizeof *e) != US_OK) {
            rc = us_err_set(err, US_ENOMEM, "out of memory");
            break;
        }
        for (size_t p = 0; p < s.n_w && n > 0; p++)
            if (s.wkey[p]) e[n_e++] = (entry){s.wkey[p], n_arts, s.wcnt[p] > 255 ? 255 : s.wcnt[p]};
        b->art_of[n_arts++] = (uint32_t)a;
    }
    us_text_fini(&t);
    us_fz_fini(&fz);
    us_knn_scratch_fini(&s);
    if (rc == US_OK && n_arts >= 1u << 24) rc = us_err_set(err, US_EINVAL, "knn: too many articles");
    if (rc != US_OK) { us_free(e); us_knn_build_fini(b); return rc; }
    if (n_e) qsort(e, n_e, sizeof *e, cmp_entry);
    /* Keep the keys of at least MIN_DF articles. */
    size_t n_keys = 0, n_post = 0;
    for (size_t i = 0, j; i < n_e; i = j) {
        for (j = i; j < n_e && e[j].key == e[i].key; j++) {}
        if (j - i >= MIN_DF) { n_keys++; n_post += j - i; }
    }
    uint32_t bits = 4;
    while (((size_t)1 << bits) < 2 * n_keys + 1) bits++;
    if (bits > 26 || n_post > UINT32_MAX) {
        us_free(e);
        us_knn_build_fini(b);
        return us_err_set(err, US_EINVAL, "knn: the index would be too large");
    }
    b->size = section_size(n_arts, bits, n_post);
    b->blob = us_calloc(b->size, 1);
    if (!b->blob) { us_free(e); us_knn_build_fini(b); return us_err_set(err, US_ENOMEM, "out of memory"); }
    unsigned char *h = b->blob;
    us_put_u32le(h, US_KNN_FORMAT);
    us_put_u32le(h + 4, L_FRAME);
    us_put_u32le(h + 8, k);
    us_put_f32le(h + 12, weight);
    us_put_u32le(h + 16, n_arts);
    us_put_u32le(h + 20, bits);
    us_put_u32le(h + 24, (uint32_t)n_post);
    view(h, &b->view);
    uint32_t *frames = (uint32_t *)(void *)(h + HDR);   /* the build writes host order: */
    float *inv = (float *)(void *)(frames + n_arts);    /* little-endian, as the loader */
    uint8_t *lang = (uint8_t *)(inv + n_arts);          /* refuses other hosts */
    uint32_t *slot = (uint32_t *)(void *)(lang + ((n_arts + 3) & ~3u));
    uint32_t *post = slot + S_N * ((size_t)1 << bits);
    double *norm2 = us_calloc(n_arts ? n_arts : 1, sizeof *norm2);
    if (!norm2) { us_free(e); us_knn_build_fini(b); return us_err_set(err, US_ENOMEM, "out of memory"); }
    uint32_t mask = (1u << bits) - 1;
    size_t at = 0;
    for (size_t i = 0, j; i < n_e; i = j) {
        for (j = i; j < n_e && e[j].key == e[i].key; j++) {}
        if (j - i < MIN_DF) continue;
        uint32_t p = e[i].key >> (32 - bits);
        while (slot[(size_t)p * S_N + S_KEY]) p = (p + 1) & mask;
        slot[(size_t)p * S_N + S_KEY] = e[i].key;
        slot[(size_t)p * S_N + S_START] = (uint32_t)at;
        slot[(size_t)p * S_N + S_COUNT] = (uint32_t)(j - i);
        for (size_t q = i; q < j; q++) {
            post[at++] = e[q].art << 8 | e[q].tf;
            double v = log1p_tf(e[q].tf);
            norm2[e[q].art] += v * v;
        }
    }
    char *ids = (char *)(post + n_post);
    for (uint32_t a = 0; a < n_arts; a++) {
        const us_article *ar = &ds->arts[b->art_of[a]];
        char *id = ids + (size_t)a * US_KNN_ID;
        for (size_t i = 0; i < US_KNN_ID - 1 && ar->id[i]; i++)
            id[i] = ar->id[i] > ' ' && ar->id[i] <= '~' ? ar->id[i] : '?';
        if (!id[0]) id[0] = '?';
        frames[a] = ar->frames & ((1u << L_FRAME) - 1);
        lang[a] = (uint8_t)ar->lang;
        inv[a] = norm2[a] > 0 ? (float)(1.0 / sqrt(norm2[a])) : 0.0f;
    }
    us_free(norm2);
    us_free(e);
    return US_OK;
}

void us_knn_build_fini(us_knn_build *b)
{
    us_free(b->blob);
    us_free(b->art_of);
    memset(b, 0, sizeof *b);
}

int us_knn_write(const us_knn_build *b, us_mfw *w, us_err *err)
{
    if (!b->blob) return us_err_set(err, US_EINVAL, "knn: nothing built");
    return us_mfw_add(w, US_KNN_SECTION, b->blob, b->size, err);
}

int us_knn_load(us_mfile *mf, us_knn *out, us_err *err)
{
    memset(out, 0, sizeof *out);
    const void *data;
    size_t n;
    int rc = us_mfile_section_verified(mf, US_KNN_SECTION, &data, &n, err);
    if (rc == US_ENOTFOUND) return US_OK;
    if (rc != US_OK) return rc;
    const unsigned char *h = data;
    if (n < HDR) return us_err_set(err, US_EFORMAT, "section KNN1: truncated (%zu bytes)", n);
    uint32_t fmt = us_get_u32le(h);
    if (fmt != US_KNN_FORMAT)
        return us_err_set(err, US_EVERSION,
                          "section KNN1: format %u, this unspin reads %u\n"
                          "HINT: retrain the model with this version (unspin train)",
                          fmt, US_KNN_FORMAT);
    uint32_t L = us_get_u32le(h + 4), k = us_get_u32le(h + 8), A = us_get_u32le(h + 16);
    uint32_t bits = us_get_u32le(h + 20), P = us_get_u32le(h + 24);
    float w = us_get_f32le(h + 12);
    if (L != L_FRAME || k < 1 || k > US_KNN_MAX_K || !(w >= 0.0f && w <= 1.0f) || A >= 1u << 24 ||
        bits < 4 || bits > 26 || us_get_u32le(h + 28) || n != section_size(A, bits, P))
        return us_err_set(err, US_EFORMAT, "section KNN1: malformed (%zu bytes, k %u, %u articles, "
                          "%u bits)", n, k, A, bits);
    us_knn v;
    view(h, &v);
    uint32_t empty = 0;
    for (uint32_t a = 0; a < A; a++)
        if (v.frames[a] >> L_FRAME || v.lang[a] >= US_N_LANGS || !(v.inv_norm[a] >= 0.0f) ||
            !isfinite(v.inv_norm[a]))
            return us_err_set(err, US_EFORMAT, "section KNN1: article %u is malformed", a);
    for (uint32_t p = 0; p < 1u << bits; p++) {
        const uint32_t *sl = v.slot + (size_t)p * S_N;
        if (!sl[S_KEY]) {
            empty++;
            if (sl[S_START] || sl[S_COUNT])
                return us_err_set(err, US_EFORMAT, "section KNN1: empty slot %u in use", p);
            continue;
        }
        if (sl[S_START] > P || sl[S_COUNT] > P - sl[S_START])
            return us_err_set(err, US_EFORMAT, "section KNN1: slot %u points out of the postings", p);
    }
    if (!empty) return us_err_set(err, US_EFORMAT, "section KNN1: the key table is full");
    for (uint32_t i = 0; i < P; i++)
        if (v.post[i] >> 8 >= A || !(v.post[i] & 0xFF))
            return us_err_set(err, US_EFORMAT, "section KNN1: posting %u is malformed", i);
    for (uint32_t a = 0; a < A; a++) {   /* printable ASCII, at least one, then NULs */
        const char *id = v.ids + (size_t)a * US_KNN_ID;
        size_t i = 0;
        while (i < US_KNN_ID && id[i] > ' ' && id[i] <= '~') i++;
        int bad = i == 0 || i == US_KNN_ID;
        for (; i < US_KNN_ID && !bad; i++) bad = id[i] != '\0';
        if (bad) return us_err_set(err, US_EFORMAT, "section KNN1: the id of article %u is malformed", a);
    }
    *out = v;
    return US_OK;
}

/* ---- querying ---------------------------------------------------------------- */

int us_knn_vote(const us_knn *kn, us_knn_scratch *s, us_fz *fz, const us_text *t, int lang,
                const uint8_t *skip, float *p, uint32_t *nb, float *sim)
{
    if (!kn || !kn->present || lang < 0) return 0;
    pthread_once(&log1p_once, log1p_init);
    if (kn->n_arts > s->cap_score) {
        float *sc = us_realloc(s->score, kn->n_arts * sizeof *sc);
        if (!sc) return -1;
        s->score = sc;
        s->cap_score = kn->n_arts;
    }
    long n_words = count_words(s, fz, t, lang);
    if (n_words < 0) return -1;
    float *score = s->score;
    memset(score, 0, kn->n_arts * sizeof *score);
    /* The query's words, packed to the front, then looked up with their
     * home slots asked for AHEAD words in advance, so that the lookups'
     * cache misses overlap (the table takes 1.5 MB in the default model). */
    size_t nq = 0;
    for (size_t q = 0; q < s->n_w && n_words > 0; q++)
        if (s->wkey[q]) { s->wkey[nq] = s->wkey[q]; s->wcnt[nq] = s->wcnt[q]; nq++; }
    enum { AHEAD = 8 };
    uint32_t shift = 32 - kn->bits;
    for (size_t q = 0; q < nq && q < AHEAD; q++)
        __builtin_prefetch(kn->slot + (size_t)(s->wkey[q] >> shift) * S_N);
    double qnorm2 = 0;   /* over the words the index knows, as the training vectors' */
    for (size_t q = 0; q < nq; q++) {
        if (q + AHEAD < nq)
            __builtin_prefetch(kn->slot + (size_t)(s->wkey[q + AHEAD] >> shift) * S_N);
        const uint32_t *sl = find(kn, s->wkey[q]);
        if (!sl) continue;
        float qw = log1p_tf(s->wcnt[q]);
        qnorm2 += (double)qw * qw;
        const uint32_t *ps = kn->post + sl[S_START];
        for (uint32_t i = 0; i < sl[S_COUNT]; i++)
            score[ps[i] >> 8] += qw * log1p_tf(ps[i] & 0xFF);
    }
    float qinv = qnorm2 > 0 ? (float)(1.0 / sqrt(qnorm2)) : 0.0f;
    /* The k most similar of the language, ties to the lower index. */
    uint32_t best[US_KNN_MAX_K];
    float bs[US_KNN_MAX_K];
    uint32_t m = 0, k = kn->k;
    for (uint32_t a = 0; a < kn->n_arts; a++) {
        if (kn->lang[a] != (uint8_t)lang || (skip && skip[a])) continue;
        float v = score[a] * kn->inv_norm[a] * qinv;   /* the cosine */
        if (m == k && !(v > bs[m - 1])) continue;
        uint32_t i = m < k ? m++ : m - 1;
        for (; i > 0 && v > bs[i - 1]; i--) { bs[i] = bs[i - 1]; best[i] = best[i - 1]; }
        bs[i] = v;
        best[i] = a;
    }
    if (!m) return 0;
    double tot = 0, acc[L_FRAME] = {0};
    for (uint32_t i = 0; i < m; i++) {
        double wgt = bs[i] > SIM_FLOOR ? bs[i] : SIM_FLOOR;
        tot += wgt;
        for (uint32_t l = 0; l < L_FRAME; l++)
            if (kn->frames[best[i]] >> l & 1u) acc[l] += wgt;
        if (nb) nb[i] = best[i];
        if (sim) sim[i] = bs[i];
    }
    for (uint32_t l = 0; l < L_FRAME; l++) p[l] = (float)(acc[l] / tot);
    return (int)m;
}

void us_knn_blend(const us_knn *kn, const float *pk, float *p)
{
    float w = kn->weight;
    for (uint32_t l = 0; l < L_FRAME; l++) p[l] = (1.0f - w) * p[l] + w * pk[l];
}

void us_knn_scratch_fini(us_knn_scratch *s)
{
    us_free(s->wkey);
    us_free(s->wcnt);
    us_free(s->score);
    memset(s, 0, sizeof *s);
}
