/* span.c -- technique span tagger: token features, constrained Viterbi,
 * averaged structured perceptron, quantised "SPAN" section.
 *
 * References: M. Collins, "Discriminative training methods for hidden Markov
 * models: theory and experiments with perceptron algorithms", EMNLP 2002
 * (training and weight averaging); H. Daume III's lazy averaging trick
 * (avg = w - u / c, where u accumulates c * update), as in CRFsuite's
 * averaged perceptron. The section layout and the confidence formula are in
 * span.h; design notes and measurements in docs/SPANS.md.
 *
 * Deliberately not here: a CRF (the perceptron trains in seconds and its
 * spans are as good for this data size), second-order chains, joint decoding
 * across techniques (the chains are independent by design: one paragraph can
 * carry overlapping spans of different techniques). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "base/hash.h"
#include "base/rawkey.h"
#include "task/span.h"
#include "task/span_explain.h"

#define L_TECH US_N_TECHNIQUES
#define NF 26                 /* features per token, fixed */
#define MAX_NORM 64           /* bytes of a normalised word kept for hashing */
#define H_PER_TOK 8           /* uint64 hash scratch per token */

enum { TAG_O = 0, TAG_B = 1, TAG_I = 2 };
/* Viterbi states: O before any B, O after a B, B, I. */
enum { ST_O0 = 0, ST_O1 = 1, ST_B = 2, ST_I = 3, N_ST = 4 };
static const uint8_t st_tag[N_ST] = {TAG_O, TAG_O, TAG_B, TAG_I};

void us_span_cfg_default(us_span_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->bucket_bits = 17;
    cfg->seed = 0x5ba7;
    cfg->epochs = 8;
    cfg->shuffle_seed = 42;
    cfg->repair = 1;
    cfg->inside_bias = 0.8f;   /* docs/SPANS.md: nested CV over the bias */
}

/* ==== token features ===================================================== */

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t s = a ^ (b * 0xC2B2AE3D27D4EB4Full) ^ (b >> 31);
    return us_splitmix64(&s);
}

/* Length bucket of a count: 0,1,2,3,4-5,6-9,10-19,20+. */
static uint32_t bucket_of(uint32_t n)
{
    return n < 4 ? n : n < 6 ? 4 : n < 10 ? 5 : n < 20 ? 6 : 7;
}

/* Shape: kind, capitalisation, quote, length bucket. */
static uint64_t shape_of(const us_token *tk)
{
    uint32_t f = tk->flags & (US_TF_UPPER1 | US_TF_ALLCAPS | US_TF_IN_QUOTE);
    return (uint64_t)tk->kind | (uint64_t)f << 4 | (uint64_t)bucket_of(tk->end_cp - tk->start_cp)
                                                       << 12;
}

/* Token-local features: the word, its raw form and its four affixes (slots
 * 2, 3 and 12-15 of extract's v[]), then the word as a neighbour (slots 4-7:
 * the same hash in four positions) and, for one language at a time, the word
 * with its language (slot 24). Their bucket ids depend only on the token's
 * bytes, the seed, the bits (and the language), so a per-thread cache keeps
 * them. */
#define N_LOCAL 6
#define LOCAL_SLOTS (1u << 2 | 1u << 3 | 1u << 12 | 1u << 13 | 1u << 14 | 1u << 15)
#define N_NB 4                     /* slots 4-7 */
#define N_TOKB (N_LOCAL + N_NB + 1)  /* per token: local, neighbour, word+language */
#define TB_NB N_LOCAL
#define TB_LANG (N_LOCAL + N_NB)
#define STC_BITS 11
#define SHAPE_BITS 8               /* shape memo: (1 << SHAPE_BITS) entries */
#define TRI_BITS 10                /* shape-trigram memo */

typedef struct span_tok {
    uint64_t key;              /* us_raw_key of the raw bytes; 0 = empty */
    uint64_t hw;               /* hash of the normalised word */
    uint32_t b[N_LOCAL + N_NB];  /* bucket ids of the local and neighbour slots */
    uint32_t b_lang;           /* slot 24's bucket id for language lang1 - 1 */
    int16_t lang1;             /* 1 + the language of b_lang, -1 = none yet */
    uint8_t raw_len;
    char raw[US_RAW_MAX];
} span_tok;

/* Bucket ids of the values that do not depend on the words: the bias, the
 * neighbours past the line's ends, positions and quote flags. */
typedef struct span_consts {
    uint32_t bias, bos4, bos5, eos6, eos7, bos17, eos18;
    uint32_t pos20[32], pos21[8], pos22[8], pos23[8], quote25[8];
} span_consts;

typedef struct shape_memo { uint64_t key; uint32_t b[3]; } shape_memo;  /* key: shape + 1 */
typedef struct tri_memo { uint64_t key; uint32_t b; } tri_memo;        /* key: triple + 1 */

struct us_span_cache {
    uint64_t s0;
    uint32_t bits;
    span_consts k;
    shape_memo shape[1u << SHAPE_BITS];
    tri_memo tri[1u << TRI_BITS];
    span_tok e[1u << STC_BITS];
};

us_span_cache *us_span_cache_new(void) { return us_calloc(1, sizeof(us_span_cache)); }
void us_span_cache_free(us_span_cache *c) { us_free(c); }

/* Bucket id of slot j's value v. */
static inline uint32_t slot_bucket(uint64_t v, int j, uint64_t s0, uint32_t shift)
{
    return (uint32_t)(mix(v, s0 ^ ((uint64_t)(j + 1) << 32)) >> shift);
}

static const uint64_t BOS = 0x0b05, EOS = 0x0e05;

static void consts_fill(span_consts *k, uint64_t s0, uint32_t shift)
{
    k->bias = slot_bucket(1, 0, s0, shift);
    k->bos4 = slot_bucket(BOS, 4, s0, shift);
    k->bos5 = slot_bucket(BOS, 5, s0, shift);
    k->eos6 = slot_bucket(EOS, 6, s0, shift);
    k->eos7 = slot_bucket(EOS, 7, s0, shift);
    k->bos17 = slot_bucket(BOS, 17, s0, shift);
    k->eos18 = slot_bucket(EOS, 18, s0, shift);
    for (uint64_t v = 0; v < 32; v++) k->pos20[v] = slot_bucket(v, 20, s0, shift);
    for (uint64_t v = 0; v < 8; v++) {
        k->pos21[v] = slot_bucket(v, 21, s0, shift);
        k->pos22[v] = slot_bucket(v, 22, s0, shift);
        k->pos23[v] = slot_bucket(v, 23, s0, shift);
        k->quote25[v] = slot_bucket(v, 25, s0, shift);
    }
}

/* Slot 16 + x's bucket id (x = 0: the token's shape, 1: as the previous
 * token's, 2: as the next one's) of shape value v, memoised in c. */
