/* repeats.c -- how much of each line's vocabulary the article repeats.
 *
 * Three numbers per line, over its words of four or more letters (case
 * folded): the share that also occur on another line of the text, the share
 * that occur twice or more on the line itself, and log(1 + their number).
 * They are dense inputs of the techniques head's second stage (stack.h):
 * repetition is a technique of its own, and how a paragraph's words echo the
 * rest of the article says whether it argues the article's point or quotes,
 * lists and reports around it. */
#include <math.h>
#include <string.h>
#include "feat/feat.h"

#define MIN_LETTERS 4

/* Slot of key in an open-addressing table of 'cap' (a power of two) keys. */
static size_t slot_of(const uint64_t *keys, size_t cap, uint64_t key)
{
    size_t p = (size_t)(key >> 20) & (cap - 1);
    while (keys[p] && keys[p] != key) p = (p + 1) & (cap - 1);
    return p;
}

/* us_line_repeats with rows 'stride' floats apart (the first three set). */
static int line_repeats(us_fz *fz, const us_text *t, float *out, size_t stride)
{
    size_t n = t->n_toks, n_words = 0;
    for (size_t l = 0; l < t->n_lines; l++) memset(out + l * stride, 0, US_REPEAT_STATS * sizeof *out);
    uint64_t *h = us_calloc(n ? n : 1, sizeof *h);
    if (!h) return US_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const us_token *tok = &t->toks[i];
        if (tok->kind != US_TOK_WORD || tok->end_cp - tok->start_cp < MIN_LETTERS) continue;
        uint64_t w = us_fz_word_hash(fz, t, (uint32_t)i);
        if (!w) continue;                                  /* empty normal form */
        h[i] = w | 1;                                      /* 0 = not a counted word */
        n_words++;
    }
    size_t cap = 16;
    while (cap < 2 * n_words) cap *= 2;
    /* Counts per word in the text and on the current line, by table slot. */
    uint64_t *keys = us_calloc(cap, sizeof *keys);
    uint32_t *count = us_calloc(cap, sizeof *count), *here = us_calloc(cap, sizeof *here);
    uint32_t *slot = us_malloc((n ? n : 1) * sizeof *slot);
    int rc = keys && count && here && slot ? US_OK : US_ENOMEM;
    for (size_t i = 0; rc == US_OK && i < n; i++) {
        if (!h[i]) continue;
        size_t p = slot_of(keys, cap, h[i]);
        keys[p] = h[i];
        count[p]++;
        slot[i] = (uint32_t)p;
    }
    for (size_t l = 0; rc == US_OK && l < t->n_lines; l++) {
        uint32_t a = t->lines[l].tok_begin, b = t->lines[l].tok_end;
        size_t m = 0, elsewhere = 0, twice = 0;
        for (uint32_t i = a; i < b; i++)
            if (h[i]) { here[slot[i]]++; m++; }
        if (!m) continue;
        for (uint32_t i = a; i < b; i++) {
            if (!h[i]) continue;
            elsewhere += count[slot[i]] > here[slot[i]];
            twice += here[slot[i]] >= 2;
        }
        for (uint32_t i = a; i < b; i++)
            if (h[i]) here[slot[i]] = 0;
        float *o = out + l * stride;
        o[0] = (float)elsewhere / (float)m;
        o[1] = (float)twice / (float)m;
        o[2] = (float)log1p((double)m);
    }
    us_free(h);
    us_free(keys);
    us_free(count);
    us_free(here);
    us_free(slot);
    return rc;
}

int us_line_repeats(us_fz *fz, const us_text *t, float *out)
{
    return line_repeats(fz, t, out, US_REPEAT_STATS);
}

int us_line_stats(us_fz *fz, const us_text *t, int with_cues, float *out)
{
    if (with_cues) us_line_cues(t, out + US_REPEAT_STATS, US_LINE_STATS);
    else
        for (size_t l = 0; l < t->n_lines; l++)
            memset(out + l * US_LINE_STATS + US_REPEAT_STATS, 0, US_LINE_CUES * sizeof *out);
    return line_repeats(fz, t, out, US_LINE_STATS);
}
