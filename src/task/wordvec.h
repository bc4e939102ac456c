/* wordvec.h -- scoring linear character n-grams one word at a time.
 *
 * With cfg.char_linear, the n-grams of a word add the same vector to a
 * head's logits wherever the word occurs: w_char / norm times the sum of
 * their weight rows. A us_wordvec keeps that sum per cached word (for one or
 * two heads side by side, at most 32 labels) and adds it up over a unit, so
 * the featurizer never accumulates the n-grams at all: the unit costs one
 * vector add per word instead of one table probe and one row fetch per
 * n-gram. The result is the same linear function as scoring the n-grams as
 * sparse features (only the order of the float additions differs). */
#ifndef US_WORDVEC_H
#define US_WORDVEC_H

#include "feat/feat.h"
#include "model/linear.h"

#define US_WV_LANES 32

typedef struct us_wordvec {
    const us_qlinear *q[2];     /* heads, or NULL */
    uint32_t off[2];            /* first lane of each head */
    uint64_t *keys;             /* (1 << US_FZ_TC_BITS) token-cache key of each vector */
    float *vecs;                /* (1 << US_FZ_TC_BITS, US_WV_LANES) */
    float sum[US_WV_LANES];     /* the current unit */
} us_wordvec;

void us_wordvec_init(us_wordvec *wv);
void us_wordvec_fini(us_wordvec *wv);
/* Sets the heads (q1 may be NULL; their labels must fit in 32 lanes) and
 * forgets cached vectors if they changed. */
void us_wordvec_heads(us_wordvec *wv, const us_qlinear *q0, const us_qlinear *q1);
/* Starts a unit: zeroes the sum and routes fz's cached words here. */
void us_wordvec_begin(us_wordvec *wv, us_fz *fz);
/* After us_fz_finish: adds (w_char / norm) * sum to head h's logits z. */
void us_wordvec_add(const us_wordvec *wv, const us_fz *fz, int h, float *z);

#endif