static inline uint32_t shape_bucket(us_span_cache *c, uint64_t v, int x, uint64_t s0,
                                    uint32_t shift)
{
    if (!c) return slot_bucket(v, 16 + x, s0, shift);
    shape_memo *m = &c->shape[(v * 0x9E3779B97F4A7C15ull) >> (64 - SHAPE_BITS)];
    if (m->key != v + 1) {
        for (int j = 0; j < 3; j++) m->b[j] = slot_bucket(v, 16 + j, s0, shift);
        m->key = v + 1;
    }
    return m->b[x];
}

/* Slot 19's bucket id: the shapes of the previous token, this one, the next. */
static inline uint32_t tri_bucket(us_span_cache *c, uint64_t sm1, uint64_t s, uint64_t sp1,
                                  uint64_t s0, uint32_t shift)
{
    if (!c || (sm1 | s | sp1) >> 16)
        return slot_bucket(mix(mix(sm1, s), sp1), 19, s0, shift);
    uint64_t key = (sm1 | s << 16 | sp1 << 32) + 1;
    tri_memo *m = &c->tri[(key * 0x9E3779B97F4A7C15ull) >> (64 - TRI_BITS)];
    if (m->key != key) {
        m->b = slot_bucket(mix(mix(sm1, s), sp1), 19, s0, shift);
        m->key = key;
    }
    return m->b;
}

/* The normalised word hash of token tk and the bucket ids of its local and
 * neighbour slots (N_LOCAL + N_NB). */
static void token_local(const us_text *t, const us_token *tk, uint64_t s0, uint32_t shift,
                        uint64_t *hw, uint32_t *loc)
{
    char norm[MAX_NORM];
    const char *raw = t->text + tk->start_byte;
    size_t rl = tk->end_byte - tk->start_byte;
    size_t nl = us_tok_norm(raw, rl, norm, sizeof norm);
    uint64_t v[N_LOCAL];
    *hw = v[0] = us_hash64_fast(norm, nl, s0 ^ 1);
    v[1] = us_hash64_fast(raw, rl < MAX_NORM ? rl : MAX_NORM, s0 ^ 2);
    /* Affixes: the character n-grams anchored at the normalised word's ends. */
    size_t cpo[MAX_NORM + 1], ncp = 0;
    for (size_t j = 0; j < nl; j++)
        if (((unsigned char)norm[j] & 0xC0) != 0x80) cpo[ncp++] = j;
    cpo[ncp] = nl;
    for (size_t m = 3; m <= 4; m++) {
        size_t pe = cpo[ncp < m ? ncp : m], sb2 = cpo[ncp < m ? 0 : ncp - m];
        v[2 + 2 * (m - 3)] = us_hash64_fast(norm, pe, s0 ^ (10 + m));
        v[2 + 2 * (m - 3) + 1] = us_hash64_fast(norm + sb2, nl - sb2, s0 ^ (20 + m));
    }
    for (int j = 0, l = 0; j < NF; j++)
        if (LOCAL_SLOTS >> j & 1u) { loc[l] = slot_bucket(v[l], j, s0, shift); l++; }
    for (int j = 0; j < N_NB; j++) loc[TB_NB + j] = slot_bucket(*hw, 4 + j, s0, shift);
}

/* Writes NF bucket ids per token of tokens [a, b) of t into out ((b-a) * NF).
 * 'h' is scratch of H_PER_TOK * (b - a) uint64; 'c' a token cache or NULL.
 * Pure function of the text, the line, lang, bits and seed (shared by
 * training and prediction; the cache changes nothing but the speed). Each
 * value's bucket id is found once: a word's as itself and as each
 * neighbour, each adjacent pair's (slots 8-11 are the pairs around the
 * token), the constants' once per seed. */
static void extract(const us_text *t, uint32_t a, uint32_t b, int lang, uint32_t bits,
                    uint32_t seed, uint32_t *out, uint64_t *h, us_span_cache *c)
{
    uint32_t n = b - a, shift = 64 - bits;
    uint64_t s0 = (uint64_t)seed * 0x9E3779B97F4A7C15ull;
    uint64_t *hw = h, *hs = h + n;                             /* word, shape */
    uint32_t *tb = (uint32_t *)(void *)(h + 2 * (size_t)n);   /* N_TOKB per token */
    span_consts kl;
    const span_consts *K = &kl;
    if (c) {
        if (c->s0 != s0 || c->bits != bits) {   /* another model (or none yet): start afresh */
            memset(c->e, 0, sizeof c->e);
            memset(c->shape, 0, sizeof c->shape);
            memset(c->tri, 0, sizeof c->tri);
            consts_fill(&c->k, s0, shift);
            c->s0 = s0;
            c->bits = bits;
        }
        K = &c->k;
    } else {
        consts_fill(&kl, s0, shift);
    }
    const uint64_t lang1 = (uint64_t)(lang + 1);
    /* First pass: normalised word hashes, shapes and the per-token slots. */
    for (uint32_t i = 0; i < n; i++) {
        const us_token *tk = &t->toks[a + i];
        const char *raw = t->text + tk->start_byte;
        size_t rl = tk->end_byte - tk->start_byte;
        uint32_t *slots = tb + (size_t)i * N_TOKB;
        hs[i] = shape_of(tk);
        span_tok *e = NULL;
        int hit = 0;
        if (c && rl <= US_RAW_MAX) {
            uint64_t key = us_raw_key(raw, rl, 0);
            e = &c->e[key >> (64 - STC_BITS)];
            hit = e->key == key && e->raw_len == rl && us_raw_eq(e->raw, raw, rl);
            if (!hit) {   /* refilled below; no language yet */
                e->key = key;
                e->lang1 = -1;
            }
        }
        if (hit) {
            hw[i] = e->hw;
            memcpy(slots, e->b, sizeof e->b);
        } else {
            token_local(t, tk, s0, shift, &hw[i], slots);
            if (e) {
                e->hw = hw[i];
                memcpy(e->b, slots, sizeof e->b);
                e->raw_len = (uint8_t)rl;
                memcpy(e->raw, raw, rl);
            }
        }
        if (e && e->lang1 == (int16_t)lang1) {
            slots[TB_LANG] = e->b_lang;
        } else {
            slots[TB_LANG] = slot_bucket(mix(hw[i], lang1), 24, s0, shift);
            if (e) {
                e->b_lang = slots[TB_LANG];
                e->lang1 = (int16_t)lang1;
            }
        }
    }
    /* Sentence of the first token: sentences are sorted and never cross lines. */
    size_t si = 0;
    {
        size_t lo = 0, hi = t->n_sents;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t->sents[mid].tok_end <= a) lo = mid + 1; else hi = mid;
        }
        si = lo;
    }
    const uint32_t b_lang = slot_bucket(lang1, 1, s0, shift);
    /* Adjacent pairs over the words padded with two BOS and two EOS:
     * pr[x] is the pair starting at word i - 2 + x. */
