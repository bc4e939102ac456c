/* trainer.h -- from a dataset to model heads: features, training, thresholds, folds.
 *
 * One model is trained jointly on all languages (language is a feature).
 * Multi-label heads get one decision threshold per label, chosen on
 * out-of-fold probabilities of an inner cross-validation over the training
 * articles (labels with too few positives share the best global threshold). */
#ifndef US_TRAINER_H
#define US_TRAINER_H

#include "io/dataset.h"
#include "task/model.h"

typedef struct us_train_cfg {
    us_feat_cfg feat;
    us_train_params p[US_N_TASKS];
    uint32_t tasks;          /* bitmask of 1 << task */
    uint32_t inner_folds;    /* >= 2: tune thresholds by inner CV; else fixed 0.5 */
    uint32_t min_pos_thr;    /* labels with fewer OOF positives use the global threshold */
    int threads;
    int span_items;          /* add one training item per gold span (see us_corpus_build) */
    int idf;                 /* weight text features by inverse document frequency */
    int spans;               /* also train the span tagger (SPAN section) */
    int stack;               /* techniques: second stage with article context (stack.h) */
    uint32_t stack_folds;    /* inner folds of the techniques head when stacking */
    int stack_spans;         /* the second stage also reads the span tagger (stack.h) */
    int stack_cues;          /* the second stage also reads the line cue statistics */
    int stack_lex;           /* ... and the span lexicon (spanlex.h; needs stack_cues,
                                not with stack_spans) */
    uint32_t head_bits[US_N_TASKS];   /* weight rows of each head = 2^head_bits when
                                         smaller than feat.bucket_bits (then feature f
                                         uses row f >> the difference); 0 = one row a
                                         bucket. us_train_head_bits() */
    uint32_t lex_bits;       /* the span lexicon's hash buckets = 2^lex_bits */
    double lex_alpha;        /* its smoothing pseudo-tokens (spanlex.h) */
    uint32_t knn_k;          /* framing: blend the vote of the knn_k nearest training
                                articles (knn.h); 0 = off */
    float knn_weight;        /* ... with this weight */
    us_span_cfg span;
    const uint64_t *lex;     /* valence lexicon keys (us_lex_parse) used when feat.w_lex > 0 */
    uint32_t n_lex;
    void (*progress)(const char *msg, void *ud);
    void *progress_ud;
} us_train_cfg;

void us_train_cfg_default(us_train_cfg *cfg);
/* The weight rows of task t's head, as log2: head_bits[t] capped at the
 * feature buckets. */
uint32_t us_train_head_bits(const us_train_cfg *cfg, int t);

/* Feature vectors of every labelled unit of a dataset, computed once. */
typedef struct us_corpus {
    size_t n_arts;
    us_fvec *art_x[2];       /* [genre, framing] (n_arts): features of that subtask's text */
    uint32_t *art_y[2];      /* label masks (genre: one bit) */
    uint8_t *art_has[2];     /* labelled and has text */
    size_t n_paras;
    us_fvec *par_x;          /* (n_paras) */
    uint32_t *par_y;
    uint32_t *par_art;       /* article index of each paragraph */
    uint32_t *par_line;      /* 1-based line number; 0 for a span item */
    float *par_rep;          /* (n_paras x US_LINE_STATS) the line's repeat and cue
                                statistics (us_line_stats); zeros for a span item */
    size_t n_span_items;     /* items made from gold spans (par_line == 0) */
} us_corpus;

/* With span_items set, each gold span that lies inside a line labelled with
 * its technique also becomes a training item of its own (the span's tokens,
 * labelled with the techniques of the spans covering it): the annotated words
 * are the cues, the rest of a paragraph is mostly noise. */
int us_corpus_build(us_corpus *c, const us_dataset *ds, const us_train_cfg *cfg,
                    const float *idf, us_err *err);
/* Inverse document frequency of every bucket over the non-empty paragraphs
 * (subtask-3 lines, else the subtask-1/2 text) of the articles with
 * art_in[i] set (NULL = all). OUT: *idf, (n_buckets) floats (us_free). */
int us_idf_compute(const us_dataset *ds, const uint8_t *art_in, const us_feat_cfg *fcfg,
                   float **idf, us_err *err);
void us_corpus_fini(us_corpus *c);

/* The fold (0..k-1) of an article id: splitmix64 of the numeric id (or of
 * its FNV-1a hash when not numeric) mixed with the seed. bench/reference.py
 * implements the same function. */
uint32_t us_fold_of(const char *id, uint64_t seed, uint32_t k);

/* Trains the heads selected by cfg->tasks on the articles with art_in[i] != 0
 * (NULL = all). OUT: heads (caller calls us_head_build_fini on each). */
int us_train_heads(const us_corpus *c, const us_dataset *ds, const uint8_t *art_in,
                   const us_train_cfg *cfg, us_head_build heads[US_N_TASKS], us_err *err);
void us_head_build_fini(us_head_build *h);

/* Builds the model container: heads, plus the span tagger trained on the
 * same articles when cfg->spans, and the span lexicon when the techniques
 * head's second stage reads it. OUT: *out (us_mfw_free). */
int us_train_container(const us_dataset *ds, const uint8_t *art_in, const us_train_cfg *cfg,
                       const us_head_build heads[US_N_TASKS], const float *idf,
                       const char *meta, us_mfw **out, us_err *err);

/* key=value lines describing the training run (META section). OUT: *meta (us_free). */
int us_train_meta(const us_dataset *ds, const us_train_cfg *cfg, const char *langs, char **meta);

#endif
