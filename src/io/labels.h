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
    size_t n_duplicate; /* rows repeating an earlier key (also counted in n_skipped):
                         * (id) for subtasks 1-2, (id, line) for subtask 3, the whole
                         * (id, technique, start, end) for spans; the first row wins */
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
/* Appends one row in the official format (with '\n') to 'out'. Labels are
 * written in taxonomy order. A US_TASK_TECHNIQUES row with line == 0 (spans
 * carry no paragraph line) is written in the spans format
 * ID<TAB>technique<TAB>start<TAB>end, using its lowest label bit. */
int us_labels_format_row(us_buf *out, us_task task, const us_label_row *row);

/* ---- aligning a prediction file with the gold file ----------------------
 * Items are keyed by (id, line). The result has one entry per gold row, in
 * gold order: gold_masks[i] is its gold set and pred_masks[i] the predicted
 * set, or 0 when the prediction file has no row for it (reported as
 * "missing", scored as an empty prediction; the official scorer would stop
 * with an error). Prediction rows whose key is not in gold are reported as
 * "extra" and ignored. Duplicates were already dropped by the parser. */
typedef struct us_label_align {
    size_t n_items;
    uint32_t *gold_masks;   /* (n_items), owned: free with us_label_align_fini */
    uint32_t *pred_masks;   /* (n_items), owned */
    size_t n_missing;       /* gold keys without a prediction row */
    size_t n_extra;         /* prediction rows whose key is not in gold */
} us_label_align;

/* Fills 'al' (caller storage; always safe to _fini afterwards). 'gold_name'
 * and 'pred_name' are used in messages. Returns US_OK or US_ENOMEM/US_EINVAL
 * (files of different tasks, or span files). */
int us_labels_align(us_label_align *al, const us_label_file *gold, const char *gold_name,
                    const us_label_file *pred, const char *pred_name, us_report_fn report,
                    void *ud, us_err *err);
void us_label_align_fini(us_label_align *al);

#endif
