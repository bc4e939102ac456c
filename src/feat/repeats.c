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

/* A word of the text in the open-addressing table: its hash, its count in
 * the text and on the current line. */
typedef struct cell {
    uint64_t key;
    uint32_t count, here;
} cell;

/* Slot of key in a table of 'cap' (a power of two) cells. */
static size_t slot_of(const cell *tab, size_t cap, uint64_t key)
{
    size_t p = (size_t)(key >> 20) & (cap - 1);
    while (tab[p].key && tab[p].key != key) p = (p + 1) & (cap - 1);
    return p;
}

/* us_line_repeats with rows 'stride' floats apart (the first three set).
 * Its arrays live in fz->rep_mem, which grows to the longest text seen,
 * instead of five allocations per text. */
static int line_repeats(us_fz *fz, const us_text *t, float *out, size_t stride)
{
    size_t n = t->n_toks, n_words = 0, cap = 16;
    for (size_t l = 0; l < t->n_lines; l++) memset(out + l * stride, 0, US_REPEAT_STATS * sizeof *out);
    size_t tab_at = (n * (sizeof(uint64_t) + sizeof(uint32_t)) + 15) & ~(size_t)15;
    if (us_grow(&fz->rep_mem, &fz->cap_rep, tab_at, 1) != US_OK) return US_ENOMEM;
    uint64_t *h = fz->rep_mem;                  /* (n) the word's hash | 1, 0 = not counted */
    for (size_t i = 0; i < n; i++) {
        const us_token *tok = &t->toks[i];
        uint64_t w = 0;
        if (tok->kind == US_TOK_WORD && tok->end_cp - tok->start_cp >= MIN_LETTERS)
            w = us_fz_word_hash(fz, t, (uint32_t)i);   /* 0: empty normal form */
        h[i] = w ? w | 1 : 0;
        n_words += w != 0;
    }
    while (cap < 2 * n_words) cap *= 2;
    if (us_grow(&fz->rep_mem, &fz->cap_rep, tab_at + cap * sizeof(cell), 1) != US_OK)
        return US_ENOMEM;
    h = fz->rep_mem;
    uint32_t *slot = (uint32_t *)(h + n);       /* (n) its cell */
    cell *tab = (cell *)(void *)((char *)fz->rep_mem + tab_at);   /* (cap) */
    memset(tab, 0, cap * sizeof *tab);
    for (size_t i = 0; i < n; i++) {
        if (!h[i]) continue;
        size_t p = slot_of(tab, cap, h[i]);
        tab[p].key = h[i];
        tab[p].count++;
        slot[i] = (uint32_t)p;
    }
    for (size_t l = 0; l < t->n_lines; l++) {
        uint32_t a = t->lines[l].tok_begin, b = t->lines[l].tok_end;
        size_t m = 0, elsewhere = 0, twice = 0;
        for (uint32_t i = a; i < b; i++)
            if (h[i]) { tab[slot[i]].here++; m++; }
        if (!m) continue;
        for (uint32_t i = a; i < b; i++) {
            if (!h[i]) continue;
            const cell *c = &tab[slot[i]];
            elsewhere += c->count > c->here;
            twice += c->here >= 2;
        }
        for (uint32_t i = a; i < b; i++)
            if (h[i]) tab[slot[i]].here = 0;
        float *o = out + l * stride;
        o[0] = (float)elsewhere / (float)m;
        o[1] = (float)twice / (float)m;
        o[2] = (float)log1p((double)m);
    }
    return US_OK;
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
