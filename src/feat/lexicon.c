/* lexicon.c -- valence word lists (AFINN and its translations) as features.
 *
 * A lexicon is a sorted array of 64-bit keys: the word-feature hash of an
 * entry's normal form with its low 4 bits replaced by valence + 5. The hash
 * is the one us_fz_add_tokens computes for the token anyway, so a lookup is a
 * binary search, done once per distinct word (the token cache keeps it). Keys
 * depend on the featurizer's seed, so a model stores its own (LEXI section).
 * Languages are pooled into one list: a word means the same in any language
 * it is written in often enough to matter, and unknown languages benefit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feat.h"

#define KEY_MASK (~(uint64_t)15)

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int us_lex_valence(const uint64_t *keys, uint32_t n, uint64_t h)
{
    uint64_t want = h & KEY_MASK;
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((keys[mid] & KEY_MASK) < want) lo = mid + 1; else hi = mid;
    }
    if (lo < n && (keys[lo] & KEY_MASK) == want) return (int)(keys[lo] & 15) - 5;
    return 0;
}

int us_lex_parse(const us_feat_cfg *cfg, const char *data, size_t len, const char *name,
                 uint64_t **out, uint32_t *n_out, us_err *err)
{
    *out = NULL;
    *n_out = 0;
    uint64_t *keys = NULL;
    size_t n = 0, cap = 0, line = 0;
    us_text t;
    us_text_init(&t);
    us_fz fz;
    us_fz_init(&fz, cfg);
    int rc = US_OK;
    for (size_t pos = 0; pos < len;) {
        const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
        size_t n_line = nl ? (size_t)(nl - s) : len - pos;
        pos += n_line + 1;
        line++;
        if (n_line && s[n_line - 1] == '\r') n_line--;
        if (n_line == 0 || s[0] == '#') continue;
        const char *t1 = memchr(s, '\t', n_line);
        const char *t2 = t1 ? memchr(t1 + 1, '\t', n_line - (size_t)(t1 + 1 - s)) : NULL;
        char vbuf[8];
        size_t vlen = t2 ? n_line - (size_t)(t2 + 1 - s) : 0;
        char *end = NULL;
        long v = 0;
        if (t2 && vlen > 0 && vlen < sizeof vbuf) {
            memcpy(vbuf, t2 + 1, vlen);
            vbuf[vlen] = '\0';
            v = strtol(vbuf, &end, 10);
        }
        if (!t2 || !end || *end || v < -5 || v > 5) {
            rc = us_err_set(err, US_EFORMAT, "%s:%zu: expected LANG<TAB>WORD<TAB>VALENCE "
                            "(an integer from -5 to 5)", name, line);
            break;
        }
        const char *w = t1 + 1;
        size_t wn = (size_t)(t2 - w);
        size_t bad;
        if (us_utf8_validate(w, wn, &bad) != US_OK) {
            rc = us_err_set(err, US_EUTF8, "%s:%zu: invalid UTF-8 in the word", name, line);
            break;
        }
        us_err terr = {0};
        if (v == 0) continue;
        if (us_text_tokenize(&t, w, wn, &terr) != US_OK) {
            rc = us_err_set(err, terr.code, "%s:%zu: %s", name, line, terr.msg);
            break;
        }
        /* Only entries that are one word to the tokenizer can match a token. */
        if (t.n_toks != 1 || t.toks[0].kind != US_TOK_WORD) continue;
        uint64_t h = us_fz_word_hash(&fz, &t, 0);
        if (!h) continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 1024;
            uint64_t *k = us_realloc(keys, nc * sizeof *k);
            if (!k) { rc = us_err_set(err, US_ENOMEM, "out of memory"); break; }
            keys = k;
            cap = nc;
        }
        keys[n++] = (h & KEY_MASK) | (uint64_t)(v + 5);
    }
    us_fz_fini(&fz);
    us_text_fini(&t);
    if (rc != US_OK) { us_free(keys); return rc; }
    /* One valence per word: the first in key order (the lowest) when the
     * languages' lists disagree, so the result does not depend on file order. */
    if (n) qsort(keys, n, sizeof *keys, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || (keys[m - 1] & KEY_MASK) != (keys[i] & KEY_MASK)) keys[m++] = keys[i];
    if (m == 0) {
        us_free(keys);
        return us_err_set(err, US_EFORMAT, "%s: no usable entries", name);
    }
    *out = keys;
    *n_out = (uint32_t)m;
    return US_OK;
}

int us_lex_check(const uint64_t *keys, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(keys[i] & 15);
        if (v > 10 || v == 5) return US_EFORMAT;
        if (i && (keys[i - 1] & KEY_MASK) >= (keys[i] & KEY_MASK)) return US_EFORMAT;
    }
    return US_OK;
}
