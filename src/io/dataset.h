/* dataset.h -- the official SemEval-2023 Task 3 training layout, in memory.
 *
 *   DIR/<lang>/train-articles-subtask-{1,2,3}/article<ID>.txt
 *   DIR/<lang>/train-labels-subtask-{1,2,3}.txt
 *   DIR/<lang>/train-labels-subtask-3-spans/article<ID>-labels-subtask-3.txt
 *
 * Each subtask keeps its own copy of the article text (the folders can differ
 * slightly). Problems (missing files, invalid UTF-8, labels for unknown
 * articles, bad rows) are reported through the callback as "file:line: ..."
 * and counted; the rest of the data is kept. */
#ifndef US_DATASET_H
#define US_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "io/labels.h"

typedef struct us_gold_span {
    uint32_t tech;
    uint32_t start_cp, end_cp;
} us_gold_span;

typedef struct us_article {
    char id[32];
    int lang;                 /* index into us_lang_codes */
    char *text[US_N_TASKS];   /* per subtask folder, NUL-terminated valid UTF-8, or NULL */
    size_t len[US_N_TASKS];
    int genre;                /* -1 when unlabelled */
    int has_frames;
    uint32_t frames;
    uint32_t n_lines;         /* lines of text[US_TASK_TECHNIQUES] */
    uint32_t *line_labels;    /* (n_lines) technique bitmask per line */
    uint8_t *line_gold;       /* (n_lines) 1 when the label file has a row for the line */
    us_gold_span *spans; size_t n_spans;
} us_article;

typedef struct us_dataset {
    us_article *arts; size_t n, cap;
    size_t n_problems;        /* everything reported through the callback */
    size_t n_label_skipped;   /* label rows dropped (malformed or unknown article/line) */
    size_t n_label_repaired;  /* misspelt labels repaired */
    size_t n_utf8_repaired;   /* articles with invalid UTF-8 replaced by U+FFFD */
    size_t n_span_shifted;    /* span files whose offsets counted CRLF (informational) */
    us_report_fn report; void *report_ud;
} us_dataset;

void us_dataset_init(us_dataset *ds, us_report_fn report, void *ud);
void us_dataset_fini(us_dataset *ds);
/* Loads languages 'langs' (comma-separated codes, NULL = all six) from 'dir'.
 * Fails only when nothing at all can be read (US_ENOTFOUND) or on ENOMEM. */
int us_dataset_load(us_dataset *ds, const char *dir, const char *langs, us_err *err);
/* Number of lines of a text under the text layer's policy ('\n' ends a line,
 * no extra line after a final '\n'). */
uint32_t us_count_lines(const char *s, size_t len);
/* Extracts the ID from "article<ID>.txt"; returns 0 if the name doesn't fit. */
int us_article_id_from_name(const char *name, char *id, size_t cap);

#endif
