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
    cfg->w_ctx = 0.4f;
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

void us_fz_init(us_fz *fz, const us_feat_cfg *cfg)
{
    memset(fz, 0, sizeof *fz);
    fz->cfg = *cfg;
    us_buf_init(&fz->names);
}

void us_fz_fini(us_fz *fz)
{
    us_free(fz->acc);
    us_free(fz->acc_name);
    us_free(fz->slot);
    us_buf_fini(&fz->names);
    memset(fz, 0, sizeof *fz);
}

void us_fz_reset(us_fz *fz)
{
    if (fz->slot) {
        if (fz->n_acc * 8 < fz->cap_slot) {
            /* Few entries: clear their probe positions rather than the table. */
            uint32_t mask = fz->cap_slot - 1;
            for (uint32_t i = 0; i < fz->n_acc; i++) {
                uint32_t key = fz->acc[i].idx + 1, p = (key * 0x9E3779B1u) & mask;
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
    fz->n_fixed = 0;
    fz->oom = 0;
    us_buf_reset(&fz->names);
}

/* Position of bucket idx in the open-addressing table (its entry or the empty
 * slot where it goes). The table is kept at most half full. */
static inline uint32_t slot_find(const us_fz *fz, uint32_t idx)
{
    uint32_t key = idx + 1, mask = fz->cap_slot - 1, p = (key * 0x9E3779B1u) & mask;
    while (fz->slot[p].key && fz->slot[p].key != key) p = (p + 1) & mask;
    return p;
}

static int slot_grow(us_fz *fz)
{
    uint32_t cap = fz->cap_slot ? fz->cap_slot * 2 : 4096;
    us_fz_slot *k = us_calloc(cap, sizeof *k);
    if (!k) return US_ENOMEM;
    us_free(fz->slot);
    fz->slot = k;
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

/* Adds weight w to the bucket of hash h (text features): one dense
 * accumulator, so duplicates merge as they come and memory stays bounded. */
static void push(us_fz *fz, uint64_t h, float w, const char *name, size_t name_len)
{
    if (fz->oom) return;
    if ((fz->n_acc + 1) * 2 > fz->cap_slot && slot_grow(fz) != US_OK) { fz->oom = 1; return; }
    uint32_t idx = (uint32_t)(h >> (64 - fz->cfg.bucket_bits));
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

/* Pushes a namespaced string feature; 'prefix' names it in explain mode. */
static void push_str(us_fz *fz, int ns, const char *prefix, const char *s, size_t n, float w)
{
    uint64_t h = us_hash64(s, n, ns_seed(fz, ns));
    if (fz->explain) {
        char name[MAX_NORM + 16];
        int k = snprintf(name, sizeof name, "%s%.*s", prefix, (int)n, s);
        push(fz, h, w, name, k < 0 ? 0 : (size_t)k < sizeof name ? (size_t)k : sizeof name - 1);
    } else {
        push(fz, h, w, NULL, 0);
    }
}

/* Character n-grams of "<word>" over code points, orders [min_n, max_n]. */
static void add_char_ngrams(us_fz *fz, const char *norm, size_t n, float w)
{
    char pad[MAX_NORM + 2];
    uint8_t cp_off[MAX_WORD_CP + 3];
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
    cp_off[ncp] = (uint8_t)len;   /* end sentinel: cp_off[k] = start of code point k */
    uint64_t seed = ns_seed(fz, US_NS_CHAR);
    for (uint32_t order = fz->cfg.char_min_n; order <= fz->cfg.char_max_n; order++) {
        if (order > ncp) break;
        for (size_t i = 0; i + order <= ncp; i++) {
            size_t a = cp_off[i], b = cp_off[i + order];
            uint64_t h = us_hash64(pad + a, b - a, seed);
            if (fz->explain) {
                char name[MAX_NORM + 8];
                int k = snprintf(name, sizeof name, "c:%.*s", (int)(b - a), pad + a);
                push(fz, h, w, name, k < 0 ? 0 : (size_t)k);
            } else {
                push(fz, h, w, NULL, 0);
            }
        }
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

void us_fz_add_tokens(us_fz *fz, const us_text *t, uint32_t a, uint32_t b, float weight, int ctx)
{
    const us_feat_cfg *c = &fz->cfg;
    char norm[MAX_NORM];
    uint64_t prev = 0;
    int have_prev = 0;
    uint64_t wseed = ns_seed(fz, ctx ? US_NS_CTX : US_NS_WORD);
    char prev_name[MAX_NORM];
    size_t prev_len = 0;
    for (uint32_t i = a; i < b; i++) {
        const us_token *tok = &t->toks[i];
        if (ctx && tok->kind != US_TOK_WORD) continue;
        size_t n = token_norm(t, tok, norm, sizeof norm);
        if (n == 0) continue;
        uint64_t h = us_hash64(norm, n, wseed);
        if (fz->explain) {
            char name[MAX_NORM + 8];
            int k = snprintf(name, sizeof name, "%s%.*s", ctx ? "ctx:" : "w:", (int)n, norm);
            push(fz, h, weight * (ctx ? c->w_ctx : c->w_word), name, k < 0 ? 0 : (size_t)k);
        } else {
            push(fz, h, weight * (ctx ? c->w_ctx : c->w_word), NULL, 0);
        }
        if (ctx) continue;
        if (c->word_max_n >= 2 && have_prev) {
            uint64_t hb = mix2(prev, h) ^ ns_seed(fz, US_NS_BIGRAM);
            if (fz->explain) {
                char name[2 * MAX_NORM + 8];
                int k = snprintf(name, sizeof name, "b:%.*s %.*s", (int)prev_len, prev_name,
                                 (int)n, norm);
                push(fz, hb, weight * c->w_bigram, name, k < 0 ? 0 : (size_t)k);
            } else {
                push(fz, hb, weight * c->w_bigram, NULL, 0);
            }
        }
        prev = h;
        have_prev = 1;
        if (fz->explain) { memcpy(prev_name, norm, n); prev_len = n; }
        if (c->char_min_n && tok->kind == US_TOK_WORD)
            add_char_ngrams(fz, norm, n, weight * c->w_char);
    }
}

static void cue(us_fz *fz, const char *name, float v)
{
    push_str(fz, US_NS_CUE, "cue:", name, strlen(name), v * fz->cfg.w_cue);
}

void us_fz_add_cues(us_fz *fz, const us_text *t, uint32_t a, uint32_t b)
{
    unsigned n_excl = 0, n_quest = 0, n_quote = 0, n_caps = 0, n_words = 0, n_quoted = 0;
    unsigned n_num = 0, n_ellipsis = 0, n_upper1 = 0;
    for (uint32_t i = a; i < b; i++) {
        const us_token *tok = &t->toks[i];
        const char *s = t->text + tok->start_byte;
        size_t n = tok->end_byte - tok->start_byte;
        if (tok->kind == US_TOK_WORD) {
            n_words++;
            if (tok->flags & US_TF_ALLCAPS) n_caps++;
            if ((tok->flags & US_TF_UPPER1) && !(tok->flags & US_TF_SENT_START)) n_upper1++;
            if (tok->flags & US_TF_IN_QUOTE) n_quoted++;
        } else if (tok->kind == US_TOK_NUM) {
            n_num++;
        } else if (tok->kind == US_TOK_PUNCT) {
            if (s[0] == '!') n_excl += (unsigned)n;
            else if (s[0] == '?') n_quest += (unsigned)n;
            else if (s[0] == '"' || (n >= 2 && ((unsigned char)s[0] == 0xC2 &&
                                               ((unsigned char)s[1] == 0xAB ||
                                                (unsigned char)s[1] == 0xBB))) ||
                     (n >= 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
                      (unsigned char)s[2] >= 0x9C && (unsigned char)s[2] <= 0x9F))
                n_quote++;
            else if ((s[0] == '.' && n >= 3) || (n == 3 && (unsigned char)s[0] == 0xE2 &&
                                                 (unsigned char)s[2] == 0xA6))
                n_ellipsis++;
        }
    }
    if (n_excl) cue(fz, n_excl > 1 ? "excl2" : "excl", 1.0f);
    if (n_quest) cue(fz, n_quest > 1 ? "quest2" : "quest", 1.0f);
    if (n_quote) cue(fz, "quote", 1.0f);
    if (n_ellipsis) cue(fz, "ellipsis", 1.0f);
    if (n_caps) cue(fz, n_caps > 2 ? "caps3" : "caps", 1.0f);
    if (n_num) cue(fz, n_num > 2 ? "nums3" : "nums", 0.5f);
    if (n_words && n_quoted * 2 > n_words) cue(fz, "mostly_quoted", 1.0f);
    if (n_words && n_upper1 * 4 > n_words) cue(fz, "many_names", 0.5f);
    /* Length bins, log2-spaced: short paragraphs rarely carry techniques. */
    static const char *const len_bins[] = {"len0", "len1", "len2", "len3", "len4", "len5",
                                           "len6", "len7"};
    unsigned bin = 0;
    for (unsigned w = n_words; w > 1 && bin < 7; w >>= 1) bin++;
    cue(fz, len_bins[bin], 0.5f);
}

void us_fz_add_flag(us_fz *fz, int ns, const char *name, float weight)
{
    if (fz->n_fixed == US_FZ_MAX_FIXED) return;   /* callers add a handful */
    uint64_t h = us_hash64(name, strlen(name), ns_seed(fz, ns));
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

int us_fz_finish(us_fz *fz, us_fvec *out)
{
    out->n = 0;
    if (fz->oom) return US_ENOMEM;
    uint32_t k = fz->n_acc;
    if (fvec_reserve(out, (size_t)k + fz->n_fixed) != US_OK) return US_ENOMEM;
    double norm = 0;
    for (uint32_t i = 0; i < k; i++) {
        float v = fz->acc[i].val;
        v = v >= 0 ? log1pf(v) : -log1pf(-v);
        if (fz->idf) v *= fz->idf[fz->acc[i].idx];
        out->f[i].idx = fz->acc[i].idx;
        out->f[i].val = v;
        norm += (double)v * v;
    }
    if (norm > 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (uint32_t i = 0; i < k; i++) out->f[i].val *= inv;
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
