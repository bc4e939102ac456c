/* feat.h -- tokens -> sparse hashed feature vectors.
 *
 * A feature is a (bucket, value) pair: the bucket is a hash of a namespaced
 * string (word, word bigram, character n-gram, cue) modulo 2^bucket_bits.
 * Vectors are built in two steps: any number of us_fz_add_* calls collect
 * raw hashed items, then us_fz_finish merges duplicates, applies log(1+tf)
 * weighting and L2-normalises. No allocation after warm-up: the featurizer
 * keeps its scratch arrays between calls (one featurizer per thread).
 *
 * When explain mode is on, each item also remembers a readable name
 * ("w:farce", "c:<tro", "cue:!") so that explanations can name their cues. */
#ifndef US_FEAT_H
#define US_FEAT_H

#include <stddef.h>
#include <stdint.h>
#include "base/base.h"
#include "text/text.h"

typedef struct us_feat_cfg {
    uint32_t bucket_bits;    /* n_buckets = 1 << bucket_bits, 10..24 */
    uint32_t seed;           /* hash seed */
    uint32_t word_max_n;     /* 1 = unigrams, 2 = + bigrams */
    uint32_t char_min_n;     /* character n-grams inside words; 0 disables */
    uint32_t char_max_n;
    float w_word, w_bigram, w_char, w_cue, w_ctx;   /* namespace weights */
} us_feat_cfg;

void us_feat_cfg_default(us_feat_cfg *cfg);

typedef struct us_feat { uint32_t idx; float val; } us_feat;

typedef struct us_fvec {
    us_feat *f;
    uint32_t n, cap;
} us_fvec;

void us_fvec_init(us_fvec *v);
void us_fvec_fini(us_fvec *v);
/* Copies 'src' into 'dst' (reusing dst's memory). */
int us_fvec_copy(us_fvec *dst, const us_fvec *src);

/* Namespaces; the numbers are part of the model format (hash seeds). */
enum {
    US_NS_WORD = 1, US_NS_BIGRAM = 2, US_NS_CHAR = 3, US_NS_CUE = 4, US_NS_LANG = 5,
    US_NS_CTX = 6, US_NS_POS = 7
};

typedef struct us_fz_item { uint64_t h; float w; uint32_t name_off; } us_fz_item;

typedef struct us_fz {
    us_feat_cfg cfg;
    us_fz_item *items; size_t n_items, cap_items;
    int explain;                  /* keep names for explanations */
    us_buf names;                 /* NUL-separated names, indexed by name_off */
    int oom;
} us_fz;

void us_fz_init(us_fz *fz, const us_feat_cfg *cfg);
void us_fz_fini(us_fz *fz);
void us_fz_reset(us_fz *fz);      /* drops pending items, keeps memory */

/* Adds the features of tokens [a, b) of 't': words, bigrams and character
 * n-grams (per cfg), scaled by 'weight'. With 'ctx' set, only words are added,
 * in the context namespace (used for neighbouring paragraphs and the article). */
void us_fz_add_tokens(us_fz *fz, const us_text *t, uint32_t a, uint32_t b, float weight, int ctx);
/* Adds punctuation, casing and length cues of tokens [a, b). */
void us_fz_add_cues(us_fz *fz, const us_text *t, uint32_t a, uint32_t b);
/* Adds one named indicator feature ("lang=en", "pos=first") in namespace 'ns'. */
void us_fz_add_flag(us_fz *fz, int ns, const char *name, float weight);
/* Merges pending items into 'out' (sorted by bucket, duplicates summed,
 * log(1+x) damped, L2-normalised). Pending items stay until us_fz_reset, so
 * us_fz_names_of still works afterwards. Returns US_ENOMEM if any step ran
 * out of memory. */
int us_fz_finish(us_fz *fz, us_fvec *out);
/* Explain mode only: the readable names of the pending items whose bucket is
 * 'idx' (as "a|b"), written to out (NUL-terminated); returns the length. */
size_t us_fz_names_of(const us_fz *fz, uint32_t idx, char *out, size_t cap);

#endif
