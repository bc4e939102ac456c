/* span_explain.c -- cues of span decisions: the token features that push a
 * span's margin up, with readable names.
 *
 * Names are rebuilt from the tokens, one per feature of extract() in span.c
 * (same order, same inputs); tests/unit/test_span_explain.c checks that equal
 * names always hash to the same bucket and that different names (almost)
 * never do. Only runs when explanations are asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "task/span_explain.h"

#define NF US_SPAN_NF
#define MAX_NORM 64   /* as in span.c: bytes of a word kept for hashing */

/* ---- names ----------------------------------------------------------------- */

typedef struct nbuf {
    char *p;
    size_t cap, len;
    int full;
} nbuf;

/* Appends whole code points of s[0..n) while they fit (cut words stay valid UTF-8). */
static void put(nbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && !b->full;) {
        unsigned char c = (unsigned char)s[i];
        size_t cl = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                  : (c & 0xF8) == 0xF0 ? 4 : 1;
        if (i + cl > n || b->len + cl + 1 > b->cap) { b->full = 1; break; }
        memcpy(b->p + b->len, s + i, cl);
        b->len += cl;
        i += cl;
    }
    b->p[b->len] = '\0';
}

static void puts_(nbuf *b, const char *s) { put(b, s, strlen(s)); }

/* Normalised word of token i of the line (n tokens from a); "<s>" before
 * the line and "</s>" after it, the constants extract() hashes there. */
static size_t word(const us_text *t, uint32_t a, uint32_t n, int64_t i, char *w)
{
    const char *c = i < 0 ? "<s>" : i >= (int64_t)n ? "</s>" : NULL;
    if (c) {
        memcpy(w, c, strlen(c));
        return strlen(c);
    }
    const us_token *tk = &t->toks[a + (uint32_t)i];
    return us_tok_norm(t->text + tk->start_byte, tk->end_byte - tk->start_byte, w, MAX_NORM);
}

static void put_word(nbuf *b, const us_text *t, uint32_t a, uint32_t n, int64_t i)
{
    char w[MAX_NORM];
    put(b, w, word(t, a, n, i, w));
}

static const char *const LEN_BUCKET[8] = {"0", "1", "2", "3", "4-5", "6-9", "10-19", "20+"};

/* bucket_of() of span.c, as its label. */
static const char *bucket_label(uint32_t n)
{
    return LEN_BUCKET[n < 4 ? n : n < 6 ? 4 : n < 10 ? 5 : n < 20 ? 6 : 7];
}

/* shape_of() of span.c: kind, capitalisation, quote, length in code points. */
static void put_shape(nbuf *b, const us_text *t, uint32_t a, uint32_t n, int64_t i)
{
    if (i < 0 || i >= (int64_t)n) { puts_(b, i < 0 ? "<s>" : "</s>"); return; }
    const us_token *tk = &t->toks[a + (uint32_t)i];
    static const char *const kinds[] = {"?", "word", "num", "punct", "symbol"};
    char tmp[16];
    if (tk->kind < US_ARRAY_LEN(kinds)) puts_(b, kinds[tk->kind]);
    else { snprintf(tmp, sizeof tmp, "k%u", (unsigned)tk->kind); puts_(b, tmp); }
    int u1 = (tk->flags & US_TF_UPPER1) != 0, ac = (tk->flags & US_TF_ALLCAPS) != 0;
    if (u1 || ac) puts_(b, u1 && ac ? "/XX" : u1 ? "/Xx" : "/xX");
    if (tk->flags & US_TF_IN_QUOTE) puts_(b, "/quoted");
    puts_(b, "/");
    puts_(b, bucket_label(tk->end_cp - tk->start_cp));
}

