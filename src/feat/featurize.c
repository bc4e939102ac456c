/* featurize.c -- hashed word, bigram, character n-gram and cue features.
 *
 * Hashing: XXH3-64 of the UTF-8 bytes of the normalised string, seeded with
 * cfg.seed mixed with the namespace number; the bucket is the top
 * 'bucket_bits' bits of the hash (top bits mix better than low bits).
 * Bigram hashes combine the two word hashes, so no string is built for them.
 *
 * Deliberately not here: stop-word lists, stemming, IDF. Character n-grams
 * already share strength across inflections and languages, and IDF would tie
 * the model to one corpus. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/hash.h"
#include "base/rawkey.h"
#include "feat.h"

#define MAX_NORM 64         /* bytes of a normalised word kept for hashing */
#define MAX_WORD_CP 48      /* code points of a word used for char n-grams */

void us_feat_cfg_default(us_feat_cfg *cfg)
{
    cfg->bucket_bits = 18;
    cfg->seed = 0x5eed;
    cfg->word_max_n = 2;
    cfg->char_min_n = 3;
    cfg->char_max_n = 5;
    cfg->w_word = 1.0f;
    cfg->w_bigram = 0.7f;
    cfg->w_char = 0.35f;
    cfg->w_cue = 1.0f;
    cfg->w_ctx = 0.25f;   /* with ctx_blocks: ablation 62 in docs/ACCURACY.md */
    cfg->char_linear = US_CHAR_LINEAR_PARAS;   /* ablation 10-11 in docs/ACCURACY.md */
    cfg->lang_words = 0;
    cfg->w_lex = 0.0f;
    cfg->ctx_blocks = 1;
}

void us_fvec_init(us_fvec *v) { memset(v, 0, sizeof *v); }
void us_fvec_fini(us_fvec *v) { us_free(v->f); memset(v, 0, sizeof *v); }

static int fvec_reserve(us_fvec *v, size_t n)
{
    if (n <= v->cap) return US_OK;
    if (n > UINT32_MAX / 2) return US_ETOOBIG;
    size_t cap = v->cap ? v->cap : 64;
    while (cap < n) cap *= 2;
    us_feat *f = us_realloc(v->f, cap * sizeof *f);
    if (!f) return US_ENOMEM;
    v->f = f;
    v->cap = (uint32_t)cap;
    return US_OK;
}

int us_fvec_copy(us_fvec *dst, const us_fvec *src)
{
    int rc = fvec_reserve(dst, src->n);
    if (rc != US_OK) return rc;
    if (src->n) memcpy(dst->f, src->f, src->n * sizeof *src->f);
    dst->n = src->n;
    return US_OK;
}

int us_fvec_append(us_fvec *dst, const us_fvec *src)
{
    int rc = fvec_reserve(dst, (size_t)dst->n + src->n);
    if (rc != US_OK) return rc;
    if (src->n) memcpy(dst->f + dst->n, src->f, src->n * sizeof *src->f);
    dst->n += src->n;
    return US_OK;
}

static inline uint64_t ns_seed(const us_fz *fz, int ns);
static inline uint32_t bucket_of(const us_fz *fz, uint64_t h);

void us_fz_init(us_fz *fz, const us_feat_cfg *cfg)
{
    memset(fz, 0, sizeof *fz);
    fz->cfg = *cfg;
    fz->lang = -1;
    us_buf_init(&fz->names);
    static const char valence[11][3] = {"-5", "-4", "-3", "-2", "-1", "+0",
                                        "+1", "+2", "+3", "+4", "+5"};
    for (int v = 0; v < 11; v++)
        fz->lex_bucket[v] = bucket_of(fz, us_hash64_fast(valence[v], 2, ns_seed(fz, US_NS_LEX)));
}

void us_fz_fini(us_fz *fz)
{
    us_free(fz->acc);
    us_free(fz->acc_name);
    us_free(fz->slot);
    us_free(fz->tc);
    us_free(fz->ctx_memo);
    us_free(fz->word_memo);
    us_buf_fini(&fz->names);
    us_fvec_fini(&fz->blk);
    us_fvec_fini(&fz->ctxv);
    us_free(fz->rep_mem);
    us_free(fz->words);
    us_free(fz->word_slot);
    memset(fz, 0, sizeof *fz);
}

/* First probe position of entry idx (key idx + 1) in a table of mask + 1 slots. */
static inline uint32_t slot_home(uint32_t idx, uint32_t mask)
{
    return ((idx + 1) * 0x9E3779B1u) & mask;
}

void us_fz_reset(us_fz *fz)
{
    if (fz->slot) {
        if (fz->n_acc * 8 < fz->cap_slot) {
            /* Few entries: clear their probe positions rather than the table. */
            uint32_t mask = fz->cap_slot - 1;
            for (uint32_t i = 0; i < fz->n_acc; i++) {
                uint32_t key = fz->acc[i].idx + 1, p = slot_home(fz->acc[i].idx, mask);
                while (fz->slot[p].key != key) p = (p + 1) & mask;
                fz->slot[p].key = 0;
            }
            /* Clearing can break probe chains only for keys that are also being
             * cleared, so the table ends up all zero. */
        } else {
            memset(fz->slot, 0, fz->cap_slot * sizeof *fz->slot);
        }
    }
    fz->n_acc = 0;
    fz->fast_n = 0;
    fz->n_fixed = 0;
    fz->lin_w2 = 0;
    fz->oom = 0;
    us_buf_reset(&fz->names);
}