#define WORD(j) ((j) < 0 ? BOS : (j) >= (int64_t)n ? EOS : hw[j])
    uint64_t pr[4];
    for (int x = 0; x < 3; x++) pr[x] = mix(WORD(x - 2), WORD(x - 1));
    for (uint32_t i = 0; i < n; i++) {
        const us_token *tk = &t->toks[a + i];
        uint32_t ti = a + i;
        while (si < t->n_sents && t->sents[si].tok_end <= ti) si++;
        uint32_t sb = a, se = b;
        if (si < t->n_sents && t->sents[si].tok_begin <= ti) {
            sb = t->sents[si].tok_begin < a ? a : t->sents[si].tok_begin;
            se = t->sents[si].tok_end > b ? b : t->sents[si].tok_end;
        }
        pr[3] = mix(WORD((int64_t)i + 1), WORD((int64_t)i + 2));
        const uint32_t *tbi = tb + (size_t)i * N_TOKB;
        uint64_t sm1 = i >= 1 ? hs[i - 1] : BOS, sp1 = i + 1 < n ? hs[i + 1] : EOS;
        uint32_t *o = out + (size_t)i * NF;
        o[0] = K->bias;
        o[1] = b_lang;
        o[2] = tbi[0];   /* the word and its raw form */
        o[3] = tbi[1];
        o[4] = i >= 1 ? tb[(size_t)(i - 1) * N_TOKB + TB_NB] : K->bos4;
        o[5] = i >= 2 ? tb[(size_t)(i - 2) * N_TOKB + TB_NB + 1] : K->bos5;
        o[6] = i + 1 < n ? tb[(size_t)(i + 1) * N_TOKB + TB_NB + 2] : K->eos6;
        o[7] = i + 2 < n ? tb[(size_t)(i + 2) * N_TOKB + TB_NB + 3] : K->eos7;
        o[8] = slot_bucket(pr[1], 8, s0, shift);    /* previous word, this one */
        o[9] = slot_bucket(pr[2], 9, s0, shift);    /* this word, the next */
        o[10] = slot_bucket(pr[0], 10, s0, shift);  /* the two before */
        o[11] = slot_bucket(pr[3], 11, s0, shift);  /* the two after */
        for (int j = 0; j < 4; j++) o[12 + j] = tbi[2 + j];   /* the affixes */
        o[16] = shape_bucket(c, hs[i], 0, s0, shift);
        o[17] = i >= 1 ? shape_bucket(c, sm1, 1, s0, shift) : K->bos17;
        o[18] = i + 1 < n ? shape_bucket(c, sp1, 2, s0, shift) : K->eos18;
        o[19] = tri_bucket(c, sm1, hs[i], sp1, s0, shift);
        o[20] = K->pos20[bucket_of(ti - sb) | (uint32_t)((tk->flags & US_TF_SENT_START) != 0) << 4];
        o[21] = K->pos21[bucket_of(se - 1 - ti)];
        o[22] = K->pos22[bucket_of(i)];
        o[23] = K->pos23[bucket_of(n - 1 - i)];
        o[24] = tbi[TB_LANG];
        o[25] = K->quote25[(uint32_t)(i >= 1 && (t->toks[ti - 1].flags & US_TF_IN_QUOTE)) |
                           (uint32_t)((tk->flags & US_TF_IN_QUOTE) != 0) << 1 |
                           (uint32_t)(i + 1 < n && (t->toks[ti + 1].flags & US_TF_IN_QUOTE)) << 2];
        memmove(pr, pr + 1, 3 * sizeof *pr);
    }
#undef WORD
}

_Static_assert(NF == US_SPAN_NF && H_PER_TOK == US_SPAN_H_PER_TOK, "span_explain.h");
_Static_assert(2 * 8 + N_TOKB * 4 <= H_PER_TOK * 8, "extract's scratch per token");

void us_span_features(const us_span_model *sm, const us_text *t, uint32_t a, uint32_t b,
                      int lang, uint32_t *out, uint64_t *h)
{
    extract(t, a, b, lang, sm->bucket_bits, sm->seed, out, h, NULL);
}

/* ==== decoding =========================================================== */

/* Constrained Viterbi over n >= 1 tokens. em is (n, 2) emission scores of B
 * and I (O = 0); tr = start[3] then trans[3][3]. 'force' demands >= 1 B.
 * back is (n, N_ST) scratch. OUT: tags (n). */
static void viterbi(const float *em, uint32_t n, const float *tr, int force, uint8_t *back,
                    uint8_t *tags)
{
    const float NEG = -1e30f;
    const float *st = tr, *T = tr + 3;
    float d[N_ST], nd[N_ST];
    d[ST_O0] = st[TAG_O];
    d[ST_O1] = NEG;
    d[ST_B] = st[TAG_B] + em[0];
    d[ST_I] = NEG;
    /* Each step keeps the first best predecessor (strictly greater replaces),
     * written as selects: the comparisons depend on the data, and branches
     * on them mispredict about half the time. */
#define KEEP(cand, state) do { float c_ = (cand); int g_ = c_ > best; \
        best = g_ ? c_ : best; arg = g_ ? (uint8_t)(state) : arg; } while (0)
    for (uint32_t i = 1; i < n; i++) {
        const float eb = em[2 * i], ei = em[2 * i + 1];
        uint8_t *bk = back + (size_t)i * N_ST;
        float best;
        uint8_t arg;
        /* O0 <- O0 */
        nd[ST_O0] = d[ST_O0] + T[TAG_O * 3 + TAG_O];
        bk[ST_O0] = ST_O0;
        /* O1 <- O1, B, I */
        best = d[ST_O1] + T[TAG_O * 3 + TAG_O];
        arg = ST_O1;
        KEEP(d[ST_B] + T[TAG_B * 3 + TAG_O], ST_B);
        KEEP(d[ST_I] + T[TAG_I * 3 + TAG_O], ST_I);
        nd[ST_O1] = best; bk[ST_O1] = arg;
        /* B <- O0, O1, B, I */
        best = d[ST_O0] + T[TAG_O * 3 + TAG_B];
        arg = ST_O0;
        KEEP(d[ST_O1] + T[TAG_O * 3 + TAG_B], ST_O1);
        KEEP(d[ST_B] + T[TAG_B * 3 + TAG_B], ST_B);
        KEEP(d[ST_I] + T[TAG_I * 3 + TAG_B], ST_I);
        nd[ST_B] = best + eb; bk[ST_B] = arg;
        /* I <- B, I */
        best = d[ST_B] + T[TAG_B * 3 + TAG_I];
        arg = ST_B;
        KEEP(d[ST_I] + T[TAG_I * 3 + TAG_I], ST_I);
        nd[ST_I] = best + ei; bk[ST_I] = arg;
        memcpy(d, nd, sizeof d);
    }
#undef KEEP
    uint8_t s = ST_O1;
    float best = d[ST_O1];
    if (d[ST_B] > best) { best = d[ST_B]; s = ST_B; }
    if (d[ST_I] > best) { best = d[ST_I]; s = ST_I; }
    if (!force && d[ST_O0] >= best) s = ST_O0;
    for (uint32_t i = n; i-- > 0;) {
        tags[i] = st_tag[s];
        if (i) s = back[(size_t)i * N_ST + s];
    }
}