size_t us_span_feature_name(const us_text *t, uint32_t a, uint32_t b, int lang, uint32_t i,
                            int j, char *out, size_t cap)
{
    nbuf nb = {out, cap, 0, 0};
    out[0] = '\0';
    uint32_t n = b - a, ti = a + i;
    int64_t x = i;
    const us_token *tk = &t->toks[ti];
    char tmp[32];
    switch (j) {
    case 0: puts_(&nb, "bias"); break;
    case 1:
    case 24:
        puts_(&nb, j == 1 ? "lang:" : "lang_w:");
        if (lang >= 0 && lang < US_N_LANGS) puts_(&nb, us_lang_codes[lang]);
        else if (lang == -1) puts_(&nb, "xx");
        else { snprintf(tmp, sizeof tmp, "#%d", lang); puts_(&nb, tmp); }
        if (j == 24) { puts_(&nb, ":"); put_word(&nb, t, a, n, x); }
        break;
    case 2: puts_(&nb, "w:"); put_word(&nb, t, a, n, x); break;
    case 3: {
        size_t len = tk->end_byte - tk->start_byte;
        puts_(&nb, "raw:");
        put(&nb, t->text + tk->start_byte, len < MAX_NORM ? len : MAX_NORM);
        break;
    }
    case 4: puts_(&nb, "prev:"); put_word(&nb, t, a, n, x - 1); break;
    case 5: puts_(&nb, "prev2:"); put_word(&nb, t, a, n, x - 2); break;
    case 6: puts_(&nb, "next:"); put_word(&nb, t, a, n, x + 1); break;
    case 7: puts_(&nb, "next2:"); put_word(&nb, t, a, n, x + 2); break;
    case 8: case 9: case 10: case 11: {
        static const char *const pre[4] = {"bigram:", "bigram_next:", "prev_bigram:",
                                           "next_bigram:"};
        static const int first[4] = {-1, 0, -2, 1};
        puts_(&nb, pre[j - 8]);
        put_word(&nb, t, a, n, x + first[j - 8]);
        puts_(&nb, " ");
        put_word(&nb, t, a, n, x + first[j - 8] + 1);
        break;
    }
    case 12: case 13: case 14: case 15: {
        /* Affixes of 3 and 4 code points of the normalised word (all of it
         * when shorter), in extract()'s order: pre3, suf3, pre4, suf4. */
        static const char *const pre[4] = {"pre3:", "suf3:", "pre4:", "suf4:"};
        char w[MAX_NORM];
        size_t nl = word(t, a, n, x, w), cpo[MAX_NORM + 1], ncp = 0;
        for (size_t q = 0; q < nl; q++)
            if (((unsigned char)w[q] & 0xC0) != 0x80) cpo[ncp++] = q;
        cpo[ncp] = nl;
        size_t m = j < 14 ? 3 : 4;
        puts_(&nb, pre[j - 12]);
        if (j % 2 == 0) put(&nb, w, cpo[ncp < m ? ncp : m]);
        else {
            size_t s = cpo[ncp < m ? 0 : ncp - m];
            put(&nb, w + s, nl - s);
        }
        break;
    }
    case 16: puts_(&nb, "shape:"); put_shape(&nb, t, a, n, x); break;
    case 17: puts_(&nb, "prev_shape:"); put_shape(&nb, t, a, n, x - 1); break;
    case 18: puts_(&nb, "next_shape:"); put_shape(&nb, t, a, n, x + 1); break;
    case 19:
        puts_(&nb, "shapes:");
        put_shape(&nb, t, a, n, x - 1);
        puts_(&nb, " ");
        put_shape(&nb, t, a, n, x);
        puts_(&nb, " ");
        put_shape(&nb, t, a, n, x + 1);
        break;
    case 20: case 21: {
        /* The sentence holding the token, cut to the line (as extract()). */
        size_t lo = 0, hi = t->n_sents;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t->sents[mid].tok_end <= ti) lo = mid + 1; else hi = mid;
        }
        uint32_t sb = a, se = b;
        if (lo < t->n_sents && t->sents[lo].tok_begin <= ti) {
            sb = t->sents[lo].tok_begin < a ? a : t->sents[lo].tok_begin;
            se = t->sents[lo].tok_end > b ? b : t->sents[lo].tok_end;
        }
        if (j == 20)
            snprintf(tmp, sizeof tmp, "pos:sent+%s%s", bucket_label(ti - sb),
                     tk->flags & US_TF_SENT_START ? ",first" : "");
        else
            snprintf(tmp, sizeof tmp, "pos:sent_end-%s", bucket_label(se - 1 - ti));
        puts_(&nb, tmp);
        break;
    }
    case 22: snprintf(tmp, sizeof tmp, "pos:para+%s", bucket_label(i)); puts_(&nb, tmp); break;
    case 23:
        snprintf(tmp, sizeof tmp, "pos:para_end-%s", bucket_label(n - 1 - i));
        puts_(&nb, tmp);
        break;
    case 25: {
        int q[3] = {i >= 1 && (t->toks[ti - 1].flags & US_TF_IN_QUOTE),
                    (tk->flags & US_TF_IN_QUOTE) != 0,
                    i + 1 < n && (t->toks[ti + 1].flags & US_TF_IN_QUOTE)};
        static const char *const where[3] = {"prev", "this", "next"};
        puts_(&nb, "quote:");
        int any = 0;
        for (int k = 0; k < 3; k++)
            if (q[k]) { if (any++) puts_(&nb, "+"); puts_(&nb, where[k]); }
        if (!any) puts_(&nb, "none");
        break;
    }
    default: snprintf(tmp, sizeof tmp, "#f%d", j); puts_(&nb, tmp); break;
    }
    return nb.len;
}