#define MIN_SLOTS 1024u

void us_fz_expect(us_fz *fz, uint32_t n_tokens)
{
    if (fz->n_acc || fz->oom) return;   /* only on an empty (all-zero) table */
    /* Up to 5 distinct features per token with the table at most half full
     * (an article has 3-8, as its repeated words count once; a paragraph's
     * few tokens get MIN_SLOTS); more grow it. A paragraph's table then fits
     * in L1 even after an article grew the allocation: the rest of the
     * allocation is zero and unused. */
    uint64_t need = (uint64_t)n_tokens * 10;
    uint32_t want = MIN_SLOTS;
    while (want < need && want < (1u << 24)) want <<= 1;
    if (want <= fz->cap_alloc) { fz->cap_slot = want; return; }
    us_fz_slot *k = us_calloc(want, sizeof *k);
    if (!k) { fz->oom = 1; return; }
    us_free(fz->slot);
    fz->slot = k;
    fz->cap_slot = fz->cap_alloc = want;
}

/* Position of bucket idx in the open-addressing table (its entry or the empty
 * slot where it goes). The table is kept at most half full. */
static inline uint32_t slot_find(const us_fz *fz, uint32_t idx)
{
    uint32_t key = idx + 1, mask = fz->cap_slot - 1, p = slot_home(idx, mask);
    while (fz->slot[p].key && fz->slot[p].key != key) p = (p + 1) & mask;
    return p;
}

/* Doubles the active part of the table (allocating when it is all in use)
 * and re-inserts the live entries. */
static int slot_grow(us_fz *fz)
{
    uint32_t cap = fz->cap_slot ? fz->cap_slot * 2 : MIN_SLOTS;
    if (cap <= fz->cap_alloc) {
        memset(fz->slot, 0, cap * sizeof *fz->slot);
    } else {
        us_fz_slot *k = us_calloc(cap, sizeof *k);
        if (!k) return US_ENOMEM;
        us_free(fz->slot);
        fz->slot = k;
        fz->cap_alloc = cap;
    }
    fz->cap_slot = cap;
    for (uint32_t i = 0; i < fz->n_acc; i++) {   /* re-insert the live entries */
        uint32_t p = slot_find(fz, fz->acc[i].idx);
        fz->slot[p].key = fz->acc[i].idx + 1;
        fz->slot[p].val = i + 1;
    }
    return US_OK;
}

/* 1 + index into acc of bucket idx, or 0. */
static inline uint32_t slot_get(const us_fz *fz, uint32_t idx)
{
    if (!fz->slot) return 0;
    uint32_t p = slot_find(fz, idx);
    return fz->slot[p].key ? fz->slot[p].val : 0;
}

static inline uint64_t ns_seed(const us_fz *fz, int ns)
{
    return ((uint64_t)fz->cfg.seed << 8) ^ ((uint64_t)ns * 0x9E3779B97F4A7C15ull);
}

static inline uint64_t mix2(uint64_t a, uint64_t b)
{
    uint64_t s = a ^ (b * 0xC2B2AE3D27D4EB4Full) ^ (b >> 29);
    return us_splitmix64(&s);
}

static uint32_t keep_name(us_fz *fz, const char *name, size_t name_len)
{
    uint32_t off = (uint32_t)fz->names.len;
    us_buf_append(&fz->names, name, name_len);
    us_buf_putc(&fz->names, '\0');
    if (fz->names.oom) { fz->oom = 1; return UINT32_MAX; }
    return off;
}

/* Adds entry idx (the whole path: growth, names, out of memory). */
static void push_idx_all(us_fz *fz, uint32_t idx, float w, const char *name, size_t name_len)
{
    if (fz->oom) return;
    if ((fz->n_acc + 1) * 2 > fz->cap_slot && slot_grow(fz) != US_OK) { fz->oom = 1; return; }
    uint32_t p = slot_find(fz, idx);
    if (fz->slot[p].key) { fz->acc[fz->slot[p].val - 1].val += w; return; }
    if (fz->n_acc == fz->cap_acc) {
        uint32_t cap = fz->cap_acc ? fz->cap_acc * 2 : 1024;
        us_feat *a = us_realloc(fz->acc, cap * sizeof *a);
        if (!a) { fz->oom = 1; return; }
        fz->acc = a;
        uint32_t *q = us_realloc(fz->acc_name, cap * sizeof *q);
        if (!q) { fz->oom = 1; return; }
        fz->acc_name = q;
        fz->cap_acc = cap;
    }
    uint32_t k = fz->n_acc++;
    fz->acc[k].idx = idx;
    fz->acc[k].val = w;
    fz->acc_name[k] = fz->explain && name ? keep_name(fz, name, name_len) : UINT32_MAX;
    fz->slot[p].key = idx + 1;
    fz->slot[p].val = k + 1;
}

