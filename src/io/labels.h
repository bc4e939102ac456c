/* labels.h -- SemEval-2023 Task 3 label files: read, validate, write.
 *
 * Formats (tab-separated, one record per line):
 *   subtask 1  ID<TAB>genre
 *   subtask 2  ID<TAB>frame,frame,...      (empty set allowed)
 *   subtask 3  ID<TAB>LINE<TAB>tech,tech,... (LINE 1-based; empty set allowed)
 *   spans      ID<TAB>technique<TAB>start<TAB>end   (code points, end exclusive)
 * Label sets are bitmasks over taxonomy ids (US_MAX_LABELS <= 32).
 *
 * Reading is forgiving and loud: a malformed row or unknown label is reported
 * as "file:line: message" through the 'report' callback and skipped (unknown
 * labels are dropped from the row, the rest of the row is kept); misspellings
 * that us_tax_find can repair are repaired and reported. Counters tell the
 * caller how many rows were read, skipped and repaired. A trailing '\r',
 * blank lines and a UTF-8 BOM are tolerated. */
#ifndef US_LABELS_H
#define US_LABELS_H

#include <stddef.h>
#include <stdint.h>
#include "../base/base.h"
#include "../task/taxonomy.h"

typedef struct us_label_row {
    char id[32];        /* article id as written (digits in the official data) */
    uint32_t line;      /* subtask 3 and spans: 1-based paragraph line; 0 otherwise */
    uint32_t labels;    /* bitmask of label ids (subtask 1: exactly one bit) */
    uint32_t start_cp, end_cp; /* spans only */
    uint32_t src_line;  /* line in the label file, for messages */
} us_label_row;

typedef struct us_label_file {
    us_task task;
    int is_spans;
    us_label_row *rows; size_t n_rows, cap_rows;
    size_t n_skipped;   /* malformed rows dropped */
    size_t n_repaired;  /* labels fixed by tolerant matching */
    size_t n_unknown;   /* unknown label names dropped */
} us_label_file;

/* Receives one problem report ("file:line: message"); may be NULL. */
typedef void (*us_report_fn)(const char *msg, void *ud);

void us_label_file_init(us_label_file *lf, us_task task, int is_spans);
void us_label_file_fini(us_label_file *lf);
/* Parses a label file held in memory; 'name' is used in messages. Appends rows. */
int us_labels_parse(us_label_file *lf, const char *name, const char *data, size_t len,
                    us_report_fn report, void *ud, us_err *err);
int us_labels_read(us_label_file *lf, const char *path, us_report_fn report, void *ud,
                   us_err *err);
/* Appends one row in the official format (with '\n') to 'out'. */
int us_labels_format_row(us_buf *out, us_task task, const us_label_row *row);

#endif
