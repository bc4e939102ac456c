/* spanlex.c -- the span lexicon (see spanlex.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "task/spanlex.h"

#define L_TECH US_N_TECHNIQUES
#define NLEV US_SPANLEX_LEVELS
#define HDR US_SPANLEX_HEADER
_Static_assert((L_TECH + 1) / 2 <= US_SPANLEX_ROW && 16 + 4 * L_TECH * NLEV <= HDR && NLEV == 16,
               "SLEX layout");

/* Key of word hash w in language lang; lang < 0 gives the pooled key. */
static inline uint64_t lex_key(uint64_t w, int lang)
{
    uint64_t s = w ^ ((uint64_t)(lang + 1) * 0xD1B54A32D192ED03ull);
    return us_splitmix64(&s);
}

static inline uint32_t lex_bucket(uint64_t key, uint32_t bits)
{
    return (uint32_t)(key >> (64 - bits));
}

static double logit(double p)
{
    if (p < 1e-7) p = 1e-7;
    if (p > 1 - 1e-7) p = 1 - 1e-7;
    return log(p / (1 - p));
}

/* Techniques whose spans overlap token tk. */
static uint32_t token_mask(const us_token *tk, const us_gold_span *sp, size_t n)
{
    uint32_t m = 0;
    for (size_t s = 0; s < n; s++)
        if (sp[s].tech < L_TECH && sp[s].end_cp > sp[s].start_cp && tk->start_cp < sp[s].end_cp &&
            tk->end_cp > sp[s].start_cp)
            m |= 1u << sp[s].tech;
    return m;
}

/* A growing array of uint32. */
typedef struct u32s { uint32_t *v; size_t n, cap; } u32s;

static int u32s_push(u32s *a, uint32_t x)
{
    if (us_grow((void **)&a->v, &a->cap, a->n + 1, sizeof *a->v) != US_OK) return US_ENOMEM;
    a->v[a->n++] = x;
    return US_OK;
}

/* Counts per bucket, C = 1 + L cells: tokens, then tokens inside each technique. */
#define C (1 + L_TECH)

typedef struct counts {
    uint32_t *x, *w;     /* (NB, C) by language key and by pooled key */
    uint32_t *word_of;   /* (NB) pooled bucket of the last word seen in each x bucket */
    double tot, in[L_TECH];
    u32s tok;            /* the x buckets of each counted paragraph's tokens, */
    u32s para_end;       /* which end at these offsets of tok (for the levels) */
} counts;

static int count_article(counts *cn, us_fz *fz, us_text *t, const us_article *ar, uint32_t bits,
                         us_err *err)
{
    int rc = us_text_tokenize(t, ar->text[US_TASK_TECHNIQUES], ar->len[US_TASK_TECHNIQUES], err);
    if (rc != US_OK) return rc;
    for (size_t l = 0; l < t->n_lines && l < ar->n_lines; l++) {
        if (!ar->line_gold[l]) continue;
        size_t n0 = cn->tok.n;
        for (uint32_t i = t->lines[l].tok_begin; i < t->lines[l].tok_end; i++) {
            const us_token *tk = &t->toks[i];
            if (!us_tok_is_term(tk)) continue;
            uint64_t w = us_fz_word_hash(fz, t, i);
            if (!w) continue;
            uint32_t m = token_mask(tk, ar->spans, ar->n_spans);
            uint32_t bx = lex_bucket(lex_key(w, ar->lang), bits);
            uint32_t bw = lex_bucket(lex_key(w, -1), bits);
            uint32_t *x = cn->x + (size_t)bx * C, *wc = cn->w + (size_t)bw * C;
            cn->word_of[bx] = bw;
            if (u32s_push(&cn->tok, bx) != US_OK) return us_err_set(err, US_ENOMEM,
                                                                          "out of memory");
            x[0]++;
            wc[0]++;
            cn->tot += 1;
            for (uint32_t k = 0; k < L_TECH; k++)
                if (m >> k & 1u) { x[1 + k]++; wc[1 + k]++; cn->in[k] += 1; }
        }
        if (cn->tok.n > n0 && u32s_push(&cn->para_end, (uint32_t)cn->tok.n) != US_OK)
            return us_err_set(err, US_ENOMEM, "out of memory");
    }
    return US_OK;
}