/* push_idx's whole path, which also sets the bound of the fast one: grows the
 * table and the entries as needed and keeps names in explain mode. */
__attribute__((noinline))
static void push_idx_slow(us_fz *fz, uint32_t idx, float w, const char *name, size_t name_len)
{
    push_idx_all(fz, idx, w, name, name_len);
    uint32_t room = fz->cap_slot / 2 < fz->cap_acc ? fz->cap_slot / 2 : fz->cap_acc;
    fz->fast_n = fz->explain || fz->oom ? 0 : room;
}

/* Adds weight w to entry 'idx' (a bucket, | US_FZ_LIN for a linear
 * character n-gram) of the dense accumulator, so duplicates merge as they
 * come and memory stays bounded. Inlined: the hot loops push a million
 * features per hundred articles, and a call's register saves cost a third
 * of the work; growth, names and out-of-memory take push_idx_slow. */
__attribute__((always_inline))
static inline void push_idx(us_fz *fz, uint32_t idx, float w, const char *name, size_t name_len)
{
    if (__builtin_expect(fz->n_acc >= fz->fast_n, 0)) {
        push_idx_slow(fz, idx, w, name, name_len);
        return;
    }
    uint32_t p = slot_find(fz, idx);
    if (fz->slot[p].key) { fz->acc[fz->slot[p].val - 1].val += w; return; }
    uint32_t k = fz->n_acc++;
    fz->acc[k].idx = idx;
    fz->acc[k].val = w;
    fz->acc_name[k] = UINT32_MAX;
    fz->slot[p].key = idx + 1;
    fz->slot[p].val = k + 1;
}

static inline uint32_t bucket_of(const us_fz *fz, uint64_t h)
{
    return (uint32_t)(h >> (64 - fz->cfg.bucket_bits));
}

static inline void push(us_fz *fz, uint64_t h, float w, const char *name, size_t name_len)
{
    push_idx(fz, bucket_of(fz, h), w, name, name_len);
}

/* Pushes a namespaced string feature; 'prefix' names it in explain mode. */
void us_fz_push_str(us_fz *fz, int ns, const char *prefix, const char *s, size_t n, float w)
{
    uint64_t h = us_hash64_fast(s, n, ns_seed(fz, ns));
    if (fz->explain) {
        char name[MAX_NORM + 16];
        int k = snprintf(name, sizeof name, "%s%.*s", prefix, (int)n, s);
        push(fz, h, w, name, k < 0 ? 0 : (size_t)k < sizeof name ? (size_t)k : sizeof name - 1);
    } else {
        push(fz, h, w, NULL, 0);
    }
}

/* "<word>" over code points: pad holds the bytes, cp_off[k] the start of
 * code point k (cp_off[ncp] is the end). Returns ncp. */
static size_t pad_word(const char *norm, size_t n, char *pad, uint8_t *cp_off)
{
    size_t len = 0, ncp = 0;
    pad[len++] = '<';
    cp_off[ncp++] = 0;
    for (size_t i = 0; i < n && ncp < MAX_WORD_CP + 1;) {
        size_t adv = 1;
        unsigned char c = (unsigned char)norm[i];
        if (c >= 0xF0) adv = 4; else if (c >= 0xE0) adv = 3; else if (c >= 0xC0) adv = 2;
        if (i + adv > n) break;
        cp_off[ncp++] = (uint8_t)len;
        memcpy(pad + len, norm + i, adv);
        len += adv;
        i += adv;
    }
    cp_off[ncp++] = (uint8_t)len;
    pad[len++] = '>';
    cp_off[ncp] = (uint8_t)len;   /* end sentinel */
    return ncp;
}

/* Buckets of the character n-grams of "<word>" over code points, orders
 * [min_n, max_n] in that order, into out (cap entries); with 'at', also
 * where each n-gram lies in 'pad' (MAX_NORM + 2 bytes, filled here) so that
 * it can be named. Returns the count, or SIZE_MAX when they do not fit. */
static size_t char_ngram_buckets(const us_fz *fz, const char *norm, size_t n, char *pad,
                                 uint32_t *out, uint8_t (*at)[2], size_t cap)
{
    uint8_t cp_off[MAX_WORD_CP + 3];
    size_t ncp = pad_word(norm, n, pad, cp_off), k = 0;
    uint64_t seed = ns_seed(fz, US_NS_CHAR);
    for (uint32_t order = fz->cfg.char_min_n; order <= fz->cfg.char_max_n; order++) {
        if (order > ncp) break;
        for (size_t i = 0; i + order <= ncp; i++) {
            if (k == cap) return SIZE_MAX;
            size_t a = cp_off[i], b = cp_off[i + order];
            if (at) { at[k][0] = (uint8_t)a; at[k][1] = (uint8_t)b; }
            out[k++] = bucket_of(fz, us_hash64_fast(pad + a, b - a, seed));
        }
    }
    return k;
}

