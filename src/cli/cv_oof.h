/* cv_oof.h -- out-of-fold analyses of `unspin cv --oof` as JSON Lines. */
#ifndef US_CLI_CV_OOF_H
#define US_CLI_CV_OOF_H
#include <stdio.h>
#include "io/dataset.h"
#include "unspin.h"

/* Writes one line: article a analysed for 'task' (US_TASK_*) by the model of
 * fold 'fold' (0-based; written 1-based), 'gold' its label mask for genre or
 * framing (techniques take theirs from a). Genre and framing lines carry the
 * three probability sets and the predicted genre and frames, techniques lines
 * the paragraphs' only; every paragraph also has its predicted techniques. Returns
 * US_OK, US_ENOMEM or US_EIO. */
int cli_oof_write(FILE *f, const us_model *m, const us_article *a, int task, uint32_t fold,
                  uint32_t gold, const us_analysis *res);

#endif
