/* span.h -- technique spans inside a paragraph.
 *
 * Placeholder contract for the span model (issue: technique spans): given a
 * tokenised article and one of its paragraphs whose techniques are already
 * predicted, fill p->spans with the fragments that carry them. The current
 * implementation predicts no spans when the model has no span head. */
#ifndef US_SPAN_H
#define US_SPAN_H

#include "unspin.h"
#include "text/text.h"

int us_span_predict(const us_model *m, const us_text *t, int lang, uint32_t line,
                    us_para_result *p, us_err *err);

#endif