/* At most 8 orders (the model loader's limit) over a padded word. */
#define MAX_GRAMS (8 * (MAX_WORD_CP + 2))

/* Pushes unnamed character n-gram buckets b[0..k) of one word; 'wt' is the
 * unit weight (times w_char for the value). Linear n-grams are flagged and
 * enter the norm as wt^2 each. */
static inline void push_char_buckets(us_fz *fz, const uint32_t *b, size_t k, float wt)
{
    uint32_t lin = fz->lin_active ? US_FZ_LIN : 0;
    float v = wt * fz->cfg.w_char;
    for (size_t j = 0; j < k; j++) {
        push_idx(fz, b[j] | lin, v, NULL, 0);
        if (lin) fz->lin_w2 += (double)wt * wt;
    }
}

/* Pushes the character n-grams of a word, named in explain mode. */
static void add_char_ngrams(us_fz *fz, const char *norm, size_t n, float wt)
{
    char pad[MAX_NORM + 2];
    uint32_t b[MAX_GRAMS];
    uint8_t at[MAX_GRAMS][2];
    size_t k = char_ngram_buckets(fz, norm, n, pad, b, fz->explain ? at : NULL, MAX_GRAMS);
    if (k == SIZE_MAX) return;   /* cannot happen: MAX_GRAMS covers every order */
    if (!fz->explain) { push_char_buckets(fz, b, k, wt); return; }
    uint32_t lin = fz->lin_active ? US_FZ_LIN : 0;
    for (size_t j = 0; j < k; j++) {
        if (lin) fz->lin_w2 += (double)wt * wt;
        char name[MAX_NORM + 8];
        int len = snprintf(name, sizeof name, "c:%.*s", at[j][1] - at[j][0], pad + at[j][0]);
        push_idx(fz, b[j] | lin, wt * fz->cfg.w_char, name, len < 0 ? 0 : (size_t)len);
    }
}

/* Normalised token text: words and symbols via us_tok_norm, digits -> '0'. */
static size_t token_norm(const us_text *t, const us_token *tok, char *out, size_t cap)
{
    const char *s = t->text + tok->start_byte;
    size_t n = tok->end_byte - tok->start_byte;
    if (tok->kind == US_TOK_NUM) {
        size_t k = 0;
        for (size_t i = 0; i < n && k + 1 < cap; i++)
            out[k++] = (s[i] >= '0' && s[i] <= '9') ? '0' : s[i];
        return k;
    }
    return us_tok_norm(s, n, out, cap);
}

/* ---- token cache ----------------------------------------------------------
 * Everything us_fz_add_tokens derives from one token (its normal form's
 * hashes and its character n-gram buckets) depends only on the token's bytes,
 * and news text repeats its words: a direct-mapped cache keyed by the raw
 * bytes (compared in full, so a hit is exact) skips case folding and most
 * hashing. Not used in explain mode, which needs the names. */
#define TC_BITS US_FZ_TC_BITS
#define TC_MAX_RAW 24
_Static_assert(TC_MAX_RAW <= US_RAW_MAX, "us_raw_eq compares at most US_RAW_MAX bytes");
#define TC_MAX_CHAR 72

struct us_tokfeat {
    uint64_t key;                    /* hash of the raw bytes, | 1; 0 = empty */
    uint64_t h;                      /* hash of the normal form (word namespace) */
    uint32_t b_word, b_ctx;          /* buckets in the word and context namespaces */
    uint8_t kind, raw_len, n_char;
    int8_t lex;                      /* valence in the lexicon, 0 = not listed */
    char raw[TC_MAX_RAW];
    uint32_t b_char[TC_MAX_CHAR];    /* character n-gram buckets, in push order */
};

/* The key of token 'tok', or 0 when it is too long to cache. */
static inline uint64_t tok_key(const us_text *t, const us_token *tok)
{
    size_t n = tok->end_byte - tok->start_byte;
    return n > TC_MAX_RAW ? 0 : us_raw_key(t->text + tok->start_byte, n, tok->kind);
}

/* The cache entry of token 'tok', filled on a miss; NULL when the token is
 * not cacheable (long, empty normal form, out of memory): the caller then
 * takes the plain path. */
