/* analyze.h -- internals of analyze.c for the programs built with the library. */
#ifndef US_TASK_ANALYZE_H
#define US_TASK_ANALYZE_H

#include "base/base.h"
#include "unspin.h"

/* us_analysis_json appended to 'out' (batch writes it straight into its
 * output line instead of copying a separate string). US_OK or US_ENOMEM
 * (out->oom set). */
int us_analysis_json_append(const us_model *m, const us_analysis *a, const char *text, size_t len,
                            us_buf *out);

#endif
