/* span.c -- technique span prediction (no span head yet: predicts none). */
#include "task/span.h"

int us_span_predict(const us_model *m, const us_text *t, int lang, uint32_t line,
                    us_para_result *p, us_err *err)
{
    (void)m; (void)t; (void)lang; (void)line; (void)err;
    p->spans = NULL;
    p->n_spans = 0;
    return US_OK;
}