/* Score of segment [a, b] (tags B I..I) minus the same tokens tagged O, with
 * the neighbouring tags of 'tags' kept. */
static float seg_margin(const float *em, const uint8_t *tags, uint32_t n, uint32_t a, uint32_t b,
                        const float *tr)
{
    const float *st = tr, *T = tr + 3;
    float s = 0, o = 0;
    for (uint32_t i = a; i <= b; i++) {
        s += em[2 * i + (tags[i] == TAG_B ? 0 : 1)];
        if (i > a) s += T[tags[i - 1] * 3 + tags[i]];
    }
    if (a == 0) { s += st[tags[a]]; o += st[TAG_O]; }
    else { s += T[tags[a - 1] * 3 + tags[a]]; o += T[tags[a - 1] * 3 + TAG_O]; }
    if (b + 1 < n) { s += T[tags[b] * 3 + tags[b + 1]]; o += T[TAG_O * 3 + tags[b + 1]]; }
    o += (float)(b - a) * T[TAG_O * 3 + TAG_O];
    return s - o;
}

/* Next segment at or after *i: OUT [*a, *b]; returns 0 when none is left. */
static int next_seg(const uint8_t *tags, uint32_t n, uint32_t *i, uint32_t *a, uint32_t *b)
{
    while (*i < n && tags[*i] != TAG_B) (*i)++;
    if (*i >= n) return 0;
    *a = (*i)++;
    while (*i < n && tags[*i] == TAG_I) (*i)++;
    *b = *i - 1;
    return 1;
}

/* Emissions of technique k from float weights w (NB, L, 2). */
static void emit_f(const float *w, const uint32_t *feat, uint32_t n, uint32_t k, float *em)
{
    for (uint32_t i = 0; i < n; i++) {
        float eb = 0, ei = 0;
        const uint32_t *f = feat + (size_t)i * NF;
        for (int j = 0; j < NF; j++) {
            const float *r = w + (size_t)f[j] * (L_TECH * 2) + k * 2;
            eb += r[0];
            ei += r[1];
        }
        em[2 * i] = eb;
        em[2 * i + 1] = ei;
    }
}

/* Tokens whose rows are requested ahead of use. */
#define SPAN_AHEAD 3

/* Asks for the rows of one token's NF features. Always inlined: a function
 * that only prefetches counts as pure to gcc, which then deletes its calls. */
static inline __attribute__((always_inline)) void prefetch_rows(const us_span_model *sm, const uint32_t *f)
{
    for (int j = 0; j < NF; j++) {
        __builtin_prefetch(us_span_q(sm, f[j]));
        if (sm->scale_stride == 4) __builtin_prefetch(sm->scale + (size_t)f[j] * 4);
    }
}

/* Picks the m techniques ks[] of one token's summed emissions acc (L, 2)
 * into em (m, n, 2), adding 'bias' to B and I. */
static inline void emit_store(const float *acc, const uint32_t *ks, uint32_t m, uint32_t n,
                              uint32_t i, float bias, float *em)
{
    for (uint32_t x = 0; x < m; x++) {
        em[((size_t)x * n + i) * 2] = acc[2 * ks[x]] + bias;
        em[((size_t)x * n + i) * 2 + 1] = acc[2 * ks[x] + 1] + bias;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_EMIT_AVX2 1
#define EMIT_LANES 48   /* the row's L * 2 = 46 weights and 2 zero pad bytes */
_Static_assert(L_TECH * 2 <= EMIT_LANES && 4 + EMIT_LANES <= 64, "a format-2 row");

/* emit_q for format-2 rows with AVX2: every technique's B and I sums at once,
 * six groups of eight lanes (a row is already in cache once its scale is
 * read, so summing all 23 costs about what summing three did). Each lane
 * adds the same products in the same order as the scalar loop (mul then add,
 * no FMA), so the emissions are bit-identical to it. */
__attribute__((target("avx2")))
static void emit_q_avx2(const us_span_model *sm, const uint32_t *feat, uint32_t n,
                        const uint32_t *ks, uint32_t m, float *em)
{
    for (uint32_t i = 0; i < n; i++) {
        __m256 a[EMIT_LANES / 8];
        for (int g = 0; g < EMIT_LANES / 8; g++) a[g] = _mm256_setzero_ps();
        const uint32_t *f = feat + (size_t)i * NF;
        if (i + SPAN_AHEAD < n) prefetch_rows(sm, f + SPAN_AHEAD * NF);
        for (int j = 0; j < NF; j++) {
            const int8_t *q = us_span_q(sm, f[j]);
            float sc = us_span_scale(sm, f[j]);
            if (sc == 0.0f) continue;   /* unused bucket */
            __m256 v = _mm256_set1_ps(sc);
            for (int g = 0; g < EMIT_LANES / 8; g++) {
                __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)(q + 8 * g));
                a[g] = _mm256_add_ps(a[g],
                                     _mm256_mul_ps(v, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b))));
            }
        }
        float acc[EMIT_LANES];
        for (int g = 0; g < EMIT_LANES / 8; g++) _mm256_storeu_ps(acc + 8 * g, a[g]);
        emit_store(acc, ks, m, n, i, sm->inside_bias, em);
    }
}
#endif

/* Emissions of the m techniques ks[] from the quantised weights, in one pass
 * over the features (each row, 46 bytes, is fetched once for all of them).
 * em is (m, n, 2); 'bias' is added to B and I. */
static void emit_q(const us_span_model *sm, const uint32_t *feat, uint32_t n, const uint32_t *ks,
                   uint32_t m, float *em)
{
#ifdef HAVE_EMIT_AVX2
    if (sm->q_stride == 64 && m > 1 && us_cpu_avx2()) {
        emit_q_avx2(sm, feat, n, ks, m, em);
        return;
    }
#endif
    for (uint32_t i = 0; i < n; i++) {
        float acc[2 * L_TECH];   /* only the m techniques' lanes are used */
        for (uint32_t x = 0; x < m; x++) acc[2 * ks[x]] = acc[2 * ks[x] + 1] = 0;
        const uint32_t *f = feat + (size_t)i * NF;
        /* The rows are scattered over a table larger than L2: ask for the
         * rows of a token a few places ahead while this one's are summed, so
         * that the misses overlap (asking for a whole paragraph at once
         * overflows the cache's miss queue). */
        if (i + SPAN_AHEAD < n) prefetch_rows(sm, f + SPAN_AHEAD * NF);
        for (int j = 0; j < NF; j++) {
            const int8_t *q = us_span_q(sm, f[j]);
            float sc = us_span_scale(sm, f[j]);
            if (sc == 0.0f) continue;   /* unused bucket */
            for (uint32_t x = 0; x < m; x++) {
                acc[2 * ks[x]] += sc * (float)q[2 * ks[x]];
                acc[2 * ks[x] + 1] += sc * (float)q[2 * ks[x] + 1];
            }
        }
        emit_store(acc, ks, m, n, i, sm->inside_bias, em);
    }
}

static float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

/* ==== prediction ========================================================== */

