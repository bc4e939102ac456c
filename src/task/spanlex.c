/* spanlex.c -- the span lexicon (see spanlex.h). */
#include <math.h>
#include <string.h>
#include "task/spanlex.h"

#define L_TECH US_N_TECHNIQUES
#define HDR 128
_Static_assert(L_TECH < US_SPANLEX_ROW && 16 + 4 * L_TECH <= HDR, "SLEX layout");

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

/* Tokens that count: words and numbers (the \w+ runs of the prototype). */
static inline int counted(const us_token *tk)
{
    return tk->kind == US_TOK_WORD || tk->kind == US_TOK_NUM;
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

/* Counts per bucket, C = 1 + L cells: tokens, then tokens inside each technique. */
#define C (1 + L_TECH)

typedef struct counts {
    uint32_t *x, *w;     /* (NB, C) by language key and by pooled key */
    uint32_t *word_of;   /* (NB) pooled bucket of the last word seen in each x bucket */
    double tot, in[L_TECH];
} counts;

static int count_article(counts *cn, us_fz *fz, us_text *t, const us_article *ar, uint32_t bits,
                         us_err *err)
{
    int rc = us_text_tokenize(t, ar->text[US_TASK_TECHNIQUES], ar->len[US_TASK_TECHNIQUES], err);
    if (rc != US_OK) return rc;
    for (size_t l = 0; l < t->n_lines && l < ar->n_lines; l++) {
        if (!ar->line_gold[l]) continue;
        for (uint32_t i = t->lines[l].tok_begin; i < t->lines[l].tok_end; i++) {
            const us_token *tk = &t->toks[i];
            if (!counted(tk)) continue;
            uint64_t w = us_fz_word_hash(fz, t, i);
            if (!w) continue;
            uint32_t m = token_mask(tk, ar->spans, ar->n_spans);
            uint32_t bx = lex_bucket(lex_key(w, ar->lang), bits);
            uint32_t bw = lex_bucket(lex_key(w, -1), bits);
            uint32_t *x = cn->x + (size_t)bx * C, *wc = cn->w + (size_t)bw * C;
            cn->word_of[bx] = bw;
            x[0]++;
            wc[0]++;
            cn->tot += 1;
            for (uint32_t k = 0; k < L_TECH; k++)
                if (m >> k & 1u) { x[1 + k]++; wc[1 + k]++; cn->in[k] += 1; }
        }
    }
    return US_OK;
}

/* s_x(k) of every bucket (spanlex.h), quantised per technique into b. */
static int score_rows(const counts *cn, uint32_t NB, us_spanlex_build *b)
{
    float *s = us_calloc((size_t)NB * L_TECH, sizeof *s);
    if (!s) return US_ENOMEM;
    const double A = US_SPANLEX_ALPHA;
    double prior[L_TECH], lp[L_TECH];
    for (uint32_t k = 0; k < L_TECH; k++) {
        prior[k] = cn->tot > 0 ? cn->in[k] / cn->tot : 0;
        if (prior[k] < 1e-6) prior[k] = 1e-6;
        lp[k] = logit(prior[k]);
    }
    float mx[L_TECH] = {0};
    for (uint32_t f = 0; f < NB; f++) {
        const uint32_t *x = cn->x + (size_t)f * C;
        if (!x[0]) continue;
        const uint32_t *w = cn->w + (size_t)cn->word_of[f] * C;
        for (uint32_t k = 0; k < L_TECH; k++) {
            double pw = (w[1 + k] + A * prior[k]) / (w[0] + A);
            double px = (x[1 + k] + A * pw) / (x[0] + A);
            float v = (float)(logit(px) - lp[k]);
            s[(size_t)f * L_TECH + k] = v;
            if (fabsf(v) > mx[k]) mx[k] = fabsf(v);
        }
    }
    for (uint32_t k = 0; k < L_TECH; k++) b->scale[k] = mx[k] / 127.0f;
    for (uint32_t f = 0; f < NB; f++) {
        int8_t *q = b->rows + (size_t)f * US_SPANLEX_ROW;
        for (uint32_t k = 0; k < L_TECH; k++) {
            float sc = b->scale[k];
            long v = sc > 0 ? lrintf(s[(size_t)f * L_TECH + k] / sc) : 0;
            q[k] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
    }
    us_free(s);
    return US_OK;
}

int us_spanlex_train(const us_dataset *ds, const uint8_t *art_in, const us_feat_cfg *fcfg,
                     uint32_t bits, us_spanlex_build *b, us_err *err)
{
    memset(b, 0, sizeof *b);
    if (bits < 10 || bits > 22)
        return us_err_set(err, US_EINVAL, "span lexicon: bits %u not in 10..22", bits);
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
    if (rc == US_OK && score_rows(&cn, NB, b) != US_OK)
        rc = us_err_set(err, US_ENOMEM, "out of memory");
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
    memcpy(out->scale, b->scale, sizeof out->scale);
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
    for (uint32_t k = 0; k < L_TECH; k++) us_put_f32le(blob + 16 + 4 * k, b->scale[k]);
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
    if (L != L_TECH || bits < 10 || bits > 22 || n != section_size(bits))
        return us_err_set(err, US_EFORMAT, "section SLEX: malformed (%zu bytes, %u labels, %u bits)",
                          n, L, bits);
    for (size_t i = 12; i < HDR; i++)
        if ((i < 16 || i >= 16 + 4 * L_TECH) && h[i])
            return us_err_set(err, US_EFORMAT, "section SLEX: reserved bytes not zero");
    for (uint32_t k = 0; k < L_TECH; k++) {
        float v = us_get_f32le(h + 16 + 4 * k);
        if (!isfinite(v) || !(v >= 0))
            return us_err_set(err, US_EFORMAT, "section SLEX: invalid scale %g", (double)v);
        out->scale[k] = v;
    }
    const int8_t *rows = (const int8_t *)(h + HDR);
    for (size_t f = 0; f < ((size_t)1 << bits); f++)
        for (size_t j = L_TECH; j < US_SPANLEX_ROW; j++)
            if (rows[f * US_SPANLEX_ROW + j]) {
                memset(out, 0, sizeof *out);
                return us_err_set(err, US_EFORMAT, "section SLEX: pad byte not zero in row %zu", f);
            }
    out->bits = bits;
    out->rows = rows;
    out->present = 1;
    return US_OK;
}

#ifdef __SSE2__
#include <emmintrin.h>
/* mx[k] = max(mx[k], rows[r][k]) over the m rows: SSE2 has an unsigned byte
 * maximum only, so the bytes are flipped to offset binary (x ^ 0x80) and back. */
static void row_max(const int8_t *const *rows, int m, int8_t *mx)
{
    _Static_assert(US_SPANLEX_ROW == 24, "a row is 16 + 8 bytes");
    const __m128i flip = _mm_set1_epi8((char)0x80);
    int8_t buf[32];
    memcpy(buf, mx, L_TECH);
    memset(buf + L_TECH, 0x80, sizeof buf - L_TECH);
    __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)buf), flip);
    __m128i b = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(const void *)(buf + 16)), flip);
    for (int r = 0; r < m; r++) {
        a = _mm_max_epu8(a, _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)rows[r]),
                                          flip));
        b = _mm_max_epu8(b, _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(const void *)
                                                          (rows[r] + 16)), flip));
    }
    _mm_storeu_si128((__m128i *)(void *)buf, _mm_xor_si128(a, flip));
    _mm_storel_epi64((__m128i *)(void *)(buf + 16), _mm_xor_si128(b, flip));
    memcpy(mx, buf, L_TECH);
}
#else
static void row_max(const int8_t *const *rows, int m, int8_t *mx)
{
    for (int r = 0; r < m; r++)
        for (uint32_t k = 0; k < L_TECH; k++) mx[k] = rows[r][k] > mx[k] ? rows[r][k] : mx[k];
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
    const int8_t *rows[LEX_BATCH];
    for (size_t l = 0; l < t->n_lines; l++) {
        /* scale >= 0, so the maximum of scale * q is scale * (the maximum q). */
        int8_t mx[L_TECH];
        int any = 0;
        memset(mx, 0x80, sizeof mx);
        uint32_t i = t->lines[l].tok_begin, end = t->lines[l].tok_end;
        while (i < end) {
            int m = 0;
            for (; i < end && m < LEX_BATCH; i++) {
                if (!counted(&t->toks[i])) continue;
                uint64_t w = us_fz_word_hash(fz, t, i);
                if (!w) continue;
                rows[m] = sl->rows + (size_t)lex_bucket(lex_key(w, lang), sl->bits) * US_SPANLEX_ROW;
                __builtin_prefetch(rows[m]);
                __builtin_prefetch(rows[m] + L_TECH - 1);   /* a quarter of the rows span two lines */
                m++;
            }
            row_max(rows, m, mx);
            any |= m > 0;
        }
        if (!any) continue;
        float *o = out + l * L_TECH;
        for (uint32_t k = 0; k < L_TECH; k++) o[k] = sl->scale[k] * (float)mx[k];
    }
}
