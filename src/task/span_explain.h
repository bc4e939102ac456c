/* span_explain.h -- cues of span decisions (explanations; docs/SPANS.md).
 *
 * The span tagger's margin is a sum of per-token emissions (B for a span's
 * first token, I for the others, O = 0). The cues of a span are those
 * emission terms summed per named feature, the largest positive ones first.
 * The names spell out what the hash of extract() (span.c) encodes. */
#ifndef US_SPAN_EXPLAIN_H
#define US_SPAN_EXPLAIN_H

#include "task/span.h"

#define US_SPAN_NF 26           /* hashed features per token */
#define US_SPAN_H_PER_TOK 8     /* uint64 hash scratch per token */

/* Bucket ids of the US_SPAN_NF features of every token of [a, b) (the
 * tokens of one line) into out ((b - a) * US_SPAN_NF), exactly as decoding
 * computes them; h is scratch of US_SPAN_H_PER_TOK * (b - a). In span.c. */
void us_span_features(const us_span_model *sm, const us_text *t, uint32_t a, uint32_t b,
                      int lang, uint32_t *out, uint64_t *h);

/* Readable name of feature j (0..US_SPAN_NF-1) of token a + i, the line's
 * tokens being [a, b): "w:farce", "prev:ridiculous", "suf3:rce"... Written
 * NUL-terminated into out (cap >= 1), cut on a code-point boundary.
 * Returns its length. */
size_t us_span_feature_name(const us_text *t, uint32_t a, uint32_t b, int lang, uint32_t i,
                            int j, char *out, size_t cap);

/* Fills the cues of every span of p (as us_span_decode left them for the
 * same sm, t, lang and line): each span gets a us_calloc'ed array of
 * US_TOP_CUES (unused entries have name ""), freed by the owner of p
 * (us_analysis_free). Nothing to do without a model or spans. Errors:
 * US_EINVAL (line out of range), US_ENOMEM (the cues filled so far stay). */
int us_span_explain(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                    us_para_result *p, us_err *err);

#endif
