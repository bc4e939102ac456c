/* stack.h -- article context for paragraph techniques: a second, stacked stage.
 *
 * The first stage scores each paragraph from its own words. Whether a
 * paragraph uses a technique also depends on the article around it: authors
 * (and annotators) who load one paragraph tend to load the next. The second
 * stage is, per technique k, a small logistic regression over the first
 * stage's probabilities of the whole article:
 *
 *   0  logit p_k of the paragraph          8-13  language one-hot (1/6 each
 *   1  logit of the mean p_k of the              for a language without
 *      article's other paragraphs                training data)
 *   2  max p_k of the other paragraphs     14-19 feature 0 x language one-hot
 *   3  p_k of the previous paragraph       20-22 the paragraph's repeat
 *   4  p_k of the next paragraph                 statistics (us_line_repeats:
 *   5  sum of the paragraph's p over all         share of its words found
 *      techniques                                elsewhere in the article,
 *   6  the same sum averaged over the            share found twice in it,
 *      other paragraphs                          log(1 + words))
 *   7  log(1 + number of paragraphs)       23    1 (bias)
 *
 * Models of the first version (US_STACK_D_V1 = 21 weights) have no 20-22:
 * their bias is 20. Models trained with --stack-spans (US_STACK_D_SPAN = 25)
 * read a 23rd input, the span tagger's best forced span of the technique in
 * the paragraph (us_span_scores), computed only where the first stage gives
 * the technique US_STACK_SPAN_FLOOR or more (else US_SPAN_SCORE_NONE); their
 * bias is 24. Models trained with --stack-cues (US_STACK_D_CUE = 31, or
 * US_STACK_D_CUE_SPAN = 32 with the span input at 30) read the paragraph's
 * US_LINE_CUES cue statistics (us_line_cues: questions, exclamations, quoted
 * and numeric share, names, capitals, word length) as inputs 23-29 after the
 * repeat statistics; the bias is last. Models trained with --stack-lex
 * (US_STACK_D_CUE_LEX = 33) read the cue statistics and, at 30, the span
 * lexicon's score of the technique in the paragraph (spanlex.h); input 31
 * is always 0 (the layouts keep distinct sizes) and its weight slot holds
 * instead the stand-in for input 30 in a language the lexicon has no rows
 * for (the mean of input 30 over the training rows); the bias is 32.
 *
 * It is trained on out-of-fold first-stage probabilities (trainer.c), so it
 * learns how far to trust the first stage in each language, and its output is
 * calibrated enough for one global threshold. */
#ifndef US_STACK_H
#define US_STACK_H

#include <stddef.h>
#include <stdint.h>
#include "base/base.h"
#include "feat/feat.h"

#define US_STACK_LANGS 6      /* languages with training data: en fr ge it po ru */
#define US_STACK_D 24         /* weights per technique, the bias last */
#define US_STACK_D_V1 21      /* the same in models without the repeat statistics */
#define US_STACK_D_SPAN 25    /* the same plus the span tagger's score (--stack-spans) */
#define US_STACK_D_CUE 31     /* 24 plus the line cue statistics (--stack-cues) */
#define US_STACK_D_CUE_SPAN 32   /* both */
#define US_STACK_D_CUE_LEX 33    /* the cues plus the span lexicon (--stack-lex) */
#define US_STACK_LEX_IN (20 + US_STACK_X)          /* its lexicon input, 30 */
#define US_STACK_LEX_STANDIN (US_STACK_LEX_IN + 1) /* the slot of its stand-in, 31 */
#define US_STACK_D_MAX 33
#define US_STACK_SPAN_FLOOR 0.05f   /* first-stage probability from which spans are scored */

/* The techniques whose span scores a paragraph's second stage reads: those
 * its first-stage probabilities p (L of them) put at US_STACK_SPAN_FLOOR or
 * more. Training and analysis both ask here, so they gate alike. */