int us_span_line_tokens(const us_text *t, uint32_t line, uint32_t *a, uint32_t *n, us_err *err)
{
    if (line >= t->n_lines)
        return us_err_set(err, US_EINVAL, "span: line %u out of range (%zu lines)", line,
                          t->n_lines);
    *a = t->lines[line].tok_begin;
    *n = t->lines[line].tok_end - t->lines[line].tok_begin;
    return US_OK;
}

/* Emissions of some techniques over the tokens of one line, with the Viterbi
 * scratch, in one block: ks/m the techniques, em (m, n, 2), back (n, N_ST),
 * paths (m, n): technique x's Viterbi tags once bit x of 'have_path' is set,
 * so scoring and decoding the same technique run Viterbi once. */
struct us_span_pass {
    uint32_t a, n, m, mask, have_path, ks[L_TECH];
    float *em;
    uint8_t *back, *paths;
};

/* The forced Viterbi tags of the pass's technique x (computed on first use). */
static const uint8_t *pass_path(const us_span_model *sm, us_span_pass *w, uint32_t x)
{
    uint8_t *tags = w->paths + (size_t)x * w->n;
    if (!(w->have_path >> x & 1u)) {
        viterbi(w->em + (size_t)x * w->n * 2, w->n, sm->trans + w->ks[x] * 12, 1, w->back, tags);
        w->have_path |= 1u << x;
    }
    return tags;
}

int us_span_pass_new(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                     uint32_t mask, us_span_cache *cache, us_span_pass **out, us_err *err)
{
    *out = NULL;
    if (!sm || !sm->present || !mask) return US_OK;
    uint32_t a, n;
    int rc = us_span_line_tokens(t, line, &a, &n, err);
    if (rc != US_OK || n == 0) return rc;
    uint32_t ks[L_TECH], m = 0;
    for (uint32_t k = 0; k < L_TECH; k++)
        if (mask >> k & 1u) ks[m++] = k;
    if (m == 0) return US_OK;
    /* Header, then per token: hash scratch, features, emissions, backpointers, paths. */
    const size_t hdr = (sizeof(us_span_pass) + 7) & ~(size_t)7;
    const size_t o_feat = H_PER_TOK * 8, o_em = o_feat + NF * 4, o_back = o_em + 8 * (size_t)m;
    const size_t per_tok = o_back + N_ST + m;
    size_t bytes;
    if (us_mul_ok(n, per_tok, &bytes) != 0 || bytes > SIZE_MAX - hdr)
        return us_err_set(err, US_ETOOBIG, "span: too big");
    unsigned char *mem = us_malloc(hdr + bytes);
    if (!mem) return us_err_set(err, US_ENOMEM, "out of memory");
    us_span_pass *w = (us_span_pass *)(void *)mem;
    unsigned char *body = mem + hdr;
    uint64_t *h = (uint64_t *)(void *)body;
    uint32_t *feat = (uint32_t *)(void *)(body + (size_t)n * o_feat);
    w->a = a;
    w->n = n;
    w->m = m;
    w->have_path = 0;
    w->mask = mask & ((1u << L_TECH) - 1);
    memcpy(w->ks, ks, sizeof ks);
    w->em = (float *)(void *)(body + (size_t)n * o_em);
    w->back = body + (size_t)n * o_back;
    w->paths = w->back + (size_t)n * N_ST;
    extract(t, a, a + n, lang, sm->bucket_bits, sm->seed, feat, h, cache);
    for (uint32_t i = 0; i < n && i < SPAN_AHEAD; i++)   /* emit_q asks for the rest */
        prefetch_rows(sm, feat + (size_t)i * NF);
    emit_q(sm, feat, n, w->ks, m, w->em);
    *out = w;
    return US_OK;
}

void us_span_pass_free(us_span_pass *w) { us_free(w); }

uint32_t us_span_pass_mask(const us_span_pass *w) { return w ? w->mask : 0; }

int us_span_pass_decode(const us_span_model *sm, const us_text *t, us_span_pass *w,
                        us_para_result *p, us_err *err)
{
    p->spans = NULL;
    p->n_spans = 0;
    if (!w || !p->techniques) return US_OK;
    if (p->techniques & ~w->mask)
        return us_err_set(err, US_EINVAL, "span: technique not in the pass");
    uint32_t a = w->a, n = w->n;
    us_span_result *out = NULL;
    size_t n_out = 0, cap = 0;
    for (uint32_t x = 0; x < w->m; x++) {
        uint32_t k = w->ks[x];
        if (!(p->techniques >> k & 1u)) continue;
        const float *tr = sm->trans + k * 12;
        const float *emk = w->em + (size_t)x * n * 2;
        const uint8_t *tags = pass_path(sm, w, x);
        float pk = p->prob_text[k] > 0.0f && p->prob_text[k] <= 1.0f ? p->prob_text[k] : 1.0f;
        uint32_t i = 0, sa, sb;
        while (next_seg(tags, n, &i, &sa, &sb)) {
            if (n_out == cap) {
                size_t nc = cap ? 2 * cap : 4;
                us_span_result *q = us_realloc(out, nc * sizeof *q);
                if (!q) {
                    us_free(out);
                    return us_err_set(err, US_ENOMEM, "out of memory");
                }
                out = q;
                cap = nc;
            }
            us_span_result *s = &out[n_out++];
            const us_token *t0 = &t->toks[a + sa], *t1 = &t->toks[a + sb];
            s->technique = (int)k;
            s->start_cp = t0->start_cp;
            s->end_cp = t1->end_cp;
            s->start_byte = t0->start_byte;
            s->end_byte = t1->end_byte;
            float mg = seg_margin(emk, tags, n, sa, sb, tr);
            s->confidence = pk * sigmoidf(mg / sm->temp[k]);
            s->cues = NULL;   /* us_span_explain fills them */
        }
    }
    p->spans = out;
    p->n_spans = n_out;
    return US_OK;
}

void us_span_pass_scores(const us_span_model *sm, us_span_pass *w, float *out)
{
    for (uint32_t k = 0; k < L_TECH; k++) out[k] = US_SPAN_SCORE_NONE;
    if (!w) return;
    uint32_t n = w->n;
    for (uint32_t x = 0; x < w->m; x++) {
        uint32_t k = w->ks[x];
        const float *tr = sm->trans + k * 12, *emk = w->em + (size_t)x * n * 2;
        const uint8_t *tags = pass_path(sm, w, x);
        float best = -1e30f;
        uint32_t i = 0, sa, sb;
        while (next_seg(tags, n, &i, &sa, &sb)) {
            float mg = seg_margin(emk, tags, n, sa, sb, tr) / sm->temp[k];
            if (mg > best) best = mg;
        }
        out[k] = best > -1e29f ? best : US_SPAN_SCORE_NONE;
    }
}