/* s_x(k) of every bucket (spanlex.h) into s (NB, L); empty buckets 0. */
static void score_buckets(const counts *cn, uint32_t NB, double A, float *s)
{
    double prior[L_TECH], lp[L_TECH];
    for (uint32_t k = 0; k < L_TECH; k++) {
        prior[k] = cn->tot > 0 ? cn->in[k] / cn->tot : 0;
        if (prior[k] < 1e-6) prior[k] = 1e-6;
        lp[k] = logit(prior[k]);
    }
    for (uint32_t f = 0; f < NB; f++) {
        const uint32_t *x = cn->x + (size_t)f * C;
        if (!x[0]) continue;
        const uint32_t *w = cn->w + (size_t)cn->word_of[f] * C;
        for (uint32_t k = 0; k < L_TECH; k++) {
            double pw = (w[1 + k] + A * prior[k]) / (w[0] + A);
            double px = (x[1 + k] + A * pw) / (x[0] + A);
            s[(size_t)f * L_TECH + k] = (float)(logit(px) - lp[k]);
        }
    }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The code of v: its nearest level (ties go to the lower one). */
static inline uint8_t nearest(const float *lev, float v)
{
    uint8_t c = 0;
    for (int step = NLEV / 2; step; step /= 2)
        if (v > 0.5f * (lev[c + step - 1] + lev[c + step])) c = (uint8_t)(c + step);
    return c;
}

/* Sets the level nearest 0 to 0, so that an unseen word still scores 0, and
 * keeps the levels ascending. */
static void snap_zero(float *lev)
{
    int z = 0;
    for (int j = 1; j < NLEV; j++)
        if (fabsf(lev[j]) < fabsf(lev[z])) z = j;
    lev[z] = 0;
    for (int j = 1; j < NLEV; j++)   /* one element out of place: insertion sort */
        for (int i = j; i > 0 && lev[i] < lev[i - 1]; i--) {
            float v = lev[i];
            lev[i] = lev[i - 1];
            lev[i - 1] = v;
        }
}

/* 16 ascending levels, one of them 0, for the n sorted samples x: 1-D
 * k-means (Lloyd) from the quantiles; an empty cluster keeps its level.
 * Deterministic. */
static void kmeans_levels(const float *x, size_t n, float *lev)
{
    if (!n) {
        for (int j = 0; j < NLEV; j++) lev[j] = 0;
        return;
    }
    for (int j = 0; j < NLEV; j++) lev[j] = x[(size_t)((j + 0.5) * (double)n / NLEV)];
    snap_zero(lev);
    for (int it = 0; it < 100; it++) {
        double sum[NLEV] = {0};
        size_t cnt[NLEV] = {0};
        for (size_t i = 0; i < n; i++) {
            uint8_t c = nearest(lev, x[i]);
            sum[c] += x[i];
            cnt[c]++;
        }
        int moved = 0;
        for (int j = 0; j < NLEV; j++) {
            float v = cnt[j] ? (float)(sum[j] / (double)cnt[j]) : lev[j];
            moved |= v != lev[j];
            lev[j] = v;
        }
        snap_zero(lev);
        if (!moved) break;
    }
}

/* b's levels from the maxima of s over the counted paragraphs, then b's
 * rows: every bucket's codes (an empty bucket codes 0's level). */
static int quantise(const counts *cn, uint32_t NB, const float *s, us_spanlex_build *b)
{
    size_t np = cn->para_end.n;
    float *mx = us_malloc((np ? np : 1) * sizeof *mx);
    if (!mx) return US_ENOMEM;
    for (uint32_t k = 0; k < L_TECH; k++) {
        size_t begin = 0;
        for (size_t p = 0; p < np; p++) {
            float m = -INFINITY;
            for (size_t i = begin; i < cn->para_end.v[p]; i++) {
                float v = s[(size_t)cn->tok.v[i] * L_TECH + k];
                m = v > m ? v : m;
            }
            mx[p] = m;
            begin = cn->para_end.v[p];
        }
        qsort(mx, np, sizeof *mx, cmp_float);
        kmeans_levels(mx, np, b->level[k]);
    }
    us_free(mx);
    for (uint32_t f = 0; f < NB; f++) {
        uint8_t *row = b->rows + (size_t)f * US_SPANLEX_ROW;
        for (uint32_t k = 0; k < L_TECH; k++)
            row[k / 2] |= (uint8_t)(nearest(b->level[k], s[(size_t)f * L_TECH + k]) << (4 * (k & 1)));
    }
    return US_OK;
}

int us_spanlex_train(const us_dataset *ds, const uint8_t *art_in, const us_feat_cfg *fcfg,
                     uint32_t bits, double alpha, us_spanlex_build *b, us_err *err)
{
    memset(b, 0, sizeof *b);
    if (bits < 10 || bits > 22)
        return us_err_set(err, US_EINVAL, "span lexicon: bits %u not in 10..22", bits);
    if (!(alpha > 0) || !isfinite(alpha))
        return us_err_set(err, US_EINVAL, "span lexicon: smoothing %g not positive", alpha);
    uint32_t NB = 1u << bits;
    counts cn;
    memset(&cn, 0, sizeof cn);
    cn.x = us_calloc((size_t)NB * C, sizeof *cn.x);
    cn.w = us_calloc((size_t)NB * C, sizeof *cn.w);
    cn.word_of = us_calloc(NB, sizeof *cn.word_of);
    b->rows = us_calloc((size_t)NB, US_SPANLEX_ROW);
    us_fz fz;
    us_fz_init(&fz, fcfg);
    us_text t;
    us_text_init(&t);
    int rc = cn.x && cn.w && cn.word_of && b->rows ? US_OK : us_err_set(err, US_ENOMEM,
                                                                          "out of memory");
    for (size_t a = 0; a < ds->n && rc == US_OK; a++) {
        const us_article *ar = &ds->arts[a];
        if ((art_in && !art_in[a]) || !ar->text[US_TASK_TECHNIQUES] || !ar->line_gold ||
            !ar->n_spans || ar->lang < 0)
            continue;
        rc = count_article(&cn, &fz, &t, ar, bits, err);
    }
    float *sc = rc == US_OK ? us_calloc((size_t)NB * L_TECH, sizeof *sc) : NULL;
    if (rc == US_OK && !sc) rc = us_err_set(err, US_ENOMEM, "out of memory");
    if (rc == US_OK) score_buckets(&cn, NB, alpha, sc);
    if (rc == US_OK && quantise(&cn, NB, sc, b) != US_OK)
        rc = us_err_set(err, US_ENOMEM, "out of memory");
    us_free(sc);
    us_free(cn.tok.v);
    us_free(cn.para_end.v);
    us_text_fini(&t);
    us_fz_fini(&fz);
    us_free(cn.x);
    us_free(cn.w);
    us_free(cn.word_of);
    if (rc != US_OK) us_spanlex_build_fini(b);
    else b->bits = bits;
    return rc;
}

void us_spanlex_build_fini(us_spanlex_build *b)
{
    us_free(b->rows);
    memset(b, 0, sizeof *b);
}

void us_spanlex_view(const us_spanlex_build *b, us_spanlex *out)
{
    memset(out, 0, sizeof *out);
    if (!b->rows) return;
    out->bits = b->bits;
    memcpy(out->level, b->level, sizeof out->level);
    out->rows = b->rows;
    out->present = 1;
}

static size_t section_size(uint32_t bits) { return HDR + ((size_t)1 << bits) * US_SPANLEX_ROW; }

int us_spanlex_write(const us_spanlex_build *b, us_mfw *w, us_err *err)
{
    if (!b->rows || b->bits < 10 || b->bits > 22)
        return us_err_set(err, US_EINVAL, "span lexicon: nothing trained");
    size_t size = section_size(b->bits);
    unsigned char *blob = us_calloc(size, 1);
    if (!blob) return us_err_set(err, US_ENOMEM, "out of memory");
    us_put_u32le(blob, US_SPANLEX_FORMAT);
    us_put_u32le(blob + 4, L_TECH);
    us_put_u32le(blob + 8, b->bits);
    us_put_u32le(blob + 12, NLEV);
    for (uint32_t k = 0; k < L_TECH; k++)
        for (int j = 0; j < NLEV; j++) us_put_f32le(blob + 16 + 4 * (k * NLEV + j), b->level[k][j]);
    memcpy(blob + HDR, b->rows, ((size_t)1 << b->bits) * US_SPANLEX_ROW);
    int rc = us_mfw_add(w, US_SPANLEX_SECTION, blob, size, err);
    us_free(blob);
    return rc;
}

int us_spanlex_load(us_mfile *mf, us_spanlex *out, us_err *err)
{
    memset(out, 0, sizeof *out);
    const void *data;
    size_t n;
    int rc = us_mfile_section_verified(mf, US_SPANLEX_SECTION, &data, &n, err);
    if (rc == US_ENOTFOUND) return US_OK;
    if (rc != US_OK) return rc;
    const unsigned char *h = data;
    if (n < HDR) return us_err_set(err, US_EFORMAT, "section SLEX: truncated (%zu bytes)", n);
    uint32_t fmt = us_get_u32le(h), L = us_get_u32le(h + 4), bits = us_get_u32le(h + 8);
    if (fmt != US_SPANLEX_FORMAT)
        return us_err_set(err, US_EVERSION,
                          "section SLEX: format %u, this unspin reads %u\n"
                          "HINT: retrain the model with this version (unspin train)",
                          fmt, US_SPANLEX_FORMAT);
    if (L != L_TECH || bits < 10 || bits > 22 || us_get_u32le(h + 12) != NLEV ||
        n != section_size(bits))
        return us_err_set(err, US_EFORMAT, "section SLEX: malformed (%zu bytes, %u labels, %u bits)",
                          n, L, bits);
    for (size_t i = 16 + 4 * L_TECH * NLEV; i < HDR; i++)
        if (h[i]) return us_err_set(err, US_EFORMAT, "section SLEX: reserved bytes not zero");
    for (uint32_t k = 0; k < L_TECH; k++)
        for (int j = 0; j < NLEV; j++) {
            float v = us_get_f32le(h + 16 + 4 * (k * NLEV + j));
            if (!isfinite(v) || (j > 0 && !(v >= out->level[k][j - 1]))) {
                memset(out, 0, sizeof *out);
                return us_err_set(err, US_EFORMAT,
                                  "section SLEX: levels of technique %u not finite and ascending", k);
            }
            out->level[k][j] = v;
        }
    /* Zero bits: the unused half of the last code byte and the pad bytes.
     * One pass without branches (it vectorises: a 2^18-row table costs about
     * 0.1 ms), then a second to name the row only if one is bad. */
    uint8_t pad[US_SPANLEX_ROW] = {0};
    for (uint32_t j = L_TECH; j < 2 * US_SPANLEX_ROW; j++) pad[j / 2] |= (uint8_t)(0x0F << (4 * (j & 1)));
    uint64_t pm[2], acc[2] = {0, 0};
    memcpy(pm, pad, sizeof pm);
    const uint8_t *rows = h + HDR;
    const size_t NB = (size_t)1 << bits;
    for (size_t f = 0; f < NB; f++) {
        uint64_t r[2];
        memcpy(r, rows + f * US_SPANLEX_ROW, sizeof r);
        acc[0] |= r[0];
        acc[1] |= r[1];
    }
    for (size_t f = 0; ((acc[0] & pm[0]) | (acc[1] & pm[1])) && f < NB; f++) {
        uint64_t r[2];
        memcpy(r, rows + f * US_SPANLEX_ROW, sizeof r);
        if ((r[0] & pm[0]) | (r[1] & pm[1])) {
            memset(out, 0, sizeof *out);
            return us_err_set(err, US_EFORMAT, "section SLEX: pad bits not zero in row %zu", f);
        }
    }
    out->bits = bits;
    out->rows = rows;
    out->present = 1;
    return US_OK;
}

#ifdef __SSE2__
#include <emmintrin.h>
/* lo[j], hi[j] = the maxima of the low and high halves of byte j over the m
 * rows and the values in lo, hi. */
static void row_max(const uint8_t *const *rows, int m, uint8_t *lo, uint8_t *hi)
{
    _Static_assert(US_SPANLEX_ROW == 16, "a row is one SSE2 register");
    const __m128i low = _mm_set1_epi8(0x0F);
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)lo);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)hi);
    for (int r = 0; r < m; r++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)rows[r]);
        a = _mm_max_epu8(a, _mm_and_si128(v, low));
        b = _mm_max_epu8(b, _mm_and_si128(_mm_srli_epi16(v, 4), low));
    }
    _mm_storeu_si128((__m128i *)(void *)lo, a);
    _mm_storeu_si128((__m128i *)(void *)hi, b);
}
#else
static void row_max(const uint8_t *const *rows, int m, uint8_t *lo, uint8_t *hi)
{
    for (int r = 0; r < m; r++)
        for (int j = 0; j < US_SPANLEX_ROW; j++) {
            uint8_t l = rows[r][j] & 0x0F, h = rows[r][j] >> 4;
            lo[j] = l > lo[j] ? l : lo[j];
            hi[j] = h > hi[j] ? h : hi[j];
        }
}
#endif

