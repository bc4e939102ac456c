/* taxonomy.h -- the label inventories of SemEval-2023 Task 3, defined once.
 *
 * Every label is referred to by its index in these tables; names appear only
 * at the edges (reading label files, printing results). */
#ifndef US_TAXONOMY_H
#define US_TAXONOMY_H

#include <stddef.h>

typedef enum { US_TASK_GENRE = 0, US_TASK_FRAMING = 1, US_TASK_TECHNIQUES = 2 } us_task;
#define US_N_TASKS 3
#define US_N_GENRES 3
#define US_N_FRAMES 14
#define US_N_TECHNIQUES 23
#define US_MAX_LABELS 23

typedef struct us_label_info {
    const char *name;        /* official name, as in the label files */
    const char *short_name;  /* for narrow terminals and charts */
    const char *definition;  /* one line, for legends and the API */
    const char *color;       /* #rrggbb used by the report and the web page */
} us_label_info;

size_t us_tax_n_labels(us_task task);
const us_label_info *us_tax_label(us_task task, size_t id);
/* Looks a label up by its official name; returns its id or -1. Exact match
 * first, then a tolerant match (case, '-'/'_' and stray characters) that
 * repairs known misspellings such as "Appeal_to_Fear-Prejudi-čce". OUT:
 * *repaired = 1 when the tolerant match was used. */
int us_tax_find(us_task task, const char *name, size_t len, int *repaired);
const char *us_task_name(us_task task);            /* "genre", "framing", "techniques" */
int us_task_from_name(const char *name);           /* -1 if unknown */
int us_task_is_multilabel(us_task task);

/* Dataset language codes (as in the data folders) and their display names. */
#define US_N_LANGS 9
extern const char *const us_lang_codes[US_N_LANGS];  /* en fr ge it po ru es gr ka */
int us_lang_find(const char *code);                  /* -1 if unknown */

#endif
