/* spanlex.h -- the span lexicon: how often a word's tokens lie inside a
 * technique's gold spans, as one more input of the techniques head's second
 * stage (stack.h, --stack-lex).
 *
 * The span tagger (span.h) finds localised cues that the paragraph's bag of
 * words dilutes, but costs 26 hashed features a token and a Viterbi pass a
 * technique. The lexicon costs one table row a token. For a word w of the
 * article's language (key x = the word's normal form with the language) and
 * technique k, counted over the word tokens of the labelled paragraphs of
 * the training articles (spans repaired by span_fix):
 *   p_w(k) = (in_w(k) + A prior_k) / (n_w + A)    w pooled over the languages
 *   p_x(k) = (in_x(k) + A p_w(k)) / (n_x + A)     w in this language
 *   s_x(k) = logit(p_x(k)) - logit(prior_k)
 * n = tokens, in(k) = tokens inside a span of k, prior_k = the share of all
 * tokens inside one, A = alpha pseudo-tokens (US_SPANLEX_ALPHA by default,
 * train --lex-alpha). A paragraph's input of technique k is the maximum of
 * s(k) over its word and number tokens,
 * where a word not seen in its language scores 0 (0 for a paragraph without
 * such tokens and for a language without training data). Counts are kept
 * per hashed bucket (1 << bits of them); words sharing a bucket share a
 * score. Prototype P14 in docs/ACCURACY.md.
 *
 * Scores are stored as 4-bit codes into 16 ascending levels per technique:
 * the levels are a 1-D k-means of the training paragraphs' maxima (what the
 * second stage reads), the one nearest 0 held at 0 (an unseen word still
 * scores 0), and a score takes the nearest level. Rounding to the
 * nearest of ascending levels is monotone, so the maximum of the codes is the
 * code of the maximum. A row takes 16 bytes, 4 to a cache line, where int8
 * rows took 24: 2^18 rows in 4 MB instead of 6 (docs/ACCURACY.md ablation 59).
 *
 * Section "SLEX" (little-endian):
 *   offset  size      meaning
 *   0       4         format version (US_SPANLEX_FORMAT)
 *   4       4         n_labels L (= US_N_TECHNIQUES)
 *   8       4         bits (10..22); NB = 1 << bits
 *   12      4         levels per technique (US_SPANLEX_LEVELS)
 *   16      4*L*16    per technique: 16 ascending levels (f32)
 *   1536    NB*16     one row per bucket: code of technique k in byte k/2,
 *                     low half for even k; unused halves and bytes zero
 * The loader checks the size, versions, L, bits, finite ascending levels and
 * the zero bits. */
#ifndef US_SPANLEX_H
#define US_SPANLEX_H

#include <stdint.h>
#include "base/base.h"
#include "feat/feat.h"
#include "io/dataset.h"
#include "model/mfile.h"
#include "text/text.h"
#include "task/taxonomy.h"

#define US_SPANLEX_SECTION "SLEX"
#define US_SPANLEX_FORMAT 2
#define US_SPANLEX_HEADER 1536   /* bytes before the rows */
#define US_SPANLEX_ROW 16
#define US_SPANLEX_LEVELS 16
#define US_SPANLEX_BITS 18
#define US_SPANLEX_ALPHA 20.0

/* A lexicon ready to score: rows borrowed from a model file or a build. */
typedef struct us_spanlex {
    int present;
    uint32_t bits;
    float level[US_N_TECHNIQUES][US_SPANLEX_LEVELS];   /* ascending */
    const uint8_t *rows;     /* (1 << bits, US_SPANLEX_ROW) */
} us_spanlex;

/* A trained lexicon (owns its rows). */
typedef struct us_spanlex_build {
    uint32_t bits;
    float level[US_N_TECHNIQUES][US_SPANLEX_LEVELS];
    uint8_t *rows;
} us_spanlex_build;

/* Counts the word tokens of the labelled lines (line_gold) of the articles
 * with art_in[a] set (NULL = all) that have a subtask-3 text and spans.
 * Word keys come from us_fz_word_hash under fcfg, as in analysis. bits: 10..22;
 * alpha > 0. Deterministic. Errors: US_ENOMEM, US_EINVAL (bits, alpha). */
int us_spanlex_train(const us_dataset *ds, const uint8_t *art_in, const us_feat_cfg *fcfg,
                     uint32_t bits, double alpha, us_spanlex_build *b, us_err *err);
void us_spanlex_build_fini(us_spanlex_build *b);
/* A view of a build (valid while the build lives). */
void us_spanlex_view(const us_spanlex_build *b, us_spanlex *out);
int us_spanlex_write(const us_spanlex_build *b, us_mfw *w, us_err *err);
/* Reads section SLEX; without one, out->present = 0 and US_OK. */
int us_spanlex_load(us_mfile *mf, us_spanlex *out, us_err *err);

/* Per line of t, the L = US_N_TECHNIQUES inputs described above. lang: the
 * language index, < 0 for none. fz: a featurizer with the model's feature
 * configuration (its word hashes). out: (t->n_lines x L). */
void us_spanlex_line_scores(const us_spanlex *sl, us_fz *fz, const us_text *t, int lang,
                            float *out);

#endif
