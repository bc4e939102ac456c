/* knn.h -- the frames of the most similar training articles, blended into
 * the framing head's probabilities (--knn).
 *
 * The framing head is linear over hashed n-grams; 1,238 annotated articles
 * are few for 14 labels, and an article's nearest annotated neighbours carry
 * what a linear model misses: which frames co-occur in articles on one topic.
 * Prototype P19 (tools/oof-knn.py) and step 75 in docs/ACCURACY.md.
 *
 * An article is a vector of log(1 + tf) over its word and number tokens
 * (us_fz_word_hash keys with its language), restricted to the words found in
 * at least two training articles of that language, L2-normalised. Its k
 * nearest training articles of its language by cosine, weighted by
 * similarity (at least 1e-6), vote:
 *   p_knn(l) = sum_i s_i [l in frames_i] / sum_i s_i
 *   p(l)     = (1 - w) p_linear(l) + w p_knn(l)
 * An article of a language the index has no article of keeps p_linear.
 *
 * Section "KNN1" (little-endian; the index is an inverted file):
 *   offset  size      meaning
 *   0       4         format version (US_KNN_FORMAT)
 *   4       4         n_labels L (= US_N_FRAME_LABELS)
 *   8       4         k (1..US_KNN_MAX_K)
 *   12      4         w (f32, 0..1)
 *   16      4         n_arts A
 *   20      4         bits (4..26): the key table has T = 1 << bits slots
 *   24      4         n_post P
 *   28      4         reserved, 0
 *   32      4A        frames of each training article (label bitmask)
 *           4A        1 / the L2 norm of its vector (f32; 0 = no counted word)
 *           A, to 4   its language (u8), zero pad
 *           12T       the slots, 3 x u32 each (one cache line for a lookup): the
 *                     key, a 32-bit fingerprint of (word, language), odd, 0 =
 *                     empty (linear probing from key >> (32 - bits)); the first
 *                     posting of its key; their number (0 for an empty slot)
 *           4P        postings: article index << 8 | min(tf, 255) (tf >= 1)
 *           32A       each article's id, NUL-padded printable ASCII (others '?'),
 *                     shown by explanations
 * The loader checks the size, versions, every bound and the empty slots. */
#ifndef US_KNN_H
#define US_KNN_H

#include <stdint.h>
#include "base/base.h"
#include "feat/feat.h"
#include "io/dataset.h"
#include "model/mfile.h"
#include "text/text.h"
#include "task/taxonomy.h"

#define US_KNN_SECTION "KNN1"
#define US_KNN_FORMAT 1
#define US_KNN_MAX_K 1000
#define US_KNN_K 20          /* the default: docs/ACCURACY.md P19 */
#define US_KNN_WEIGHT 0.35f
#define US_KNN_ID 32         /* bytes of an article id in the section */

/* An index ready to query: arrays borrowed from a model file or a build. */
typedef struct us_knn {
    int present;
    uint32_t k, n_arts, bits, n_post;
    float weight;
    const uint32_t *frames;
    const float *inv_norm;
    const uint8_t *lang;
    const uint32_t *slot;    /* (1 << bits, 3): key, first posting, postings */
    const uint32_t *post;
    const char *ids;         /* (n_arts, US_KNN_ID), each NUL-terminated */
} us_knn;

/* A built index: the section's bytes (owned) and the dataset index of each
 * of its articles. */
typedef struct us_knn_build {
    unsigned char *blob;
    size_t size;
    uint32_t *art_of;        /* (n_arts) */
    us_knn view;
} us_knn_build;

/* Per-query working memory (zeroed to start; us_knn_scratch_fini). */
typedef struct us_knn_scratch {
    uint32_t *wkey, *wcnt; size_t cap_w;            /* the query's distinct words: a */
    size_t n_w;                                     /* table of n_w <= cap_w slots */
    float *score; size_t cap_score;                 /* (n_arts) */
} us_knn_scratch;

/* Indexes the framing texts of the articles with frames and a known language
 * (and art_in[a] set, NULL = all). Word keys come from us_fz_word_hash under
 * fcfg, as in analysis. k: 1..US_KNN_MAX_K; weight: 0..1. Deterministic.
 * Errors: US_EINVAL, US_ENOMEM. */
int us_knn_train(const us_dataset *ds, const uint8_t *art_in, const us_feat_cfg *fcfg,
                 uint32_t k, float weight, us_knn_build *b, us_err *err);
void us_knn_build_fini(us_knn_build *b);
int us_knn_write(const us_knn_build *b, us_mfw *w, us_err *err);
/* Reads section KNN1; without one, out->present = 0 and US_OK. */
int us_knn_load(us_mfile *mf, us_knn *out, us_err *err);

/* The vote p_knn (L = US_N_FRAME_LABELS) of the k nearest articles of
 * language 'lang' to text t, skipping index articles with skip[j] set (NULL =
 * none; the trainer's inner folds). nb (optional, k entries): their index
 * numbers, most similar first, and sim their similarities. Returns the number
 * of neighbours (0: no index, no language or no article of it: p untouched),
 * or -1 on out of memory. */
int us_knn_vote(const us_knn *kn, us_knn_scratch *s, us_fz *fz, const us_text *t, int lang,
                const uint8_t *skip, float *p, uint32_t *nb, float *sim);
/* p = (1 - w) p + w pk over the L frame labels. */
void us_knn_blend(const us_knn *kn, const float *pk, float *p);
void us_knn_scratch_fini(us_knn_scratch *s);

#endif