static inline uint32_t us_stack_span_mask(const float *p, uint32_t L)
{
    uint32_t mask = 0;
    for (uint32_t k = 0; k < L; k++)
        if (p[k] >= US_STACK_SPAN_FLOOR) mask |= 1u << k;
    return mask;
}
/* Per-paragraph inputs besides the probabilities: the repeat statistics,
 * then the cue statistics (read by the US_STACK_D_CUE layouts only). */
#define US_STACK_X US_LINE_STATS

/* What a layout of D weights reads: how many of the US_STACK_X inputs (-1:
 * no such layout), and whether the span score follows them. */
static inline int us_stack_n_x(uint32_t D)
{
    switch (D) {
    case US_STACK_D_V1: return 0;
    case US_STACK_D: case US_STACK_D_SPAN: return US_REPEAT_STATS;
    case US_STACK_D_CUE: case US_STACK_D_CUE_SPAN: case US_STACK_D_CUE_LEX: return US_STACK_X;
    default: return -1;
    }
}
static inline int us_stack_reads_spans(uint32_t D)
{
    return D == US_STACK_D_SPAN || D == US_STACK_D_CUE_SPAN;
}
/* Whether the per-technique input after the statistics is the span lexicon's. */
static inline int us_stack_reads_lex(uint32_t D) { return D == US_STACK_D_CUE_LEX; }

/* Rewrites P (n paragraphs of one article in reading order, L probabilities
 * each, rows 'stride' bytes apart: L * sizeof(float) when packed, or the
 * size of a result struct holding them) with the second stage's
 * probabilities. w: (L x D), D one of the layouts above. X: (n x
 * US_STACK_X) repeat and cue statistics of the paragraphs (the layout reads
 * us_stack_n_x(D) of them; NULL reads zeros). lang: language index, or < 0 /
 * >= US_STACK_LANGS for one without training data. */
void us_stack_apply(const float *w, uint32_t D, uint32_t L, int lang, float *P, size_t n,
                    size_t stride, const float *X);
/* The same with per-technique inputs S (n x L, packed): span scores, which
 * the layouts of us_stack_reads_spans(D) read (NULL: US_SPAN_SCORE_NONE), or
 * span lexicon scores for us_stack_reads_lex(D) (NULL: each technique's
 * stand-in, for a language the lexicon has no rows for). */
void us_stack_apply_spans(const float *w, uint32_t D, uint32_t L, int lang, float *P, size_t n,
                          size_t stride, const float *X, const float *S);

/* End of the article group that starts at item s: items of one article are
 * contiguous and share g. */
static inline size_t us_stack_group_end(const uint32_t *g, size_t s, size_t n)
{
    size_t e = s + 1;
    while (e < n && g[e] == g[s]) e++;
    return e;
}

/* Training items: n paragraphs with first-stage probabilities P (n x L),
 * repeat statistics X (n x US_STACK_X), label masks Y, language, and article
 * group g (paragraphs of one article are contiguous and in reading order, g
 * equal within). Fits on the items with use[i] set (whole articles) and
 * writes w (L x US_STACK_D). Labels with fewer than min_pos positives get the
 * identity (output = first stage). Deterministic. Returns US_OK or US_ENOMEM. */
int us_stack_fit(const float *P, const float *X, const uint32_t *Y, const int *lang,
                 const uint32_t *g, const uint8_t *use, size_t n, uint32_t L, uint32_t min_pos,
                 float *w, us_err *err);
/* The same for layout D (US_STACK_D, US_STACK_D_SPAN, US_STACK_D_CUE,
 * US_STACK_D_CUE_SPAN or US_STACK_D_CUE_LEX; the span and lexicon layouts
 * read scores S, n x L, NULL reading as for us_stack_apply_spans but zeros
 * for the lexicon); w: (L x D), with the lexicon layout's stand-ins.
 * Errors also: US_EINVAL (another D). */
int us_stack_fit_spans(const float *P, const float *X, const float *S, const uint32_t *Y,
                       const int *lang, const uint32_t *g, const uint8_t *use, size_t n,
                       uint32_t L, uint32_t min_pos, uint32_t D, float *w, us_err *err);

#endif