int us_span_decode(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                   us_span_cache *cache, us_para_result *p, us_err *err)
{
    p->spans = NULL;
    p->n_spans = 0;
    us_span_pass *w = NULL;
    int rc = us_span_pass_new(sm, t, lang, line, p->techniques, cache, &w, err);
    if (rc == US_OK) rc = us_span_pass_decode(sm, t, w, p, err);
    us_span_pass_free(w);
    return rc;
}

int us_span_scores(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                   uint32_t mask, float *out, us_err *err)
{
    us_span_pass *w = NULL;
    int rc = us_span_pass_new(sm, t, lang, line, mask, NULL, &w, err);
    us_span_pass_scores(sm, rc == US_OK ? w : NULL, out);
    us_span_pass_free(w);
    return rc;
}

/* ==== training ============================================================ */

typedef struct inst {
    uint32_t para;      /* index into paragraphs */
    uint32_t tech;
    size_t tag_off;     /* gold tags in 'gold' */
} inst;

typedef struct para {
    size_t feat_off;    /* into feats, NF per token */
    uint32_t n_tok;
} para;

typedef struct trainset {
    para *paras; size_t n_paras, cap_paras;
    inst *insts; size_t n_insts, cap_insts;
    uint32_t *feats; size_t n_feats, cap_feats;
    uint8_t *gold; size_t n_gold, cap_gold;
} trainset;

static void trainset_fini(trainset *ts)
{
    us_free(ts->paras);
    us_free(ts->insts);
    us_free(ts->feats);
    us_free(ts->gold);
    memset(ts, 0, sizeof *ts);
}

/* Adds the paragraphs of one article that carry spans. 'spans' are repaired. */
static int add_article(trainset *ts, const us_text *t, int lang, const us_gold_span *spans,
                       size_t n_spans, uint32_t bits, uint32_t seed, uint64_t **hbuf,
                       size_t *hcap)
{
    for (size_t l = 0; l < t->n_lines; l++) {
        const us_range *r = &t->lines[l];
        uint32_t a = r->tok_begin, n = r->tok_end - r->tok_begin;
        if (n == 0) continue;
        uint32_t techs = 0;
        for (size_t s = 0; s < n_spans; s++)
            if (spans[s].end_cp > spans[s].start_cp && spans[s].start_cp < r->end_cp &&
                spans[s].end_cp > r->start_cp && spans[s].tech < L_TECH)
                techs |= 1u << spans[s].tech;
        if (!techs) continue;
        if (us_grow((void **)&ts->paras, &ts->cap_paras, ts->n_paras + 1, sizeof *ts->paras) ||
            us_grow((void **)&ts->feats, &ts->cap_feats, ts->n_feats + (size_t)n * NF, 4) ||
            us_grow((void **)hbuf, hcap, H_PER_TOK * (size_t)n, 8))
            return US_ENOMEM;
        para *pp = &ts->paras[ts->n_paras];
        pp->feat_off = ts->n_feats;
        pp->n_tok = n;
        extract(t, a, a + n, lang, bits, seed, ts->feats + ts->n_feats, *hbuf, NULL);
        ts->n_feats += (size_t)n * NF;
        for (uint32_t k = 0; k < L_TECH; k++) {
            if (!(techs >> k & 1u)) continue;
            if (us_grow((void **)&ts->insts, &ts->cap_insts, ts->n_insts + 1, sizeof *ts->insts) ||
                us_grow((void **)&ts->gold, &ts->cap_gold, ts->n_gold + n, 1))
                return US_ENOMEM;
            uint8_t *g = ts->gold + ts->n_gold;
            memset(g, TAG_O, n);
            /* Token i is inside a span when their code-point ranges overlap;
             * overlapping spans of one technique merge (BIO cannot nest). */
            for (uint32_t i = 0; i < n; i++) {
                const us_token *tk = &t->toks[a + i];
                for (size_t s = 0; s < n_spans; s++) {
                    const us_gold_span *sp = &spans[s];
                    if (sp->tech != k || sp->end_cp <= sp->start_cp) continue;
                    if (tk->start_cp < sp->end_cp && tk->end_cp > sp->start_cp) {
                        int starts = i == 0 || t->toks[a + i - 1].end_cp <= sp->start_cp;
                        uint8_t tag = starts ? TAG_B : TAG_I;
                        if (g[i] == TAG_O || (g[i] == TAG_B && tag == TAG_I)) g[i] = tag;
                    }
                }
            }
            for (uint32_t i = 0; i < n; i++)   /* an I after O (merged overlap) becomes B */
                if (g[i] == TAG_I && (i == 0 || g[i - 1] == TAG_O)) g[i] = TAG_B;
            int any = 0;
            for (uint32_t i = 0; i < n; i++) any |= g[i] == TAG_B;
            if (!any) continue;
            inst *in = &ts->insts[ts->n_insts++];
            in->para = (uint32_t)ts->n_paras;
            in->tech = k;
            in->tag_off = ts->n_gold;
            ts->n_gold += n;
        }
        ts->n_paras++;
    }
    return US_OK;
}

#define progress(cfg, ...) us_progressf((cfg)->progress, (cfg)->progress_ud, __VA_ARGS__)

void us_span_build_fini(us_span_build *b)
{
    if (!b) return;
    us_free(b->w);
    memset(b, 0, sizeof *b);
}

/* One perceptron update of technique k at time c: +1 for the gold path, -1
 * for the predicted one, on the tokens and transitions where they differ. */
static void update(float *w, float *u, float *tw, float *tu, const uint32_t *feat, uint32_t n,
                   uint32_t k, const uint8_t *g, const uint8_t *y, float c)
{
    for (uint32_t i = 0; i < n; i++) {
        if (g[i] != y[i]) {
            const uint32_t *f = feat + (size_t)i * NF;
            for (int j = 0; j < NF; j++) {
                size_t base = (size_t)f[j] * (L_TECH * 2) + k * 2;
                if (g[i] != TAG_O) { w[base + g[i] - 1] += 1; u[base + g[i] - 1] += c; }
                if (y[i] != TAG_O) { w[base + y[i] - 1] -= 1; u[base + y[i] - 1] -= c; }
            }
        }
        int gi = i == 0 ? g[0] : 3 + g[i - 1] * 3 + g[i];
        int yi = i == 0 ? y[0] : 3 + y[i - 1] * 3 + y[i];
        if (gi != yi) {
            tw[gi] += 1; tu[gi] += c;
            tw[yi] -= 1; tu[yi] -= c;
        }
    }
}