__attribute__((always_inline))   /* the token loop's hot path */
static inline const us_tokfeat *tc_get(us_fz *fz, const us_text *t, const us_token *tok,
                                       uint64_t key)
{
    size_t n = tok->end_byte - tok->start_byte;
    if (!key || !fz->tc) return NULL;
    const char *raw = t->text + tok->start_byte;
    us_tokfeat *e = &fz->tc[key >> (64 - TC_BITS)];
    if (e->key == key && e->raw_len == n && e->kind == tok->kind && us_raw_eq(e->raw, raw, n))
        return e;
    char norm[MAX_NORM];
    size_t nl = token_norm(t, tok, norm, sizeof norm);
    if (nl == 0) return NULL;
    e->key = 0;
    e->h = us_hash64_fast(norm, nl, ns_seed(fz, US_NS_WORD));
    e->b_word = bucket_of(fz, e->h);
    e->b_ctx = bucket_of(fz, us_hash64_fast(norm, nl, ns_seed(fz, US_NS_CTX)));
    e->lex = fz->lex && tok->kind == US_TOK_WORD
                 ? (int8_t)us_lex_valence(fz->lex, fz->n_lex, e->h) : 0;
    size_t nc = 0;
    if (fz->cfg.char_min_n && tok->kind == US_TOK_WORD) {
        char pad[MAX_NORM + 2];
        nc = char_ngram_buckets(fz, norm, nl, pad, e->b_char, NULL, TC_MAX_CHAR);
        if (nc == SIZE_MAX) return NULL;
    }
    e->n_char = (uint8_t)nc;
    e->kind = (uint8_t)tok->kind;
    e->raw_len = (uint8_t)n;
    memcpy(e->raw, raw, n);
    e->key = key;
    return e;
}

/* Whether the token cache is in use (not in explain mode, which needs the
 * names), allocating it on first use. */
static int tc_ready(us_fz *fz)
{
    return !fz->explain && (fz->tc || (fz->tc = us_calloc((size_t)1 << TC_BITS, sizeof *fz->tc)));
}

uint64_t us_fz_word_hash_slow(us_fz *fz, const us_text *t, uint32_t i)
{
    const us_token *tok = &t->toks[i];
    const us_tokfeat *e = tc_ready(fz) ? tc_get(fz, t, tok, tok_key(t, tok)) : NULL;
    if (e) return e->h;
    char norm[MAX_NORM];
    size_t n = token_norm(t, tok, norm, sizeof norm);
    return n ? us_hash64_fast(norm, n, ns_seed(fz, US_NS_WORD)) : 0;
}

/* The context-bucket memo of text 't' (cleared when 't' is a new text), or
 * NULL: a paragraph's neighbours are added as context to two other
 * paragraphs (and the article's words were seen already), so each word's
 * context bucket is found once per text. */
static uint32_t *ctx_memo(us_fz *fz, const us_text *t)
{
    if (!t->gen) return NULL;
    if (fz->ctx_gen == t->gen) return fz->ctx_memo;
    if (t->n_toks > fz->cap_ctx_memo) {
        uint32_t *m = us_realloc(fz->ctx_memo, t->n_toks * sizeof *m);
        if (!m) return NULL;   /* only slower */
        fz->ctx_memo = m;
        uint64_t *w = us_realloc(fz->word_memo, t->n_toks * sizeof *w);
        if (!w) { fz->ctx_gen = 0; return NULL; }
        fz->word_memo = w;
        fz->cap_ctx_memo = t->n_toks;
    }
    if (t->n_toks) {
        memset(fz->ctx_memo, 0, t->n_toks * sizeof *fz->ctx_memo);
        memset(fz->word_memo, 0, t->n_toks * sizeof *fz->word_memo);
    }
    fz->ctx_gen = t->gen;
    return fz->ctx_memo;
}

/* ---- an article's words ----------------------------------------------------
 * An article repeats its words. With damped (not linear) character n-grams
 * only the sums count, so each distinct word's features (the word, its
 * valence, the word in its language, its character n-grams) are pushed once,
 * its count times the weight, instead of once per occurrence: the same sums
 * up to float rounding, in another order. Bigrams stay per token. */

/* Counts one occurrence of token 'tok', whose word hash is h. */
static int words_add(us_fz *fz, const us_text *t, uint64_t h, uint32_t tok)
{
    if (((uint64_t)fz->n_words + 1) * 2 > fz->cap_word_slot) {
        uint32_t cap = fz->cap_word_slot ? fz->cap_word_slot * 2 : 1024;
        uint32_t *sl = cap ? us_calloc(cap, sizeof *sl) : NULL;
        if (!sl) return US_ENOMEM;
        for (uint32_t k = 0; k < fz->n_words; k++) {
            uint32_t p = (uint32_t)fz->words[k].h & (cap - 1);
            while (sl[p]) p = (p + 1) & (cap - 1);
            sl[p] = k + 1;
        }
        us_free(fz->word_slot);
        fz->word_slot = sl;
        fz->cap_word_slot = cap;
    }
    uint32_t mask = fz->cap_word_slot - 1, p = (uint32_t)h & mask;
    for (; fz->word_slot[p]; p = (p + 1) & mask) {
        us_fz_word *w = &fz->words[fz->word_slot[p] - 1];
        if (w->h == h && t->toks[w->tok].kind == t->toks[tok].kind) {
            w->count++;
            return US_OK;
        }
    }
    if (us_grow((void **)&fz->words, &fz->cap_words, (size_t)fz->n_words + 1, sizeof *fz->words))
        return US_ENOMEM;
    fz->words[fz->n_words] = (us_fz_word){h, 1, tok};
    fz->word_slot[p] = ++fz->n_words;
    return US_OK;
}