/* Rows are looked up a line at a time: first every token's row address,
 * each asked for ahead of use, then the maxima (the table is larger than L2;
 * the misses overlap). */
#define LEX_BATCH 64

void us_spanlex_line_scores(const us_spanlex *sl, us_fz *fz, const us_text *t, int lang,
                            float *out)
{
    memset(out, 0, t->n_lines * L_TECH * sizeof *out);
    if (!sl || !sl->present || lang < 0) return;
    const uint8_t *rows[LEX_BATCH];
    for (size_t l = 0; l < t->n_lines; l++) {
        /* Levels ascend, so the maximum of the codes is the code of the maximum. */
        uint8_t lo[US_SPANLEX_ROW] = {0}, hi[US_SPANLEX_ROW] = {0};
        int any = 0;
        uint32_t i = t->lines[l].tok_begin, end = t->lines[l].tok_end;
        while (i < end) {
            int m = 0;
            for (; i < end && m < LEX_BATCH; i++) {
                if (!us_tok_is_term(&t->toks[i])) continue;
                uint64_t w = us_fz_word_hash(fz, t, i);
                if (!w) continue;
                rows[m] = sl->rows + (size_t)lex_bucket(lex_key(w, lang), sl->bits) * US_SPANLEX_ROW;
                __builtin_prefetch(rows[m]);   /* 16-byte aligned: one cache line */
                m++;
            }
            row_max(rows, m, lo, hi);
            any |= m > 0;
        }
        if (!any) continue;
        float *o = out + l * L_TECH;
        for (uint32_t k = 0; k < L_TECH; k++) o[k] = sl->level[k][k & 1 ? hi[k / 2] : lo[k / 2]];
    }
}