int us_span_train(const us_dataset *ds, const uint8_t *art_in, const us_span_cfg *cfg,
                  us_span_build *out, us_err *err)
{
    memset(out, 0, sizeof *out);
    if (cfg->bucket_bits < 10 || cfg->bucket_bits > 22)
        return us_err_set(err, US_EINVAL, "span: bucket_bits %u not in 10..22", cfg->bucket_bits);
    trainset ts;
    memset(&ts, 0, sizeof ts);
    us_text t;
    us_text_init(&t);
    uint64_t *hbuf = NULL;
    size_t hcap = 0;
    us_gold_span *sp = NULL;
    size_t sp_cap = 0;
    float *u = NULL, *tu = NULL, *tw = NULL;
    uint8_t *back = NULL, *y = NULL;
    float *em = NULL;
    uint32_t *order = NULL;
    int rc = US_OK;
    uint32_t NB = 1u << cfg->bucket_bits;
    size_t nw = (size_t)NB * L_TECH * 2;

    /* 1. Paragraph features and gold tags. */
    for (size_t i = 0; i < ds->n; i++) {
        const us_article *ar = &ds->arts[i];
        if ((art_in && !art_in[i]) || !ar->text[US_TASK_TECHNIQUES] || !ar->n_spans) continue;
        if ((rc = us_grow((void **)&sp, &sp_cap, ar->n_spans, sizeof *sp)) != US_OK) goto oom;
        memcpy(sp, ar->spans, ar->n_spans * sizeof *sp);
        if (cfg->repair) {
            us_span_fix_stats *st = ar->lang >= 0 && ar->lang < US_N_LANGS ? &out->fix[ar->lang]
                                                                           : NULL;
            rc = us_span_fix_article(ar->text[US_TASK_TECHNIQUES], ar->len[US_TASK_TECHNIQUES],
                                     ar->line_labels, ar->n_lines, sp, ar->n_spans, st);
            if (rc < 0) goto oom;
        }
        rc = us_text_tokenize(&t, ar->text[US_TASK_TECHNIQUES], ar->len[US_TASK_TECHNIQUES], err);
        if (rc != US_OK) {
            us_err_prefix(err, "span: article %s", ar->id);
            goto fail;
        }
        if ((rc = add_article(&ts, &t, ar->lang, sp, ar->n_spans, cfg->bucket_bits, cfg->seed,
                              &hbuf, &hcap)) != US_OK)
            goto oom;
    }
    progress(cfg, "span: %zu paragraphs, %zu (paragraph, technique) instances, %zu tokens",
             ts.n_paras, ts.n_insts, ts.n_feats / NF);

    /* 2. Averaged perceptron. */
    size_t max_n = 1;
    for (size_t i = 0; i < ts.n_paras; i++)
        if (ts.paras[i].n_tok > max_n) max_n = ts.paras[i].n_tok;
    out->bucket_bits = cfg->bucket_bits;
    out->seed = cfg->seed;
    out->inside_bias = cfg->inside_bias;
    out->n_instances = ts.n_insts;
    out->w = us_calloc(nw, sizeof *out->w);
    u = us_calloc(nw, sizeof *u);
    tw = us_calloc(L_TECH * 12, sizeof *tw);
    tu = us_calloc(L_TECH * 12, sizeof *tu);
    back = us_malloc(max_n * N_ST);
    y = us_malloc(max_n);
    em = us_malloc(max_n * 2 * sizeof *em);
    order = us_malloc((ts.n_insts ? ts.n_insts : 1) * sizeof *order);
    if (!out->w || !u || !tw || !tu || !back || !y || !em || !order) goto oom;
    /* Transitions that BIO forbids never appear in decoding (O->I, start->I). */
    for (size_t i = 0; i < ts.n_insts; i++) order[i] = (uint32_t)i;
    uint64_t rs = cfg->shuffle_seed;
    float c = 1;
    for (uint32_t ep = 0; ep < cfg->epochs; ep++) {
        for (size_t i = ts.n_insts; i > 1; i--) {
            size_t j = (size_t)(us_splitmix64(&rs) % i);
            uint32_t tmp = order[i - 1]; order[i - 1] = order[j]; order[j] = tmp;
        }
        size_t n_err = 0;
        for (size_t ii = 0; ii < ts.n_insts; ii++, c += 1) {
            const inst *in = &ts.insts[order[ii]];
            const para *pp = &ts.paras[in->para];
            const uint32_t *feat = ts.feats + pp->feat_off;
            const uint8_t *g = ts.gold + in->tag_off;
            emit_f(out->w, feat, pp->n_tok, in->tech, em);
            viterbi(em, pp->n_tok, tw + in->tech * 12, 1, back, y);
            if (memcmp(g, y, pp->n_tok) != 0) {
                n_err++;
                update(out->w, u, tw + in->tech * 12, tu + in->tech * 12, feat, pp->n_tok,
                       in->tech, g, y, c);
            }
        }
        progress(cfg, "span: epoch %u: %zu of %zu paragraphs mistagged", ep + 1, n_err,
                 ts.n_insts);
    }
    /* Averaging: avg = w - u / c. */
    for (size_t i = 0; i < nw; i++) out->w[i] -= u[i] / c;
    for (uint32_t k = 0; k < L_TECH; k++)
        for (int j = 0; j < 12; j++) out->trans[k][j] = tw[k * 12 + j] - tu[k * 12 + j] / c;

    /* 3. Per-technique normalisation (max |emission| = 1, so the int8 rows
     * shared by all techniques quantise each of them alike; Viterbi is
     * invariant to scaling one technique's parameters). */
    for (uint32_t k = 0; k < L_TECH; k++) {
        float mx = 0;
        for (size_t f = 0; f < NB; f++)
            for (int j = 0; j < 2; j++) {
                float v = fabsf(out->w[f * L_TECH * 2 + k * 2 + (size_t)j]);
                if (v > mx) mx = v;
            }
        if (mx <= 0) mx = 1;
        for (size_t f = 0; f < NB; f++)
            for (int j = 0; j < 2; j++) out->w[f * L_TECH * 2 + k * 2 + (size_t)j] /= mx;
        for (int j = 0; j < 12; j++) out->trans[k][j] /= mx;
    }

    /* 4. Margin temperature per technique: mean |margin| of training segments. */
    double msum[L_TECH] = {0};
    size_t mcnt[L_TECH] = {0};
    for (size_t ii = 0; ii < ts.n_insts; ii++) {
        const inst *in = &ts.insts[ii];
        const para *pp = &ts.paras[in->para];
        emit_f(out->w, ts.feats + pp->feat_off, pp->n_tok, in->tech, em);
        for (uint32_t i = 0; i < 2 * pp->n_tok; i++) em[i] += out->inside_bias;
        viterbi(em, pp->n_tok, out->trans[in->tech], 1, back, y);
        uint32_t i = 0, sa, sb;
        while (next_seg(y, pp->n_tok, &i, &sa, &sb)) {
            msum[in->tech] += fabsf(seg_margin(em, y, pp->n_tok, sa, sb, out->trans[in->tech]));
            mcnt[in->tech]++;
        }
    }
    for (uint32_t k = 0; k < L_TECH; k++) {
        double m = mcnt[k] ? msum[k] / (double)mcnt[k] : 1.0;
        out->temp[k] = m > 1e-4 ? (float)m : 1.0f;
    }
    rc = US_OK;
    goto done;
oom:
    rc = us_err_set(err, US_ENOMEM, "out of memory");
fail:
    us_span_build_fini(out);
done:
    trainset_fini(&ts);
    us_text_fini(&t);
    us_free(hbuf);
    us_free(sp);
    us_free(u);
    us_free(tw);
    us_free(tu);
    us_free(back);
    us_free(y);
    us_free(em);
    us_free(order);
    return rc;
}