/* Pushes a word's own features but its character n-grams: the word (hash h
 * of its normal form 'norm'), its valence, the word in this language; 'w'
 * is the word's weight, 'w_lex' the valence's. Named in explain mode. */
static void push_word(us_fz *fz, const us_token *tok, const char *norm, size_t n, uint64_t h,
                      float w, float w_lex)
{
    char name[MAX_NORM + 8];
    int k = fz->explain ? snprintf(name, sizeof name, "w:%.*s", (int)n, norm) : 0;
    push(fz, h, w, fz->explain ? name : NULL, k < 0 ? 0 : (size_t)k);
    int val = fz->lex && tok->kind == US_TOK_WORD ? us_lex_valence(fz->lex, fz->n_lex, h) : 0;
    if (val) {
        k = snprintf(name, sizeof name, "lex:%+d", val);
        push_idx(fz, fz->lex_bucket[val + 5], w_lex, fz->explain ? name : NULL,
                 k < 0 ? 0 : (size_t)k);
    }
    if (fz->cfg.lang_words) {   /* the word as used in this language */
        uint64_t hl = mix2(h, (uint64_t)(fz->lang + 2)) ^ ns_seed(fz, US_NS_LANGWORD);
        k = fz->explain ? snprintf(name, sizeof name, "lw:%.*s", (int)n, norm) : 0;
        push(fz, hl, w, fz->explain ? name : NULL, k < 0 ? 0 : (size_t)k);
    }
}

/* push_word from a token cache entry (unnamed: explain mode has no cache). */
static inline void push_word_cached(us_fz *fz, const us_tokfeat *e, float w, float w_lex)
{
    push_idx(fz, e->b_word, w, NULL, 0);
    if (e->lex) push_idx(fz, fz->lex_bucket[e->lex + 5], w_lex, NULL, 0);
    if (fz->cfg.lang_words)
        push(fz, mix2(e->h, (uint64_t)(fz->lang + 2)) ^ ns_seed(fz, US_NS_LANGWORD), w, NULL, 0);
}

/* The character n-grams of a cached word, 'wt' the unit weight; their table
 * slots are asked for before they are probed. */
static inline void push_chars_cached(us_fz *fz, const us_tokfeat *e, float wt)
{
    uint32_t lin = fz->lin_active ? US_FZ_LIN : 0;
    if (fz->slot)
        for (uint32_t j = 0; j < e->n_char; j++)
            __builtin_prefetch(&fz->slot[slot_home(e->b_char[j] | lin, fz->cap_slot - 1)]);
    push_char_buckets(fz, e->b_char, e->n_char, wt);
}

/* Pushes the counted words' features and empties their table: from the
 * token cache, or (explain mode, long words) the named way, with the same
 * values in the same order, so that both give the same vector bit for bit. */
static void words_flush(us_fz *fz, const us_text *t, float weight)
{
    const us_feat_cfg *c = &fz->cfg;
    uint32_t mask = fz->cap_word_slot - 1;
    int use_tc = tc_ready(fz);
    for (uint32_t k = 0; k < fz->n_words; k++) {
        const us_fz_word *w = &fz->words[k];
        const us_token *tok = &t->toks[w->tok];
        float n = (float)w->count, w_tok = weight * c->w_word * n, w_lex = weight * c->w_lex * n;
        const us_tokfeat *e = use_tc ? tc_get(fz, t, tok, tok_key(t, tok)) : NULL;
        if (e) {
            push_word_cached(fz, e, w_tok, w_lex);
            push_chars_cached(fz, e, weight * n);
        } else {
            char norm[MAX_NORM];
            size_t len = token_norm(t, tok, norm, sizeof norm);
            push_word(fz, tok, norm, len, w->h, w_tok, w_lex);
            if (c->char_min_n && tok->kind == US_TOK_WORD) add_char_ngrams(fz, norm, len, weight * n);
        }
        /* Clearing keys that are all cleared leaves the table all zero. */
        uint32_t p = (uint32_t)w->h & mask;
        while (fz->word_slot[p] != k + 1) p = (p + 1) & mask;
        fz->word_slot[p] = 0;
    }
    fz->n_words = 0;
}

/* Context features of tokens [a, b) when every word's bucket is memoised;
 * returns 0 (nothing added) otherwise. */
static int add_ctx_memoised(us_fz *fz, const us_text *t, const uint32_t *memo, uint32_t a,
                            uint32_t b, float w)
{
    for (uint32_t i = a; i < b; i++)
        if (t->toks[i].kind == US_TOK_WORD && !memo[i]) return 0;
    for (uint32_t i = a; i < b; i++)
        if (t->toks[i].kind == US_TOK_WORD && memo[i] != US_FZ_NO_CTX)
            push_idx(fz, memo[i] - 1, w, NULL, 0);
    return 1;
}