/* ---- cues ------------------------------------------------------------------- */

typedef struct contrib {
    uint64_t key;   /* hash of the name: equal names add up */
    uint32_t i;     /* token (in the line) and feature that name it */
    int j;
    float w;
} contrib;

static int cmp_key(const void *x, const void *y)
{
    const contrib *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return (a->j > b->j) - (a->j < b->j);
}

static int cmp_weight(const void *x, const void *y)
{
    const contrib *a = x, *b = y;
    if (a->w != b->w) return a->w > b->w ? -1 : 1;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return (a->j > b->j) - (a->j < b->j);
}

/* Top positive cues of technique k over tokens [sa, sb] of the line: B
 * weights for sa, I for the others. c is scratch of (sb - sa + 1) * NF. */
static void span_cues(const us_span_model *sm, const us_text *t, uint32_t a, uint32_t b,
                      int lang, const uint32_t *feat, uint32_t sa, uint32_t sb, int k,
                      contrib *c, us_cue *cues)
{
    char name[sizeof cues->name];
    size_t m = 0;
    for (uint32_t i = sa; i <= sb; i++) {
        int tag = i == sa ? 0 : 1;
        for (int j = 2; j < NF; j++) {   /* not 0 (bias) or 1 (language): equal for all */
            uint32_t f = feat[(size_t)i * NF + (size_t)j];
            float sc = us_span_scale(sm, f);
            int8_t q = us_span_q(sm, f)[2 * k + tag];
            if (sc == 0.0f || q == 0) continue;
            size_t nl = us_span_feature_name(t, a, b, lang, i, j, name, sizeof name);
            c[m++] = (contrib){us_hash64(name, nl, 0), i, j, sc * (float)q};
        }
    }
    qsort(c, m, sizeof *c, cmp_key);
    size_t u = 0;
    for (size_t x = 0; x < m; x++) {
        if (u && c[u - 1].key == c[x].key) c[u - 1].w += c[x].w;
        else c[u++] = c[x];
    }
    qsort(c, u, sizeof *c, cmp_weight);
    for (size_t x = 0; x < US_TOP_CUES && x < u && c[x].w > 0; x++) {
        us_span_feature_name(t, a, b, lang, c[x].i, c[x].j, cues[x].name, sizeof cues[x].name);
        cues[x].weight = c[x].w;
    }
}

int us_span_explain(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                    us_para_result *p, us_err *err)
{
    if (!sm || !sm->present || !p->n_spans) return US_OK;
    uint32_t a, n;
    int rc = us_span_line_tokens(t, line, &a, &n, err);
    if (rc != US_OK || n == 0) return rc;
    const size_t per_tok = NF * 4 + US_SPAN_H_PER_TOK * 8 + NF * sizeof(contrib);
    size_t bytes;
    if (us_mul_ok(n, per_tok, &bytes) != 0) return us_err_set(err, US_ETOOBIG, "span: too big");
    unsigned char *mem = us_malloc(bytes);
    if (!mem) return us_err_set(err, US_ENOMEM, "out of memory");
    contrib *c = (contrib *)(void *)mem;
    uint64_t *h = (uint64_t *)(void *)(mem + (size_t)n * NF * sizeof(contrib));
    uint32_t *feat = (uint32_t *)(void *)(mem + (size_t)n * (NF * sizeof(contrib) +
                                                              US_SPAN_H_PER_TOK * 8));
    us_span_features(sm, t, a, a + n, lang, feat, h);
    for (size_t s = 0; s < p->n_spans; s++) {
        us_span_result *sp = &p->spans[s];
        if (sp->cues) memset(sp->cues, 0, US_TOP_CUES * sizeof *sp->cues);
        else if (!(sp->cues = us_calloc(US_TOP_CUES, sizeof *sp->cues))) {
            rc = us_err_set(err, US_ENOMEM, "out of memory");
            break;
        }
        /* The span's tokens: a run [sa, sb] of the line (B then I..I). */
        uint32_t sa = n, sb = 0;
        for (uint32_t i = 0; i < n; i++) {
            const us_token *tk = &t->toks[a + i];
            if (tk->start_cp >= sp->start_cp && tk->end_cp <= sp->end_cp) {
                if (sa == n) sa = i;
                sb = i;
            }
        }
        if (sa == n || sp->technique < 0 || sp->technique >= US_N_TECHNIQUES) continue;
        span_cues(sm, t, a, a + n, lang, feat, sa, sb, sp->technique, c, sp->cues);
    }
    us_free(mem);
    return rc;
}