/* ==== serialisation ======================================================== */

#define HDR 32

#define ROW_BYTES 64

/* Start of the bucket rows (format 2) and the section size of each format. */
static size_t rows_offset(void) { return (HDR + 52 * (size_t)L_TECH + 63) & ~(size_t)63; }

static size_t section_size(uint32_t fmt, uint32_t NB)
{
    if (fmt == 1) return HDR + 52 * (size_t)L_TECH + 4 * (size_t)NB + (size_t)NB * L_TECH * 2;
    return rows_offset() + (size_t)NB * ROW_BYTES;
}

int us_span_write(const us_span_build *b, us_mfw *w, us_err *err)
{
    if (!b->w || b->bucket_bits < 10 || b->bucket_bits > 22)
        return us_err_set(err, US_EINVAL, "span: nothing trained");
    uint32_t NB = 1u << b->bucket_bits;
    size_t size = section_size(US_SPAN_FORMAT, NB);
    unsigned char *blob = us_calloc(size, 1);
    if (!blob) return us_err_set(err, US_ENOMEM, "out of memory");
    us_put_u32le(blob, US_SPAN_FORMAT);
    us_put_u32le(blob + 4, US_SPAN_FEAT_VERSION);
    us_put_u32le(blob + 8, L_TECH);
    us_put_u32le(blob + 12, b->bucket_bits);
    us_put_u32le(blob + 16, b->seed);
    us_put_f32le(blob + 20, b->inside_bias);
    unsigned char *p = blob + HDR;
    for (uint32_t k = 0; k < L_TECH; k++)
        for (int j = 0; j < 12; j++, p += 4) us_put_f32le(p, b->trans[k][j]);
    for (uint32_t k = 0; k < L_TECH; k++, p += 4) us_put_f32le(p, b->temp[k]);
    for (size_t f = 0; f < NB; f++) {
        unsigned char *out = blob + rows_offset() + f * ROW_BYTES;
        int8_t *q = (int8_t *)(void *)(out + 4);
        const float *row = b->w + f * L_TECH * 2;
        float mx = 0;
        for (int j = 0; j < L_TECH * 2; j++) if (fabsf(row[j]) > mx) mx = fabsf(row[j]);
        float sc = mx / 127.0f;
        us_put_f32le(out, sc);
        for (int j = 0; j < L_TECH * 2; j++) {
            long v = sc > 0 ? lrintf(row[j] / sc) : 0;
            q[j] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
    }
    int rc = us_mfw_add(w, US_SPAN_SECTION, blob, size, err);
    us_free(blob);
    return rc;
}

int us_span_load(us_mfile *mf, us_span_model *out, us_err *err)
{
    memset(out, 0, sizeof *out);
    const void *data;
    size_t n;
    int rc = us_mfile_section_verified(mf, US_SPAN_SECTION, &data, &n, err);
    if (rc == US_ENOTFOUND) return US_OK;
    if (rc != US_OK) return rc;
    const unsigned char *h = data;
    uint32_t one = 1;
    unsigned char le;
    memcpy(&le, &one, 1);
    if (le != 1)
        return us_err_set(err, US_EFORMAT, "section SPAN: big-endian hosts are not supported");
    if (n < HDR) return us_err_set(err, US_EFORMAT, "section SPAN: truncated (%zu bytes)", n);
    uint32_t fmt = us_get_u32le(h), fver = us_get_u32le(h + 4);
    if ((fmt != US_SPAN_FORMAT && fmt != 1) || fver != US_SPAN_FEAT_VERSION)
        return us_err_set(err, US_EVERSION,
                          "section SPAN: format %u / features %u, this unspin reads %u / %u\n"
                          "HINT: retrain the model with this version (unspin train)",
                          fmt, fver, US_SPAN_FORMAT, US_SPAN_FEAT_VERSION);
    uint32_t L = us_get_u32le(h + 8), bits = us_get_u32le(h + 12);
    float ib = us_get_f32le(h + 20);
    if (!isfinite(ib)) return us_err_set(err, US_EFORMAT, "section SPAN: invalid inside bias");
    for (int i = 24; i < HDR; i++)
        if (h[i]) return us_err_set(err, US_EFORMAT, "section SPAN: reserved bytes not zero");
    if (L != L_TECH || bits < 10 || bits > 22 || n != section_size(fmt, 1u << bits))
        return us_err_set(err, US_EFORMAT,
                          "section SPAN: malformed (%zu bytes, %u labels, %u bucket bits)", n, L,
                          bits);
    uint32_t NB = 1u << bits;
    const float *fl = (const float *)(const void *)(h + HDR);
    for (size_t i = 0; i < 13 * (size_t)L_TECH; i++) {   /* trans (12 L), temp (L) */
        float v = fl[i];
        if (!isfinite(v) || (i >= 12 * (size_t)L_TECH && !(v > 0)))
            return us_err_set(err, US_EFORMAT, "section SPAN: invalid float %g at %zu", (double)v, i);
    }
    if (fmt == 1) {
        out->scale = h + HDR + 52 * (size_t)L_TECH;
        out->scale_stride = 4;
        out->q = (const int8_t *)(out->scale + 4 * (size_t)NB);
        out->q_stride = L_TECH * 2;
    } else {
        out->scale = h + rows_offset();
        out->scale_stride = ROW_BYTES;
        out->q = (const int8_t *)(out->scale + 4);
        out->q_stride = ROW_BYTES;
    }
    for (uint32_t f = 0; f < NB; f++) {
        float v = us_span_scale(out, f);
        if (!isfinite(v) || !(v >= 0)) {
            memset(out, 0, sizeof *out);
            return us_err_set(err, US_EFORMAT, "section SPAN: invalid row scale %g of bucket %u",
                              (double)v, f);
        }
    }
    out->bucket_bits = bits;
    out->seed = us_get_u32le(h + 16);
    out->inside_bias = ib;
    out->trans = fl;
    out->temp = fl + 12 * L_TECH;
    out->present = 1;
    return US_OK;
}

int us_span_serve(const us_span_build *b, us_mfile **mf, us_span_model *out, us_err *err)
{
    *mf = NULL;
    memset(out, 0, sizeof *out);
    us_mfw *w = us_mfw_new();
    void *mem = NULL;
    size_t len = 0;
    int rc = w ? us_span_write(b, w, err) : us_err_set(err, US_ENOMEM, "out of memory");
    if (rc == US_OK) rc = us_mfw_to_memory(w, US_MFILE_MINOR, &mem, &len, err);
    us_mfw_free(w);
    if (rc == US_OK && !(*mf = us_mfile_from_memory(mem, len, err)))
        rc = err ? err->code : US_ENOMEM;
    us_free(mem);
    if (rc == US_OK) rc = us_span_load(*mf, out, err);
    if (rc != US_OK) {
        us_mfile_close(*mf);
        *mf = NULL;
        memset(out, 0, sizeof *out);
    }
    return rc;
}