void us_fz_add_tokens(us_fz *fz, const us_text *t, uint32_t a, uint32_t b, float weight, int ctx)
{
    const us_feat_cfg *c = &fz->cfg;
    char norm[MAX_NORM];
    uint64_t prev = 0;
    int have_prev = 0;
    uint64_t wseed = ns_seed(fz, ctx ? US_NS_CTX : US_NS_WORD);
    uint64_t bseed = ns_seed(fz, US_NS_BIGRAM);
    float w_tok = weight * (ctx ? c->w_ctx : c->w_word), w_bi = weight * c->w_bigram;
    char prev_name[MAX_NORM];
    size_t prev_len = 0;
    /* Cache entries are looked up TC_AHEAD tokens in advance (keys in a
     * ring), so that their cache misses overlap. */
    enum { TC_AHEAD = 4, RING = 8 };
    uint64_t ring[RING] = {0};
    int use_tc = tc_ready(fz);
    uint32_t *memo = use_tc ? ctx_memo(fz, t) : NULL;   /* explain mode needs the names */
    int count_words = !ctx && !fz->lin_active && !fz->char_sink;   /* an article's words */
    uint64_t cseed = ns_seed(fz, US_NS_CTX);
    if (ctx && memo && add_ctx_memoised(fz, t, memo, a, b, w_tok)) return;
    if (use_tc)
        for (uint32_t j = a; j < b && j < a + TC_AHEAD; j++) {
            ring[j % RING] = tok_key(t, &t->toks[j]);
            __builtin_prefetch(&fz->tc[ring[j % RING] >> (64 - TC_BITS)]);
        }
    for (uint32_t i = a; i < b; i++) {
        const us_token *tok = &t->toks[i];
        const us_tokfeat *e = NULL;
        if (use_tc) {
            if (i + TC_AHEAD < b) {
                uint64_t k = tok_key(t, &t->toks[i + TC_AHEAD]);
                ring[(i + TC_AHEAD) % RING] = k;
                __builtin_prefetch(&fz->tc[k >> (64 - TC_BITS)]);
            }
            if (ctx && tok->kind != US_TOK_WORD) continue;
            if (ctx && memo && memo[i]) {
                if (memo[i] != US_FZ_NO_CTX) push_idx(fz, memo[i] - 1, w_tok, NULL, 0);
                continue;
            }
            e = tc_get(fz, t, tok, ring[i % RING]);
        } else if (ctx && tok->kind != US_TOK_WORD) {
            continue;
        }
        if (e) {   /* the same pushes as below, from the cache */
            if (memo && tok->kind == US_TOK_WORD) {
                memo[i] = e->b_ctx + 1;
                fz->word_memo[i] = e->h;
            }
            if (ctx) {
                push_idx(fz, e->b_ctx, w_tok, NULL, 0);
                continue;
            }
            if (!count_words) push_word_cached(fz, e, w_tok, weight * c->w_lex);
            if (c->word_max_n >= 2 && have_prev) push(fz, mix2(prev, e->h) ^ bseed, w_bi, NULL, 0);
            prev = e->h;
            have_prev = 1;
            if (count_words) {
                if (words_add(fz, t, e->h, i) != US_OK) fz->oom = 1;
                continue;
            }
            if (!e->n_char) continue;
            if (fz->char_sink) {   /* linear n-grams scored per word by the caller */
                fz->lin_w2 += (double)e->n_char * ((double)weight * weight);
                if (fz->char_sink(fz->char_sink_ud, e->b_char, e->n_char,
                                  (uint32_t)(e - fz->tc), e->key) != US_OK)
                    fz->oom = 1;
                continue;
            }
            push_chars_cached(fz, e, weight);
            continue;
        }
        size_t n = token_norm(t, tok, norm, sizeof norm);
        int memo_it = memo && tok->kind == US_TOK_WORD;   /* also from a word pass */
        if (n == 0) {
            if (memo_it) memo[i] = US_FZ_NO_CTX;
            continue;
        }
        uint64_t h = us_hash64_fast(norm, n, wseed);
        if (memo_it) memo[i] = bucket_of(fz, ctx ? h : us_hash64_fast(norm, n, cseed)) + 1;
        if (memo_it && !ctx) fz->word_memo[i] = h;   /* (a ctx pass hashes with another seed) */
        if (ctx) {
            if (fz->explain) {
                char name[MAX_NORM + 8];
                int k = snprintf(name, sizeof name, "ctx:%.*s", (int)n, norm);
                push(fz, h, w_tok, name, k < 0 ? 0 : (size_t)k);
            } else {
                push(fz, h, w_tok, NULL, 0);
            }
            continue;
        }
        if (!count_words) push_word(fz, tok, norm, n, h, w_tok, weight * c->w_lex);
        if (c->word_max_n >= 2 && have_prev) {
            uint64_t hb = mix2(prev, h) ^ bseed;
            if (fz->explain) {
                char name[2 * MAX_NORM + 8];
                int k = snprintf(name, sizeof name, "b:%.*s %.*s", (int)prev_len, prev_name,
                                 (int)n, norm);
                push(fz, hb, w_bi, name, k < 0 ? 0 : (size_t)k);
            } else {
                push(fz, hb, w_bi, NULL, 0);
            }
        }
        prev = h;
        have_prev = 1;
        if (fz->explain) { memcpy(prev_name, norm, n); prev_len = n; }
        if (count_words) {
            if (words_add(fz, t, h, i) != US_OK) fz->oom = 1;
            continue;
        }
        if (c->char_min_n && tok->kind == US_TOK_WORD) add_char_ngrams(fz, norm, n, weight);
    }
    if (fz->n_words) words_flush(fz, t, weight);
}

