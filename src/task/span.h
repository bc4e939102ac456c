/* span.h -- technique spans inside a paragraph: a BIO tagger per technique.
 *
 * Model: for each of the 23 techniques an independent linear-chain tagger
 * with tags O, B, I over the tokens of one paragraph (= line), trained as an
 * averaged structured perceptron (Collins 2002). All chains share one token
 * feature extractor (words, neighbours, bigrams, affixes, shape, position,
 * language; hashed into 2^bucket_bits buckets). Emission weights exist for B
 * and I only (O is the zero reference, which loses nothing: adding a constant
 * to all three tags of a token shifts every path by the same amount).
 *
 * A chain is trained only on the paragraphs whose labels contain its
 * technique, and at prediction time it is only run for the techniques the
 * paragraph classifier predicted, with a constrained Viterbi that forces at
 * least one B: every predicted technique gets >= 1 span, and no span has an
 * unpredicted technique.
 *
 * Confidence of a span of technique k (documented contract):
 *   conf = P(k | paragraph) * sigmoid(margin / T_k)
 * where margin (inside bias included) is the path score of the segment minus the score of the same
 * tokens tagged O (same neighbouring tags), T_k the mean absolute margin of
 * the segments predicted on the training paragraphs (stored in the model),
 * and P(k | paragraph) is p->prob_text[k], the paragraph's own first-stage
 * probability (taken as 1 when it is not in (0, 1]): the article context
 * (stack.h) decides whether a technique is there, not where. 
 *
 * Section "SPAN" of the model file (little-endian; floats IEEE-754 f32):
 *   offset        size      meaning
 *   0             4         format version (US_SPAN_FORMAT = 2; 1 is still read)
 *   4             4         feature version (US_SPAN_FEAT_VERSION)
 *   8             4         n_labels L (= US_N_TECHNIQUES)
 *   12            4         bucket_bits (10..22); NB = 1 << bucket_bits
 *   16            4         hash seed
 *   20            4         inside bias (f32): added to every B and I emission
 *   24            8         reserved, 0
 *   32            4*L*12    per technique: start[3] (O, B, I) then trans[3][3]
 *                           (from, to) -- O->I and start->I are never used
 *   32+48L        4*L       per technique: margin temperature T_k (> 0)
 *   format 2:
 *   R = 32+52L rounded up to 64
 *   R             NB*64     one 64-byte row per bucket (one cache line when the
 *                           section is 64-byte aligned, as the container makes it):
 *                           f32 scale (>= 0), int8 emission weights (L, 2) with
 *                           [k][0] = B, [k][1] = I, zero padding;
 *                           weight = scale * q
 *   format 1 (older models): 4*NB row scales at 32+52L, then the NB*L*2 int8
 *                           weights row-major (two cache misses per bucket)
 * The loader checks the exact size, versions, L, bucket_bits, finite floats
 * and T_k > 0; a model without the section simply has no span tagger. */
#ifndef US_SPAN_H
#define US_SPAN_H

#include <string.h>
#include "unspin.h"
#include "base/base.h"
#include "text/text.h"
#include "io/dataset.h"
#include "model/mfile.h"
#include "task/span_fix.h"
#include "task/taxonomy.h"

#define US_SPAN_FORMAT 2
#define US_SPAN_FEAT_VERSION 1
#define US_SPAN_SECTION "SPAN"

typedef struct us_span_cfg {
    uint32_t bucket_bits;     /* 10..22, default 17 */
    uint32_t seed;            /* hash seed */
    uint32_t epochs;          /* perceptron passes, default 8 */
    uint64_t shuffle_seed;    /* instance order */
    float inside_bias;        /* decode-time bonus for B and I (normalised units), default
                                 0.8; > 0 gives longer spans (tuned by span_cv, docs/SPANS.md) */
    int repair;               /* run us_span_fix_article on (copies of) the gold spans */
    void (*progress)(const char *msg, void *ud);
    void *progress_ud;
} us_span_cfg;

void us_span_cfg_default(us_span_cfg *cfg);

/* The trained tagger in float form (owned). */
typedef struct us_span_build {
    uint32_t bucket_bits, seed;
    float inside_bias;
    float *w;                                  /* (NB, L, 2) averaged emission weights */
    float trans[US_N_TECHNIQUES][12];          /* start[3], trans[3][3] */
    float temp[US_N_TECHNIQUES];               /* margin temperature T_k */
    us_span_fix_stats fix[US_N_LANGS];         /* repair counts per language */
    size_t n_instances;                        /* (paragraph, technique) pairs trained on */
} us_span_build;

/* The serving form: views into a loaded model file (immutable, shareable
 * across threads). present = 0 when the model has no SPAN section. */
typedef struct us_span_model {
    int present;
    uint32_t bucket_bits, seed;
    float inside_bias;
    const float *trans;       /* (L, 12) */
    const float *temp;        /* (L) */
    /* Bucket f's scale is the f32 at scale + f * stride and its (L, 2) int8
     * weights start at q + f * stride (format 2: one row; format 1: the
     * scale array has stride 4 and the weights L * 2, see span_row_*). */
    const unsigned char *scale;
    const int8_t *q;
    uint32_t scale_stride, q_stride;
} us_span_model;

