/* units.h -- what a model looks at: the feature vector of an article or a paragraph.
 *
 * Training and prediction both call these, so the two can never disagree. */
#ifndef US_UNITS_H
#define US_UNITS_H

#include "feat/feat.h"
#include "text/text.h"

/* Article-level features (genre, framing): all tokens, cues, language. */
int us_unit_article(us_fz *fz, const us_text *t, int lang, us_fvec *out);
/* Paragraph-level features (techniques) of line 'line' (0-based), which is
 * the 'ordinal'-th non-empty line (0 = title): its tokens and cues, words of
 * the neighbouring non-empty lines as context, the position and the language. */
int us_unit_paragraph(us_fz *fz, const us_text *t, int lang, uint32_t line, uint32_t ordinal,
                      us_fvec *out);
/* With cfg.ctx_blocks, a paragraph's vector is its own part (us_unit_paragraph_own
 * without context, normalised alone; fz->n_own entries) followed by the
 * context block (us_unit_context) of each neighbour. A line's block does not
 * depend on which paragraph it is the neighbour of, so analysis scores it
 * once per line instead of twice. Without ctx_blocks, with_ctx merges the
 * neighbours' words into the paragraph's own vector. */
int us_unit_paragraph_own(us_fz *fz, const us_text *t, int lang, uint32_t line,
                          uint32_t ordinal, int with_ctx, us_fvec *out);
/* The words of line 'line' in the context namespace, L2-normalised and
 * scaled by w_ctx. */
int us_unit_context(us_fz *fz, const us_text *t, uint32_t line, us_fvec *out);
/* Features of tokens [a, b) alone (a gold span used as a training item):
 * its tokens, cues and language, no context or position. */
int us_unit_span(us_fz *fz, const us_text *t, int lang, uint32_t a, uint32_t b, us_fvec *out);
/* Whether a line carries text (has at least one token). */
int us_line_nonempty(const us_text *t, uint32_t line);

#endif