void us_fz_add_flag(us_fz *fz, int ns, const char *name, float weight)
{
    if (fz->n_fixed == US_FZ_MAX_FIXED) return;   /* callers add a handful */
    uint64_t h = us_hash64_fast(name, strlen(name), ns_seed(fz, ns));
    uint32_t k = fz->n_fixed++;
    fz->fixed[k].idx = (uint32_t)(h >> (64 - fz->cfg.bucket_bits));
    fz->fixed[k].val = weight;
    fz->fixed_name[k] = UINT32_MAX;
    if (fz->explain) {
        char nm[80];
        int n = snprintf(nm, sizeof nm, "f:%s", name);
        size_t len = n < 0 ? 0 : (size_t)n < sizeof nm ? (size_t)n : sizeof nm - 1;
        fz->fixed_name[k] = keep_name(fz, nm, len);
    }
}

/* sign(v) log(1 + |v|), remembered: most sums are one of a few namespace
 * weights (a character n-gram seen once, a word seen twice...). The memo
 * starts all zero, and 0 -> 0 is right, so it needs no "empty" mark. */
static float damp(us_fz *fz, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint32_t h = (bits * 0x9E3779B1u) >> (32 - US_FZ_MEMO_BITS);
    if (fz->memo_key[h] == bits) return fz->memo_val[h];
    float r = v >= 0 ? log1pf(v) : -log1pf(-v);
    fz->memo_key[h] = bits;
    fz->memo_val[h] = r;
    return r;
}

int us_fz_finish(us_fz *fz, us_fvec *out)
{
    out->n = 0;
    if (fz->oom) return US_ENOMEM;
    uint32_t k = fz->n_acc;
    if (fvec_reserve(out, (size_t)k + fz->n_fixed) != US_OK) return US_ENOMEM;
    /* Linear character n-grams (cfg.char_linear) enter the norm as w_char^2
     * per occurrence (sum of counts, not of squared counts): a caller that
     * scores them per word (char_sink) never sees them merged, and this norm
     * is then the same bit for bit. */
    double norm = 0;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t a = fz->acc[i].idx, idx = a & ~US_FZ_LIN;
        float v = a & US_FZ_LIN ? fz->acc[i].val : damp(fz, fz->acc[i].val);
        if (fz->idf) v *= fz->idf[idx];
        out->f[i].idx = idx;
        out->f[i].val = v;
        if (!(a & US_FZ_LIN)) norm += (double)v * v;
    }
    norm += (double)fz->cfg.w_char * fz->cfg.w_char * fz->lin_w2;
    fz->inv_norm = 1.0f;
    if (norm > 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (uint32_t i = 0; i < k; i++) out->f[i].val *= inv;
        fz->inv_norm = inv;
    }
    /* Flags are added raw; one sharing a bucket with another feature adds to it. */
    uint32_t n = k;
    for (uint32_t j = 0; j < fz->n_fixed; j++) {
        uint32_t idx = fz->fixed[j].idx, i;
        uint32_t s = slot_get(fz, idx);
        if (s) { out->f[s - 1].val += fz->fixed[j].val; continue; }
        for (i = k; i < n && out->f[i].idx != idx; i++) {}
        if (i < n) { out->f[i].val += fz->fixed[j].val; continue; }
        out->f[n].idx = idx;
        out->f[n].val = fz->fixed[j].val;
        n++;
    }
    out->n = n;
    return US_OK;
}

size_t us_fz_names_of(const us_fz *fz, uint32_t idx, char *out, size_t cap)
{
    if (cap == 0) return 0;
    out[0] = '\0';
    uint32_t off = UINT32_MAX;
    uint32_t s = slot_get(fz, idx);
    if (!s) s = slot_get(fz, idx | US_FZ_LIN);
    if (s && fz->acc_name) off = fz->acc_name[s - 1];
    for (uint32_t j = 0; off == UINT32_MAX && j < fz->n_fixed; j++)
        if (fz->fixed[j].idx == idx) off = fz->fixed_name[j];
    if (off == UINT32_MAX || off >= fz->names.len) return 0;
    snprintf(out, cap, "%s", fz->names.data + off);
    size_t len = strlen(out);
    if (len == cap - 1) {
        /* Possibly cut: never leave half a code point (names end up in JSON). */
        size_t i = len;
        while (i > 0 && ((unsigned char)out[i - 1] & 0xC0) == 0x80) i--;
        if (i > 0 && (unsigned char)out[i - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)out[i - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (len - (i - 1) < need) len = i - 1;
        }
        out[len] = '\0';
    }
    return len;
}