/* Scale and weights of bucket f (inline: decoding calls them per feature). */
static inline float us_span_scale(const us_span_model *sm, uint32_t f)
{
    float s;
    memcpy(&s, sm->scale + (size_t)f * sm->scale_stride, 4);
    return s;
}
static inline const int8_t *us_span_q(const us_span_model *sm, uint32_t f)
{
    return sm->q + (size_t)f * sm->q_stride;
}

/* Trains the tagger on the articles with art_in[i] != 0 (NULL = all) that
 * have subtask-3 text and spans. Gold spans are repaired on copies when
 * cfg->repair (the dataset is not modified). OUT: *out (us_span_build_fini).
 * Errors: US_EINVAL (bad cfg), US_ENOMEM. Deterministic for a given cfg. */
int us_span_train(const us_dataset *ds, const uint8_t *art_in, const us_span_cfg *cfg,
                  us_span_build *out, us_err *err);
void us_span_build_fini(us_span_build *b);

/* Quantises and adds the "SPAN" section to a model writer. */
int us_span_write(const us_span_build *b, us_mfw *w, us_err *err);

/* Reads the "SPAN" section of a verified container into *out (views into
 * 'mf', valid while it is open). A missing section gives US_OK with
 * out->present = 0. Errors: US_EFORMAT (malformed, message names the
 * section), US_EVERSION (other format or feature version). */
int us_span_load(us_mfile *mf, us_span_model *out, us_err *err);
/* A trained tagger in its serving form, as a saved model would hold it
 * (quantised SPAN section in an in-memory container, then us_span_load).
 * OUT: *mf (us_mfile_close when done with *out), *out. Errors: those of
 * us_span_write, the container and us_span_load. */
int us_span_serve(const us_span_build *b, us_mfile **mf, us_span_model *out, us_err *err);

/* Tokens [*a, *a + *n) of the paragraph on line index 'line' (shared by
 * decoding and explaining). Errors: US_EINVAL (line out of range). */
int us_span_line_tokens(const us_text *t, uint32_t line, uint32_t *a, uint32_t *n, us_err *err);

/* For every technique k in 'mask', out[k] = the best span of k on line
 * 'line' forced by constrained Viterbi: its margin over tagging it O, divided
 * by the technique's temperature (the logit of a span's confidence before the
 * paragraph probability). US_SPAN_SCORE_NONE for the techniques not in
 * 'mask', and for all without a span model or tokens. */
#define US_SPAN_SCORE_NONE (-3.0f)
int us_span_scores(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                   uint32_t mask, float *out, us_err *err);

/* A per-thread cache of the token-local features of repeated words (about
 * 150 KB; one thread at a time; valid across models and texts). NULL when
 * out of memory. */
typedef struct us_span_cache us_span_cache;
us_span_cache *us_span_cache_new(void);
void us_span_cache_free(us_span_cache *c);

/* The tagger's emissions for the techniques in 'mask' over one line, kept so
 * that scoring (us_span_pass_scores) and decoding (us_span_pass_decode) of the
 * same paragraph look the weights up once. 'cache' may be NULL (the same
 * result, slower). *out is NULL when there is nothing to decode (no model, no
 * tokens, empty mask). Errors: US_EINVAL (line out of range), US_ETOOBIG,
 * US_ENOMEM. */
typedef struct us_span_pass us_span_pass;
int us_span_pass_new(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                     uint32_t mask, us_span_cache *cache, us_span_pass **out, us_err *err);
void us_span_pass_free(us_span_pass *w);
/* The techniques whose emissions the pass holds (0 for NULL). */
uint32_t us_span_pass_mask(const us_span_pass *w);
/* us_span_scores from a pass (w may be NULL: all US_SPAN_SCORE_NONE). */
void us_span_pass_scores(const us_span_model *sm, us_span_pass *w, float *out);
/* us_span_decode from a pass made on the same text, line and model; every
 * technique of p->techniques must be in the pass (else US_EINVAL). w may be
 * NULL: no spans. */
int us_span_pass_decode(const us_span_model *sm, const us_text *t, us_span_pass *w,
                        us_para_result *p, us_err *err);

/* Fills p->spans / p->n_spans (us_malloc'ed, caller frees with us_free; NULL
 * and 0 when nothing is predicted) for the paragraph on line index 'line'
 * (0-based index into t->lines, as analyze.c iterates) and the techniques
 * set in p->techniques, with code-point and byte offsets into t->text.
 * Spans are ordered by technique, then by start. 'lang' is the
 * us_lang_codes index or -1. 'sm' may be NULL or not present: no spans.
 * 'cache' is the calling thread's token cache, or NULL (the same spans).
 * Thread-safe for a shared model. Errors: US_EINVAL (line out of range),
 * US_ENOMEM. */
int us_span_decode(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                   us_span_cache *cache, us_para_result *p, us_err *err);

#endif
