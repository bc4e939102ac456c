/* model.h -- the unspin model: feature configuration plus one linear head per task.
 *
 * Sections of the .usm container (see model/mfile.h for the container):
 *   META  UTF-8 key=value lines: version, data hash, seed, hyper-parameters
 *   FCFG  feature configuration: 6 x u32 (version, bucket_bits, seed, word_max_n,
 *         char_min_n, char_max_n) then 5 x f32 (w_word, w_bigram, w_char, w_cue, w_ctx),
 *         then (version >= 4) u32 char_linear, u32 lang_words; version 3 files load
 *         with both 0; then (version >= 5) f32 w_lex (LEXI present when > 0) and
 *         (version 6) u32 ctx_blocks
 *   IDF0  optional: f32 (n_buckets) inverse document frequency of each bucket,
 *         log((1 + N) / (1 + df)) + 1 over the training paragraphs (sklearn's smooth idf)
 *   LABL  label inventories: for each task, its label names joined by ',' and a
 *         '\n' after each task; must match this build's taxonomy exactly
 *   GENR, FRAM, TECH  one head each (any may be absent):
 *         offset  size        meaning
 *         0       4           n_labels (u32)
 *         4       4           n_buckets (u32): weight rows, 1 << bucket_bits, or a smaller
 *                             power of two (at least 2^10) when the head shares rows:
 *                             feature f then uses row f >> (bucket_bits - log2 n_buckets)
 *         8       4           softmax (u32, 0 or 1)
 *         12      4           reserved
 *         16      4*L         bias (f32)
 *         16+4L   4*R*L       decision thresholds on probabilities (f32), R = US_THR_ROWS
 *                             rows: row 0 for an unknown language, row 1+lang otherwise
 *         P       NB*S        weight rows, P = 16+4L+4RL rounded up to 64, S = stride
 *                             (us_qlinear_stride(L)): f32 scale, int8 weights[L], zero pad
 *   STK1  optional, with TECH: the second stage of the techniques head (stack.h):
 *         u32 n_labels, u32 D, then f32 weights (n_labels x D); D = US_STACK_D (24),
 *         or US_STACK_D_V1 (21) in models without the repeat statistics,
 *         US_STACK_D_SPAN (25) in models that read the span tagger (then SPAN
 *         is required), US_STACK_D_CUE (31) or US_STACK_D_CUE_SPAN (32) in
 *         models that read the line cue statistics too, US_STACK_D_CUE_LEX
 *         (33) in models that read the cues and the span lexicon (then SLEX
 *         is required)
 *   SLEX  optional: the span lexicon (spanlex.h)
 *   KNN1  optional, with FRAM: the nearest training articles (knn.h), whose
 *         frames are blended into the framing head's probabilities
 * Floats are used in place from the mapped file, so the loader refuses
 * big-endian hosts. */
#ifndef US_MODEL_H
#define US_MODEL_H

#include <pthread.h>
#include "feat/feat.h"
#include "text/text.h"
#include "model/linear.h"
#include "model/mfile.h"
#include "task/knn.h"
#include "task/span.h"
#include "task/spanlex.h"
#include "task/stack.h"
#include "task/wordvec.h"
#include "task/taxonomy.h"

#define US_FEAT_VERSION 4     /* bump when featurisation changes meaning */
#define US_FEAT_VERSION_LEX 5 /* 4 + valence-lexicon features (FCFG w_lex, LEXI section);
                                 written only by models that use them */
#define US_FEAT_VERSION_CTX 6 /* 5 (w_lex may be 0: no lexicon) + u32 ctx_blocks;
                                 written only by models with ctx_blocks */
#define US_THR_ROWS (1 + US_N_LANGS)  /* threshold rows: 0 = any language, 1 + lang */

typedef struct us_head {
    int present;
    int softmax;
    us_qlinear q;
    const float *thr;        /* (US_THR_ROWS, n_labels) */
    const float *stack;      /* STK1 (techniques): (n_labels, stack_d) weights, or NULL */
    uint32_t stack_d;        /* its layout (stack.h: US_STACK_D, US_STACK_D_V1, ...) */
} us_head;

/* Per-analysis working memory, recycled through the model's pool so that a
 * steady stream of analyses allocates nothing once warm. */
typedef struct us_scratch {
    us_text t;
    us_fz fz;
    us_fvec x;
    us_wordvec wv_article, wv_para;   /* char_linear models: genre+framing, techniques */
    us_span_cache *span_tc;           /* the span tagger's token cache; NULL until used */
    us_knn_scratch knn;               /* the framing head's nearest-article vote */
    struct us_scratch *next;
} us_scratch;

struct us_model {
    us_mfile *mf;
    us_feat_cfg fcfg;
    us_head heads[US_N_TASKS];
    us_span_model spans;      /* SPAN section; spans.present = 0 without one */
    us_spanlex spanlex;       /* SLEX section, read when the second stage uses it */
    us_knn knn;               /* KNN1 section, read with the framing head; present = 0 without */
    const float *idf;         /* IDF0 section (n_buckets) or NULL */
    const uint64_t *lex;      /* LEXI section (lexicon.c keys) or NULL */
    uint32_t n_lex;
    char *meta;               /* NUL-terminated copy of META */
    char version[80];         /* "unspin-model <hash>" for reports */
    pthread_mutex_t pool_mu;  /* guards 'pool' only; everything else is read-only */
    us_scratch *pool;
};

/* Takes a scratch from the pool (or makes one); NULL on out of memory. */
us_scratch *us_scratch_get(const us_model *m);
/* Returns it; explain mode and other per-call settings are reset by get. */
void us_scratch_put(const us_model *m, us_scratch *s);

/* A head being built by the trainer (float weights, owned). */
typedef struct us_head_build {
    int present;
    int softmax;
    us_linear lin;
    float thr[US_THR_ROWS][US_MAX_LABELS];
    int has_stack;           /* techniques: second stage (stack.h) */
    float stack[US_MAX_LABELS * US_STACK_D_MAX];
    uint32_t stack_d;        /* layout of 'stack': 0 or one of stack.h's */
} us_head_build;

/* Serialises a model into a container writer. OUT: *out (us_mfw_free). */
int us_model_build(const us_feat_cfg *fcfg, const us_head_build heads[US_N_TASKS],
                   const float *idf, const uint64_t *lex, uint32_t n_lex, const char *meta,
                   us_mfw **out, us_err *err);
/* Loads a model from a container; takes ownership of 'mf' on success.
 * 'tasks' (us_analyze_opts.tasks bits, 0 = all) limits which heads are read:
 * the others are neither parsed nor, in a lazy container, checksummed. */
us_model *us_model_from_mfile(us_mfile *mf, const char *name, int tasks, us_err *err);

#endif
